"""Injection: what a district types is data in every output, never a formula or markup;
odd file names break no path and nothing is written outside --out."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from conftest import (
    AS_OF,
    FORMULA_STARTS,
    OUTPUTS,
    Raw,
    a1_values,
    a2_values,
    annex_grid,
    annex_xlsx,
    cli,
    csv_rows,
    run_inbox,
    sheet_xml,
    snapshot,
    write,
    xlsx_bytes,
)

# ---------------------------------------------------------------- formulas in spreadsheets
FORMULAS = [
    '=HYPERLINK("http://example.com/x","点击查看")',
    "=1+2",
    "+86 cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "=cmd|' /C notepad'!'A1'",
]


def _formula_inbox(root: Path) -> Path:
    unit = "上海市黄浦区市场监督管理局"
    roster = [
        a2_values(1, name=FORMULAS[1], post=FORMULAS[4], remarks=FORMULAS[0]),
        a2_values(2, name="李四", account=FORMULAS[3], functions="+初审", mobile="=13900000002"),
        a2_values(3, name="王五", post="科长", remarks=FORMULAS[2], mobile="13900000003"),
        # A formula cell whose cached result is itself formula-like text.
        a2_values(
            4, name="赵六", remarks=Raw('<c r="REF" t="str"><f>"="&amp;"1+1"</f><v>=1+1</v></c>')
        ),
        a2_values(5, name="钱七", post=FORMULAS[5], remarks=FORMULAS[6], mobile="13900000005"),
    ]
    write(root / "黄浦区/附件2.xlsx", annex_xlsx(2, roster, unit=unit))
    requests = [
        a1_values(
            1, post=FORMULAS[1], letter=FORMULAS[0], contact=FORMULAS[4], remarks=FORMULAS[3]
        ),
        a1_values(2, name="=李四", mobile="13900000002", remarks=FORMULAS[2]),
    ]
    write(root / "黄浦区/附件1.xlsx", annex_xlsx(1, requests, unit=unit))
    return root


def _formula_elements(path: Path) -> list[str]:
    """Every <f> element of every sheet of an output workbook."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                found += re.findall(r"<(?:\w+:)?f[\s>/][^<]*", archive.read(name).decode())
    return found


def _text_values(path: Path) -> dict[str, str]:
    """Every string value of an output workbook -> its cell type."""
    book = openpyxl.load_workbook(path)
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    found[cell.value] = cell.data_type
    return found


@pytest.fixture(scope="module")
def formula_run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("formulas")
    return run_inbox(_formula_inbox(root / "inbox"), root / "out")


@pytest.mark.parametrize("output", ["register.xlsx", "adjustments.xlsx"])
def test_formula_like_text_is_inert_in_workbooks(formula_run, output: str) -> None:
    path = formula_run.out / output
    assert _formula_elements(path) == []
    values = _text_values(path)
    reached = [v for v in values if v.startswith(("=", "+", "-", "@"))]
    assert reached, f"no formula-like text reached {output}"
    assert {values[v] for v in reached} == {"s"}


def test_formula_like_text_reaches_the_register_unchanged(formula_run) -> None:
    values = _text_values(formula_run.out / "register.xlsx")
    for text in ["=1+2", "@SUM(1,2)", FORMULAS[0], "-2+3", "=1+1", FORMULAS[2]]:
        assert text in values, text


def test_formula_like_text_is_inert_in_findings_csv(formula_run) -> None:
    rows = csv_rows(formula_run.out / "findings.csv")
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert [c for c in cells if c.startswith("'=")], "no formula-like value reached the CSV"


def test_formula_like_text_stays_text_in_findings_json(formula_run) -> None:
    values = {f["value"] for f in formula_run.findings}
    assert "=1+2" in values  # JSON is data: no quoting needed, nothing altered


# ---------------------------------------------------------------- markup in HTML
CELL_SCRIPT = '<script>alert("cell")</script>'
ATTR_BREAK = '" onerror="alert(11)'
TEXTAREA = "</textarea><img src=x onerror=alert(12)>"
SHEET_SCRIPT = '<script>alert("sheet")</script></textarea>'
FILE_IMG = "<img src=x onerror=alert(13)>.xlsx"
FILE_QUOTE = '"onerror=alert(14) x=".xlsx'
DANGEROUS = [
    "<script>alert(",
    '" onerror="alert(11)',
    '"onerror=alert(14)',
    "</textarea><img",
    "<img src=x",
]


def _html_inbox(root: Path) -> Path:
    unit = "上海市黄浦区市场监督管理局"
    rows = [
        a2_values(1, name=CELL_SCRIPT, post=ATTR_BREAK, remarks=TEXTAREA),
        a2_values(2, name="李四", functions=TEXTAREA, mobile="1390000<b>"),
    ]
    grid = annex_grid(2, rows, unit=unit)
    write(root / "黄浦区" / "附件2.xlsx", xlsx_bytes([(SHEET_SCRIPT, sheet_xml(grid))]))
    write(root / "静安区" / FILE_IMG, annex_xlsx(1, [a1_values(1, name=CELL_SCRIPT)]))
    write(root / "徐汇区" / FILE_QUOTE, b"not a workbook")
    return root


def _assert_escaped(html: str) -> None:
    for raw in DANGEROUS:
        assert raw not in html, raw
    assert "&lt;script&gt;alert(" in html, "the cell text is not shown (escaped) at all"


