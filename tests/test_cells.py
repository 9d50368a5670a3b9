"""Cells that cannot be read, and merges across columns (docs/rules.md decisions 23 and 24).

An error value (``#N/A`` of a VLOOKUP that found nothing, ``#REF!`` …) in an .xlsx, an
.xls or a workbook LibreOffice wrote, a formula saved without its result, or a Word cell
showing a broken field's error gets ``cell-unreadable`` and nothing else: it is filled,
so never ``required-missing``. A merge across columns belongs to its first column: the
columns it covers are empty in the rules and in the city's outputs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolidate.api import check, consolidate_inbox, run_inbox
from consolidate.model.finding import column_letter
from consolidate.support.errors import InputError
from consolidate.writing.adjustments import FORWARD_SHEET, RETURN_SHEET
from tests.helpers import AS_OF, CONFIG, HEADER_ROW, add_annex_sheet, keys, write_annex
from tests.wordfiles import NO_SOFFICE, annex_docx, soffice_convert

HP = "上海市黄浦区市场监督管理局"
FIRST = HEADER_ROW + 1  # the first data row of a generated form


def annex_rows(annex: int) -> list[list[Any]]:
    """Two valid rows of the annex, in the template's column order: a file without findings."""
    if annex == 2:
        return [
            [1, HP, "王建华", "认证科科长", "hp_wjh", "复审、监管", "13900000001", "备注一"],
            [2, HP, "李明", "认证科科员", "hp_lm", "初审", "13900000002", "备注二"],
        ]
    letter, contact = "关于调整账号的函（黄市监〔2026〕12号）", "张明 021-63210000"
    return [
        [1, "增加功能", HP, "初审", "初审、监管", "王建华", "认证科科长", "13900000001", letter, contact, "备注一"],
        [2, "增加功能", HP, "初审", "初审、发证", "李明", "认证科科员", "13900000002", letter, contact, "备注二"],
    ]  # fmt: skip


def found(outcome) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in outcome.findings]


def test_the_clean_files_have_no_findings(tmp_path: Path) -> None:
    """The oracle below: every finding of a changed file is the change's."""
    for annex in (1, 2):
        path = write_annex(tmp_path / f"附件{annex}.xlsx", annex, annex_rows(annex))
        assert found(check([path], as_of=AS_OF)) == []
        word = annex_docx(tmp_path / f"附件{annex}.docx", annex, annex_rows(annex))
        assert found(check([word], as_of=AS_OF)) == []


# ---------------------------------------------------------------- error values × formats
FORMULA = "=VLOOKUP(1,Sheet2!A:B,2,0)"  # openpyxl saves it without a result
# Every error value a cell can hold, with its code in an .xls ([MS-XLS] 2.5.10 BErr).
ERROR_CODES = {
    "#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D,
    "#NUM!": 0x24, "#N/A": 0x2A,
}  # fmt: skip


def xlsx_with(path: Path, annex: int, at: tuple[int, int], value: str, typed: bool) -> Path:
    """The clean annex with ``value`` at (row, col), 1-based: an error value or formula, or
    (``typed``) the same characters typed as text."""
    book = openpyxl.Workbook()
    add_annex_sheet(book.active, annex, annex_rows(annex), unit=HP, date="2026年11月20日")
    cell = book.active.cell(*at, value)
    if typed:
        cell.data_type = "s"  # openpyxl would store "#N/A" as an error value
    book.save(path)
    return path


def xls_with(path: Path, annex: int, at: tuple[int, int], value: str, typed: bool) -> Path:
    """The same as an Excel 97-2003 .xls (xlwt): the error value as a BOOLERR record."""
    import xlwt

    book = openpyxl.Workbook()
    add_annex_sheet(book.active, annex, annex_rows(annex), unit=HP, date="2026年11月20日")
    out = xlwt.Workbook(encoding="utf-8")
    sheet = out.add_sheet(f"附件{annex}")
    for row in book.active.iter_rows():
        for cell in row:
            if cell.value is not None and (cell.row, cell.column) != at:
                sheet.write(cell.row - 1, cell.column - 1, cell.value)
    if typed:
        sheet.write(at[0] - 1, at[1] - 1, value)
    else:
        sheet.row(at[0] - 1).set_cell_error(at[1] - 1, ERROR_CODES[value])
    out.save(str(path))
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    annex=st.sampled_from([1, 2]),
    column=st.integers(0, 10),
    value=st.sampled_from([*ERROR_CODES, FORMULA]),
    suffix=st.sampled_from([".xlsx", ".xls"]),
    typed=st.booleans(),
)
def test_an_unreadable_cell_gets_cell_unreadable_alone(
    annex: int, column: int, value: str, suffix: str, typed: bool
) -> None:
    """Any column of either annex, any error value, .xlsx or .xls: cell-unreadable alone
    (no required-missing, seq-invalid, add-gains-nothing … on that cell). The look-alike:
    the same characters typed as text are read, never cell-unreadable."""
    if value == FORMULA and suffix == ".xls":
        value = "#N/A"  # xlwt stores a formula's result as an empty text (Excel's own way)
    col = column % len(keys(annex)) + 1
    at = (FIRST + 1, col)  # the last row: its 序号 breaks no sequence of the rows below
    ref = f"{column_letter(col)}{at[0]}"
    with tempfile.TemporaryDirectory() as folder:
        write = xlsx_with if suffix == ".xlsx" else xls_with
        path = write(Path(folder) / f"附件{annex}{suffix}", annex, at, value, typed)
        outcome = check([path], as_of=AS_OF)
    if typed:
        assert "cell-unreadable" not in {code for code, _ in found(outcome)}
        return
    assert found(outcome) == [("cell-unreadable", ref)]
    [finding] = outcome.findings
    expected = "公式没有计算结果" if value == FORMULA else f"单元格是错误值 {value}"
    assert expected in finding.message


