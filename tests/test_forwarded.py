"""The batch ``forward`` writes for SAMR is the notice's Annex 1 and nothing else (README
"安全 / Safety: what leaves the office"): label, title, 填报单位 the city office, 填报日期 the day it is sent,
the form's 11 columns, one row per request, the form's notes. Values only, and nothing
of the office's own: no received or forward-by date, no file name, no source row.

One small inbox, run and forwarded once with every date pinned (2025: no test clock is
that early, so the save time openpyxl writes into docProps can never equal one of them).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils.datetime import to_excel

from consolidate import api
from consolidate.cli import main
from consolidate.writing.template import notes_text
from tests.helpers import CONFIG, a1_cells, write_annex

HP, JA = "上海市黄浦区市场监督管理局", "上海市静安区市场监督管理局"
OFFICE = "上海市市场监督管理局"
RECEIVED, AS_OF, SENT = "2025-03-03", "2025-03-04", dt.date(2025, 3, 5)
SPEC = CONFIG.annexes[1]
HEADER = [c.name for c in SPEC.columns]
# File names as an office keeps them: none may reach SAMR.
FILES = {
    "黄浦区/黄浦 账号调整 汇总 最终版.xlsx": (HP, [
        a1_cells(1, "开通", "无", "监管", "赵六", "13900000006", HP),
        # Text that looks like a formula stays text in the batch.
        [*a1_cells(2, "注销", "监管", "无", "钱七", "13900000007", HP)[:10], "=1+1"],
    ]),
    "静安区/静安附件1（终稿）.xlsx": (JA, [
        a1_cells(1, "开通", "无", "初审", "孙八", "13900000008", JA),
    ]),
}  # fmt: skip


def _inbox(folder: Path) -> None:
    """The districts' files; a 备注 starting with ``=`` is saved as the text it is."""
    for name, (unit, rows) in FILES.items():
        path = write_annex(folder / name, 1, rows, unit=unit, date="2025年3月3日")
        book = openpyxl.load_workbook(path)
        for row in book.active.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        book.save(path)


@pytest.fixture(scope="module")
def sent(tmp_path_factory) -> dict:
    """The inbox run and forwarded: the batch, and 报送总局 as the run wrote it."""
    tmp = tmp_path_factory.mktemp("forwarded")
    inbox, out = tmp / "收件箱", tmp / "输出"
    _inbox(inbox)
    runner = CliRunner()
    run = ["run", str(inbox), "--out", str(out), "--as-of", AS_OF, "--received", RECEIVED]
    result = runner.invoke(main, run)
    assert result.exit_code == 0, result.output
    adjustments = shutil.copy(out / "adjustments.xlsx", tmp / "adjustments-before.xlsx")
    result = runner.invoke(main, ["forward", str(out), "--date", SENT.isoformat()])
    assert result.exit_code == 0, result.output
    return {
        "tmp": tmp,
        "batch": out / "forwarded" / f"{SENT.isoformat()}-1.xlsx",
        "adjustments": Path(adjustments),
    }


def _requests(adjustments: Path) -> list[list[object]]:
    """The rows of 报送总局 as the run wrote them: the form's 11 cells and the office's."""
    ws = openpyxl.load_workbook(adjustments)["报送总局"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "序号")
    header = rows[start]
    return [dict(zip(header, r, strict=True)) for r in rows[start + 1 :] if isinstance(r[0], int)]


def test_the_batch_is_the_form_filled_in_and_nothing_else(sent) -> None:
    book = openpyxl.load_workbook(sent["batch"])
    assert book.sheetnames == [SPEC.short_title]
    ws = book.active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header_row = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert rows[header_row] == HEADER
    data = [r for r in rows[header_row + 1 :] if isinstance(r[0], int)]
    expected = [
        [n, *(cells[1:10]), cells[10] or None]
        for n, cells in enumerate([r for _, rs in FILES.values() for r in rs], 1)
    ]
    assert data == expected  # 黄浦区 before 静安区, as on 报送总局
    assert ws.cell(data[1][0] + header_row + 1, 11).data_type == "s"  # "=1+1", not a formula
    meta = [v for v in rows[2] if v is not None]
    assert meta == ["填报单位：", OFFICE, "填报日期：", dt.datetime(2025, 3, 5)]
    assert ws["I3"].number_format == 'yyyy"年"m"月"d"日"'  # shown 2025年3月5日, as the form
    # Every non-empty cell, counted: the form's texts and the requests' values, no more.
    shown = Counter(v for r in rows for v in r if v is not None)
    want = Counter([
        SPEC.short_title, SPEC.title, *meta, *HEADER, notes_text(SPEC, CONFIG),
        *(v for r in data for v in r if v is not None),
    ])  # fmt: skip
    assert shown == want


