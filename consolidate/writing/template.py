"""Write the forms of the notice as workbooks: blank for districts to fill in, or filled.

The layout follows the template at the end of 沪市监认证〔2021〕212号 (label, title,
metadata line, header, numbered rows, notes); headers, vocabularies and districts come
from ``schemas/`` so the template and the checker always agree. The city's batch to SAMR
is the same form filled in (:func:`build_filled_form`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from consolidate.support.config import FUNCTION_KEYS, AnnexSpec, Config, MetaField, load_config
from consolidate.support.errors import ConsolidateError
from consolidate.values.districts import normalize_district
from consolidate.writing.files import atomic_path, ensure_folder
from consolidate.writing.paper import Page
from consolidate.writing.template_word import write_word_form
from consolidate.writing.xlsx import freeze, row_height, set_text

BLANK_ROWS = 20
LABEL_ROW, TITLE_ROW, META_ROW = 1, 2, 3
# Longer inline lists go to the helper sheet: Excel rejects an inline list over 255
# characters, and WPS is stricter; short fixed lists stay inline so the dropdown
# survives when a clerk copies the sheet into another workbook.
INLINE_LIST_MAX = 120
FONT = "宋体"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNDERLINE = Border(bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
WRAP_LEFT = Alignment(wrap_text=True, vertical="center", horizontal="left")
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
WIDTHS = {
    "seq": 6, "adjustment": 12, "bureau": 28, "original": 16, "current": 16, "name": 12,
    "post": 22, "mobile": 15, "letter": 26, "contact": 20, "remarks": 14, "account": 18,
    "functions": 20, "type": 10, "unit": 28, "uscc": 22, "phone": 15, "until": 13,
    "applications": 10, "supervision": 16, "review": 16,
}  # fmt: skip
# Where each metadata label and its value cell go: (key, label columns, value columns),
# one list per line. Annex 2 has four labels, too many for one line of eight columns.
META_LAYOUT: dict[int, list[list[tuple[str, str, str]]]] = {
    1: [[("unit", "A:B", "C:E"), ("date", "H", "I:J")]],
    2: [
        [("unit", "A:B", "C:D"), ("filler", "E", "F")],
        [("department", "A:B", "C:D"), ("date", "E", "F")],
    ],
    3: [[("unit", "A:B", "C:D"), ("date", "I", "J:K")]],
}
PAGE = Page(centered=True, vertical_margin=0.5)  # A4 landscape, 0.4 inch at the sides
# Typed as text in the blank rows: Excel would keep 15 digits of a code, drop a phone's 0.
TEXT_COLUMNS = ("mobile", "uscc", "phone")
ROW_HEIGHT = 18  # points: 20 blank rows and the 备注 line fit one landscape A4 page
# Kept whole when the form is narrowed to fit the page: a line break would spoil them.
SOLID_COLUMNS = ("seq", *TEXT_COLUMNS, "until", "applications")


def write_template(
    out: Path, annex: int, district: str | None = None, config: Config | None = None
) -> None:
    """Write the blank form of ``annex`` (prefilled for ``district``) to ``out`` atomically.

    The format follows the file name: ``.xlsx``, or ``.docx`` for the notice's Word
    table; any other name is refused rather than given content it does not hold.
    """
    out = Path(out)
    writer = TEMPLATE_WRITERS.get(out.suffix.lower())
    if writer is None:
        raise ConsolidateError("template-suffix", name=out.name)
    ensure_folder(out.parent)
    writer(out, annex, district, config)


def _write_xlsx_template(
    out: Path, annex: int, district: str | None, config: Config | None
) -> None:
    workbook = build_template(annex, district, config)
    with atomic_path(out) as tmp:
        workbook.save(tmp)


def _write_docx_template(
    out: Path, annex: int, district: str | None, config: Config | None
) -> None:
    """The form as the notice's Word table (:mod:`.template_word`)."""
    config = config or load_config()
    spec = _spec(annex, config)
    unit = bureau_name(district, config) if district else ""
    notes = notes_text(spec, config)
    write_word_form(out, spec, config, unit=unit, notes=notes, widths=WIDTHS)


# The template formats by file-name suffix.
TEMPLATE_WRITERS = {".xlsx": _write_xlsx_template, ".docx": _write_docx_template}


