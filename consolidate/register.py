"""The two workbooks of a run: the city register (Annex 2) and the adjustments batch (Annex 1).

Only writing happens here: which rows count (the selection, the rejected rows) and what
is wrong with them (the findings) come from the :class:`~consolidate.api.Outcome`.
Workbooks are written with openpyxl's write-only mode, so cells stream to disk, and every
text cell is typed as a string so that nothing a district typed can run as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .config import Config
from .forms import Form, Row
from .normalize import normalize_mobile, normalize_name, parse_functions
from .outputs import (
    FINDING_HEADERS,
    SEVERITY_LABELS,
    atomic_path,
    column_widths,
    finding_row,
    text_cell,
    xlsx_value,
)
from .workdays import forward_by

if TYPE_CHECKING:
    from .api import Outcome

REGISTER_SHEET, SUMMARY_SHEET, FINDINGS_SHEET = "名册", "汇总", "问题清单"
ADJUSTMENTS_SHEET = "附件1"
# The Annex 2 columns the register carries, in the form's order (序号 is not kept:
# it only numbers the rows of one district's file).
REGISTER_FIELDS = ("bureau", "name", "post", "account", "functions", "mobile", "remarks")
YES = "是"
UNKNOWN_DISTRICT = "（未识别）"
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"

LABELS = {
    "zh": {
        "district": "区", "people": "人数", "total": "合计", "file": "来源文件",
        "sheet": "来源工作表", "row": "来源行", "problems": "问题", "received": "收到日期",
        "forward_by": "转报截止日期",
        "fallback": "注：第{rows}行的转报截止日期所在年份的法定节假日安排尚未收录，"
        "按周一至周五推算，请按国务院办公厅公布的放假安排核对。",
    },
    "en": {
        "district": "District", "people": "People", "total": "Total", "file": "Source file",
        "sheet": "Source sheet", "row": "Source row", "problems": "Problems",
        "received": "Received", "forward_by": "Forward by",
        "fallback": "Note: the holiday schedule of the year of the forward-by date of row(s) "
        "{rows} is not known yet; Monday to Friday were counted. Check against the "
        "State Council's published schedule.",
    },
}  # fmt: skip


# ---------------------------------------------------------------- shared helpers
def _labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["zh"])


def _ordered(forms: Iterable[Form], config: Config) -> list[Form]:
    """Forms in the configured district order; unknown districts last; path order within."""
    rank = {d.name: i for i, d in enumerate(config.districts)}
    return sorted(forms, key=lambda f: (rank.get(f.district or "", len(rank)), f.district or ""))


def _kept_rows(outcome: Outcome, form: Form) -> Iterable[Row]:
    """The rows of a form that go into an output: not rejected (decision 11)."""
    return (r for r in form.rows if (form.file, form.sheet, r.number) not in outcome.rejected)


def _functions_text(text: str, config: Config) -> str:
    """Canonical ``、``-joined functions; the text as typed when it holds unknown entries."""
    if not text:
        return ""
    parsed = parse_functions(text, config)
    return text if parsed.unknown else parsed.canonical


def _mobile_text(row: Row) -> str:
    """The 11 normalised digits of a valid mobile, else the text as typed."""
    cell = row.cell("mobile")
    if cell is None:
        return ""
    mobile = normalize_mobile(cell.raw)
    return mobile.digits if mobile.valid else cell.text


def _new_sheet(wb: Workbook, title: str, widths: list[float]) -> Any:
    """A write-only sheet, A4 landscape, fitted to the page width, with column widths."""
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


# Column width cap (in half-width characters); texts of more CJK characters than fit wrap.
WRAP_FROM = 30


def _cell(ws: Any, value: object) -> Any:
    """A value for ``ws.append``: dates formatted, multi-line text wrapped, text inert."""
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str) and ("\n" in value or len(value) > WRAP_FROM // 2):
        return text_cell(ws, value, alignment=WRAP)
    return xlsx_value(ws, value)


def _header(ws: Any, labels: list[str]) -> list[Any]:
    return [
        text_cell(ws, label, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP) for label in labels
    ]


def _table_sheet(wb: Workbook, title: str, header: list[str], rows: list[list[object]]) -> Any:
    """A sheet whose row 1 is the header: frozen, filtered, repeated on every page."""
    # Narrow enough to print legibly on A4 landscape; longer texts wrap (see _cell).
    ws = _new_sheet(wb, title, column_widths([header, *rows], cap=WRAP_FROM))
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.append(_header(ws, header))
    for row in rows:
        ws.append([_cell(ws, value) for value in row])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    return ws


# ---------------------------------------------------------------- register.xlsx
def register_header(config: Config, lang: str = "zh") -> list[str]:
    """Row 1 of 名册: 区, the Annex 2 columns, one per function, source, problems."""
    labels = _labels(lang)
    spec = config.annexes[2]
    return [
        LABELS["zh"]["district"],  # Chinese always: the sheet is read back as a baseline
        *(spec.column(key).name for key in REGISTER_FIELDS),
        *config.functions,
        labels["file"], labels["sheet"], labels["row"], labels["problems"],
    ]  # fmt: skip


def register_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    """One row per kept data row of every used Annex 2 form, in district order."""
    config = outcome.config
    rows = []
    for form in _ordered(outcome.forms_of(2), config):
        for row in _kept_rows(outcome, form):
            rows.append(_register_row(outcome, form, row, lang))
    return rows


def _register_row(outcome: Outcome, form: Form, row: Row, lang: str) -> list[object]:
    config = outcome.config
    held = parse_functions(row.text("functions"), config).known
    values = {
        "bureau": row.text("bureau"),
        "name": normalize_name(row.text("name")),
        "post": row.text("post"),
        "account": row.text("account"),
        "functions": _functions_text(row.text("functions"), config),
        "mobile": _mobile_text(row),
        "remarks": row.text("remarks"),
    }
    problems = [
        f"{f.code}：{f.text(lang)}" if lang == "zh" else f"{f.code}: {f.text(lang)}"
        for f in outcome.findings_at(form.file, form.sheet, row.number)
    ]
    return [
        form.district or "",
        *(values[key] for key in REGISTER_FIELDS),
        *(YES if function in held else "" for function in config.functions),
        form.file, form.sheet, row.number, "\n".join(problems),
    ]  # fmt: skip


def summary_rows(
    register: list[list[object]], config: Config, lang: str = "zh"
) -> list[list[object]]:
    """People and function holders per district (configured order, then others), and totals."""
    functions = config.functions
    first = 1 + len(REGISTER_FIELDS)  # index of the first function yes/no column
    people: Counter[str] = Counter()
    holders: Counter[tuple[str, str]] = Counter()
    for row in register:
        district = str(row[0]) or UNKNOWN_DISTRICT
        people[district] += 1
        for i, function in enumerate(functions):
            holders[(district, function)] += row[first + i] == YES
    names = [d.name for d in config.districts]
    names += sorted(set(people) - set(names))
    rows: list[list[object]] = [
        [name, people[name], *(holders[(name, f)] for f in functions)] for name in names
    ]
    totals = [sum(holders[(name, f)] for name in names) for f in functions]
    rows.append([_labels(lang)["total"], sum(people.values()), *totals])
    return rows


def findings_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    """Every finding's JSON fields, severity in words."""
    severities = SEVERITY_LABELS.get(lang, SEVERITY_LABELS["zh"])
    rows = []
    for finding in outcome.findings:
        row = finding_row(finding, lang)
        row[1] = severities.get(finding.severity, finding.severity)
        rows.append(row)
    return rows