def test_a_row_of_error_values_is_a_data_row_not_a_blank_one(tmp_path: Path) -> None:
    """A row whose lookups all failed reads as '' everywhere: it is still someone's row."""
    path = write_annex(tmp_path / "附件2.xlsx", 2, annex_rows(2))
    book = openpyxl.load_workbook(path)
    for col in range(3, 8):  # 姓名 … 手机号
        book.active.cell(FIRST + 1, col, "#N/A")
    book.save(path)
    outcome = check([path], as_of=AS_OF)
    [form] = outcome.results[0].forms
    assert [row.number for row in form.rows] == [FIRST, FIRST + 1]
    assert found(outcome) == [("cell-unreadable", f"{c}{FIRST + 1}") for c in "CDEFG"]


def test_an_error_value_as_the_date_is_not_also_a_missing_date(tmp_path: Path) -> None:
    path = write_annex(tmp_path / "附件2.xlsx", 2, annex_rows(2), date="#N/A")
    assert found(check([path], as_of=AS_OF)) == [("cell-unreadable", "H3")]


# ---------------------------------------------------------------- written by LibreOffice
# Formulas whose results LibreOffice computes and stores as error values.
LO_FORMULAS = {
    "name": "=NA()",
    "post": "=1/0",
    "account": '="a"+1',
    "functions": "=#REF!",
    "mobile": "=NOSUCHFUNCTION(1)",
}
LO_TEXT = '="王"&"五"'  # the look-alike: a formula with a text result, read as its result


@pytest.fixture(scope="module")
def libreoffice_books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One Annex 2 of error formulas, saved by LibreOffice as .xlsx and as .xls."""
    if NO_SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("libreoffice")
    rows = annex_rows(2) + [[3, HP, LO_TEXT, "认证科科长", "hp_ww", "监管", "13900000003", None]]
    path = write_annex(folder / "附件2.xlsx", 2, rows)
    book = openpyxl.load_workbook(path)
    for key, formula in LO_FORMULAS.items():
        book.active.cell(FIRST + 1, keys(2).index(key) + 1, formula)
    book.save(path)
    return {
        ".xlsx": soffice_convert([path], "xlsx:Calc MS Excel 2007 XML", folder / "xlsx")[0],
        ".xls": soffice_convert([path], "xls", folder / "xls")[0],
    }


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_error_values_libreoffice_wrote_are_unreadable_alone(
    libreoffice_books: dict[str, Path], suffix: str
) -> None:
    """Each cell shows the error value LibreOffice computed (as its .xlsx stores it)."""
    shown = openpyxl.load_workbook(libreoffice_books[".xlsx"], data_only=True).active
    outcome = check([libreoffice_books[suffix]], as_of=AS_OF)
    cells = [f"{column_letter(keys(2).index(k) + 1)}{FIRST + 1}" for k in LO_FORMULAS]
    assert found(outcome) == [("cell-unreadable", ref) for ref in cells]
    for finding, ref in zip(outcome.findings, cells, strict=True):
        assert str(shown[ref].value).startswith("#")
        assert f"单元格是错误值 {shown[ref].value}" in finding.message
    [form] = outcome.results[0].forms
    assert form.rows[2].text("name") == "王五"


# ---------------------------------------------------------------- a broken field in Word
def _field(cell: Any, result: str) -> None:
    """A cross-reference field in a Word cell, showing ``result``."""
    paragraph = cell.paragraphs[0]
    runs = (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> REF 姓名 \\h </w:instrText></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {nsdecls('w')}><w:t>{result}</w:t></w:r>",
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
    )
    for run in runs:
        paragraph._p.append(parse_xml(run))


@pytest.mark.parametrize(
    ("shown", "expected"),
    [("错误!未找到引用源。", [("cell-unreadable", "C3")]), ("王五", [])],
)
def test_a_word_field_showing_an_error_is_unreadable_alone(
    tmp_path: Path, shown: str, expected: list
) -> None:
    rows = annex_rows(2)
    rows[1][2] = None
    document = docx.Document()
    path = annex_docx(tmp_path / "附件2.docx", 2, rows, document=document)
    _field(document.tables[0].cell(2, 2), shown)
    document.save(path)
    outcome = check([path], as_of=AS_OF)
    assert found(outcome) == expected
    [form] = outcome.results[0].forms
    assert form.rows[1].text("name") == ("" if expected else "王五")


# ---------------------------------------------------------------- merges across columns
# Required cells of the rows above (a 增加功能 needs 原 and 当前, decision 7).
REQUIRED = {
    1: {"adjustment", "original", "current", "name", "post", "mobile"},
    2: {"name", "post", "account", "functions", "mobile"},
}
PAIRS = [(annex, c) for annex in (1, 2) for c in range(len(keys(annex)) - 1)]


def _merged(folder: Path, annex: int, c: int, word: bool, merge: bool) -> Path:
    """The clean annex with the last row's columns c and c+1 (0-based) merged, the first
    column's text over both (``merge``), or the second column left empty (not merged)."""
    rows = annex_rows(annex)
    rows[1][c + 1] = None
    folder.mkdir(parents=True, exist_ok=True)
    if word:
        document = docx.Document()
        path = annex_docx(folder / f"附件{annex}.docx", annex, rows, document=document)
        table = document.tables[0]
        if merge:
            table.cell(2, c).merge(table.cell(2, c + 1)).text = str(rows[1][c])
        document.save(path)
        return path
    path = write_annex(folder / f"附件{annex}.xlsx", annex, rows)
    if merge:
        book = openpyxl.load_workbook(path)
        book.active.merge_cells(start_row=FIRST + 1, start_column=c + 1, end_row=FIRST + 1,
                                end_column=c + 2)  # fmt: skip
        book.save(path)
    return path


