"""Write a copy of a submitted workbook with its findings marked on the cells.

Each flagged cell gets a fill by severity and a comment with the message(s); a findings
sheet lists every finding with a link to its cell. The submitted file is only read.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import openpyxl
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from consolidate.model.config import Config, load_config
from consolidate.model.errors import OutputError
from consolidate.model.finding import SEVERITY_RANK, Finding
from consolidate.writing.files import atomic_path
from consolidate.writing.xlsx import xlsx_text

ZIP_MAGIC = b"PK\x03\x04"
# Fill colours (ARGB) by severity: red, yellow, light blue.
FILLS = {"error": "FFFF7C80", "warning": "FFFFFF00", "info": "FFBDD7EE"}
SEVERITY_LABELS = {
    "zh": {"error": "错误", "warning": "警告", "info": "提示"},
    "en": {"error": "error", "warning": "warning", "info": "info"},
}
HEADERS = {
    "zh": ("文件", "工作表", "单元格", "人员", "内容", "问题", "建议", "级别"),
    "en": ("File", "Sheet", "Cell", "Person", "Value", "Problem", "Suggestion", "Severity"),
}
WIDTHS = (24, 14, 8, 10, 20, 70, 16, 8)
SUGGESTION_LABEL = {"zh": "建议：", "en": "Suggestion: "}
AUTHOR = "consolidate"


def annotate(
    source: Path,
    findings: Sequence[Finding],
    out: Path,
    lang: str = "zh",
    config: Config | None = None,
) -> None:
    """Write ``out`` (.xlsx): ``source`` with ``findings`` marked and listed."""
    source, out = Path(source), Path(out)
    if out.resolve() == source.resolve():
        raise OutputError(f"批注文件不能覆盖原文件：{out}")
    lang = lang if lang in HEADERS else "zh"
    workbook = load_copy(source)
    config = config or load_config()
    for (sheet, ref), group in _by_cell(findings, workbook).items():
        _mark(workbook[sheet], ref, group, lang)
    _findings_sheet(workbook, findings, source.name, lang, config)
    with atomic_path(out) as tmp:
        workbook.save(tmp)


def load_copy(source: Path) -> Workbook:
    """The workbook in memory: openpyxl for .xlsx/.xlsm, rebuilt from values for .xls."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise OutputError(f"无法读取{source}：{exc.strerror}") from exc
    if data.startswith(ZIP_MAGIC):
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False)
        except Exception:  # noqa: BLE001 - openpyxl is stricter than calamine; fall back
            return _rebuild(data, source)
        workbook.template = False  # an .xltx is saved as a plain workbook
        return workbook
    return _rebuild(data, source)


# ---------------------------------------------------------------- .xls and fallbacks
def _rebuild(data: bytes, source: Path) -> Workbook:
    """A new workbook holding the values and merged ranges calamine reads, sheet by sheet."""
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        raise OutputError(f"无法为{source.name}生成批注文件：文件无法读取") from exc
    workbook = Workbook()
    workbook.remove(workbook.active)
    for meta in book.sheets_metadata:
        if "WorkSheet" not in str(meta.typ):
            continue  # chart and macro sheets have no cells to mark
        sheet = workbook.create_sheet(meta.name)
        _copy_sheet(book.get_sheet_by_name(meta.name), sheet)
        visible = str(meta.visible)
        if "VeryHidden" in visible:
            sheet.sheet_state = "veryHidden"
        elif "Hidden" in visible:
            sheet.sheet_state = "hidden"
    if not workbook.worksheets:
        workbook.create_sheet("Sheet1")
    return workbook


def _copy_sheet(source: object, sheet: Worksheet) -> None:
    """Values (at their real row and column) and merged ranges of one calamine sheet."""
    values = source.to_python(skip_empty_area=False)  # type: ignore[attr-defined]
    widths: dict[int, int] = {}
    for r, row in enumerate(values, start=1):
        for c, value in enumerate(row, start=1):
            if value == "" or value is None:
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # .xls stores every number as a float
            write_value(sheet.cell(r, c), value)
            widths[c] = max(widths.get(c, 0), _display_width(str(value)))
    for (r0, c0), (r1, c1) in source.merged_cell_ranges or ():  # type: ignore[attr-defined]
        sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    for c, width in widths.items():
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 40)


def _display_width(text: str) -> int:
    """Columns a text needs: CJK characters are twice as wide as Latin ones."""
    longest = max(text.split("\n"), key=len, default="")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in longest)


def write_value(cell: Cell, value: object) -> None:
    """Write a value; text stays text even when it looks like a formula (``=``, ``+``)."""
    if isinstance(value, str):
        cell.value = xlsx_text(value)
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    else:
        cell.value = value


