"""The data the reader produces: forms whose every value remembers its cell."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import NamedTuple

from consolidate.model.finding import Finding, column_letter


class Cell(NamedTuple):
    """A value as read, with the cell it came from (a merged cell: its top-left).

    A named tuple rather than a dataclass: a national inbox holds a million cells, and
    tuples are cheaper to build and to pass between the reading processes.
    """

    text: str
    raw: object
    row: int
    col: int
    merged: bool = False  # filled in from a merged range, not the range's own cell
    # Set when the value was read outside the form's sheet: a paragraph of a Word
    # document's body (``正文``), ``row`` its paragraph number and ``col`` 0 (no cell).
    sheet: str | None = None

    @property
    def ref(self) -> str:
        """``G7``."""
        return f"{column_letter(self.col)}{self.row}"

    @property
    def letter(self) -> str:
        return column_letter(self.col)


class Row(NamedTuple):
    """One data row of a form: field key -> cell, for the columns the sheet has."""

    number: int
    cells: dict[str, Cell]

    def text(self, key: str) -> str:
        """The cleaned text of a field ('' when empty or the column is absent)."""
        cell = self.cells.get(key)
        return cell.text if cell else ""

    def cell(self, key: str) -> Cell | None:
        return self.cells.get(key)


@dataclass(frozen=True, slots=True)
class Mail:
    """A saved e-mail (.eml, .msg) whose attachments are submissions (docs/rules.md decision 22).

    ``attachments`` were read as submissions; ``ignored`` lists what was not read (the
    body, other attachments, e-mails nested deeper than one level), so that nothing
    that came in goes unmentioned.
    """

    display: str
    sha256: str
    size: int
    sender: str
    subject: str
    date: dt.datetime | None  # the Date header, in the office's time zone (None: unreadable)
    attachments: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    path: Path | None = None  # the e-mail file, to take an attachment out again
    date_text: str = ""  # the Date header as written (what an unreadable one said)
    # False once the checks did not believe the Date (later than the run, or unreadable:
    # docs/rules.md decision 29): the file's time is the received date instead.
    believed: bool = True

    def attachment_name(self, display: str) -> str:
        """The attachment's name within the e-mail, from a submission's display name."""
        return display.removeprefix(self.display + "/")

    @property
    def received(self) -> dt.date | None:
        """The day the office received it: the date of its ``Date``, when believed."""
        return self.date.date() if self.date and self.believed else None


@dataclass(frozen=True, slots=True)
class PageReceipt:
    """A submission made through the page (``serve --inbox``), as its receipt beside the
    files records it: the moment it was saved is its received date (README 区局网页报送)."""

    number: str  # 回执编号
    moment: dt.datetime  # when the page saved it, in the office's time zone
    district: str  # the account that submitted it
    scans: tuple[str, ...] = ()  # the stamped scans of the same submission (file names)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """An input file as found: the path shown to people, its hash, size and time.

    A submission that came as an e-mail attachment is named ``<e-mail>/<attachment>``
    and keeps the e-mail it came in (``mail``); one made through the page keeps its
    receipt (``page``).
    """

    display: str
    path: Path
    sha256: str
    size: int
    mtime: float
    mail: Mail | None = None
    page: PageReceipt | None = None

    @property
    def received(self) -> dt.date:
        """The day it was received: the moment the page saved it, else the e-mail's date,
        else the file's modification date."""
        if self.page is not None:
            return self.page.moment.date()
        if self.mail and self.mail.received:
            return self.mail.received
        return dt.datetime.fromtimestamp(self.mtime).date()

    @property
    def received_from(self) -> str:
        """Where :attr:`received` comes from: ``page``, ``mail`` or ``file`` (its time)."""
        if self.page is not None:
            return "page"
        return "mail" if self.mail and self.mail.received else "file"


@dataclass(slots=True)
class RowCounts:
    """Every non-empty row below a form's header, by what the reader made of it.

    ``nonempty`` is counted straight from the sheet, apart from the walk that sorts the
    rows: when the parts do not add up to it, a row was lost (docs/rules.md decision 16).
    """

    nonempty: int = 0  # rows below the header holding any text of their own
    data: int = 0  # read as data rows (the rules keep or reject them)
    template: int = 0  # blank numbered rows, column numbers, the header repeated
    closing: int = 0  # the lines that end the table and what stands under them
    outside: int = 0  # a person's data below the end of the table (row-outside-table)

    @property
    def exact(self) -> bool:
        """True when every non-empty row is accounted for, once."""
        return self.nonempty == self.data + self.template + self.closing + self.outside