@pytest.mark.parametrize("word", [False, True], ids=["xlsx", "docx"])
@pytest.mark.parametrize(("annex", "c"), PAIRS)
def test_a_merge_across_belongs_to_its_first_column(
    tmp_path: Path, annex: int, c: int, word: bool
) -> None:
    """Every pair of adjacent columns of both annexes, in a sheet and in a Word table: the
    file reads and is judged exactly as if the covered cell were empty."""
    merged = check([_merged(tmp_path / "m", annex, c, word, True)], as_of=AS_OF)
    empty = check([_merged(tmp_path / "e", annex, c, word, False)], as_of=AS_OF)
    first, covered = keys(annex)[c], keys(annex)[c + 1]
    [form] = merged.results[0].forms
    assert form.rows[1].text(covered) == ""
    assert form.rows[1].text(first) == str(annex_rows(annex)[1][c])
    assert found(merged) == found(empty)
    row = 3 if word else FIRST + 1  # a Word table counts its own rows
    cell = f"{column_letter(c + 2)}{row}"
    assert (("required-missing", cell) in found(merged)) == (covered in REQUIRED[annex])


def test_the_outputs_never_copy_a_merge_into_the_columns_it_covers(tmp_path: Path) -> None:
    """register.xlsx (Annex 2) and adjustments.xlsx (Annex 1) read back: a row merged across
    each pair of columns shows only the first column's text; the bureau merged down the
    rows (the look-alike) is every row's bureau."""
    inbox = tmp_path / "inbox"
    people = {}
    for annex in (1, 2):
        width = len(keys(annex))
        rows = []
        for c in range(width - 1):
            row = list(annex_rows(annex)[c % 2])
            row[0], row[keys(annex).index("mobile")] = c + 1, f"139000010{c:02d}"
            row[keys(annex).index("name")] = "王李张赵钱孙周吴郑冯"[c] + "建华"
            row[c + 1] = None
            rows.append(row)
        path = write_annex(inbox / f"附件{annex}.xlsx", annex, rows)
        book = openpyxl.load_workbook(path)
        for c in range(width - 1):
            book.active.merge_cells(start_row=FIRST + c, start_column=c + 1, end_row=FIRST + c,
                                    end_column=c + 2)  # fmt: skip
        bureau = keys(annex).index("bureau") + 1
        down = [c for c in range(width - 1) if bureau - 1 not in (c, c + 1)]
        book.active.merge_cells(start_row=FIRST + down[0], start_column=bureau,
                                end_row=FIRST + down[-1], end_column=bureau)  # fmt: skip
        book.save(path)
        people[annex] = (rows, down)
    _, written = run_inbox(inbox, tmp_path / "out", as_of=AS_OF)
    register = openpyxl.load_workbook(written["register.xlsx"])["名册"]
    header = [c.value for c in register[1]]
    names = {c.key: c.name for c in CONFIG.annexes[2].columns}
    source = header.index("来源行")
    by_row = {r[source]: r for r in register.iter_rows(min_row=2, values_only=True)}
    rows, down = people[2]
    for c in range(len(keys(2)) - 1):
        line = by_row[FIRST + c]
        covered, first = keys(2)[c + 1], keys(2)[c]
        if covered in names and names[covered] in header:
            assert line[header.index(names[covered])] in (None, ""), (c, covered)
        if first in names and names[first] in header and first != "seq":
            assert line[header.index(names[first])] not in (None, "")
        if c in down:
            assert line[header.index(names["bureau"])] == HP
    book = openpyxl.load_workbook(written["adjustments.xlsx"])
    lines = {}
    for sheet in (FORWARD_SHEET, RETURN_SHEET):
        for r in book[sheet].iter_rows(min_row=5, values_only=True):
            if isinstance(r[-1], int):
                lines[r[-1]] = r
    rows, down = people[1]
    for c in range(len(keys(1)) - 1):
        line = lines[FIRST + c]
        # Empty, or 无 for an empty set of functions; never the first column's text.
        assert line[c + 1] in (None, "", "无") and line[c + 1] != rows[c][c], (c, keys(1)[c + 1])
        if c in down:
            assert line[keys(1).index("bureau")] == HP


