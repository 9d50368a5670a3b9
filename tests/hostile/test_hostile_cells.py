"""Cell values as real files hold them: formulas, error values, dates, booleans, rich text,
line breaks, zero-width and control characters.

python-calamine reads a formula's cached result, and gives '' both for an error value and
for a formula saved without a result (files written by scripts): the reader finds those
cells in the sheet XML and reports them as ``cell-unreadable`` at the cell.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import (
    AS_OF,
    UNIT,
    Raw,
    a1_values,
    a2_values,
    annex_grid,
    annex_xlsx,
    run_inbox,
    sheet_xml,
    write,
    xlsx_bytes,
)

from consolidate.checks import evaluate
from consolidate.reading.workbook import read_bytes
from consolidate.support.config import load_config

CONFIG = load_config()
FILE = "黄浦区/附件2.xlsx"


def _read(data: bytes, name: str = FILE):
    result = read_bytes(data, name)
    assert not result.unreadable, result.findings
    return result


def _codes_at(data: bytes, name: str = FILE) -> dict[str, set[str]]:
    """Every finding of the reader and the rules, by cell."""
    outcome = evaluate([_read(data, name)], config=CONFIG, as_of=dt.date.fromisoformat(AS_OF))
    found: dict[str, set[str]] = {}
    for finding in outcome.findings:
        found.setdefault(finding.cell or "", set()).add(finding.code)
    return found


# ---------------------------------------------------------------- formulas and error values
def test_formula_with_a_cached_result_reads_the_result() -> None:
    row = a2_values(
        1,
        name=Raw('<c r="REF" t="str"><f>"王"&amp;"建华"</f><v>王建华</v></c>'),
        mobile=Raw('<c r="REF"><f>13900000000+1</f><v>13900000001</v></c>'),
    )
    result = _read(annex_xlsx(2, [row]))
    [form] = result.forms
    assert form.rows[0].text("name") == "王建华"
    assert form.rows[0].text("mobile") == "13900000001"
    assert [f.code for f in result.findings] == []


@pytest.mark.proves("cell-unreadable")
def test_formula_without_a_cached_result_is_a_finding_at_its_cell() -> None:
    row = a2_values(1, post=Raw('<c r="REF"><f>Sheet2!A1</f></c>'))
    result = _read(annex_xlsx(2, [row]))
    [finding] = [f for f in result.findings if f.code == "cell-unreadable"]
    assert (finding.sheet, finding.row, finding.cell) == ("附件2", 5, "D5")
    assert "公式没有计算结果" in finding.message
    assert "formula has no calculated result" in finding.message_en
    assert finding.severity == "error"


def test_formula_written_by_openpyxl_has_no_result(tmp_path: Path) -> None:
    """openpyxl (like most scripts) stores a formula with no cached value."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "附件2"
    for values in annex_grid(2, [a2_values(1)]):
        sheet.append(values)
    sheet["C5"] = '=CONCATENATE("王","建华")'
    path = tmp_path / "附件2.xlsx"
    book.save(path)
    result = _read(path.read_bytes())
    assert [(f.code, f.cell) for f in result.findings] == [("cell-unreadable", "C5")]


def test_a_cached_empty_text_result_is_not_a_finding() -> None:
    """=IF(…,"",…) shown as blank: Excel stores t="str" with an empty cached value."""
    row = a2_values(1, remarks=Raw('<c r="REF" t="str"><f>IF(1,"","x")</f><v></v></c>'))
    result = _read(annex_xlsx(2, [row]))
    assert [f.code for f in result.findings] == []