def template_bytes(annex: int, district: str | None = None, config: Config | None = None) -> bytes:
    """The blank form as .xlsx bytes (for a download)."""
    buffer = io.BytesIO()
    build_template(annex, district, config).save(buffer)
    return buffer.getvalue()


def build_template(
    annex: int, district: str | None = None, config: Config | None = None
) -> Workbook:
    """The blank form of ``annex`` as an openpyxl workbook."""
    config = config or load_config()
    spec = _spec(annex, config)
    unit = bureau_name(district, config) if district else ""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.short_title
    header_row = _write_top(sheet, spec, config.meta, {"unit": unit})
    first, last = header_row + 1, header_row + BLANK_ROWS
    _write_header(sheet, spec, header_row)
    _write_rows(sheet, spec, first, last)
    _write_notes(sheet, spec, config, last + 1)
    _add_validations(workbook, sheet, spec, config, first, last)
    _print_setup(sheet, header_row)
    _mark_version(workbook, spec, config)
    return workbook


def build_filled_form(
    annex: int, rows: Sequence[Sequence[object]], unit: str, day: dt.date, config: Config
) -> Workbook:
    """The form of ``annex`` filled in: ``rows`` (the form's columns, in order) under the
    header, 填报单位 ``unit``, 填报日期 ``day``, the notes below; nothing else.

    Values only, as the blank template a district fills in would look once filled: no
    dropdowns, no version mark, no formula (text stays text), no name but the print area
    and the repeated header row; every row as tall as its wrapped text.
    """
    spec = _spec(annex, config)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.short_title
    header_row = _write_top(sheet, spec, config.meta, {"unit": unit, "date": day})
    first, last = header_row + 1, header_row + len(rows)
    _write_header(sheet, spec, header_row)
    _write_rows(sheet, spec, first, last)
    _fill_rows(sheet, spec, rows, first)
    _write_notes(sheet, spec, config, last + 1)
    _print_setup(sheet, header_row)
    sheet.print_area = f"A1:{get_column_letter(len(spec.columns))}{last + 1}"
    # The properties say what the file is and whose it is; openpyxl's default creator
    # ("openpyxl") and the machine's clock as its creation time are not the office's to send.
    workbook.properties.title = spec.title
    workbook.properties.creator = unit
    workbook.properties.created = dt.datetime.combine(day, dt.time())
    return workbook


def _spec(annex: int, config: Config) -> AnnexSpec:
    if annex not in config.annexes:
        raise ConsolidateError("annex-unknown", annex=annex, known=list(config.annexes))
    return config.annexes[annex]


def bureau_name(district: str, config: Config) -> str:
    """``黄浦`` -> ``上海市黄浦区市场监督管理局``; unknown districts are refused."""
    name = normalize_district(district, config)
    if name is None:
        known = [d.name for d in config.districts]
        raise ConsolidateError("district-unknown", district=district, known=known)
    return f"{config.city.name}{name}市场监督管理局"


def bureau_names(config: Config) -> list[str]:
    """The full names of every configured district bureau, in configuration order."""
    return [f"{config.city.name}{d.name}市场监督管理局" for d in config.districts]


# ---------------------------------------------------------------- layout
def _write_top(
    sheet: Worksheet, spec: AnnexSpec, meta: dict[str, MetaField], values: dict[str, object]
) -> int:
    """Label, title and metadata lines (filled with ``values`` by key); returns the header row."""
    width = len(spec.columns)
    sheet.cell(LABEL_ROW, 1, spec.short_title).font = Font(name="黑体", size=12)
    title = sheet.cell(TITLE_ROW, 1, spec.title)
    title.font = Font(name=FONT, size=16, bold=True)
    title.alignment = WRAP
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
    sheet.row_dimensions[TITLE_ROW].height = 36
    lines = META_LAYOUT[spec.number]
    for offset, line in enumerate(lines):
        for key, label_cols, value_cols in line:
            # The first configured label is the one the notice prints.
            label = meta[key].name
            _meta_pair(sheet, META_ROW + offset, (key, label), label_cols, value_cols, values)
    return META_ROW + len(lines)