def write_register(outcome: Outcome, path: Path | str, lang: str = "zh") -> None:
    """``register.xlsx``: 名册 (header in row 1, a future baseline), 汇总, 问题清单."""
    config = outcome.config
    labels = _labels(lang)
    # Every row is built before the workbook exists: openpyxl's write-only sheets spool
    # to the system temp folder, and a failure mid-way would leave personal data there.
    register = register_rows(outcome, lang)
    tables = [
        (REGISTER_SHEET, register_header(config, lang), register),
        (SUMMARY_SHEET, [labels["district"], labels["people"], *config.functions],
         summary_rows(register, config, lang)),
        (FINDINGS_SHEET, list(FINDING_HEADERS.get(lang, FINDING_HEADERS["zh"]).values()),
         findings_rows(outcome, lang)),
    ]  # fmt: skip
    wb = Workbook(write_only=True)
    for title, header, rows in tables:
        _table_sheet(wb, title, header, rows)
    with atomic_path(path) as tmp:
        wb.save(tmp)


# ---------------------------------------------------------------- adjustments.xlsx
def adjustment_rows(
    outcome: Outcome, received: dt.date | None = None
) -> tuple[list[list[object]], list[int]]:
    """Annex 1 rows in the form's columns plus received, forward-by and source; inexact 序号."""
    config = outcome.config
    days = config.settings["deadlines"]["forward_working_days"]
    rows: list[list[object]] = []
    guessed: list[int] = []
    for form in _ordered(outcome.forms_of(1), config):
        got = received or form.source.received
        due, exact = forward_by(got, days)
        for row in _kept_rows(outcome, form):
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
            values.append(_functions_text(row.text(column.key), config) or "无")
        elif column.key == "name":
            values.append(normalize_name(row.text("name")))
        elif column.key == "mobile":
            values.append(_mobile_text(row))
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
    ws = _new_sheet(wb, ADJUSTMENTS_SHEET, column_widths([header, *rows], cap=40))
    _form_top(ws, config, outcome.as_of)
    ws.append(_header(ws, header))
    for row in rows:
        ws.append([_cell(ws, value) for value in row])
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