@dataclass(slots=True)
class Form:
    """One sheet recognised as Annex 1, Annex 2 or a recommendation list (annex 3)."""

    source: SourceFile
    sheet: str
    annex: int
    header_row: int
    header_rows: int
    columns: dict[str, int]
    missing_columns: tuple[str, ...]
    metadata: dict[str, Cell]
    metadata_row: int
    rows: list[Row]
    counts: RowCounts = field(default_factory=RowCounts)
    # A person's data found below the end of the table: reported, never counted.
    outside_rows: list[Row] = field(default_factory=list)
    hidden_rows: frozenset[int] = frozenset()  # 1-based rows hidden in the sheet
    end_row: int | None = None  # the line that ended the table (notes …); None: the sheet's end
    title_row: int | None = None
    district: str | None = None
    district_from: str = ""  # "unit", "rows", "path" or ""
    template_version: str | None = None
    date: dt.date | None = None  # the parsed 填报日期, if any
    # Where ``metadata_row`` is when not on the form's sheet: a Word document's body
    # (``正文``), whose paragraphs hold the title and metadata lines.
    metadata_sheet: str | None = None
    # The recommendation type a sheet of one type gives every row (its name or title
    # says 新申请 or 延用); a row's own 推荐类型 cell, when filled, wins.
    row_type: str | None = None
    # 1-based (row, column) of the cells whose value cannot be read (an error value, a
    # formula without result): cell-unreadable is their only finding (decision 23).
    unreadable: frozenset[tuple[int, int]] = frozenset()

    def metadata_place(self) -> Cell:
        """Where the metadata line is, or belongs: its first cell, or a body paragraph."""
        if self.metadata_sheet:
            return Cell("", "", self.metadata_row, 0, sheet=self.metadata_sheet)
        return Cell("", "", self.metadata_row, 1)

    @property
    def file(self) -> str:
        return self.source.display

    def rows_read(self) -> set[int]:
        """1-based rows whose cells the form uses: title, metadata, header and data rows
        (as the form was read, before a Word table's rows are located)."""
        rows = {r.number for r in self.rows} | {c.row for c in self.metadata.values()}
        rows |= set(range(self.header_row, self.header_row + self.header_rows))
        return rows | {self.title_row} if self.title_row else rows

    def __reduce__(self) -> tuple[object, tuple[dict[str, object]]]:
        # Sent back from a reading worker: its rows as plain tuples, which pickle makes
        # in C, where each Cell and Row would go through its Python-level __new__ (a
        # 50,000-row roster: 2.3 s -> 0.5 s to send and receive).
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["rows"], state["outside_rows"] = _pack(self.rows), _pack(self.outside_rows)
        return _unpack_form, (state,)

    @property
    def blank_rows(self) -> int:
        """Rows below the header that hold no data (blank numbered template rows …)."""
        return self.counts.template


_Packed = list[tuple[int, tuple[str, ...], tuple[tuple[object, ...], ...]]]


def _pack(rows: list[Row]) -> _Packed:
    return [(row.number, tuple(row.cells), tuple(map(tuple, row.cells.values()))) for row in rows]


def _unpack(packed: _Packed) -> list[Row]:
    cell = partial(tuple.__new__, Cell)  # Cell(*values) without its Python-level __new__
    return [
        Row(number, dict(zip(keys, map(cell, cells), strict=True)))
        for number, keys, cells in packed
    ]


def _unpack_form(state: dict[str, object]) -> Form:
    form = object.__new__(Form)
    for name, value in state.items():
        setattr(form, name, value)
    form.rows = _unpack(form.rows)  # type: ignore[arg-type]
    form.outside_rows = _unpack(form.outside_rows)  # type: ignore[arg-type]
    return form


@dataclass(slots=True)
class ReadResult:
    """Everything read from one file: its forms, or why it could not be read."""

    source: SourceFile
    forms: list[Form] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unreadable: bool = False
    ignored_sheets: list[str] = field(default_factory=list)
    # A document that holds no annex (a cover letter in Word): listed as ignored, not read.
    ignored: bool = False

    @property
    def rows(self) -> int:
        return sum(len(f.rows) for f in self.forms)