def _meta_pair(
    sheet: Worksheet,
    row: int,
    field: tuple[str, str],
    label_cols: str,
    value_cols: str,
    values: dict[str, object],
) -> None:
    """One ``填报单位：`` label cell and the value cell beside it."""
    key, text = field
    label = _span(sheet, row, label_cols)
    label.value = f"{text}："
    label.font = Font(name=FONT, size=11, bold=True)
    label.alignment = Alignment(horizontal="right", vertical="center")
    value = _span(sheet, row, value_cols)
    value.font = Font(name=FONT, size=11)
    value.alignment = Alignment(horizontal="left", vertical="center")
    for col in _columns(value_cols):
        sheet.cell(row, col).border = UNDERLINE
    if values.get(key):
        set_text(value, values[key])
    if key == "date":
        value.number_format = DATE_FORMAT


def _span(sheet: Worksheet, row: int, cols: str) -> Cell:
    """The first cell of ``cols`` (``"C:E"`` or ``"H"``) on ``row``, merged when wider."""
    columns = _columns(cols)
    if len(columns) > 1:
        sheet.merge_cells(
            start_row=row, start_column=columns[0], end_row=row, end_column=columns[-1]
        )
    return sheet.cell(row, columns[0])


def _columns(cols: str) -> list[int]:
    """``"C:E"`` -> [3, 4, 5]."""
    first, _, last = cols.partition(":")
    return list(range(column_index_from_string(first), column_index_from_string(last or first) + 1))


def _write_header(sheet: Worksheet, spec: AnnexSpec, row: int) -> None:
    """The header row with the canonical column names the reader recognises."""
    fill = PatternFill("solid", fgColor="FFD9D9D9")
    widths = form_widths(spec)
    for col, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row, col, column.name)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = WRAP
        cell.border = BOX
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    sheet.row_dimensions[row].height = 36


def form_widths(spec: AnnexSpec) -> list[float]:
    """The form's column widths, the widest narrowed so that it prints one landscape page
    wide at 9 points or more (a bureau's name on two lines)."""
    widths = [WIDTHS.get(column.key, 14) for column in spec.columns]
    solid = {i for i, column in enumerate(spec.columns) if column.key in SOLID_COLUMNS}
    return PAGE.fit(widths, solid=solid)


def _write_rows(sheet: Worksheet, spec: AnnexSpec, first: int, last: int) -> None:
    """Blank rows numbered 1..n, bordered; the mobile column is text so no digit is lost.

    The rows are ``ROW_HEIGHT`` tall as the sheet's default, not each row's own height:
    Excel, WPS and Calc still grow a row to the text a district types in (a bureau's
    name wraps onto two lines in the columns narrowed to fit the page).
    """
    sheet.sheet_format.defaultRowHeight = ROW_HEIGHT
    sheet.sheet_format.customHeight = True
    for row in range(first, last + 1):
        for col, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(row, col)
            cell.border = BOX
            cell.font = Font(name=FONT, size=11)
            cell.alignment = WRAP if column.key in ("seq", "adjustment") else WRAP_LEFT
            if column.key == "seq":
                cell.value = row - first + 1
            elif column.key in TEXT_COLUMNS:
                cell.number_format = "@"  # 18-character codes and phones stay text
            elif column.key == "until":
                cell.number_format = DATE_FORMAT


def _fill_rows(
    sheet: Worksheet, spec: AnnexSpec, rows: Sequence[Sequence[object]], first: int
) -> None:
    """The values of ``rows`` in the numbered rows from ``first``, each row as tall as its
    wrapped text; text stays text (a ``=`` remark is no formula)."""
    widths = form_widths(spec)
    for number, values in enumerate(rows, start=first):
        for col, (column, value) in enumerate(zip(spec.columns, values, strict=True), start=1):
            if column.key != "seq":  # numbered 1..n by _write_rows
                set_text(sheet.cell(number, col), value if value != "" else None)
        height = row_height(values, widths)
        if height is not None:  # written, not typed: no program grows the row by itself
            sheet.row_dimensions[number].height = height


def notes_text(spec: AnnexSpec, config: Config) -> str:
    """The 备注 under the table, built from the vocabularies the checker uses."""
    functions = "、".join(config.functions)
    none = config.vocabularies.functions.none[0]
    if spec.number == 1:
        return (
            f"备注：1．账号调整方式填写：{'、'.join(config.adjustments)}。\n"
            f"2．账号功能填写：{functions}。多个功能用“、”分隔；没有功能填“{none}”。"
        )
    if spec.about_units:
        return recommend_notes(spec, config)
    return f"备注：当前账号功能填写：{functions}。多个功能用“、”分隔。"


