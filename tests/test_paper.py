"""Every workbook the tool writes, set up as the office prints it (README 市局汇总), read
back with openpyxl: A4, one page wide with room for 9-point text, the header repeated,
the cells boxed and centred alike, the sources off the paper. tests/test_render.py
prints them with LibreOffice and measures the paper itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from consolidate.api import check, consolidate_inbox
from consolidate.ledger import record
from consolidate.writing.adjustments import write_batch
from consolidate.writing.annotate import annotate
from consolidate.writing.outputs import write_outputs
from consolidate.writing.paper import room
from consolidate.writing.template import write_template
from tests.helpers import CONFIG

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"
AS_OF = dt.date(2026, 11, 27)
# The sheets with a table and their header row (below a form's label, title and metadata).
TABLES = {
    ("register", "名册"): 1, ("register", "汇总"): 1, ("register", "问题清单"): 1,
    ("register", "当前账号"): 1,
    ("adjustments", "报送总局"): 4, ("adjustments", "退回区局"): 4,
    ("adjustments", "全年台账"): 1, ("fastchannel", "推荐汇总"): 1,
    ("fastchannel", "使用单位名单"): 1, ("fastchannel", "提醒"): 3, ("template1", "附件1"): 4,
    ("template2", "附件2"): 5, ("batch", "附件1"): 4, ("copy", "问题清单"): 3,
}  # fmt: skip


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, openpyxl.Workbook]:
    tmp = tmp_path_factory.mktemp("paper")
    outcome = consolidate_inbox(
        SAMPLE, as_of=AS_OF, baseline_path=SAMPLE / "_baseline" / "register-2025.xlsx",
        fastlist_path=SAMPLE / "_便捷通道" / "使用单位名单.xlsx", config=CONFIG,
    )  # fmt: skip
    written = write_outputs(outcome, tmp / "out", received=AS_OF)
    paths = {name: written[f"{name}.xlsx"] for name in ("register", "adjustments", "fastchannel")}
    paths["batch"] = tmp / "forwarded.xlsx"
    sent = [r for r in record(None, outcome, AS_OF).requests if r.to_forward]
    write_batch(sent, AS_OF, paths["batch"], CONFIG)
    for annex in (1, 2):
        paths[f"template{annex}"] = tmp / f"附件{annex}.xlsx"
        write_template(paths[f"template{annex}"], annex, "黄浦区", CONFIG)
    source = SAMPLE / "松江区" / "松江区附件1.xlsx"
    paths["copy"] = tmp / "copy.xlsx"
    annotate(source, check([source], as_of=AS_OF, config=CONFIG).findings, paths["copy"])
    return {name: openpyxl.load_workbook(path) for name, path in paths.items()}


def printed_columns(ws) -> int:
    """How many columns print: the print area's, or every column of the sheet."""
    if not ws.print_area:
        return ws.max_column
    return range_boundaries(ws.print_area.split("!")[-1].replace("$", ""))[2]


@pytest.mark.parametrize(("book", "sheet"), list(TABLES))
def test_a_sheet_prints_on_a4_one_page_wide_with_room_for_9_points(books, book, sheet) -> None:
    """17 columns squeezed onto a landscape page printed the register at 4–5 points."""
    ws = books[book][sheet]
    setup = ws.page_setup
    assert (int(setup.paperSize), setup.orientation) == (9, "landscape")
    # No fitToWidth: the file format's default, 1 (XlsxWriter writes only what differs).
    assert (int(setup.fitToWidth or 1), int(setup.fitToHeight)) == (1, 0)
    header = TABLES[(book, sheet)]
    assert ws.print_title_rows == f"${header}:${header}"  # the header on every page
    widths = [column_width(ws, c) for c in range(1, printed_columns(ws) + 1)]
    assert sum(widths) <= room(True, ws.page_margins.left)