# ---------------------------------------------------------------- marking cells
def _by_cell(
    findings: Sequence[Finding], workbook: Workbook
) -> dict[tuple[str, str], list[Finding]]:
    """Findings grouped by the (sheet, top-left cell) they mark; others are list-only."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if not finding.cell or finding.sheet not in workbook.sheetnames:
            continue
        sheet = workbook[finding.sheet]
        if not isinstance(sheet, Worksheet):
            continue
        groups[(finding.sheet, _anchor(sheet, finding.cell))].append(finding)
    return groups


def _anchor(sheet: Worksheet, ref: str) -> str:
    """The top-left cell of the merged range holding ``ref`` (a comment needs a real cell)."""
    for merged in sheet.merged_cells.ranges:
        if ref in merged:
            return merged.start_cell.coordinate
    return ref


def _mark(sheet: Worksheet, ref: str, group: list[Finding], lang: str) -> None:
    """Fill one cell by its worst finding and comment it with every message."""
    group = sorted(group, key=lambda f: (SEVERITY_RANK.get(f.severity, 9), f.code))
    cell = sheet[ref]
    cell.fill = PatternFill("solid", fgColor=FILLS.get(group[0].severity, FILLS["info"]))
    text = "\n\n".join(_comment_line(f, lang) for f in group)
    if cell.comment is not None:  # keep what the district wrote, ours below it
        text = f"{cell.comment.text}\n\n{text}"
    lines = sum(len(part) // 24 + 1 for part in text.split("\n"))
    cell.comment = Comment(text, AUTHOR, height=min(20 * lines + 20, 600), width=320)


def _comment_line(finding: Finding, lang: str) -> str:
    label = SEVERITY_LABELS[lang].get(finding.severity, finding.severity)
    line = f"【{label}】{finding.text(lang)}"
    if finding.suggestion:
        line += f"\n{SUGGESTION_LABEL[lang]}{finding.suggestion}"
    return xlsx_text(line)


# ---------------------------------------------------------------- the findings sheet
def _findings_sheet(
    workbook: Workbook, findings: Sequence[Finding], file: str, lang: str, config: Config
) -> None:
    """The first sheet: every finding, linked to its cell where it has one."""
    name = findings_sheet_name(config)
    if name in workbook.sheetnames:  # our own list from an earlier annotation
        workbook.remove(workbook[name])
    sheet = workbook.create_sheet(name, 0)
    _select_only(workbook, sheet)
    for col, (title, width) in enumerate(zip(HEADERS[lang], WIDTHS, strict=True), start=1):
        cell = sheet.cell(1, col, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFD9D9D9")
        sheet.column_dimensions[get_column_letter(col)].width = width
    ordered = sorted(findings, key=Finding.sort_key)
    sheets = set(workbook.sheetnames)
    for row, finding in enumerate(ordered, start=2):
        _list_row(sheet, row, finding, file, lang, sheets)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(WIDTHS))}{max(len(ordered) + 1, 1)}"
    # Clerks print the list to work through it: A4 landscape, one page wide, header repeated.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _list_row(
    sheet: Worksheet, row: int, finding: Finding, file: str, lang: str, sheets: set[str]
) -> None:
    """One finding as a row of the list; its 单元格 links to the cell it points at."""
    ref = finding.cell or (f"A{finding.row}" if finding.row else None)
    label = SEVERITY_LABELS[lang].get(finding.severity, finding.severity)
    values = (
        finding.file or file, finding.sheet, finding.cell, finding.person,
        finding.value, finding.text(lang), finding.suggestion, label,
    )  # fmt: skip
    for col, value in enumerate(values, start=1):
        cell = sheet.cell(row, col)
        if value is not None:
            write_value(cell, str(value))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(row, len(values)).fill = PatternFill(
        "solid", fgColor=FILLS.get(finding.severity, FILLS["info"])
    )
    if finding.sheet in sheets:
        target = sheet.cell(row, 3)
        quoted = finding.sheet.replace("'", "''")
        target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{quoted}'!{ref or 'A1'}")
        target.value = target.value or ("→" if lang == "zh" else "go")
        target.font = Font(color="FF0563C1", underline="single")


def _select_only(workbook: Workbook, sheet: Worksheet) -> None:
    """Open on ``sheet``; other selected tabs would put Excel in group-edit mode."""
    for other in workbook.worksheets:
        other.sheet_view.tabSelected = other is sheet
    workbook.active = workbook.index(sheet)


def findings_sheet_name(config: Config) -> str:
    """The findings list's sheet: the first of settings' helper_sheets (``问题清单``)."""
    helpers = config.settings["template"]["helper_sheets"]
    return helpers[0] if helpers else "问题清单"