@pytest.mark.parametrize("error", ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?"])
def test_error_values_are_findings_at_their_cells(error: str) -> None:
    row = a2_values(
        1,
        mobile=Raw(f'<c r="REF" t="e"><v>{error}</v></c>'),
        functions=Raw(f'<c r="REF" t="e"><f>VLOOKUP(1,X:Y,2,0)</f><v>{error}</v></c>'),
    )
    result = _read(annex_xlsx(2, [row]))
    unreadable = {f.cell: f for f in result.findings if f.code == "cell-unreadable"}
    assert set(unreadable) == {"F5", "G5"}
    assert f"单元格是错误值 {error}" in unreadable["G5"].message


def test_error_value_in_the_date_cell_is_reported_there() -> None:
    grid = annex_grid(2, [a2_values(1)], date=None)
    grid[2][7] = Raw('<c r="REF" t="e"><v>#N/A</v></c>')
    found = _codes_at(xlsx_bytes([("附件2", sheet_xml(grid))]))
    assert "cell-unreadable" in found["H3"]


def test_formulas_and_errors_end_to_end(tmp_path: Path) -> None:
    rows = [
        a2_values(1, post=Raw('<c r="REF"><f>B1</f></c>')),
        a2_values(2, name="李四", mobile=Raw('<c r="REF" t="e"><v>#N/A</v></c>')),
    ]
    inbox = tmp_path / "inbox"
    write(inbox / FILE, annex_xlsx(2, rows))
    run = run_inbox(inbox, tmp_path / "out")
    cells = {(f["cell"], f["code"]) for f in run.findings if f["file"] == FILE}
    assert ("D5", "cell-unreadable") in cells
    assert ("G6", "cell-unreadable") in cells
    messages = [f["message"] for f in run.findings if f["code"] == "cell-unreadable"]
    assert any("公式没有计算结果" in m for m in messages)
    assert any("#N/A" in m for m in messages)


# ---------------------------------------------------------------- dates
SERIAL = (dt.date(2026, 11, 20) - dt.date(1899, 12, 30)).days
DATES = {
    "中文": "2026年11月20日",
    "ISO": "2026-11-20",
    "slashes": "2026/11/20",
    "dots": "2026.11.20",
    "full-width": "２０２６年１１月２０日",
    "spaces": " 2026 年 11 月 20 日 ",
    "serial number, General format": SERIAL,
    "serial number, date format": Raw(f'<c r="REF" s="1"><v>{SERIAL}</v></c>'),
    "ISO date cell (t=d)": Raw('<c r="REF" t="d"><v>2026-11-20T00:00:00</v></c>'),
    "text of digits": "20261120",
}


@pytest.mark.parametrize("case", list(DATES))
def test_dates_as_text_and_as_numbers(case: str) -> None:
    data = annex_xlsx(2, [a2_values(1)], date=DATES[case])
    [form] = _read(data).forms
    assert form.date == dt.date(2026, 11, 20)
    found = _codes_at(data)
    assert not any({"date-invalid", "metadata-missing"} & codes for codes in found.values())


@pytest.mark.parametrize("value", ["2026年13月40日", "下周一", "46346.5.1", 10.0, True])
def test_impossible_dates_are_findings(value: object) -> None:
    data = annex_xlsx(2, [a2_values(1)], date=value)
    found = _codes_at(data)
    assert found.get("H3") == {"date-invalid"}


# ---------------------------------------------------------------- other cell types
def test_booleans_are_read_as_text() -> None:
    row = a2_values(1, remarks=True, mobile=False)
    [form] = _read(annex_xlsx(2, [row])).forms
    assert form.rows[0].text("remarks") == "TRUE"
    assert "phone-invalid" in _codes_at(annex_xlsx(2, [row]))["G5"]


def test_rich_text_runs_are_joined() -> None:
    rich_shared = (
        "<si><r><t>王</t></r><r><rPr><b/><color rgb='FFFF0000'/></rPr><t>建华</t></r></si>"
    )
    rich_inline = Raw(
        '<c r="REF" t="inlineStr"><is><r><t>认证科</t></r><r><rPr><i/></rPr><t>科长</t></r></is></c>'
    )
    grid = annex_grid(
        2, [a2_values(1, name=Raw('<c r="REF" t="s"><v>0</v></c>'), post=rich_inline)]
    )
    data = xlsx_bytes([("附件2", sheet_xml(grid))], shared=[rich_shared])
    [form] = _read(data).forms
    assert form.rows[0].text("name") == "王建华"
    assert form.rows[0].text("post") == "认证科科长"


def test_line_breaks_zero_width_and_control_characters(tmp_path: Path) -> None:
    rows = [
        a2_values(1, name="王\n建华", post="认证科\r\n科长", functions="复审\n监管"),
        a2_values(2, name="\u200b李\u200d四\ufeff", mobile="139\u200b0000\u00a00002"),
        a2_values(3, name="张_x0007_三_x001B_", post="科员\x0b", remarks="备注\u2028第二行"),
    ]
    inbox = tmp_path / "inbox"
    write(inbox / FILE, annex_xlsx(2, rows))
    [form] = _read((inbox / FILE).read_bytes()).forms
    assert [r.text("name").replace("\n", "") for r in form.rows] == ["王建华", "李四", "张三"]
    assert form.rows[1].text("mobile").replace("\u00a0", "") == "13900000002"
    run = run_inbox(inbox, tmp_path / "out")
    book = openpyxl.load_workbook(run.out / "register.xlsx", read_only=True)
    names = [r[1] for r in book["名册"].iter_rows(min_row=2, values_only=True)]
    book.close()
    assert sorted(names) == sorted(["王建华", "李四", "张三"])
    codes = run.codes(FILE)
    assert "function-unknown" not in codes
    assert "name-suspicious" not in codes


def test_annex1_cells_with_odd_types(tmp_path: Path) -> None:
    row = a1_values(
        1,
        adjustment=Raw('<c r="REF" t="e"><v>#N/A</v></c>'),
        original=True,
        current=Raw('<c r="REF"><f>D5</f></c>'),
        mobile=13900000001.0,
    )
    inbox = tmp_path / "inbox"
    write(inbox / "黄浦区/附件1.xlsx", annex_xlsx(1, [row], unit=UNIT))
    run = run_inbox(inbox, tmp_path / "out")
    unreadable = {f["cell"] for f in run.findings if f["code"] == "cell-unreadable"}
    assert unreadable == {"B5", "E5"}


@pytest.mark.parametrize("error", ["#SPILL!", "#CALC!", "#BUSY!"])
def test_newer_excel_error_values_name_the_cell(error: str) -> None:
    """calamine cannot read the error values of newer Excel: the clerk is told which cell."""
    row = a2_values(1, functions=Raw(f'<c r="REF" t="e"><f>FILTER(A:A,B:B)</f><v>{error}</v></c>'))
    result = read_bytes(annex_xlsx(2, [row]), FILE)
    assert result.unreadable
    message = result.findings[0].message
    assert "F5" in message and error in message


def test_formulas_in_blank_template_rows_and_notes_are_not_findings() -> None:
    """A numbered template row is not a data row: its 序号 formula is nobody's data."""
    seq = Raw('<c r="REF"><f>ROW()-4</f></c>')
    blank = [seq] + [None] * 7
    grid = annex_grid(2, [a2_values(1), blank, blank])
    grid[-1] = [Raw('<c r="REF" t="e"><v>#N/A</v></c>')]  # the notes line
    result = _read(xlsx_bytes([("附件2", sheet_xml(grid))]))
    [form] = result.forms
    assert [r.number for r in form.rows] == [5]
    assert [f.code for f in result.findings] == []
