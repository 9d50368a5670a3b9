"""The workbooks as the office prints them: LibreOffice (the stand-in for Excel/WPS) turns
each sheet into a PDF, and ``pdftotext`` reads back what is on the paper.

What a sheet holds and what its pages show are compared character by character (every
non-space character of every cell in the print area must be printed at least as often as
the cells hold it), so a cell cut to its first line, a column off the page or a message
clipped at the page edge fails, however the text is wrapped. CI installs LibreOffice and
poppler (.ci/run) and sets CONSOLIDATE_REQUIRE_SOFFICE: there these tests fail, never skip,
when a tool is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from consolidate.api import check, consolidate_inbox
from consolidate.ledger import record
from consolidate.writing.adjustments import write_batch
from consolidate.writing.annotate import annotate
from consolidate.writing.outputs import write_outputs
from consolidate.writing.template import write_template
from tests.helpers import CONFIG
from tests.wordfiles import soffice_convert

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs"
AS_OF = dt.date(2026, 11, 27)
TOOLS = ("soffice", "pdftotext", "pdfinfo")
REQUIRED = any(os.environ.get(f"CONSOLIDATE_REQUIRE_{t}") for t in ("SOFFICE", "BROWSER"))
pytestmark = [
    pytest.mark.skipif(
        not all(shutil.which(t) for t in TOOLS) and not REQUIRED,
        reason="needs LibreOffice (soffice) and poppler (pdftotext)",
    ),
    pytest.mark.slow,
    pytest.mark.xdist_group("render"),  # one worker prints them all, once
]


@dataclass
class Printed:
    """One sheet on paper: the workbook's sheet, and the text of each printed page."""

    sheet: openpyxl.worksheet.worksheet.Worksheet
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def missing(self) -> dict[str, int]:
        """Characters the sheet's cells hold more often than the paper shows them."""
        want = Counter(
            ch for value in printed_values(self.sheet) for ch in value if not ch.isspace()
        )
        got = Counter(ch for ch in self.text if not ch.isspace())
        return {ch: n - got[ch] for ch, n in want.items() if got[ch] < n}


def printed_values(ws) -> list[str]:
    """The text of every non-empty cell within the sheet's print area, as a cell shows it."""
    area = ws.print_area
    bounds = range_boundaries(area.split("!")[-1].replace("$", "")) if area else (None,) * 4
    min_col, min_row, max_col, max_row = bounds
    values = []
    for row in ws.iter_rows(min_col=min_col, min_row=min_row, max_col=max_col, max_row=max_row):
        for cell in row:
            if cell.value is None:
                continue
            value = cell.value
            if isinstance(value, dt.datetime) and "年" in cell.number_format:
                value = f"{value.year}年{value.month}月{value.day}日"  # as the form writes it
            elif isinstance(value, dt.datetime):
                value = value.date().isoformat()
            values.append(str(value))
    return values


def print_sheets(books: dict[str, Path], folder: Path) -> dict[tuple[str, str], Printed]:
    """Every sheet of every workbook printed on its own, in one LibreOffice run."""
    folder.mkdir(parents=True, exist_ok=True)
    singles: dict[tuple[str, str], Path] = {}
    for label, path in books.items():
        for title in openpyxl.load_workbook(path).sheetnames:
            book = openpyxl.load_workbook(path)
            if book[title].sheet_state != "visible":
                continue
            for other in [ws for ws in book.worksheets if ws.title != title]:
                book.remove(other)
            single = folder / f"{label}-{len(singles)}.xlsx"
            book.save(single)
            singles[(label, title)] = single
    pdfs = soffice_convert(list(singles.values()), "pdf", folder / "pdf")
    printed = {}
    for (key, single), pdf in zip(singles.items(), pdfs, strict=True):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        sheet = openpyxl.load_workbook(single).active
        printed[key] = Printed(sheet, text.split("\f")[:-1])
    return printed


@pytest.fixture(scope="module")
def paper(tmp_path_factory) -> dict[tuple[str, str], Printed]:
    """The run's workbooks, both templates and an annotated .xls copy, on paper."""
    tmp = tmp_path_factory.mktemp("render")
    baseline = SAMPLE / "_baseline" / "register-2025.xlsx"
    outcome = consolidate_inbox(SAMPLE, as_of=AS_OF, baseline_path=baseline, config=CONFIG)
    written = write_outputs(outcome, tmp / "out")
    books = {"register": written["register.xlsx"], "adjustments": written["adjustments.xlsx"]}
    books["batch"] = tmp / "forwarded.xlsx"  # the batch a forward on AS_OF would send
    sent = [r for r in record(None, outcome).requests if r.to_forward]
    write_batch(sent, AS_OF, books["batch"], CONFIG)
    for annex in (1, 2):
        books[f"template{annex}"] = tmp / f"附件{annex}.xlsx"
        write_template(books[f"template{annex}"], annex, "黄浦区", CONFIG)
    source = SAMPLE / "普陀区" / "普陀区账号使用人信息汇总表.xls"
    checked = check([source], as_of=AS_OF, config=CONFIG)
    books["xls-copy"] = tmp / "普陀区（已标注）.xlsx"
    annotate(source, checked.findings, books["xls-copy"], config=CONFIG)
    return print_sheets(books, tmp / "pdf")


SHEETS = [
    ("register", "名册"), ("register", "汇总"), ("register", "问题清单"),
    ("adjustments", "报送总局"), ("adjustments", "退回区局"), ("adjustments", "全年台账"),
    ("template1", "附件1"), ("template2", "附件2"), ("batch", "附件1"),
    ("xls-copy", "问题清单"), ("xls-copy", "Sheet1"),
]  # fmt: skip