def recommend_notes(spec: AnnexSpec, config: Config) -> str:
    """The recommendation list's 备注: its types, the 延用 columns, the review, deadlines."""
    fast = config.settings.fastchannel
    extension = "、".join(c.name for c in spec.columns if c.only_for == config.extension_type)
    passed = config.vocabularies.review.passed[0]

    def day(text: str) -> str:
        month, date = (int(part) for part in text.split("-"))
        return f"{month}月{date}日"

    return (
        f"备注：1．推荐类型填写：{'、'.join(config.recommend_types)}；统一社会信用代码填写营业执照上的18位代码。\n"
        f"2．{extension}仅{config.extension_type}填写（免办申请次数为2019年4月以来的次数）。\n"
        f"3．初审意见填写：{passed}，或不{passed}（写明原因）；只推荐初审{passed}条件的单位。\n"
        f"4．{config.new_type}于每年{day(fast.new_month_day)}前、"
        f"{config.extension_type}于每年{day(fast.extension_month_day)}前报送。"
    )


def _write_notes(sheet: Worksheet, spec: AnnexSpec, config: Config, row: int) -> None:
    cell = sheet.cell(row, 1, notes_text(spec, config))
    cell.font = Font(name=FONT, size=11)
    cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(spec.columns))
    sheet.row_dimensions[row].height = 18 * (cell.value.count("\n") + 1)


# ---------------------------------------------------------------- dropdowns and prompts
def _add_validations(
    workbook: Workbook, sheet: Worksheet, spec: AnnexSpec, config: Config, first: int, last: int
) -> None:
    """A validation (dropdown or prompt) on the blank rows of each column that has one."""
    lists = _Lists(workbook, config)
    for col, column in enumerate(spec.columns, start=1):
        validation = _validation_for(column.key, column.name, spec, config, lists)
        if validation is not None:
            letter = get_column_letter(col)
            validation.add(f"{letter}{first}:{letter}{last}")
            sheet.add_data_validation(validation)


def _validation_for(
    key: str, title: str, spec: AnnexSpec, config: Config, lists: _Lists
) -> DataValidation | None:
    """Adjustment type: strict dropdown; bureau: dropdown that warns; functions: prompt."""
    if key == "adjustment":
        values = "、".join(config.adjustments)
        validation = _dropdown(
            lists.formula(config.adjustments), title, f"请从下拉列表中选择：{values}"
        )
        return _alert(validation, "stop", f"只能填写：{values}")
    if key == "bureau":
        prompt = "请从下拉列表中选择本区市场监督管理局全称"
        validation = _dropdown(lists.formula(bureau_names(config)), title, prompt)
        # A warning, not a stop: a unit not yet configured can still be written.
        return _alert(validation, "warning", "不是已配置的区市场监督管理局，确定要这样填写吗？")
    if key in FUNCTION_KEYS:
        return _functions_validation(title, spec, config, lists)
    if key == "mobile":
        validation = DataValidation(allow_blank=True)
        validation.promptTitle, validation.prompt = title, "填写11位手机号码，如13812345678"
        validation.showInputMessage = True
        return validation
    return _recommend_validation(key, title, config, lists)


def _recommend_validation(
    key: str, title: str, config: Config, lists: _Lists
) -> DataValidation | None:
    """The recommendation list: type strict, review and supervision suggested, code and
    count checked as typed."""
    if key == "type":
        values = "、".join(config.recommend_types)
        validation = _dropdown(
            lists.formula(config.recommend_types), title, f"请从下拉列表中选择：{values}"
        )
        return _alert(validation, "stop", f"只能填写：{values}")
    if key == "review":
        passed = config.vocabularies.review.passed[0]
        prompt = f"填写：{passed}，或不{passed}（写明原因）"
        return _dropdown(lists.formula([passed, f"不{passed}"]), title, prompt)
    if key == "supervision":
        return _dropdown(
            lists.formula(["良好", "存在问题"]), title, "仅延用填写：良好，或存在问题（写明问题）"
        )
    if key == "uscc":
        validation = DataValidation(type="textLength", operator="equal", formula1="18")
        validation.allow_blank = True
        validation.promptTitle, validation.prompt = title, "填写营业执照上的18位统一社会信用代码"
        validation.showInputMessage = True
        return _alert(validation, "warning", "统一社会信用代码应为18位，确定要这样填写吗？")
    if key == "applications":
        validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        validation.allow_blank = True
        validation.promptTitle = title
        validation.prompt = "仅延用填写：2019年4月以来的CCC免办申请次数（没有填0）"
        validation.showInputMessage = True
        return _alert(validation, "stop", "请填写整数次数")
    if key == "until":
        validation = DataValidation(allow_blank=True)
        validation.promptTitle, validation.prompt = (
            title,
            "仅延用填写：现权限的到期日期，如2026年8月1日",
        )
        validation.showInputMessage = True
        return validation
    return None


