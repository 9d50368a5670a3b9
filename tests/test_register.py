"""register.xlsx and adjustments.xlsx, written from generated inboxes and read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from consolidate.api import consolidate_inbox
from consolidate.model.catalog import Catalog
from consolidate.model.finding import sort_findings
from consolidate.model.outcome import Outcome
from consolidate.reading.workbook import read_file
from consolidate.writing.adjustments import write_adjustments
from consolidate.writing.register import write_register
from consolidate.writing.xlsx import ROW_FILLS, display_width
from tests.helpers import AS_OF, CONFIG, HEADER_ROW, a1_cells, write_annex

FIRST = HEADER_ROW + 1  # the first data row of a generated form
FUNCTIONS = list(CONFIG.functions)
# The office's columns and 问题 first (on paper), then the bureau, one column per function
# and the source (on screen only).
REGISTER_HEADER = [
    "区", "账号使用人姓名", "所在部门及职务", "当前使用账号名称", "当前使用账号功能",
    "手机号", "备注", "问题", "市场监管部门", *FUNCTIONS, "来源文件", "来源工作表", "来源行",
]  # fmt: skip
COL = {name: i for i, name in enumerate(REGISTER_HEADER)}


def a2(
    n: int, name: str, functions: str, mobile: object, bureau: str = "上海市黄浦区市场监督管理局"
):
    """An Annex 2 template row: 序号, 部门, 姓名, 职务, 账号, 功能, 手机, 备注."""
    return [n, bureau, name, "认证科科长", f"user{n}_{name}", functions, mobile, None]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """Two districts; 黄浦区 re-sent its roster (the older one is superseded)."""
    root = tmp_path / "inbox"
    hp, xh = "上海市黄浦区市场监督管理局", "上海市徐汇区市场监督管理局"
    write_annex(
        root / "黄浦区/附件2（旧）.xlsx",
        2,
        [a2(1, "旧人", "初审", "13900000099", hp)],
        date="2026年11月10日",
    )
    write_annex(
        root / "黄浦区/附件2.xlsx",
        2,
        [
            a2(1, "张  三", "复审，监管", 13912340001.0, hp),
            a2(2, "李四", "初审、发证、初审", "139 1234 0002", hp),
            a2(3, "王五", "复核", "+86 139-1234-0003", hp),
        ],
    )
    write_annex(
        root / "徐汇区/附件2.xlsx",
        2,
        [a2(1, "赵六", "管理员", "13912340004", xh), a2(2, "钱七", "监管", "021-64870000", xh)],
        unit=xh,
    )
    write_annex(
        root / "徐汇区/附件1.xlsx",
        1,
        [a1_cells(1, "开通", "无", "监管", "孙八", "13912340005", xh)],
        unit=xh,
    )
    write_annex(
        root / "黄浦区/附件1.xlsx",
        1,
        [
            a1_cells(1, "增加功能", "初审", "初审、监管", "张三", "13912340001", hp),
            a1_cells(2, "注销", "复审", "", "周九", "13912340006", hp),
        ],
    )
    return root


@pytest.fixture
def outcome(inbox: Path) -> Outcome:
    return consolidate_inbox(inbox, as_of=AS_OF)


def with_findings(outcome: Outcome, *findings) -> Outcome:
    """The outcome with more findings (a copy: its row index is rebuilt)."""
    return dataclasses.replace(outcome, findings=sort_findings([*outcome.findings, *findings]))


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def register_of(outcome: Outcome, tmp_path: Path, lang: str = "zh") -> Path:
    path = tmp_path / "register.xlsx"
    write_register(outcome, path, lang=lang)
    return path


# ---------------------------------------------------------------- 名册
def test_register_header_in_row_one_and_one_row_per_kept_row(
    outcome: Outcome, tmp_path: Path
) -> None:
    rows = sheet_rows(register_of(outcome, tmp_path), "名册")
    used = sum(len(f.rows) for f in outcome.forms_of(2))
    rejected = {
        k for k in outcome.rejected if k[:2] in {(f.file, f.sheet) for f in outcome.forms_of(2)}
    }
    assert list(rows[0]) == REGISTER_HEADER
    assert len(rows) - 1 == used - len(rejected)
    assert "旧人" not in [r[COL["账号使用人姓名"]] for r in rows]  # the superseded roster


def test_register_values_sources_and_function_columns(outcome: Outcome, tmp_path: Path) -> None:
    rows = sheet_rows(register_of(outcome, tmp_path), "名册")[1:]
    by_name = {r[COL["账号使用人姓名"]]: r for r in rows}
    zhang = by_name["张三"]  # padded name normalised
    assert zhang[COL["区"]] == "黄浦区"
    assert zhang[COL["当前使用账号功能"]] == "复审、监管"
    assert zhang[COL["手机号"]] == "13912340001"  # float cell -> 11 digits as text
    assert [zhang[COL[f]] for f in FUNCTIONS] == [None, "是", None, "是", None]
    assert (zhang[COL["来源文件"]], zhang[COL["来源工作表"]], zhang[COL["来源行"]]) == (
        "黄浦区/附件2.xlsx", "附件2", FIRST,
    )  # fmt: skip
    li = by_name["李四"]
    assert li[COL["当前使用账号功能"]] == "初审、发证"  # repeat dropped, canonical order
    assert li[COL["手机号"]] == "13912340002"
    assert li[COL["来源行"]] == FIRST + 1
    wang = by_name["王五"]
    assert wang[COL["当前使用账号功能"]] == "复核"  # unknown entry: kept as typed
    assert wang[COL["手机号"]] == "13912340003"
    assert [wang[COL[f]] for f in FUNCTIONS] == [None] * 5
    assert by_name["钱七"][COL["手机号"]] == "021-64870000"  # invalid: kept as typed


def test_register_rows_in_district_order(outcome: Outcome, tmp_path: Path) -> None:
    # 徐汇区/ sorts before 黄浦区/ by path, but 黄浦区 comes first in the configuration.
    rows = sheet_rows(register_of(outcome, tmp_path), "名册")[1:]
    assert [r[COL["区"]] for r in rows] == ["黄浦区"] * 3 + ["徐汇区"] * 2


def test_rejected_rows_stay_out_of_the_register(outcome: Outcome, tmp_path: Path) -> None:
    outcome.rejected[("黄浦区/附件2.xlsx", "附件2", FIRST + 1)] = ["placeholder-value"]
    rows = sheet_rows(register_of(outcome, tmp_path), "名册")[1:]
    names = [r[COL["账号使用人姓名"]] for r in rows]
    assert "李四" not in names and "张三" in names


def test_placeholder_rows_count_as_the_rules_say(inbox: Path, tmp_path: Path) -> None:
    write_annex(
        inbox / "黄浦区/附件2.xlsx",
        2,
        [a2(1, "张三", "复审", "13912340001"), a2(2, "吴XX", "复审", "138XXXXXXXX")],
    )
    outcome = consolidate_inbox(inbox, as_of=AS_OF)
    rows = sheet_rows(register_of(outcome, tmp_path), "名册")[1:]
    rejected = [k for k in outcome.rejected if k[0] == "黄浦区/附件2.xlsx"]
    huangpu = [r[COL["账号使用人姓名"]] for r in rows if r[COL["区"]] == "黄浦区"]
    assert len(huangpu) == 2 - len(rejected)
    assert ("吴XX" in huangpu) == (not rejected)


def test_problems_column_lists_the_row_findings(outcome: Outcome, tmp_path: Path) -> None:
    catalog = Catalog(CONFIG)
    extra = catalog.make(
        "phone-invalid", file="徐汇区/附件2.xlsx", sheet="附件2", row=FIRST + 1, col=7,
        value="021-64870000", reason="landline",
    )  # fmt: skip
    second = catalog.make(
        "name-suspicious", file="徐汇区/附件2.xlsx", sheet="附件2", row=FIRST + 1, col=3,
        value="钱七", reason="short",
    )  # fmt: skip
    outcome = with_findings(outcome, extra, second)
    rows = sheet_rows(register_of(outcome, tmp_path), "名册")[1:]
    qian = next(r for r in rows if r[COL["账号使用人姓名"]] == "钱七")
    # The message as a clerk reads it: no rule code in front of it.
    lines = qian[COL["问题"]].split("\n")
    assert second.message in lines and extra.message in lines
    assert not any(line.startswith(("phone-invalid", "name-suspicious")) for line in lines)
    ws = openpyxl.load_workbook(tmp_path / "register.xlsx")["名册"]
    problems = ws.cell(
        1 + [r[COL["账号使用人姓名"]] for r in rows].index("钱七") + 1, COL["问题"] + 1
    )
    assert "\n" in problems.value and problems.alignment.wrap_text
    en = sheet_rows(register_of(outcome, tmp_path, lang="en"), "名册")[1:]
    qian_en = next(r for r in en if r[COL["账号使用人姓名"]] == "钱七")
    assert extra.message_en in qian_en[COL["问题"]].split("\n")
    assert "phone-invalid" not in qian_en[COL["问题"]]


def test_rows_with_problems_are_filled_by_their_worst_finding(
    outcome: Outcome, tmp_path: Path
) -> None:
    ws = openpyxl.load_workbook(register_of(outcome, tmp_path))["名册"]
    fills = {
        row[COL["账号使用人姓名"]].value: row[COL["问题"]].fill.fgColor.rgb
        for row in ws.iter_rows(min_row=2)
    }
    problems = {
        row[COL["账号使用人姓名"]].value: row[COL["问题"]].value for row in ws.iter_rows(min_row=2)
    }
    assert fills["钱七"] == ROW_FILLS["error"]  # phone-invalid
    assert all(fills[name] == "00000000" for name, text in problems.items() if not text)


def test_register_sheet_layout(outcome: Outcome, tmp_path: Path) -> None:
    catalog = Catalog(CONFIG)
    two = [
        catalog.make(code, file="徐汇区/附件2.xlsx", sheet="附件2", row=FIRST + 1, col=col,
                     value=value, reason=reason)
        for code, col, value, reason in (
            ("phone-invalid", 7, "021-64870000", "landline"),
            ("name-suspicious", 3, "钱七", "short"),
        )
    ]  # fmt: skip
    wb = openpyxl.load_workbook(register_of(with_findings(outcome, *two), tmp_path))
    assert wb.sheetnames == ["名册", "汇总", "问题清单", "当前账号"]
    ws = wb["名册"]
    assert ws.freeze_panes == "C2"  # 区 and 姓名 stay in view while scrolling to the sources
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(REGISTER_HEADER))}6"
    assert ws.print_title_rows == "$1:$1"
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)
    # On paper 区 … 问题; the bureau, the flags and the source on the screen only.
    assert ws.print_area == "'名册'!$A$1:$H$6"
    # Widths fit Chinese text: a CJK character counts as two.
    assert display_width("认证科科长") == 10
    post = openpyxl.utils.get_column_letter(COL["所在部门及职务"] + 1)
    assert ws.column_dimensions[post].width >= 12
    assert ws.column_dimensions["A"].width < ws.column_dimensions[post].width
    # A multi-line cell gets the height of its lines (Calc and Excel show only one otherwise).
    qian = next(
        r[0].row for r in ws.iter_rows(min_row=2) if r[COL["账号使用人姓名"]].value == "钱七"
    )
    assert "\n" in ws.cell(qian, COL["问题"] + 1).value
    assert (ws.row_dimensions[qian].height or 0) >= 30


def test_register_reads_back_as_an_annex_2(outcome: Outcome, tmp_path: Path) -> None:
    # Next year's baseline: row 1 holds the Annex 2 headers.
    result = read_file(register_of(outcome, tmp_path), "register.xlsx", CONFIG)
    form = next(f for f in result.forms if f.sheet == "名册")
    assert form.annex == 2 and form.header_row == 1
    assert [r.text("name") for r in form.rows] == ["张三", "李四", "王五", "赵六", "钱七"]
    assert [r.text("mobile") for r in form.rows][:2] == ["13912340001", "13912340002"]


# ---------------------------------------------------------------- 汇总 and 问题清单
def test_summary_counts_people_and_functions_per_district(outcome: Outcome, tmp_path: Path) -> None:
    rows = sheet_rows(register_of(outcome, tmp_path), "汇总")
    assert list(rows[0]) == ["区", "附件2报送情况", "人数", *FUNCTIONS]
    assert [r[0] for r in rows[1:-1]] == [d.name for d in CONFIG.districts]
    by_district = {r[0]: list(r[1:]) for r in rows[1:]}
    assert by_district["黄浦区"] == ["已报送", 3, 1, 1, 1, 1, 0]
    assert by_district["徐汇区"] == ["已报送", 2, 0, 0, 0, 1, 1]
    # A district that sent nothing says so, not 0.
    assert by_district["浦东新区"] == ["未报送"] + [None] * 6
    assert by_district["合计"] == [f"2/{len(CONFIG.districts)}", 5, 1, 1, 1, 2, 1]


def test_findings_sheet_lists_every_finding(outcome: Outcome, tmp_path: Path) -> None:
    extra = Catalog(CONFIG).make(
        "annex-unrecognized",
        file="徐汇区/附件2.xlsx",
        sheet="Sheet2",
        reason="no-header",
    )
    outcome = with_findings(outcome, extra)
    rows = sheet_rows(register_of(outcome, tmp_path), "问题清单")
    # What a clerk reads first: the severity and the message; the rule code comes last.
    assert rows[0] == (
        "级别", "问题说明", "区", "账号使用人", "填写内容", "建议改为",
        "来源文件", "来源工作表", "单元格", "名册行", "规则代码",
    )  # fmt: skip
    assert len(rows) - 1 == len(outcome.findings)
    row = next(r for r in rows if r[-1] == "annex-unrecognized" and r[7] == "Sheet2")
    assert row[:2] == ("错误", extra.message) and row[6] == "徐汇区/附件2.xlsx"


def test_findings_sheet_sorted_by_district_and_linked_to_the_register(
    outcome: Outcome, tmp_path: Path
) -> None:
    wb = openpyxl.load_workbook(register_of(outcome, tmp_path))
    rows = list(wb["问题清单"].iter_rows(min_row=2))
    districts = [r[2].value for r in rows]
    # Configured order (黄浦区 before 徐汇区), not file-name order.
    assert districts == sorted(districts, key=lambda d: CONFIG.district_rank.get(d or "", 99))
    linked = [r for r in rows if r[9].hyperlink is not None]
    assert linked
    register = wb["名册"]
    for row in linked:
        sheet, cell = row[9].hyperlink.location.split("!")
        assert sheet == "'名册'"
        target = register[cell]
        assert row[9].value == f"第{target.row}行"
        assert target.value == row[3].value  # the 账号使用人 of that 名册 row


# ---------------------------------------------------------------- injection
INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    rows = [a2(i, text, "监管", f"1391234000{i}") for i, text in enumerate(INJECTIONS, start=1)]
    path = write_annex(inbox / "黄浦区/附件2.xlsx", 2, rows)
    _store_as_text(path)
    outcome = consolidate_inbox(inbox, as_of=AS_OF)
    outcome.rejected.clear()  # whatever the rules think of these names, write them
    ws = openpyxl.load_workbook(register_of(outcome, tmp_path))["名册"]
    cells = [ws.cell(r, COL["账号使用人姓名"] + 1) for r in range(2, 2 + len(INJECTIONS))]
    assert [c.value for c in cells] == INJECTIONS
    assert {c.data_type for c in cells} == {"s"}


def _store_as_text(path: Path) -> None:
    """Make ``=…`` cells of a generated input text cells (openpyxl stores them as formulas)."""
    wb = openpyxl.load_workbook(path)
    for row in wb.active.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    wb.save(path)


# ---------------------------------------------------------------- adjustments.xlsx
A1_COLUMNS = [c.name for c in CONFIG.annexes[1].columns]


def adjustments_of(outcome: Outcome, tmp_path: Path, received: dt.date | None) -> list[tuple]:
    path = tmp_path / "adjustments.xlsx"
    write_adjustments(outcome, path, received=received)
    return sheet_rows(path, "报送总局")


def test_adjustments_layout_and_order(outcome: Outcome, tmp_path: Path) -> None:
    rows = adjustments_of(outcome, tmp_path, dt.date(2026, 9, 30))
    assert rows[0][0] == "附件1"
    assert rows[1][0] == CONFIG.annexes[1].title
    assert rows[2][0] == "填报单位：上海市市场监督管理局"
    assert "填报日期：2026年11月26日" in rows[2]
    assert list(rows[3]) == [*A1_COLUMNS, "收到日期", "转报截止日期", "来源文件", "来源行"]
    data = rows[4:7]
    assert [r[0] for r in data] == [1, 2, 3]  # 序号 renumbered across districts
    assert [r[5] for r in data] == ["张三", "周九", "孙八"]  # 黄浦区 before 徐汇区 (config order)
    assert [r[1] for r in data] == ["增加功能", "注销", "开通"]
    assert [(r[3], r[4]) for r in data] == [("初审", "初审、监管"), ("复审", "无"), ("无", "监管")]
    assert [(r[13], r[14]) for r in data] == [
        ("黄浦区/附件1.xlsx", FIRST), ("黄浦区/附件1.xlsx", FIRST + 1), ("徐汇区/附件1.xlsx", FIRST),
    ]  # fmt: skip
    assert {r[11].date() for r in data} == {dt.date(2026, 9, 30)}
    assert {r[12].date() for r in data} == {dt.date(2026, 10, 13)}  # across 国庆
    assert rows[7][0].startswith("备注：1．账号调整方式填写：开通、注销")
    assert not any("推算" in str(r[0]) for r in rows)


def test_adjustments_received_defaults_to_file_time(inbox: Path, tmp_path: Path) -> None:
    noon = dt.datetime(2026, 11, 2, 12, 0).timestamp()
    for path in inbox.rglob("附件1.xlsx"):
        os.utime(path, (noon, noon))
    outcome = consolidate_inbox(inbox, as_of=AS_OF)
    data = adjustments_of(outcome, tmp_path, None)[4:7]
    assert {(r[11].date(), r[12].date()) for r in data} == {
        (dt.date(2026, 11, 2), dt.date(2026, 11, 9))
    }


def test_adjustments_note_the_weekday_fallback(outcome: Outcome, tmp_path: Path) -> None:
    rows = adjustments_of(outcome, tmp_path, dt.date(2031, 3, 3))
    assert rows[6][12].date() == dt.date(2031, 3, 10)
    note = rows[-1][0]
    assert "按周一至周五推算" in note and "1、2、3" in note
    # The office's note, about its own column, is below the printed form.
    ws = openpyxl.load_workbook(tmp_path / "adjustments.xlsx")["报送总局"]
    assert ws.print_area == f"'报送总局'!$A$1:$K${len(rows) - 1}"


def test_adjustments_skip_rejected_rows(outcome: Outcome, tmp_path: Path) -> None:
    outcome.rejected[("黄浦区/附件1.xlsx", "附件1", FIRST)] = ["placeholder-value"]
    rows = adjustments_of(outcome, tmp_path, dt.date(2026, 11, 2))
    assert [(r[0], r[5]) for r in rows[4:6]] == [(1, "周九"), (2, "孙八")]
    assert rows[6][0].startswith("备注：")


def test_adjustments_page_setup(outcome: Outcome, tmp_path: Path) -> None:
    path = tmp_path / "adjustments.xlsx"
    write_adjustments(outcome, path, received=dt.date(2026, 11, 2))
    ws = openpyxl.load_workbook(path)["报送总局"]
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)
    assert ws.freeze_panes == "A5" and ws.print_title_rows == "$4:$4"
    assert "A2:K2" in {str(r) for r in ws.merged_cells.ranges}
    # The table is boxed like the paper form; the notes under it are not.
    table = ws.iter_rows(min_row=4, max_row=7)
    assert all(c.border.left.style == "thin" for row in table for c in row)
    assert ws.cell(8, 1).border.left.style is None
    # On paper only the form's 11 columns: 收到日期 … 来源行 beside them are the office's own.
    assert ws.print_area == "'报送总局'!$A$1:$K$9"
