"""The workbooks written from scratch (writing/book.py, XlsxWriter) read back as meant:
widths and heights to the hundredth (the page fitting counts on them), text as text,
dates as dates, links inside the workbook, a title merged across the table, and no
look that the writer would silently drop."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from consolidate.writing.book import Look
from consolidate.writing.paper import Page, Table, save_tables
from consolidate.writing.xlsx import LINE_POINTS, ROW_PADDING, Link


def test_a_table_reads_back_with_its_widths_heights_and_cells(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    rows: list[list[object]] = [
        ["=1+1", dt.date(2026, 11, 27), "一\n二\n三", 7, Link("第2行", "名册", "A2")],
        ["+86 138", None, "", 3.5, "a\x0bb"],
    ]
    # Half and quarter units: XlsxWriter's set_column would round them to whole pixels.
    widths = [13.5, 12.25, 10.0, 9.75, 12.0]
    table = Table("名册", ["甲", "乙", "丙", "丁", "戊"], rows, widths, page=Page(),
                  lines=["标题", "说明"], fills=["FFFDE2E1", None])  # fmt: skip
    save_tables(path, [table])
    ws = openpyxl.load_workbook(path)["名册"]
    assert [ws.column_dimensions[c].width for c in "ABCDE"] == widths
    assert ws.row_dimensions[4].height == 3 * LINE_POINTS + ROW_PADDING  # three lines
    assert ws.row_dimensions[5].height is None  # one line: the sheet's own height
    assert sorted(map(str, ws.merged_cells.ranges)) == ["A1:E1", "A2:E2"]  # title, line
    assert ws["A1"].value == "标题" and ws["A1"].font.b and ws["A3"].font.b  # title, header
    assert (ws["A4"].value, ws["A4"].data_type) == ("=1+1", "s")  # text, never a formula
    assert ws["B4"].value == dt.datetime(2026, 11, 27) and ws["B4"].number_format == "yyyy-mm-dd"
    assert ws["E4"].hyperlink.location == "'名册'!A2" and ws["E4"].value == "第2行"
    assert ws["E5"].value == "ab"  # no control character reaches the file
    assert ws["A4"].fill.fgColor.rgb == "FFFDE2E1" and ws["A5"].fill.fill_type is None
    assert ws["B5"].border.left.style == "thin" and ws["C5"].border.left.style == "thin"
    assert (ws.freeze_panes, ws.auto_filter.ref, ws.print_title_rows) == ("A4", "A3:E5", "$3:$3")


@pytest.mark.parametrize(
    "look",
    [Look(font=Font(italic=True)), Look(fill=PatternFill("gray125")),
     Look(border=Border(left=Side(style="thick"))), Look(alignment=Alignment(indent=2))],
)  # fmt: skip
def test_a_look_the_writer_cannot_say_is_refused(look: Look) -> None:
    """A look added to xlsx.py but not to book.py fails here, not in a clerk's workbook."""
    with pytest.raises((ValueError, KeyError)):
        look.properties()
