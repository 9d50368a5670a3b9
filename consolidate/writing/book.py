"""The workbooks written from scratch, row by row: the register, adjustments, the fast channel.

Written with XlsxWriter through its public API (the annotated copies and the templates,
which edit or lay out a workbook cell by cell, stay with openpyxl). It streams each row
to disk as it is written (``constant_memory``: a city's register takes no more memory
than a district's) and is 2-3 times faster than openpyxl's write-only mode for the same
cells (``benchmarks/writers.py``, README "Performance").

A cell looks as :mod:`.xlsx` says, in openpyxl's terms (its fonts, fills, borders): one
house style for the copies openpyxl writes and the books written here. :class:`Look`
turns one into an XlsxWriter format, made once per workbook. Widths and heights are
written exactly as given (in XlsxWriter's pixels, unrounded), so that the page fitting of
:mod:`.paper` holds to the hundredth of a unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill

from consolidate.writing.files import atomic_path
from consolidate.writing.xlsx import (
    BOX,
    DATE_FORMAT,
    EXCEL_MAX_CHARS,
    HEADER_ALIGNMENT,
    HEADER_FILL,
    HEADER_FONT,
    LINK_FONT,
    WRAP,
    Link,
    row_height,
    xlsx_text,
)

# XlsxWriter keeps a column's width in pixels of Calibri 11's digit (7 to a width unit)
# and a row's height in pixels (4 to 3 points); both are written back divided, so a
# width or height given as unrounded pixels is written as it was meant.
DIGIT_PIXELS = 7
POINT_PIXELS = 4 / 3
OPTIONS = {
    "constant_memory": True,  # each row to disk when the next begins
    # Text stays text whatever it looks like (OWASP): never a formula, number or link.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
BORDER_STYLES = {"thin": 1}  # the house's one border (XlsxWriter's index)
VERTICAL = {"center": "vcenter", "top": "top", "bottom": "bottom"}
UNDERLINES = {"single": 1, "double": 2}


# ---------------------------------------------------------------- how a cell looks
@dataclass(frozen=True, slots=True)
class Look:
    """A cell's font, fill, border, alignment and number format (openpyxl's objects)."""

    font: Font | None = None
    fill: PatternFill | None = None
    border: Border | None = None
    alignment: Alignment | None = None
    number_format: str | None = None

    def properties(self) -> dict[str, Any]:
        """The XlsxWriter format of this look; a setting it cannot say is refused, never
        dropped (a look added to :mod:`.xlsx` must be added here too)."""
        found: dict[str, Any] = {}
        if self.font is not None:
            found |= _font(self.font)
        if self.fill is not None:
            found |= _fill(self.fill)
        if self.border is not None:
            found |= _border(self.border)
        if self.alignment is not None:
            found |= _alignment(self.alignment)
        if self.number_format is not None:
            found["num_format"] = self.number_format
        return found


def _font(font: Font) -> dict[str, Any]:
    _only(font, "name", "sz", "b", "u", "color")
    found: dict[str, Any] = {}
    if font.name:
        found["font_name"] = font.name
    if font.sz:
        found["font_size"] = float(font.sz)
    if font.b:
        found["bold"] = True
    if font.u:
        found["underline"] = UNDERLINES[font.u]
    if font.color is not None:
        found["font_color"] = _rgb(font.color)
    return found


def _fill(fill: PatternFill) -> dict[str, Any]:
    if fill.fill_type != "solid":
        raise ValueError(f"a fill XlsxWriter is not given: {fill.fill_type}")
    return {"pattern": 1, "bg_color": _rgb(fill.fgColor)}  # solid: its colour is the cell's


def _border(border: Border) -> dict[str, Any]:
    found = {}
    for side in ("left", "right", "top", "bottom"):
        line = getattr(border, side)
        if line is not None and line.style:
            if line.color is not None:
                raise ValueError("a coloured border XlsxWriter is not given")
            found[side] = BORDER_STYLES[line.style]
    return found


def _alignment(alignment: Alignment) -> dict[str, Any]:
    _only(alignment, "wrapText", "vertical", "horizontal")
    found: dict[str, Any] = {}
    if alignment.wrap_text:
        found["text_wrap"] = True
    if alignment.vertical:
        found["valign"] = VERTICAL[alignment.vertical]
    if alignment.horizontal:
        found["align"] = alignment.horizontal
    return found


def _only(style: Any, *known: str) -> None:
    """Refuse a setting of ``style`` beyond ``known`` (its XML names), unless a default."""
    default = type(style)()
    for name in style.__attrs__ + style.__elements__:
        if name not in known and getattr(style, name) != getattr(default, name):
            raise ValueError(f"a {type(style).__name__}.{name} XlsxWriter is not given")


def _rgb(color: Any) -> str:
    if color.type != "rgb":
        raise ValueError(f"a {color.type} colour XlsxWriter is not given")
    return "#" + color.rgb[-6:]  # Excel ignores the alpha


PLAIN = Look()


@dataclass(frozen=True, slots=True)
class Styled:
    """A value with its own look (a header, a title, a line above or below a table)."""

    value: object
    look: Look


def text_cell(ws: Any, value: object, **style: Any) -> Styled:
    """A text cell of ``ws`` looking as ``style`` says (``font=``, ``fill=``, ``border=``,
    ``alignment=``); its text stays text (``=…`` is no formula)."""
    return Styled(xlsx_text(value), Look(**style))


def header_cells(ws: Any, labels: Sequence[str], *, box: bool = False) -> list[Styled]:
    """Bold, shaded, wrapped header cells."""
    look = Look(HEADER_FONT, HEADER_FILL, BOX if box else None, HEADER_ALIGNMENT)
    return [Styled(xlsx_text(label), look) for label in labels]


# ---------------------------------------------------------------- a workbook
class Book:
    """A workbook being written; each look becomes an XlsxWriter format once."""

    def __init__(self, path: Path) -> None:
        # Imported here: the copies import this stage (paper.py) and never write a book,
        # and `check --annotate` starts cold.
        import xlsxwriter

        self.workbook = xlsxwriter.Workbook(str(path), OPTIONS)
        self._formats: dict[Look, Any] = {}

    def format(self, look: Look) -> Any:
        """The format of ``look`` (None for the workbook's default: no style at all)."""
        if look == PLAIN:
            return None
        found = self._formats.get(look)
        if found is None:
            found = self._formats[look] = self.workbook.add_format(look.properties())
        return found

    def sheet(self, title: str, widths: Sequence[float]) -> Sheet:
        return Sheet(self, title, widths)


@contextmanager
def new_book(path: Path | str) -> Iterator[Book]:
    """A workbook written to ``path`` atomically when the block ends without an error."""
    with atomic_path(path) as tmp:
        book = Book(tmp)
        yield book
        book.workbook.close()


class Sheet:
    """A sheet written top to bottom: widths first, then its rows one after the other.

    :meth:`append` writes a row of plain values (as they are) and :class:`Styled` cells;
    :meth:`values` a table row, every cell boxed (as asked), wrapped and centred
    vertically, dates formatted, :class:`~.xlsx.Link` text linked. A row is as tall as the
    wrapped lines of its text (:func:`~.xlsx.row_height`).
    """

    def __init__(self, book: Book, title: str, widths: Sequence[float]) -> None:
        self.book, self.widths, self.count = book, list(widths), 0
        self.worksheet = book.workbook.add_worksheet(title)
        for column, width in enumerate(self.widths):
            self.worksheet.set_column_pixels(column, column, width * DIGIT_PIXELS)
        self._formats: dict[tuple[str | None, bool, str], Any] = {}

    # ------------------------------------------------------------ rows
    def append(
        self,
        cells: Sequence[object],
        values: Sequence[object] = (),
        height: float | None = None,
        span: int = 1,
    ) -> int:
        """Append ``cells`` (``values``: their texts, for the height; ``span`` > 1: the
        first cell merged across that many columns); returns the row number."""
        row = self._next_row(height or row_height(values, self.widths))
        for column, cell in enumerate(cells):
            style = self.book.format(cell.look) if isinstance(cell, Styled) else None
            value = cell.value if isinstance(cell, Styled) else cell
            if column == 0 and span > 1:
                self.worksheet.merge_range(row, 0, row, span - 1, None, style)
            self._write(row, column, value, style)
        return self.count

    def values(self, values: Sequence[object], *, fill: str | None = None, box: bool = True) -> int:
        """Append a table row: dates formatted, text wrapped, links blue, each cell filled
        and boxed as asked and centred vertically like the others of its row (a plain cell
        would sit at the bottom beside a wrapped one); an empty cell keeps its box."""
        row = self._next_row(row_height(values, self.widths))
        plain = self._format(fill, box, "")
        ws = self.worksheet
        for column, value in enumerate(values):
            if isinstance(value, str) and value:
                ws.write_string(row, column, _text(value), plain)
            elif isinstance(value, Link):
                self._link(row, column, value, fill, box)
            elif isinstance(value, dt.date):
                ws.write_datetime(row, column, value, self._format(fill, box, "date"))
            else:
                self._write(row, column, value, plain)
        return self.count

    # ------------------------------------------------------------ the sheet's settings
    def freeze(self, rows: int, columns: int = 0) -> None:
        """Keep the first ``rows`` rows and ``columns`` columns in view while scrolling."""
        self.worksheet.freeze_panes(rows, columns)

    def autofilter(self, header: int, columns: int) -> None:
        """A filter on the header row ``header`` (1-based) down to the last row so far."""
        self.worksheet.autofilter(header - 1, 0, self.count - 1, columns - 1)

    def print_area(self, columns: int) -> None:
        """Print the first ``columns`` columns of the rows written so far."""
        self.worksheet.print_area(0, 0, self.count - 1, columns - 1)

    # ------------------------------------------------------------ one cell
    def _next_row(self, height: float | None) -> int:
        row = self.count
        self.count += 1
        if height is not None:
            self.worksheet.set_row_pixels(row, height * POINT_PIXELS)
        return row

    def _format(self, fill: str | None, box: bool, kind: str) -> Any:
        """A table cell's format: wrapped, filled, boxed; a date's or a link's (made once)."""
        key = (fill, box, kind)
        found = self._formats.get(key)
        if found is None:
            look = Look(
                font=LINK_FONT if kind == "link" else None,
                fill=PatternFill("solid", fgColor=fill) if fill else None,
                border=BOX if box else None,
                alignment=WRAP,
                number_format=DATE_FORMAT if kind == "date" else None,
            )
            found = self._formats[key] = self.book.format(look)
        return found

    def _link(self, row: int, column: int, link: Link, fill: str | None, box: bool) -> None:
        text = _text(link.text)
        style = self._format(fill, box, "link")
        if self.worksheet.write_url(row, column, f"internal:{link.location}", style, text) < 0:
            # Past Excel's 65,530 links on a sheet (or a place too long): the text alone.
            self.worksheet.write_string(row, column, text, self._format(fill, box, ""))

    def _write(self, row: int, column: int, value: object, style: Any) -> None:
        ws = self.worksheet
        if isinstance(value, str) and value:
            ws.write_string(row, column, _text(value), style)
        elif value is None or value == "":
            if style is not None:  # an empty cell keeps its box
                ws.write_blank(row, column, None, style)
        elif isinstance(value, bool):
            ws.write_boolean(row, column, value, style)
        elif isinstance(value, dt.date):
            ws.write_datetime(row, column, value, style)
        elif isinstance(value, int | float):
            ws.write_number(row, column, value, style)
        else:
            ws.write_string(row, column, xlsx_text(value), style)


def _text(value: str) -> str:
    """Text a cell can hold (no control characters, within Excel's length): most already is."""
    return value if value.isprintable() and len(value) <= EXCEL_MAX_CHARS else xlsx_text(value)