def column_width(ws, index: int) -> float:
    """A column's width, also where one ``<col>`` gives it to its neighbours too (as Excel
    and XlsxWriter write equal columns; openpyxl keys the range by its first letter only)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= (dim.max or dim.min):
            return dim.width
    return ws.column_dimensions[get_column_letter(index)].width


@pytest.mark.parametrize(("book", "sheet"), list(TABLES))
def test_every_printed_cell_is_boxed_and_centred_alike(books, book, sheet) -> None:
    """A two-line cell (上海市黄浦区 / 市场监督管理局) top-aligned beside cells at the bottom
    made its row look shifted: every cell of the table is centred and boxed."""
    ws = books[book][sheet]
    header = TABLES[(book, sheet)]
    last = ws.max_row if sheet != "附件1" and sheet != "附件2" else header + 1
    for row in ws.iter_rows(min_row=header, max_row=last, max_col=printed_columns(ws)):
        values = [cell.value for cell in row if cell.value is not None]
        if not values or row[0].coordinate in ws.merged_cells or _note(row[0].value, values):
            continue  # a form's notes, a line saying why a table is empty
        assert {cell.alignment.vertical for cell in row} == {"center"}, row[0].coordinate
        assert {cell.border.left.style for cell in row} == {"thin"}, row[0].coordinate


def _note(first: object, values: list[object]) -> bool:
    """A line of text under or instead of the table (备注：…), in its first cell alone."""
    return len(values) == 1 and isinstance(first, str) and len(first) > 20


# (问题清单's 来源文件 is where the problem is: it prints there.)
@pytest.mark.parametrize(
    ("book", "sheet"),
    [("register", "名册"), ("adjustments", "报送总局"), ("adjustments", "退回区局"),
     ("adjustments", "全年台账"), ("fastchannel", "推荐汇总")],
)  # fmt: skip
def test_the_sources_stay_off_the_paper(books, book, sheet) -> None:
    """The full table on the screen; the source file, sheet and row outside the print area."""
    ws = books[book][sheet]
    header = [c.value for c in ws[TABLES[(book, sheet)]]]
    printed = header[: printed_columns(ws)]
    assert "来源文件" in header and "来源文件" not in printed and "来源行" not in printed
    assert printed[-1] in ("问题", "备注")


def test_the_register_prints_the_offices_columns(books) -> None:
    ws = books["register"]["名册"]
    header = [c.value for c in ws[1]]
    assert header[: printed_columns(ws)] == [
        "区", "账号使用人姓名", "所在部门及职务", "当前使用账号名称", "当前使用账号功能",
        "手机号", "备注", "问题",
    ]  # fmt: skip
    assert set(CONFIG.functions) <= set(header)  # one column per function, on the screen


def test_the_accounts_on_the_day_print_the_offices_columns_and_their_notes(books) -> None:
    """当前账号: the office's columns, 依据, 待办, 说明 on paper, the bureau on the screen;
    the notes below the table print too, outside its filter."""
    ws = books["register"]["当前账号"]
    header = [c.value for c in ws[1]]
    assert header[: printed_columns(ws)] == [
        "区", "账号使用人姓名", "所在部门及职务", "当前使用账号名称", "当前使用账号功能",
        "手机号", "依据", "待办", "说明",
    ]  # fmt: skip
    assert header[printed_columns(ws) :] == ["市场监管部门"]
    notes = [
        row[0] for row in ws.iter_rows(min_row=2, values_only=True) if row[0].startswith("注：")
    ]
    assert notes and ws.max_row == range_boundaries(ws.print_area.split("!")[-1])[3]
    assert range_boundaries(ws.auto_filter.ref)[3] == ws.max_row - len(notes)
    assert ws.oddHeader.center.text == "当前账号（2026年度，截至2026年11月27日）"


def test_a_sheet_without_a_title_prints_one_with_the_date_and_page(books) -> None:
    """The register's header stays in row 1 (it is next year's baseline): its title and
    as-of date are the printed page's heading, its page number the foot."""
    ws = books["register"]["名册"]
    assert (
        ws.oddHeader.center.text
        == "上海市CCC免办系统账号使用人名册（2026年度，截至2026年11月27日）"
    )
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
