"""``adjustments.xlsx``: the requests of the year from the ledger, as the office acts on them.

``报送总局``: the requests to forward now, in the form's layout, ready for SAMR (the
office's own columns beside the form, outside the print area);
``退回区局``: the requests held back for their errors, by district, with the problems;
``全年台账``: every request of the year with where it stands. The batch a ``forward``
sends is the notice's Annex 1 filled in, and nothing else (:func:`write_batch`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment

from consolidate.ledger import record
from consolidate.model.outcome import Outcome
from consolidate.model.request import FORWARDED, HELD, Request
from consolidate.support.config import Config
from consolidate.support.wording import LANGS, label, labels
from consolidate.writing.book import Book, Sheet, header_cells, new_book, text_cell
from consolidate.writing.files import atomic_path
from consolidate.writing.paper import Page, Table, table_sheet, written_date
from consolidate.writing.register import LABELS
from consolidate.writing.template import build_filled_form, notes_text
from consolidate.writing.xlsx import ROW_FILLS, TITLE_FONT, table_widths

FORWARD_SHEET, RETURN_SHEET, YEAR_SHEET = (
    label("adjustments", key) for key in ("sheet-forward", "sheet-return", "sheet-year")
)
ADJUSTMENTS_SHEET = FORWARD_SHEET  # the sheet SAMR receives

# The ledger's columns and statuses; "lang" tells the table helpers which language.
LEDGER_LABELS = {lang: {**labels("adjustments", lang), "lang": lang} for lang in LANGS}


def _labels(lang: str) -> dict[str, str]:
    return {**LABELS.get(lang, LABELS["zh"]), **LEDGER_LABELS.get(lang, LEDGER_LABELS["zh"])}


# ---------------------------------------------------------------- adjustments.xlsx
def write_adjustments(
    outcome: Outcome, path: Path | str, received: dt.date | None = None, lang: str = "zh"
) -> None:
    """``adjustments.xlsx``: to forward, to send back, and the year's ledger.

    A run that kept no ledger (a library call) shows its own requests, as recorded now.
    """
    if outcome.ledger is None and not outcome.requests:
        outcome = record(None, outcome, received)
    config, requests = outcome.config, outcome.requests
    labels = _labels(lang)
    year = outcome.year or outcome.as_of.year
    with new_book(path) as book:
        form_sheet(
            book,
            FORWARD_SHEET,
            _forward_sheet(config, outcome.as_of, _to_forward(requests, config), labels),
        )
        form_sheet(
            book,
            RETURN_SHEET,
            _return_sheet(config, outcome.as_of, _to_return(requests, config), labels),
        )
        table_sheet(book, _year_table(requests, year, outcome.as_of, config, labels))


def write_batch(requests: Sequence[Request], day: dt.date, path: Path, config: Config) -> None:
    """A forwarded batch as sent to SAMR: the notice's Annex 1 filled in by the city office,
    dated the day it was sent, its rows in the order of ``报送总局``.

    The form and nothing else: no received or forward-by dates, no source files or rows
    (those are the office's own and stay in ``adjustments.xlsx``).
    """
    rows = [_form_values(r, n, config) for n, r in enumerate(in_order(list(requests), config), 1)]
    wb = build_filled_form(1, rows, config.city.office, day, config)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def in_order(requests: list[Request], config: Config) -> list[Request]:
    """District order of the configuration, then oldest received first, then file and row."""
    rank = config.district_rank
    return sorted(
        requests,
        key=lambda r: (rank.get(r.district or "", len(rank)), r.received, r.file, r.sheet, r.row),
    )


def _to_forward(requests: list[Request], config: Config) -> list[Request]:
    return in_order([r for r in requests if r.to_forward], config)


def _to_return(requests: list[Request], config: Config) -> list[Request]:
    return in_order([r for r in requests if r.returned], config)


def _form_values(request: Request, seq: int, config: Config) -> list[object]:
    """The request in the form's column order, 序号 numbered for the sheet."""
    return [
        seq if column.key == "seq" else request.cells.get(column.key, "")
        for column in config.annexes[1].columns
    ]


def _forward_sheet(
    config: Config, day: dt.date, requests: list[Request], labels: dict[str, str]
) -> FormSheet:
    extra = [labels[key] for key in ("received", "forward_by", "file", "row")]
    rows = [
        [*_form_values(r, n, config), r.received, r.forward_by, r.file, r.row]
        for n, r in enumerate(requests, 1)
    ]
    guessed = [n for n, r in enumerate(requests, 1) if not r.forward_by_exact]
    office = [labels["fallback"].format(rows="、".join(map(str, guessed)))] if guessed else []
    # On paper it is the form SAMR receives: the office's columns and note stay off it.
    notes = notes_text(config.annexes[1], config).split("\n")  # the batch's, the template's
    return FormSheet(config, day, extra, rows, notes, len(extra), office)


def _return_sheet(
    config: Config, as_of: dt.date, requests: list[Request], labels: dict[str, str]
) -> FormSheet:
    extra = [labels[key] for key in ("received", "problems", "district", "file", "row")]
    rows = [
        [*_form_values(r, n, config), r.received,
         "\n".join(_problem(p, labels) for p in r.problems), r.district or "", r.file, r.row]
        for n, r in enumerate(requests, 1)
    ]  # fmt: skip
    # On paper the form, when it came and what is wrong; the district (the form's bureau
    # says it) and the source on the screen only.
    return FormSheet(config, as_of, extra, rows, [], 3)


def _problem(problem: Sequence[str], labels: dict[str, str]) -> str:
    """A held request's problem in the sheet's language ((zh, en) in the ledger)."""
    return problem[1] if labels["lang"] == "en" else problem[0]


def _year_table(
    requests: list[Request], year: int, as_of: dt.date, config: Config, labels: dict[str, str]
) -> Table:
    """Every request received in ``year``, oldest first, with its status and dates.

    On paper what the office follows a request by (who, what, received, due, status,
    forwarded, problems); the batch, the received date's basis and the source on screen.
    """
    columns = config.annexes[1]
    header = [
        labels["number"], labels["district"], columns.column("name").name,
        columns.column("mobile").name, columns.column("adjustment").name,
        columns.column("original").name, columns.column("current").name, labels["received"],
        labels["forward_by"], labels["status"], labels["forwarded_on"], labels["problems"],
        labels["batch"], labels["received_from"], labels["file"], labels["row"],
    ]  # fmt: skip
    chosen = sorted(
        (r for r in requests if r.received.year == year), key=lambda r: (r.received, r.id or 0)
    )
    rows, fills = [], []
    for r in chosen:
        rows.append([
            r.id, r.district or "", r.person, r.mobile, r.adjustment, r.original or "无",
            r.current or "无", r.received, r.forward_by, _status(r, as_of, labels),
            r.forwarded_on, "\n".join(_problem(p, labels) for p in r.problems), r.batch or "",
            labels[f"from_{r.received_from}"], r.file, r.row,
        ])  # fmt: skip
        overdue = r.overdue(as_of)
        fills.append(
            ROW_FILLS["error"] if r.returned else ROW_FILLS["warning"] if overdue else None
        )
    heading = labels["year_title"].format(year=year, date=written_date(as_of, labels["lang"]))
    page = Page(printed=YEAR_PRINTED, heading=heading, numbered=True, lang=labels["lang"])
    return Table(YEAR_SHEET, header, rows, fills=fills, frozen_columns=3, page=page)


YEAR_PRINTED = 12  # 台账编号 … 问题; the batch, the date's basis and the source on screen


def status_text(request: Request, as_of: dt.date, lang: str = "zh") -> str:
    """Where a request stands, as 全年台账 says it (待报送, 已报送, 退回（已重新报送…）…)."""
    return _status(request, as_of, _labels(lang))


def _status(request: Request, as_of: dt.date, labels: dict[str, str]) -> str:
    if request.repeat_of is not None:
        return labels["repeat"].format(id=request.repeat_of)
    if request.status == FORWARDED:
        return labels["forwarded"]
    if request.status == HELD:
        if request.superseded_by is not None:
            return labels["superseded"].format(id=request.superseded_by)
        return labels["held"]
    return labels["overdue"] if request.overdue(as_of) else labels["pending"]


# ---------------------------------------------------------------- Annex 1 in the form's layout
@dataclass
class FormSheet:
    """What a sheet in Annex 1's layout holds: the form's columns plus ``extra`` ones."""

    config: Config
    as_of: dt.date  # the 填报日期 of the city's batch
    extra: list[str]  # headers after the form's columns (dates, sources, problems)
    rows: list[list[object]]
    notes: list[str]  # lines under the table
    unprinted: int = 0  # trailing extra columns kept off the paper (sources)
    office_notes: list[str] = field(default_factory=list)  # below the notes, off the paper


def form_sheet(book: Book, title: str, sheet: FormSheet) -> Sheet:
    """A sheet laid out as Annex 1: label, title, metadata, boxed table, notes.

    Every line of every cell is printed (rows as tall as their wrapped text), one page
    wide, the header repeated on every page.
    """
    spec = sheet.config.annexes[1]
    header = [c.name for c in spec.columns] + sheet.extra
    printed = len(header) - sheet.unprinted
    page = Page(title_rows=f"{HEADER_ROW}:{HEADER_ROW}", centered=True, printed=printed)
    widths = table_widths(header, sheet.rows, printed=printed)
    widths = page.fit(widths, sheet.rows)
    out = book.sheet(title, widths)
    page.apply(out)
    out.freeze(HEADER_ROW)
    _form_top(out, sheet.config, sheet.as_of, len(spec.columns))
    out.append(header_cells(out, header, box=True), header)
    for row in sheet.rows:
        out.values(row)
    for line in sheet.notes:
        out.append([text_cell(out, line)])
    out.print_area(printed)
    for line in sheet.office_notes:
        out.append([text_cell(out, line)])
    return out


HEADER_ROW = 4  # below the label, the title and the metadata line


def _form_top(out: Sheet, config: Config, as_of: dt.date, width: int) -> None:
    """The lines above Annex 1's header: label, title (across the form), metadata."""
    spec = config.annexes[1]
    title_style = {"font": TITLE_FONT, "alignment": Alignment(horizontal="center")}
    out.append([text_cell(out, spec.short_title)])
    out.append([text_cell(out, spec.title, **title_style)], height=24, span=width)
    out.append(_metadata_line(out, config, as_of, width))


def _metadata_line(out: Sheet, config: Config, as_of: dt.date, width: int) -> list[Any]:
    """填报单位 at the left, 填报日期 towards the right, as on the form."""
    line: list[Any] = [None] * width
    line[0] = text_cell(out, label("adjustments", "filled-by", office=config.city.office))
    filled_on = label("adjustments", "filled-on", year=as_of.year, month=as_of.month, day=as_of.day)
    line[max(1, width - 3)] = text_cell(out, filled_on)
    return line