def test_markup_in_cells_sheet_and_file_names_is_escaped_in_the_report(tmp_path: Path) -> None:
    run = run_inbox(_html_inbox(tmp_path / "inbox"), tmp_path / "out")
    html = (run.out / "report.html").read_text(encoding="utf-8")
    _assert_escaped(html)
    assert "&lt;img src=x onerror=alert(13)&gt;" in html  # the file name, shown escaped
    assert "alert(&#34;sheet&#34;)" in html or "alert(&quot;sheet&quot;)" in html


def test_markup_is_escaped_in_check_html(tmp_path: Path) -> None:
    inbox = _html_inbox(tmp_path / "inbox")
    files = [
        inbox / "黄浦区" / "附件2.xlsx",
        inbox / "静安区" / FILE_IMG,
        inbox / "徐汇区" / FILE_QUOTE,
    ]
    before = snapshot(inbox)
    out = tmp_path / "check.html"
    ran = cli("check", *files, "--format", "html", "--output", out, "--as-of", AS_OF)
    assert ran.code == 1, ran.output
    assert snapshot(inbox) == before
    _assert_escaped(out.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- odd file names
ODD_NAMES = [
    "黄浦区/黄浦区 附件2 （最终版） .xlsx",
    "静安区/附件2..xlsx",
    "徐汇区/" + "附件2-徐汇区市场监督管理局-请查收" * 4 + ".xlsx",  # ~240 bytes
    "长宁区/第一行\n第二行.xlsx",
    "普陀区/附件2 ; rm -rf ~ ; $(id) `id` %s %n.xlsx",
]


def _odd_file(root: Path, name: str, n: int) -> Path:
    unit = f"上海市{name.split('/')[0]}市场监督管理局"
    path = write(
        root / name, annex_xlsx(2, [a2_values(n, bureau=unit, mobile=f"1390000{n:04d}")], unit=unit)
    )
    assert len(path.name.encode()) <= 255
    return path


def _gbk_file(root: Path) -> bytes:
    """A name in GBK bytes (a zip made on Windows, unpacked on Linux): not valid UTF-8."""
    folder = os.fsencode(root / "虹口区")
    os.makedirs(folder, exist_ok=True)
    raw = os.path.join(folder, "附件2".encode("gbk") + b"\xff.xlsx")
    unit = "上海市虹口区市场监督管理局"
    with open(raw, "wb") as handle:
        handle.write(annex_xlsx(2, [a2_values(9, bureau=unit, mobile="13900000009")], unit=unit))
    return raw


HEADERS = {
    "X-Unsent",
    "Subject",
    "Date",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
}


def _run_stays_inside_out(tmp_path: Path, inbox: Path, files: int) -> None:
    out = tmp_path / "out"
    around = snapshot(tmp_path)
    run = run_inbox(inbox, out, "--year", "2026")
    created = {bytes.fromhex(k) for k in snapshot(tmp_path) if k not in around}
    assert {c for c in created if not c.startswith(b"out")} == set()
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUTS, "ledger.sqlite", "回执"])
    used = [e for e in run.manifest["files"] if e["status"] == "used"]
    # The reply drafts name the files, odd as they are, in their text only: one line each.
    for draft in (out / "回执").iterdir():
        message = BytesParser(policy=policy.default).parsebytes(draft.read_bytes())
        assert message["X-Unsent"] == "1" and set(message.keys()) == HEADERS, message.keys()
        lines = message.get_body(("plain",)).get_content().splitlines()
        received = lines[
            lines.index("一、收到的材料") + 1 : lines.index("二、报送总局的账号调整申请")
        ]
        assert [line[:3] for line in received if line] == ["1. "], received
    assert len(used) == files
    assert sum(e["sheets"][0]["rows"] for e in used) == files
    for name in OUTPUTS:
        if name.endswith(".json"):
            json.loads((out / name).read_text(encoding="utf-8"))


def test_odd_file_names_break_nothing_and_stay_inside_out(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for n, name in enumerate(ODD_NAMES, start=1):
        _odd_file(inbox, name, n)
    _run_stays_inside_out(tmp_path, inbox, len(ODD_NAMES))


def test_file_name_that_is_not_utf8_breaks_nothing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _odd_file(inbox, ODD_NAMES[0], 1)
    _gbk_file(inbox)
    _run_stays_inside_out(tmp_path, inbox, 2)


def test_out_given_with_dot_dot_is_used_as_given(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _odd_file(inbox, ODD_NAMES[0], 1)
    (tmp_path / "a").mkdir()
    run_inbox(inbox, tmp_path / "a" / ".." / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [*OUTPUTS, "ledger.sqlite", "回执"]
    )
    assert list((tmp_path / "a").iterdir()) == []


def test_markup_is_escaped_in_the_self_check_page(tmp_path: Path) -> None:
    import io

    from consolidate.support.config import load_config
    from consolidate.ui.server import create_app

    inbox = _html_inbox(tmp_path / "inbox")
    as_of = dt.date.fromisoformat(AS_OF)
    app = create_app({"AS_OF": as_of, "TESTING": True}, settings=load_config())
    parts = [
        (io.BytesIO((inbox / "黄浦区" / "附件2.xlsx").read_bytes()), "附件2.xlsx"),
        (io.BytesIO((inbox / "静安区" / FILE_IMG).read_bytes()), FILE_IMG),
        (io.BytesIO(b"not a workbook"), FILE_QUOTE),
    ]
    response = app.test_client().post(
        "/check", data={"files": parts}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    _assert_escaped(page)
