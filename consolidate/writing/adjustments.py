"""``adjustments.xlsx``: the city's batch of Annex 1 requests for SAMR, in the form's layout."""

from __future__ import annotations

import datetime as dt
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
    column_widths,
    header_cells,
    new_sheet,
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
    days = config.settings["deadlines"]["forward_working_days"]
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
    spec = config.annexes[1]
    extra = [labels[key] for key in ("received", "forward_by", "file", "row")]
    header = [c.name for c in spec.columns] + extra
    rows, guessed = adjustment_rows(outcome, received)
    notes = _notes(config)
    if guessed:
        notes.append(labels["fallback"].format(rows="、".join(map(str, guessed))))
    wb = Workbook(write_only=True)
    ws = new_sheet(wb, ADJUSTMENTS_SHEET, column_widths([header, *rows], cap=40))
    _form_top(ws, config, outcome.as_of)
    ws.append(header_cells(ws, header))
    for row in rows:
        ws.append([styled_cell(ws, value) for value in row])
    for line in notes:
        ws.append([text_cell(ws, line)])
    # What SAMR receives on paper: the form and the two dates, not our source columns.
    last_row = 4 + len(rows) + len(notes)
    ws.print_area = f"A1:{get_column_letter(len(header) - 2)}{last_row}"
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _form_top(ws: Any, config: Config, as_of: dt.date) -> None:
    """The lines above Annex 1's header: label, title, metadata; header row 4 repeats."""
    spec = config.annexes[1]
    width = len(spec.columns)
    ws.freeze_panes = "A5"
    ws.print_title_rows = "4:4"
    ws.merged_cells.add(f"A2:{get_column_letter(width)}2")
    title_style = {"font": TITLE_FONT, "alignment": Alignment(horizontal="center")}
    ws.append([text_cell(ws, spec.short_title)])
    ws.append([text_cell(ws, spec.title, **title_style)])
    ws.append(_metadata_line(ws, config, as_of, width))


def _metadata_line(ws: Any, config: Config, as_of: dt.date, width: int) -> list[Any]:
    """填报单位 at the left, 填报日期 towards the right, as on the form."""
    line: list[Any] = [None] * width
    line[0] = text_cell(ws, f"填报单位：{config.city['office']}")
    line[max(1, width - 3)] = text_cell(ws, f"填报日期：{as_of.year}年{as_of.month}月{as_of.day}日")
    return line


def _notes(config: Config) -> list[str]:
    """The form's own notes under the table, from the vocabularies."""
    return [
        f"备注：1．账号调整方式填写：{'、'.join(config.adjustments)}。",
        f"2．账号功能填写：{'、'.join(config.functions)}。",
    ]
