"""The reader on real .xlsx and .xls files in the shapes districts send: values and origins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlwt

from consolidate.reading.workbook import read_file
from tests.helpers import A1_HEADER, A2_HEADER, A2_TITLE, OPEN_REQUEST, add_annex_sheet, write_annex

A2_ROWS = [
    [
        1,
        "上海市黄浦区\n市场监督管理局",
        "张  三",
        "现认证科科长",
        "hp_zs",
        "复审、监管",
        13900000001.0,
        "",
    ],
    [2, None, "李四", "认证科四级主任科员", "hp_ls", "复审", "139 0000 0002", ""],
    [3, None, None, None, None, None, None, None],
    [4, None, None, None, None, None, None, None],
]


def origins(form, key: str) -> list[tuple[str, str]]:
    return [(row.text(key), row.cell(key).ref) for row in form.rows]


def test_template_shaped_xlsx(tmp_path: Path):
    path = write_annex(tmp_path / "附件2.xlsx", 2, A2_ROWS)
    result = read_file(path, "附件2.xlsx")
    assert not result.findings and not result.unreadable
    (form,) = result.forms
    assert (form.annex, form.header_row, form.district, form.district_from) == (
        2,
        4,
        "黄浦区",
        "unit",
    )
    assert form.missing_columns == ()
    assert origins(form, "name") == [("张  三", "C5"), ("李四", "C6")]
    assert origins(form, "mobile") == [("13900000001", "G5"), ("139 0000 0002", "G6")]
    assert form.blank_rows == 2
    assert {k: (c.text, c.ref) for k, c in form.metadata.items()} == {
        "unit": ("上海市黄浦区市场监督管理局", "A3"),
        "filler": ("张明", "C3"),
        "department": ("认证科", "E3"),
        "date": ("2026年11月20日", "H3"),
    }
    assert form.date == dt.date(2026, 11, 20)


def test_merged_bureau_column_is_filled_and_points_at_its_top_left(tmp_path: Path):
    path = write_annex(tmp_path / "a.xlsx", 2, A2_ROWS)
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("B5:B8")
    wb.save(path)
    (form,) = read_file(path).forms
    bureaus = [
        (row.text("bureau"), row.cell("bureau").ref, row.cell("bureau").merged) for row in form.rows
    ]
    assert bureaus == [
        ("上海市黄浦区\n市场监督管理局", "B5", False),
        ("上海市黄浦区\n市场监督管理局", "B5", True),
    ]


def test_excel_date_cell_and_ascii_colons_over_several_cells(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    add_annex_sheet(ws, 2, A2_ROWS[:2], unit="x", date=dt.datetime(2026, 11, 18))
    ws["A3"] = "填报单位:"
    ws["B3"] = "黄浦区市场监管局"
    ws["C3"] = "填报人:张明"
    path = tmp_path / "b.xlsx"
    wb.save(path)
    (form,) = read_file(path).forms
    assert form.metadata["unit"].text == "黄浦区市场监管局" and form.metadata["unit"].ref == "B3"
    assert form.date == dt.date(2026, 11, 18)


def test_header_split_over_two_rows_and_other_column_order(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = A2_TITLE
    ws["A2"] = (
        "填报单位：上海市徐汇区市场监督管理局  填报人：王五  所在部门：认证科  填报日期：2026-11-20"
    )
    top = [
        "序号",
        "账号使用人",
        "手机号",
        "所在部门及职务",
        "当前使用账号",
        "",
        "市场监管部门",
        "备注",
    ]
    bottom = ["", "姓名", "", "", "名称", "功能", "", ""]
    for col, (a, b) in enumerate(zip(top, bottom, strict=True), start=1):
        ws.cell(3, col, a or None)
        ws.cell(4, col, b or None)
    ws.merge_cells("E3:F3")
    for col in (1, 3, 4, 7, 8):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.append([1, "王五", "13900000005", "认证科科长", "xh_ww", "复审", "徐汇区市场监管局", ""])
    path = tmp_path / "徐汇.xlsx"
    wb.save(path)
    (form,) = read_file(path).forms
    assert (form.header_row, form.header_rows, form.missing_columns) == (3, 2, ())
    assert form.columns == {
        "seq": 1,
        "name": 2,
        "mobile": 3,
        "post": 4,
        "account": 5,
        "functions": 6,
        "bureau": 7,
        "remarks": 8,
    }
    assert origins(form, "functions") == [("复审", "F5")]
    assert form.metadata["date"].text == "2026-11-20" and form.metadata["filler"].text == "王五"


def test_notes_end_the_table_and_blank_numbered_rows_are_skipped(tmp_path: Path):
    rows = [A2_ROWS[0], *[[n] + [None] * 7 for n in range(2, 8)]]
    path = write_annex(tmp_path / "c.xlsx", 2, rows)
    wb = openpyxl.load_workbook(path)
    wb.active.cell(20, 3, "不应读入")  # below the notes line
    wb.save(path)
    (form,) = read_file(path).forms
    assert [row.number for row in form.rows] == [5] and form.blank_rows == 6


def test_both_annexes_hidden_and_empty_sheets(tmp_path: Path):
    wb = openpyxl.Workbook()
    wb.active.title = "附件1"
    add_annex_sheet(
        wb.active,
        1,
        [OPEN_REQUEST],
        unit="黄浦区市场监管局",
        date="2026/11/20",
    )
    add_annex_sheet(
        wb.create_sheet("附件2"), 2, A2_ROWS[:2], unit="黄浦区市场监管局", date="2026.11.20"
    )
    wb.create_sheet("空表")
    hidden = wb.create_sheet("辅助")
    hidden["A1"] = "开通"
    hidden.sheet_state = "hidden"
    path = tmp_path / "both.xlsx"
    wb.save(path)
    result = read_file(path)
    assert [(f.sheet, f.annex, len(f.rows)) for f in result.forms] == [
        ("附件1", 1, 1),
        ("附件2", 2, 2),
    ]
    assert sorted(result.ignored_sheets) == ["空表", "辅助"] and not result.findings
    assert result.forms[0].columns["contact"] == 10


def test_xls_with_merged_cells(tmp_path: Path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("附件2")
    sheet.write_merge(0, 0, 0, 7, A2_TITLE)
    sheet.write(1, 0, "填报单位：上海市静安区市场监督管理局")
    sheet.write(1, 6, "填报日期：2026年11月19日")
    for col, text in enumerate(A2_HEADER):
        sheet.write(2, col, text)
    sheet.write_merge(3, 4, 1, 1, "上海市静安区市场监督管理局")
    for r, (name, mobile) in enumerate([("周七", 13900000007), ("吴八", "13900000008")], start=3):
        sheet.write(r, 0, r - 2)
        sheet.write(r, 2, name)
        sheet.write(r, 3, "认证科科长")
        sheet.write(r, 4, f"ja_{r}")
        sheet.write(r, 5, "复审；监管")
        sheet.write(r, 6, mobile)
    path = tmp_path / "静安区.xls"
    book.save(str(path))
    (form,) = read_file(path).forms
    assert form.district == "静安区"
    assert origins(form, "mobile") == [("13900000007", "G4"), ("13900000008", "G5")]
    assert [row.cell("bureau").ref for row in form.rows] == ["B4", "B4"]


def test_annex1_header_of_the_notice(tmp_path: Path):
    row = [
        1,
        "增加功能",
        "上海市黄浦区市场监督管理局",
        "初审",
        "复审、监管",
        "吴建国",
        "现认证科科长",
        "13900000009",
        "",
        "张明\n021-63210000",
        "",
    ]
    (form,) = read_file(write_annex(tmp_path / "a1.xlsx", 1, [row], header=A1_HEADER)).forms
    assert form.annex == 1 and form.missing_columns == ()
    assert form.rows[0].text("current") == "复审、监管" and form.rows[0].cell("current").ref == "E5"


def test_missing_column_is_reported_by_the_rules_not_lost(tmp_path: Path):
    header = [h for h in A2_HEADER if h != "备注"]
    path = write_annex(tmp_path / "d.xlsx", 2, [r[:7] for r in A2_ROWS[:2]], header=header)
    (form,) = read_file(path).forms
    assert form.missing_columns == ("remarks",)


@pytest.mark.proves("annex-unrecognized")
def test_sheet_that_is_not_a_form(tmp_path: Path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "会议通知"
    wb.active["B2"] = "请各区按时报送"
    path = tmp_path / "note.xlsx"
    wb.save(path)
    result = read_file(path)
    assert [(f.code, f.sheet) for f in result.findings] == [("annex-unrecognized", "Sheet")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "文件是空的（0字节）"),
        (b"%PDF-1.4 hello", "这是PDF文件，不是Excel表格"),
        (b"hello world", "文件内容不是Excel表格（可能是其他文件改了扩展名）"),
        (b"PK\x03\x04broken", "文件已损坏（压缩包不完整）"),
    ],
)
@pytest.mark.proves("file-unreadable")
def test_unreadable_files_are_findings(tmp_path: Path, content: bytes, reason: str):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    result = read_file(path)
    assert result.unreadable and [f.code for f in result.findings] == ["file-unreadable"]
    assert result.findings[0].message.startswith(f"文件无法读取：{reason}。")


def test_district_from_path_when_unit_and_rows_say_nothing(tmp_path: Path):
    rows = [[1, "", "张三", "认证科科长", "x1", "监管", "13900000001", ""]]
    path = write_annex(tmp_path / "嘉定区" / "附件2.xlsx", 2, rows, unit="")
    (form,) = read_file(path, "嘉定区/附件2.xlsx").forms
    assert (form.district, form.district_from) == ("嘉定区", "path")


def test_signature_lines_under_the_table_are_metadata_not_rows(tmp_path: Path):
    rows = [A2_ROWS[0], [None, None, "填报人：张明", None, "审核人：李华", None, None, None]]
    path = write_annex(tmp_path / "sig.xlsx", 2, rows)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.delete_rows(7)  # no notes line: the signature lines end the table
    ws["C3"] = None
    wb.save(path)
    (form,) = read_file(path).forms
    assert [row.number for row in form.rows] == [5]
    assert (form.metadata["filler"].text, form.metadata["filler"].ref) == ("张明", "C6")


def test_notes_spread_over_several_cells_end_the_table(tmp_path: Path):
    rows = [
        A2_ROWS[0],
        [
            "备注：1．账号功能填写：初审、复审。",
            None,
            "2．手机号填写11位。",
            None,
            None,
            None,
            None,
            None,
        ],
    ]
    (form,) = read_file(write_annex(tmp_path / "n.xlsx", 2, rows)).forms
    assert [row.number for row in form.rows] == [5]


@pytest.mark.parametrize(
    ("annex", "header", "key", "column"),
    [
        (1, "调整内容", "adjustment", 2),
        (1, "调整前权限", "original", 4),
        (1, "调整后权限", "current", 5),
        (1, "区局联系人及联系方式", "contact", 10),
        (2, "联系方式", "mobile", 7),
    ],
)
def test_header_wordings_seen_in_the_wild(
    tmp_path: Path, annex: int, header: str, key: str, column: int
):
    names = list(A1_HEADER if annex == 1 else A2_HEADER)
    names[column - 1] = header
    (form,) = read_file(write_annex(tmp_path / "h.xlsx", annex, [], header=names)).forms
    assert form.columns[key] == column and form.missing_columns == ()


def test_metadata_label_with_a_note_in_brackets(tmp_path: Path):
    path = write_annex(tmp_path / "m.xlsx", 2, [A2_ROWS[0]])
    wb = openpyxl.load_workbook(path)
    wb.active["A3"] = "填报单位（盖章）：上海市黄浦区市场监督管理局"
    wb.save(path)
    (form,) = read_file(path).forms
    assert form.metadata["unit"].text == "上海市黄浦区市场监督管理局"


def test_both_annexes_pasted_into_one_sheet(tmp_path: Path):
    """Annex 1, its notes, then Annex 2 below it: two forms, each with its own metadata."""
    wb = openpyxl.Workbook()
    ws = wb.active
    add_annex_sheet(ws, 1, [OPEN_REQUEST], unit="上海市黄浦区市场监督管理局", date="2026-11-18")
    below = openpyxl.Workbook().active
    add_annex_sheet(below, 2, A2_ROWS[:2], unit="上海市黄浦区市场监督管理局", date="2026-11-20")
    offset = ws.max_row + 2
    for row in below.iter_rows():
        for cell in row:
            if cell.value is not None:
                ws.cell(cell.row + offset, cell.column, cell.value)
    path = tmp_path / "合并.xlsx"
    wb.save(path)
    result = read_file(path)
    assert not result.findings
    first, second = result.forms
    assert (first.annex, [r.number for r in first.rows]) == (1, [5])
    assert (second.annex, second.header_row, [r.number for r in second.rows]) == (
        2,
        4 + offset,
        [5 + offset, 6 + offset],
    )
    assert (
        first.metadata["date"].text == "2026-11-18" and second.metadata["date"].text == "2026-11-20"
    )
    assert second.rows[0].cell("name").ref == f"C{5 + offset}"


def test_a_total_line_is_nobodys_row(tmp_path: Path):
    rows = [A2_ROWS[0], A2_ROWS[1], ["合 计", None, "2人", None, None, "复审2人", None, None]]
    (form,) = read_file(write_annex(tmp_path / "t.xlsx", 2, rows)).forms
    assert [row.number for row in form.rows] == [5, 6]
