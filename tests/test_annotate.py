"""Annotated copies: fills and comments on the flagged cells, a linked findings list."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
import xlwt
from openpyxl.comments import Comment

from consolidate.model.catalog import Catalog
from consolidate.model.finding import Finding
from consolidate.reading.workbook import read_file
from consolidate.support.config import load_config
from consolidate.support.errors import OutputError
from consolidate.writing.annotate import FILLS, annotate
from consolidate.writing.paper import room

SHEET = "附件 2"  # a space, so links must quote the sheet name
HEADER = 3  # the list's header row, below the file's name and the verdict
ROWS = [
    [
        "序号",
        "市场监管部门",
        "账号使用人姓名",
        "所在部门及职务",
        "当前使用账号名称",
        "当前使用账号功能",
        "手机号",
    ],
    [1, "上海市黄浦区市场监督管理局", "李明", "审批科科长", "liming", "复审、复审", "1381234567"],
    [2, None, "张伟2", "=科员", "zhangwei", "初审", "13912345678"],
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(load_config())


def _xlsx(tmp_path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    for r, values in enumerate(ROWS, start=3):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(r, c, value).data_type = "s" if isinstance(value, str) else "n"
    sheet.merge_cells("B4:B5")  # the bureau merged down the table
    sheet["F5"].comment = Comment("区里的备注", "clerk")
    path = tmp_path / "黄浦区附件2.xlsx"
    workbook.save(path)
    return path


def _findings(catalog: Catalog) -> list[Finding]:
    at = {"file": "黄浦区/附件2.xlsx", "sheet": SHEET, "annex": 2}
    return [
        catalog.make("phone-invalid", row=4, col=7, value="1381234567", person="李明", **at),
        catalog.make("function-repeated", row=4, col=6, value="复审", person="李明", **at),
        catalog.make("name-suspicious", row=5, col=3, value="张伟2", person="张伟2", **at),
        catalog.make("person-duplicate", row=5, col=3, value="张伟2", person="张伟2", **at),
        catalog.make("seq-invalid", row=5, col=1, value="2", **at),
        catalog.make("district-mismatch", row=5, col=2, value="x", **at),  # inside B4:B5
        catalog.make("placeholder-value", row=5, col=4, value="=科员", **at),
        catalog.make("duties-conflict", row=5, col=6, value="初审", **at),
        catalog.make("annex-empty", file=at["file"], sheet=SHEET, annex=2),
        catalog.make("template-outdated", file=at["file"]),
    ]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb


def test_cells_are_filled_and_commented(tmp_path, catalog):
    source, out = _xlsx(tmp_path), tmp_path / "out.xlsx"
    findings = _findings(catalog)
    annotate(source, findings, out)
    sheet = openpyxl.load_workbook(out)[SHEET]
    assert _fill(sheet["G4"]) == FILLS["error"]
    assert _fill(sheet["F4"]) == FILLS["warning"]
    assert _fill(sheet["A5"]) == FILLS["info"]
    assert _fill(sheet["C5"]) == FILLS["error"]  # warning + error: the worse one
    comment = sheet["C5"].comment.text
    assert findings[2].message in comment and findings[3].message in comment
    assert comment.index("【错误】") < comment.index("【警告】")
    assert sheet["G4"].comment.text.startswith("【错误】" + findings[0].message)
    assert _fill(sheet["B4"]) == FILLS["warning"]  # merged range marked at its top-left
    assert sheet["F5"].comment.text.startswith("区里的备注")  # the district's own comment kept
    assert findings[7].message in sheet["F5"].comment.text
    assert sheet["E4"].comment is None and sheet["E4"].fill.fgColor.rgb != FILLS["error"]


def test_findings_sheet_lists_every_finding_with_links(tmp_path, catalog):
    source, out = _xlsx(tmp_path), tmp_path / "out.xlsx"
    findings = _findings(catalog)
    annotate(source, findings, out)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["问题清单", SHEET]
    listing = workbook["问题清单"]
    rows = list(listing.iter_rows(min_row=HEADER, values_only=True))
    # 级别 first, then what to do: a clerk works down the list by severity.
    assert rows[0] == ("级别", "问题", "单元格", "人员", "内容", "建议改为", "工作表", "文件")
    assert len(rows) == 1 + len(findings)
    by_message = {row[1]: row for row in rows[1:]}
    phone = by_message[findings[0].message]
    assert phone == ("错误", findings[0].message, "G4", "李明", "1381234567", None, SHEET,
                     "黄浦区/附件2.xlsx")  # fmt: skip
    assert listing[f"A{HEADER + 1}"].fill.fgColor.rgb in FILLS.values()
    links = {c.value: c.hyperlink.location for c in listing["C"][HEADER:] if c.hyperlink}
    assert links["G4"] == f"'{SHEET}'!G4"
    assert links["A5"] == f"'{SHEET}'!A5"
    file_level = by_message[findings[9].message]
    assert (file_level[2], file_level[6]) == (None, None)  # listed only
    assert sum(1 for c in listing["C"][HEADER:] if c.hyperlink) == len(findings) - 1


def test_formula_looking_text_stays_text(tmp_path, catalog):
    source, out = _xlsx(tmp_path), tmp_path / "out.xlsx"
    annotate(source, _findings(catalog), out)
    workbook = openpyxl.load_workbook(out)
    assert workbook[SHEET]["D5"].data_type == "s"
    values = [c for c in workbook["问题清单"]["E"] if c.value == "=科员"]
    assert values and all(c.data_type == "s" for c in values)


def test_the_source_is_never_modified(tmp_path, catalog):
    source = _xlsx(tmp_path)
    before = (_sha(source), source.stat().st_mtime_ns)
    annotate(source, _findings(catalog), tmp_path / "out.xlsx")
    assert (_sha(source), source.stat().st_mtime_ns) == before
    with pytest.raises(OutputError):
        annotate(source, _findings(catalog), source)
    assert _sha(source) == before[0]


def test_english_headers_and_messages(tmp_path, catalog):
    source, out = _xlsx(tmp_path), tmp_path / "out.xlsx"
    findings = _findings(catalog)
    annotate(source, findings, out, lang="en")
    workbook = openpyxl.load_workbook(out)
    rows = list(workbook["问题清单"].iter_rows(min_row=HEADER, values_only=True))
    assert rows[0] == (
        "Severity", "Problem", "Cell", "Person", "Value", "Suggestion", "Sheet", "File",
    )  # fmt: skip
    assert findings[0].message_en in workbook[SHEET]["G4"].comment.text
    assert {row[0] for row in rows[1:]} == {"error", "warning", "info"}


def test_a_leftover_template_row_is_listed_once(tmp_path, catalog):
    """Decision 11 gives one placeholder-value per cell; the list shows the row once."""
    source, out = _xlsx(tmp_path), tmp_path / "out.xlsx"
    at = {"file": "黄浦区/附件2.xlsx", "sheet": SHEET, "annex": 2, "row": 5}
    leftovers = [
        catalog.make("placeholder-value", col=col, value=value, **at)
        for col, value in ((3, "XXX"), (4, "XX科长"), (7, "138XXXXXXXX"))
    ]
    annotate(source, [*leftovers, _findings(catalog)[0]], out)
    workbook = openpyxl.load_workbook(out)
    rows = list(workbook["问题清单"].iter_rows(min_row=HEADER + 1, values_only=True))
    assert len(rows) == 2
    line = next(r for r in rows if r[2] == "C5")
    assert line[1] == (
        "第5行是模板示例行，留有占位内容：C5“XXX”、D5“XX科长”、G5“138XXXXXXXX”。"
        "请删除这一行，或填写真实内容。"
    )
    sheet = workbook[SHEET]  # every placeholder cell is still marked
    assert [_fill(sheet[ref]) for ref in ("C5", "D5", "G5")] == [FILLS["error"]] * 3


def test_reannotating_replaces_the_list_and_leaves_no_temp_files(tmp_path, catalog):
    source, out = _xlsx(tmp_path), tmp_path / "out.xlsx"
    annotate(source, _findings(catalog), out)
    again = tmp_path / "again.xlsx"
    annotate(out, _findings(catalog)[:1], again)
    workbook = openpyxl.load_workbook(again)
    assert workbook.sheetnames == ["问题清单", SHEET]
    assert workbook["问题清单"].max_row == HEADER + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.xlsx", "out.xlsx", source.name]


# Characters: in 10-point Arial, one landscape page wide at 9.7 points as they are.
XLS_WIDTHS = (6, 28, 12, 20, 16, 18, 14)


def _xls(tmp_path: Path) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(SHEET)
    boxed = xlwt.easyxf(
        "borders: left thin, right thin, top thin, bottom thin; alignment: wrap on, vert top"
    )
    title = xlwt.easyxf("font: bold on, height 320; alignment: horiz center")
    sheet.write_merge(
        0, 0, 0, 6, "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表", title
    )
    for r, values in enumerate(ROWS, start=2):
        for c, value in enumerate(values):
            if value is not None and (r, c) != (3, 1):  # B4 is written merged below
                sheet.write(r, c, value, boxed)
    sheet.write_merge(3, 4, 1, 1, "上海市黄浦区市场监督管理局", boxed)
    for col, width in enumerate(XLS_WIDTHS):
        sheet.col(col).width = width * 256
    sheet.row(0).height_mismatch = True
    sheet.row(0).height = 40 * 20  # twips
    book.add_sheet("空表")
    path = tmp_path / "黄浦区附件2.xls"
    book.save(str(path))
    return path


def test_xls_input_becomes_annotated_xlsx(tmp_path, catalog):
    source, out = _xls(tmp_path), tmp_path / "out.xlsx"
    before = _sha(source)
    findings = _findings(catalog)
    annotate(source, findings, out)
    assert _sha(source) == before
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["问题清单", SHEET, "空表"]
    sheet = workbook[SHEET]
    assert sheet["C5"].value == "张伟2" and sheet["A4"].value == 1
    assert sheet["D5"].value == "=科员" and sheet["D5"].data_type == "s"
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:G1", "B4:B5"}
    assert _fill(sheet["G4"]) == FILLS["error"]
    assert findings[0].message in sheet["G4"].comment.text
    assert _fill(sheet["B4"]) == FILLS["warning"]
    assert workbook["问题清单"].max_row == HEADER + len(findings)


def test_an_xls_copy_keeps_its_layout(tmp_path, catalog):
    """Column widths, row heights, borders and fonts of the .xls; one page wide on paper."""
    source, out = _xls(tmp_path), tmp_path / "out.xlsx"
    annotate(source, _findings(catalog), out)
    sheet = openpyxl.load_workbook(out)[SHEET]
    widths = [sheet.column_dimensions[c].width for c in "ABCDEFG"]
    assert widths == pytest.approx(XLS_WIDTHS, abs=0.01)
    assert sheet.row_dimensions[1].height == 40
    assert sheet["A1"].font.b and sheet["A1"].alignment.horizontal == "center"
    assert all(sheet.cell(4, c).border.left.style == "thin" for c in range(1, 8))
    assert sheet["B4"].alignment.wrap_text
    assert _fill(sheet["G4"]) == FILLS["error"]  # the marks on top of the layout
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)


def test_unreadable_source_is_an_output_error(tmp_path, catalog):
    source = tmp_path / "broken.xlsx"
    source.write_bytes(b"not a workbook")
    with pytest.raises(OutputError):
        annotate(source, [], tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_annotated_copy_reads_back_without_its_list(tmp_path, catalog):
    """The reader skips the 问题清单 helper sheet, so a re-checked copy adds no finding."""
    source, out = _xlsx(tmp_path), tmp_path / "out.xlsx"
    annotate(source, _findings(catalog), out)
    result = read_file(out)
    assert [(f.sheet, f.annex, len(f.rows)) for f in result.forms] == [(SHEET, 2, 2)]
    assert "问题清单" in result.ignored_sheets
    workbook = openpyxl.load_workbook(out)
    assert [ws.sheet_view.tabSelected for ws in workbook.worksheets] == [True, False]


def test_the_list_is_headed_with_the_file_the_verdict_and_the_date(tmp_path, catalog):
    """Printed or read on screen at the district: which file, can it be sent, how many
    problems of each kind, checked on which day; then the boxed list."""
    source = _xlsx(tmp_path)
    findings = _findings(catalog)
    out = tmp_path / "out.xlsx"
    annotate(source, findings, out, as_of=dt.date(2026, 11, 27), name="附件2（黄浦区）.xlsx")
    listing = openpyxl.load_workbook(out)["问题清单"]
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    assert listing["A1"].value == "问题清单：附件2（黄浦区）.xlsx"
    assert listing["A2"].value == (
        f"结论：需要修改（错误{counts['error']}项，警告{counts['warning']}项，"
        f"提示{counts['info']}项）。核对日期：2026年11月27日"
    )
    assert {"A1:H1", "A2:H2"} <= {str(r) for r in listing.merged_cells.ranges}
    assert listing.print_title_rows == "$3:$3" and listing.freeze_panes == "A4"
    cells = [c for row in listing.iter_rows(min_row=HEADER) for c in row]
    assert {c.border.left.style for c in cells} == {"thin"}  # boxed
    assert {c.alignment.vertical for c in cells} == {"center"}  # every cell of a row alike
    warnings_only = [f for f in findings if f.severity != "error"]
    annotate(source, warnings_only, out, lang="en", as_of=dt.date(2026, 11, 27))
    listing = openpyxl.load_workbook(out)["问题清单"]
    assert listing["A1"].value == f"Problems found: {source.name}"
    assert listing["A2"].value.startswith("Verdict: can be sent (error: 0, warning: ")
    assert listing["A2"].value.endswith("Checked as of 2026-11-27.")


def test_a_sheet_too_wide_for_the_page_is_narrowed_to_print_one_page_wide(tmp_path, catalog):
    """An old Annex 1 (167 characters wide) printed one page wide would be 7 points: its
    widest text columns are narrowed and wrapped instead, the mobile kept whole, every
    row as tall as its wrapped text; the title stays across the table."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    widths = (6, 10, 16, 14, 14, 10, 20, 15, 34, 18, 10)
    title = "CCC免办及特殊用途进口产品检测处理管理系统账号调整需求信息报表"
    sheet["A1"] = title
    sheet.merge_cells("A1:K1")
    letter = "关于调整CCC免办系统账号的函（沪市监黄〔2026〕12号）"
    sheet.append([
        "序号", "调整方式", "地方市场监管部门", "原账号功能", "当前账号功能", "姓名",
        "所在部门及职务", "手机号", "来函标题及文号", "区局联系人", "备注",
    ])  # fmt: skip
    for n in (1, 2, 3):
        sheet.append([
            n, "开通", "上海市黄浦区市场监督管理局", "无", "初审", "李明",
            "产品质量监督科三级主任科员", f"1381234567{n}", letter, "王芳", "",
        ])  # fmt: skip
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(col)].width = width
    sheet.page_setup.orientation = "portrait"
    source = tmp_path / "黄浦区附件1.xlsx"
    workbook.save(source)
    out = tmp_path / "out.xlsx"
    annotate(source, [_findings(catalog)[0]], out)
    copy = openpyxl.load_workbook(out)[SHEET]
    now = [copy.column_dimensions[openpyxl.utils.get_column_letter(c)].width for c in range(1, 12)]
    assert sum(now) <= room(True) < sum(widths)
    assert (copy.page_setup.orientation, copy.page_setup.paperSize) == ("landscape", 9)
    assert (copy.page_setup.fitToWidth, copy.page_setup.fitToHeight) == (1, 0)
    assert now[7] == 15 and now[0] == 6  # the mobile and 序号: never broken
    assert now[8] < 34 and copy["I3"].alignment.wrap_text  # the letter's title wraps
    assert copy.row_dimensions[3].height >= 45  # and its row shows every line
    assert copy["A1"].value == title and "A1:K1" in {str(r) for r in copy.merged_cells.ranges}
