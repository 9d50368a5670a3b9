"""``adjustments.xlsx``: the city's batch of Annex 1 requests for SAMR, in the form's layout."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from consolidate.model.config import Config
from consolidate.model.form import Row
from consolidate.model.outcome import Outcome
from consolidate.values.functions import functions_text
from consolidate.values.names import normalize_name
from consolidate.values.phones import mobile_text
from consolidate.values.workdays import forward_by
from consolidate.writing.files import atomic_path
from consolidate.writing.register import LABELS
from consolidate.writing.xlsx import (
    TITLE_FONT,
    Page,
    Rows,
    column_widths,
    freeze,
    header_cells,
    set_widths,
    styled_cell,
    text_cell,
)

ADJUSTMENTS_SHEET = "附件1"


def _labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["zh"])


# ---------------------------------------------------------------- adjustments.xlsx
def adjustment_rows(
    outcome: Outcome, received: dt.date | None = None
) -> tuple[list[list[object]], list[int]]:
    """Annex 1 rows in the form's columns plus received, forward-by and source; inexact 序号."""
    config = outcome.config
    days = config.settings.deadlines.forward_working_days
    rows: list[list[object]] = []
    guessed: list[int] = []
    for form in outcome.in_district_order(outcome.forms_of(1)):
        got = received or form.source.received
        due, exact = forward_by(got, days)
        for row in outcome.kept_rows(form):
            rows.append(
                [*_adjustment_values(row, len(rows) + 1, config), got, due, form.file, row.number]
            )
            if not exact:
                guessed.append(len(rows))
    return rows, guessed


def _adjustment_values(row: Row, seq: int, config: Config) -> list[object]:
    """One Annex 1 row in the form's column order; 序号 renumbered for the city batch."""
    values: list[object] = []
    for column in config.annexes[1].columns:
        if column.key == "seq":
            values.append(seq)
        elif column.key in ("original", "current"):
            values.append(functions_text(row.text(column.key), config) or "无")
        elif column.key == "name":
            values.append(normalize_name(row.text("name")))
        elif column.key == "mobile":
            values.append(mobile_text(row.cell("mobile")))
        else:
            values.append(row.text(column.key))
    return values


def write_adjustments(
    outcome: Outcome, path: Path | str, received: dt.date | None = None, lang: str = "zh"
) -> None:
    """``adjustments.xlsx``: the city's Annex 1 batch for SAMR, in the form's own layout."""
    config = outcome.config
    labels = _labels(lang)
    extra = [labels[key] for key in ("received", "forward_by", "file", "row")]
    rows, guessed = adjustment_rows(outcome, received)
    notes = _notes(config)
    if guessed:
        notes.append(labels["fallback"].format(rows="、".join(map(str, guessed))))
    wb = Workbook(write_only=True)
    # What SAMR receives on paper: the form and the two dates, not our source columns.
    form_sheet(wb, ADJUSTMENTS_SHEET, FormSheet(config, outcome.as_of, extra, rows, notes, 2))
    with atomic_path(path) as tmp:
        wb.save(tmp)


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


def form_sheet(wb: Workbook, title: str, sheet: FormSheet) -> Any:
    """A write-only sheet laid out as Annex 1: label, title, metadata, boxed table, notes.

    Every line of every cell is printed (rows as tall as their wrapped text), one page
    wide, the header repeated on every page.
    """
    spec = sheet.config.annexes[1]
    header = [c.name for c in spec.columns] + sheet.extra
    widths = column_widths([header, *sheet.rows])
    ws = wb.create_sheet(title)
    set_widths(ws, widths)
    Page(title_rows=f"{HEADER_ROW}:{HEADER_ROW}", centered=True, margin=0.4).apply(ws)
    freeze(ws, HEADER_ROW)
    rows = Rows(ws, widths)
    _form_top(ws, rows, sheet.config, sheet.as_of, len(spec.columns))
    rows.append(header_cells(ws, header, box=True), header)
    for row in sheet.rows:
        rows.append([styled_cell(ws, value, box=True) for value in row], row)
    for line in sheet.notes:
        rows.append([text_cell(ws, line)])
    printed = len(header) - sheet.unprinted
    ws.print_area = f"A1:{get_column_letter(printed)}{rows.count}"
    return ws


HEADER_ROW = 4  # below the label, the title and the metadata line


def _form_top(ws: Any, rows: Rows, config: Config, as_of: dt.date, width: int) -> None:
    """The lines above Annex 1's header: label, title, metadata."""
    spec = config.annexes[1]
    ws.merged_cells.add(f"A2:{get_column_letter(width)}2")
    title_style = {"font": TITLE_FONT, "alignment": Alignment(horizontal="center")}
    rows.append([text_cell(ws, spec.short_title)])
    rows.append([text_cell(ws, spec.title, **title_style)], height=24)
    rows.append(_metadata_line(ws, config, as_of, width))


def _metadata_line(ws: Any, config: Config, as_of: dt.date, width: int) -> list[Any]:
    """填报单位 at the left, 填报日期 towards the right, as on the form."""
    line: list[Any] = [None] * width
    line[0] = text_cell(ws, f"填报单位：{config.city.office}")
    line[max(1, width - 3)] = text_cell(ws, f"填报日期：{as_of.year}年{as_of.month}月{as_of.day}日")
    return line


def _notes(config: Config) -> list[str]:
    """The form's own notes under the table, from the vocabularies."""
    return [
        f"备注：1．账号调整方式填写：{'、'.join(config.adjustments)}。",
        f"2．账号功能填写：{'、'.join(config.functions)}。",
    ]