def test_nothing_of_the_office_is_anywhere_in_the_package(sent) -> None:
    office = _requests(sent["adjustments"])
    assert {r["收到日期"] for r in office} == {dt.datetime(2025, 3, 3)}
    forward_by = {r["转报截止日期"].date() for r in office}
    assert SENT not in forward_by
    days = [dt.date(2025, 3, 3), *forward_by]
    secret = [
        *(form for day in days for form in _written(day)),
        *(p for name in FILES for p in (name, Path(name).name, Path(name).stem)),
        "收件箱", "输出", str(sent["tmp"]), getpass.getuser(), str(Path.home()),
        "来源文件", "来源行", "来源工作表", "收到日期", "转报截止日期", "台账",
    ]  # fmt: skip
    with zipfile.ZipFile(sent["batch"]) as package:
        parts = {name: package.read(name).decode("utf-8") for name in package.namelist()}
    assert {name: [s for s in secret if s in xml] for name, xml in parts.items()} == {
        name: [] for name in parts
    }
    # Inert: no formula, link, comment, validation, macro, custom property or embedded part.
    assert sorted(parts) == [
        "[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
        "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/theme/theme1.xml",
        "xl/workbook.xml", "xl/worksheets/sheet1.xml",
    ]  # fmt: skip
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert not re.search(r"<f[ >]|<hyperlink|<dataValidation", sheet)
    names = re.findall(r'<definedName name="([^"]+)"', parts["xl/workbook.xml"])
    assert sorted(names) == ["_xlnm.Print_Area", "_xlnm.Print_Titles"]
    assert "TargetMode" not in "".join(parts.values())  # no external relationship


def _written(day: dt.date) -> list[str]:
    """A date as a cell or a property could hold it."""
    return [
        day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日",
        f"<v>{int(to_excel(day))}</v>",
    ]  # fmt: skip


def test_the_batch_properties_name_the_form_and_the_office(sent) -> None:
    props = openpyxl.load_workbook(sent["batch"]).properties
    assert (props.creator, props.title, props.lastModifiedBy) == (OFFICE, SPEC.title, None)
    assert props.created == dt.datetime(2025, 3, 5)  # the day it was sent, not the clock
    assert (props.description, props.subject, props.keywords) == (None, None, None)


def test_the_batch_prints_on_a4_landscape_one_page_wide_with_the_header_repeated(sent) -> None:
    ws = openpyxl.load_workbook(sent["batch"]).active
    assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "landscape")
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4"
    assert ws.print_area == f"'{SPEC.short_title}'!$A$1:$K${ws.max_row}"  # the notes last


def test_the_batch_read_back_is_an_annex_1_with_the_same_rows_and_no_finding(sent) -> None:
    batch = sent["batch"]
    result = CliRunner().invoke(
        main, ["check", str(batch), "--as-of", SENT.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["findings"] == []
    assert [(s["annex"], s["rows"]) for s in report["files"][0]["sheets"]] == [(1, 3)]
    (form,) = api.check([batch], as_of=SENT, config=CONFIG).forms
    keys = [c.key for c in SPEC.columns]
    read = [[row.text(k) for k in keys] for row in form.rows]
    office = _requests(sent["adjustments"])
    assert read == [[str(r["序号"]), *(r[h] or "" for h in HEADER[1:])] for r in office]
    assert form.metadata["unit"].text == OFFICE


def test_forward_sheet_prints_only_the_form(sent) -> None:
    """报送总局 keeps the office's columns beside the form, outside its print area."""
    ws = openpyxl.load_workbook(sent["adjustments"])["报送总局"]
    header = [c.value for c in ws[4]]
    assert header[:11] == HEADER
    assert {"收到日期", "转报截止日期", "来源文件", "来源行"} <= set(header[11:])
    notes = max(c.row for c in ws["A"] if str(c.value or "").startswith("2．"))
    assert ws.print_area == f"'报送总局'!$A$1:$K${notes}"