@pytest.mark.parametrize(("book", "sheet"), SHEETS)
def test_every_line_of_every_cell_is_on_the_paper(paper, book: str, sheet: str) -> None:
    printed = paper[(book, sheet)]
    assert printed.pages
    assert printed.missing() == {}


# The first and the last printed column's header: both on every page means one page wide.
EDGES = {
    ("register", "名册"): ("区", "问题"),
    ("register", "问题清单"): ("级别", "规则代码"),
    ("adjustments", "报送总局"): ("序号", "备注"),  # the form's columns, not the office's
    ("batch", "附件1"): ("序号", "备注"),
    ("adjustments", "全年台账"): ("台账编号", "来源行"),
}


@pytest.mark.parametrize(("book", "sheet"), list(EDGES))
def test_tables_print_one_page_wide_with_the_header_on_every_page(paper, book, sheet) -> None:
    first, last = EDGES[(book, sheet)]
    for number, page in enumerate(paper[(book, sheet)].pages, start=1):
        header = next(line for line in page.splitlines() if line.strip())
        if sheet in ("报送总局", "附件1") and number == 1:  # the form's title lines come first
            header = next(line for line in page.splitlines() if first in line)
        assert header.split()[0] == first and header.split()[-1] == last, (number, header)


@pytest.mark.parametrize(("book", "sheet"), [("template1", "附件1"), ("template2", "附件2")])
def test_a_blank_template_fits_one_page_with_its_notes(paper, book: str, sheet: str) -> None:
    [page] = paper[(book, sheet)].pages
    assert "备注" in page and "上海市黄浦区市场监督管理局" in page
    assert page.split("备注：")[0].split()[-1] == "20"  # the last numbered row, then the notes


@pytest.mark.parametrize(("book", "sheet"), [("adjustments", "报送总局"), ("batch", "附件1")])
def test_what_goes_to_samr_prints_as_the_form_without_the_office_columns(paper, book, sheet):
    """The requests' names and mobiles on the paper; no received or forward-by date, no file."""
    office = paper[("adjustments", "报送总局")].sheet  # every column, the office's too
    rows = [r for r in office.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert rows  # the sample has requests to forward
    text = paper[(book, sheet)].text
    for row in rows:
        assert row[5] in text and row[7] in text  # 账号使用人姓名, 手机号
    sources = {Path(row[13]).name for row in rows} | {row[11].date().isoformat() for row in rows}
    sources |= {row[12].date().isoformat() for row in rows} | {"收到日期", "转报截止日期", "来源"}
    assert [s for s in sources if s in text] == []


def test_the_summary_prints_on_one_page(paper) -> None:
    [page] = paper[("register", "汇总")].pages
    assert "未报送" in page  # 崇明区 sent no Annex 2


def test_an_xls_copy_prints_its_table_one_page_wide(paper) -> None:
    printed = paper[("xls-copy", "Sheet1")]
    assert len(printed.pages) == 1
    assert "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表" in printed.text


# ---------------------------------------------------------------- the report in Chromium
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PRINTABLE_WIDTH = 718  # CSS pixels: A4 (210 mm) less the report's 2 × 10 mm margins, at 96 dpi
# The sample inbox: 12 pages, and since issue 29 its scans in the file list and the
# annexes that came without one (stamped-copy-missing) among the districts' findings.
MAX_PAGES = 14


@pytest.fixture(scope="module")
def printed_report(tmp_path_factory) -> dict:
    """The run's report.html laid out for print in Chromium, and printed to PDF."""
    if not CHROMIUM.exists() and not os.environ.get("CONSOLIDATE_REQUIRE_BROWSER"):
        pytest.skip("needs Debian's chromium")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("report")
    baseline = SAMPLE / "_baseline" / "register-2025.xlsx"
    outcome = consolidate_inbox(SAMPLE, as_of=AS_OF, baseline_path=baseline, config=CONFIG)
    report = write_outputs(outcome, tmp / "out")["report.html"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": PRINTABLE_WIDTH, "height": 1000})
        page.goto(report.as_uri())
        page.emulate_media(media="print")
        laid_out = page.evaluate(
            """() => ({
                width: document.documentElement.clientWidth,
                tables: [...document.querySelectorAll('table')].map(t => ({
                    name: t.className || t.id,
                    right: t.getBoundingClientRect().right,
                    overflow: t.scrollWidth - t.clientWidth,
                })),
                text: document.body.innerText,
            })"""
        )
        pdf = tmp / "report.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        browser.close()
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return {**laid_out, "pdf_text": text, "pages": text.count("\f")}


def test_every_table_of_the_report_fits_the_printed_page(printed_report) -> None:
    width = printed_report["width"]
    assert width == PRINTABLE_WIDTH
    wide = [
        t["name"] for t in printed_report["tables"] if t["right"] > width + 1 or t["overflow"] > 1
    ]
    assert wide == []
    assert {"matrix", "accounting", "findings"} <= {t["name"] for t in printed_report["tables"]}


def test_the_printed_report_holds_the_whole_page_on_few_pages(printed_report) -> None:
    assert 1 < printed_report["pages"] <= MAX_PAGES
    want = Counter(ch for ch in printed_report["text"] if not ch.isspace())
    got = Counter(ch for ch in printed_report["pdf_text"] if not ch.isspace())
    # Glyphs pdftotext cannot map back (the badges' icons) aside, every character is printed.
    missing = {ch: n - got[ch] for ch, n in want.items() if got[ch] < n and ch not in "✖▲ℹ✓✗→"}
    assert missing == {}