def _functions_validation(
    title: str, spec: AnnexSpec, config: Config, lists: _Lists
) -> DataValidation:
    """A one-function dropdown whose prompt explains how to list several."""
    functions = config.functions
    choices = list(functions)
    example = "、".join(functions[1:3])
    prompt = f"可填写：{'、'.join(functions)}。多个功能用“、”分隔，如“{example}”。"
    if spec.number == 1:  # 无 is allowed in Annex 1 only (docs/rules.md decision 7)
        none = config.vocabularies.functions.none[0]
        choices.append(none)
        prompt += f"没有功能填“{none}”。"
    # The error alert stays off: typing several functions separated by 、 must never
    # be blocked by a list that holds single functions.
    return _dropdown(lists.formula(choices), title, prompt)


def _dropdown(formula: str, title: str, prompt: str) -> DataValidation:
    """A list validation with an input prompt and no error alert."""
    validation = DataValidation(type="list", formula1=formula, allow_blank=True)
    validation.promptTitle = title[:32]  # Excel's limits: title 32, prompt 255 characters
    validation.prompt = prompt[:255]
    validation.showInputMessage = True
    validation.showErrorMessage = False
    return validation


def _alert(validation: DataValidation, style: str, message: str) -> DataValidation:
    """Turn on the error alert of a list validation (``stop`` blocks, ``warning`` asks)."""
    validation.showErrorMessage = True
    validation.errorStyle = style
    validation.errorTitle = validation.promptTitle
    validation.error = message[:255]
    return validation


class _Lists:
    """Formulas for list validations: inline when short, else a column of the helper sheet."""

    def __init__(self, workbook: Workbook, config: Config) -> None:
        self.workbook = workbook
        self.name = lists_sheet_name(config)
        self.sheet: Worksheet | None = None

    def formula(self, values: Sequence[str]) -> str:
        """``"a,b"`` or ``'选项'!$A$1:$A$16``."""
        inline = ",".join(values)
        if len(inline) <= INLINE_LIST_MAX:
            return f'"{inline}"'
        if self.sheet is None:
            self.sheet = self.workbook.create_sheet(self.name)
            self.sheet.sheet_state = "hidden"
        col = self.sheet.max_column + (1 if self.sheet["A1"].value is not None else 0)
        for row, value in enumerate(values, start=1):
            self.sheet.cell(row, col, value)
        letter = get_column_letter(col)
        quoted = self.name.replace("'", "''")
        return f"'{quoted}'!${letter}$1:${letter}${len(values)}"


def lists_sheet_name(config: Config) -> str:
    """The hidden sheet holding long dropdown lists: the second of settings' helper_sheets."""
    helpers = config.settings.template.helper_sheets
    return helpers[1] if len(helpers) > 1 else "选项"


# ---------------------------------------------------------------- print and version mark
def _print_setup(sheet: Worksheet, header_row: int) -> None:
    """A4 landscape, one page wide, the header repeated on every page.

    The blank form (its rows and the 备注 line) fits one page at full size: the rows and
    margins are sized for it. A filled form with more rows continues on further pages.
    """
    replace(PAGE, title_rows=f"{header_row}:{header_row}").apply(sheet)
    freeze(sheet, header_row)


def _mark_version(workbook: Workbook, spec: AnnexSpec, config: Config) -> None:
    """The custom document property that tells template-outdated which template this is."""
    template = config.settings.template
    workbook.custom_doc_props.append(StringProperty(name=template.property, value=template.version))
    workbook.properties.title = spec.title
    workbook.properties.creator = config.city.office_unit