# ---------------------------------------------------------------- the office's own tables
def _register(path: Path, error_at: str) -> Path:
    """Last year's register kept by hand, an error value at ``error_at``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["区", "账号使用人姓名", "市场监管部门", "所在部门及职务", "当前使用账号名称",
                  "当前使用账号功能", "手机号", "备注"])  # fmt: skip
    sheet.append(["黄浦区", "王建华", HP, "认证科科长", "hp_wjh", "复审、监管", "13900000001", ""])
    sheet.append(["黄浦区", "李明", HP, "认证科科员", "hp_lm", "初审", "13900000002", ""])
    sheet[error_at] = "#N/A"
    book.save(path)
    return path


def _fastlist(path: Path, error_at: str) -> Path:
    """The city's list of fast-channel users, an error value at ``error_at``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["区", "单位名称", "统一社会信用代码", "开通日期", "有效期至", "备注"])
    sheet.append(
        ["黄浦区", "上海某某贸易有限公司", "91310101MA1FL0000A", "2025-06-01", "2027-06-01", ""]
    )
    sheet[error_at] = "#N/A"
    book.save(path)
    return path


@pytest.mark.parametrize(("error_at", "refused"), [("G3", True), ("H3", False)])
def test_an_error_value_in_last_years_register_refuses_it(
    tmp_path: Path, error_at: str, refused: bool
) -> None:
    """A mobile of #N/A would match nobody: the office is told which cell to correct. The
    look-alike: the same in 备注, which the comparison does not read."""
    inbox = tmp_path / "inbox"
    write_annex(inbox / "黄浦区/附件2.xlsx", 2, annex_rows(2))
    baseline = _register(tmp_path / "register-2025.xlsx", error_at)
    if not refused:
        outcome = consolidate_inbox(inbox, as_of=AS_OF, baseline_path=baseline)
        assert len(outcome.baseline.rows) == 2
        assert not [f for f in outcome.findings if f.code.startswith("unreported")]
        return
    with pytest.raises(InputError) as caught:
        consolidate_inbox(inbox, as_of=AS_OF, baseline_path=baseline)
    assert caught.value.key == "baseline-cell-unreadable"
    message = str(caught.value)
    assert "G3" in message and "#N/A" in message
    assert "G3" in caught.value.text("en")


@pytest.mark.parametrize(("error_at", "refused"), [("E2", True), ("A5", False)])
def test_an_error_value_in_the_citys_list_refuses_it(
    tmp_path: Path, error_at: str, refused: bool
) -> None:
    """An expiry date of #N/A would make every 延用 look unlisted. The look-alike: an
    error value below the table, in no cell the list is read from."""
    inbox = tmp_path / "inbox"
    write_annex(inbox / "黄浦区/附件2.xlsx", 2, annex_rows(2))
    fastlist = _fastlist(tmp_path / "名单.xlsx", error_at)
    if not refused:
        assert consolidate_inbox(inbox, as_of=AS_OF, fastlist_path=fastlist).fastlist.units
        return
    with pytest.raises(InputError) as caught:
        consolidate_inbox(inbox, as_of=AS_OF, fastlist_path=fastlist)
    assert caught.value.key == "fastlist-cell-unreadable"
    assert "E2" in str(caught.value) and "#N/A" in str(caught.value)
