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

import contextlib
import datetime as dt
import html
import os
import re
import shutil
import statistics
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
from consolidate.writing.annotate import annotate, annotated_name
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
    """One sheet (or Word document) on paper: the workbook's sheet, the text of each
    printed page, and the PDF (for the words' boxes)."""

    sheet: openpyxl.worksheet.worksheet.Worksheet | None  # None: a Word document
    pages: list[str]
    pdf: Path

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

    def words(self, page: int = 1) -> list[Word]:
        """The words of a page with their boxes (points from the top left of the paper)."""
        xml = subprocess.run(
            ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(self.pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return [
            Word(html.unescape(m["text"]), *(float(m[k]) for k in ("x0", "y0", "x1", "y1")))
            for m in WORD.finditer(xml)
        ]


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


WORD = re.compile(
    r'<word xMin="(?P<x0>[\d.]+)" yMin="(?P<y0>[\d.]+)" xMax="(?P<x1>[\d.]+)" '
    r'yMax="(?P<y1>[\d.]+)">(?P<text>[^<]*)</word>'
)


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
    """Every sheet of every workbook printed on its own (a Word document whole, as sheet
    ""), in one LibreOffice run."""
    folder.mkdir(parents=True, exist_ok=True)
    singles: dict[tuple[str, str], Path] = {}
    for label, path in books.items():
        if path.suffix == ".docx":
            singles[(label, "")] = path
            continue
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
        sheet = openpyxl.load_workbook(single).active if single.suffix == ".xlsx" else None
        printed[key] = Printed(sheet, text.split("\f")[:-1], pdf)
    return printed


# The copies the office sends back: a roster that printed two pages wide (its title cut),
# an old Annex 1 too wide for a page at 9 points, an .xls rebuilt, a Word annex.
COPIES = {
    "xlsx-copy": "黄浦区/附件2.xlsx",
    "wide-copy": "松江区/松江区附件1.xlsx",
    "xls-copy": "普陀区/普陀区账号使用人信息汇总表.xls",
    "docx-copy": "崇明区/崇明区附件1（账号调整）.docx",
}


@pytest.fixture(scope="module")
def paper(tmp_path_factory) -> dict[tuple[str, str], Printed]:
    """The run's workbooks, both templates and the annotated copies, on paper."""
    tmp = tmp_path_factory.mktemp("render")
    baseline = SAMPLE / "_baseline" / "register-2025.xlsx"
    fastlist = SAMPLE / "_便捷通道" / "使用单位名单.xlsx"
    outcome = consolidate_inbox(
        SAMPLE, as_of=AS_OF, baseline_path=baseline, fastlist_path=fastlist, config=CONFIG
    )
    written = write_outputs(outcome, tmp / "out")
    books = {name: written[f"{name}.xlsx"] for name in ("register", "adjustments", "fastchannel")}
    books["batch"] = tmp / "forwarded.xlsx"  # the batch a forward on AS_OF would send
    sent = [r for r in record(None, outcome).requests if r.to_forward]
    write_batch(sent, AS_OF, books["batch"], CONFIG)
    for annex in (1, 2):
        books[f"template{annex}"] = tmp / f"附件{annex}.xlsx"
        write_template(books[f"template{annex}"], annex, "黄浦区", CONFIG)
    for label, name in COPIES.items():
        source = SAMPLE / name
        checked = check([source], as_of=AS_OF, config=CONFIG)
        books[label] = tmp / annotated_name(source.name)
        annotate(source, checked.findings, books[label], config=CONFIG, as_of=AS_OF)
    return print_sheets(books, tmp / "pdf")


SHEETS = [
    ("register", "名册"), ("register", "汇总"), ("register", "问题清单"), ("register", "当前账号"),
    ("adjustments", "报送总局"), ("adjustments", "退回区局"), ("adjustments", "全年台账"),
    ("fastchannel", "推荐汇总"), ("fastchannel", "使用单位名单"), ("fastchannel", "提醒"),
    ("template1", "附件1"), ("template2", "附件2"), ("batch", "附件1"),
    ("xls-copy", "问题清单"), ("xls-copy", "Sheet1"), ("xlsx-copy", "问题清单"),
    ("xlsx-copy", "Sheet1"), ("wide-copy", "问题清单"), ("wide-copy", "Sheet1"),
]  # fmt: skip


@pytest.mark.parametrize(("book", "sheet"), SHEETS)
def test_every_line_of_every_cell_is_on_the_paper(paper, book: str, sheet: str) -> None:
    printed = paper[(book, sheet)]
    assert printed.pages
    assert printed.missing() == {}


# About 9-point text: the median word's box on page 1 (a 10-point font measures 13 points).
LEGIBLE = 11.5


@pytest.mark.parametrize(("book", "sheet"), [*SHEETS, ("docx-copy", "")])
def test_body_text_prints_at_9_points_or_more(paper, book: str, sheet: str) -> None:
    """After fit-to-width: 17 columns squeezed onto a page printed the register at 4–5 pt."""
    heights = [w.height for w in paper[(book, sheet)].words()]
    assert statistics.median(heights) >= LEGIBLE


# The first and the last printed column's header: both at the top of every page, the last
# the rightmost word there, means one page wide with the header repeated.
EDGES = {
    ("register", "名册"): ("区", "问题"),
    ("register", "问题清单"): ("级别", "单元格"),  # the register row and rule code on screen
    ("register", "当前账号"): ("区", "说明"),  # the bureau on screen
    ("adjustments", "报送总局"): ("序号", "备注"),  # the form's columns, not the office's
    ("adjustments", "退回区局"): ("序号", "问题"),
    ("batch", "附件1"): ("序号", "备注"),
    ("adjustments", "全年台账"): ("台账编号", "问题"),
    ("fastchannel", "推荐汇总"): ("序号", "问题"),
    ("xlsx-copy", "问题清单"): ("级别", "文件"),
    ("xlsx-copy", "Sheet1"): ("序号", "备注"),
    ("wide-copy", "Sheet1"): ("序号", "备注"),
}


@pytest.mark.parametrize(("book", "sheet"), list(EDGES))
def test_tables_print_one_page_wide_with_the_header_on_every_page(paper, book, sheet) -> None:
    first, last = EDGES[(book, sheet)]
    printed = paper[(book, sheet)]
    # A district's sheet repeats no header of its own: its first page is enough.
    for number in range(1, 2 if book in COPIES else len(printed.pages) + 1):
        band = header_band(printed.words(number), first)
        assert band[-1].text.startswith(last[:2]), (number, [w.text for w in band])


def header_band(words: list[Word], first: str) -> list[Word]:
    """The header's words on a page, left to right: those level with the first column's
    label (a label wrapped on two lines starts with its first characters)."""
    label = min((w for w in words if w.text.startswith(first[:2])), key=lambda w: w.y0)
    return sorted(
        (w for w in words if abs((w.y0 + w.y1) / 2 - (label.y0 + label.y1) / 2) < 14),
        key=lambda w: w.x0,
    )


# Two cells of a row that must print level, in each of the first rows of page 1.
LEVEL = {
    ("adjustments", "全年台账"): ("账号使用人姓名", "收到日期"),  # the date floated above its row
    ("fastchannel", "推荐汇总"): ("统一社会信用代码", "联系人"),  # the code above, 联系人 below
}


@pytest.mark.parametrize(("book", "sheet"), list(LEVEL))
def test_the_cells_of_a_row_print_level(paper, book, sheet) -> None:
    """Every cell of a row centred alike: in a row two lines tall, a wrapped cell sat at
    the top while the short ones sat at the bottom, so the row looked shifted (its date
    nearer the next row's name than its own)."""
    printed = paper[(book, sheet)]
    ws, words = printed.sheet, printed.words()
    header = [c.value for c in ws[1]]
    columns = []
    for label in LEVEL[(book, sheet)]:
        values = [ws.cell(n, header.index(label) + 1).value for n in range(2, 8)]
        columns.append([v.date().isoformat() if isinstance(v, dt.datetime) else v for v in values])
    level = []
    for row in range(len(columns[0])):
        found = []
        for texts in columns:
            # The row's own word: as many of the same text above it as rows above it.
            same = sorted((w for w in words if w.text == texts[row]), key=lambda w: w.y0)
            nth = texts[: row + 1].count(texts[row])
            found += same[nth - 1 : nth]
        if len(found) == 2:  # the row is on page 1
            level.append(abs((found[0].y0 + found[0].y1) / 2 - (found[1].y0 + found[1].y1) / 2))
    assert len(level) >= 2 and max(level) < 2, level


def test_the_register_prints_the_offices_columns_on_few_pages(paper) -> None:
    """242 people of the sample on a dozen pages at most, the flags and sources off it."""
    printed = paper[("register", "名册")]
    assert len(printed.pages) <= 12
    assert "来源文件" not in printed.text and "黄浦区/附件2.xlsx" not in printed.text
    assert "2026年11月27日" in printed.pages[-1]  # the title and the as-of date on every page


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


def test_the_reminders_say_what_they_are_and_of_which_day(paper) -> None:
    [page] = paper[("fastchannel", "提醒")].pages
    assert "便捷通道延用提醒（截至2026年11月27日）" in page.replace(" ", "")


TITLES = {1: CONFIG.annexes[1].title, 2: CONFIG.annexes[2].title}


@pytest.mark.parametrize(
    ("book", "sheet", "annex"),
    [("xlsx-copy", "Sheet1", 2), ("wide-copy", "Sheet1", 1), ("xls-copy", "Sheet1", 2),
     ("docx-copy", "", 1)],
)  # fmt: skip
def test_a_returned_copy_prints_its_title_whole_on_page_one(paper, book, sheet, annex) -> None:
    """Printed two pages wide, the title read "…管理系统账 | 号使用人信息汇总表"."""
    page = paper[(book, sheet)].pages[0]
    assert TITLES[annex] in "".join(page.split())
    assert all(TITLES[annex] in line.replace(" ", "") for line in page.splitlines()
               if TITLES[annex][:6] in line)  # fmt: skip


@pytest.mark.parametrize("book", ["xlsx-copy", "xls-copy", "wide-copy", "docx-copy"])
def test_a_returned_copys_problem_list_is_headed(paper, book: str) -> None:
    """Which file, whether it can be sent, how many problems, checked on which day."""
    text = paper[(book, "问题清单" if book != "docx-copy" else "")].text
    flat = "".join(text.split())
    name = Path(COPIES[book]).name
    assert f"问题清单：{name}" in flat
    assert re.search(
        r"结论：需要修改（错误\d+项，警告\d+项，提示\d+项）。核对日期：2026年11月27日", flat
    )


def test_the_word_copys_problem_has_room(paper) -> None:
    """Equal widths left the problem text four characters a line."""
    pdf = paper[("docx-copy", "")].pdf
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", "2", "-l", "2", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    lines = re.findall(
        r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>\s*<word[^>]*>([^<]*)', xml
    )
    start, end, _ = next(line for line in lines if line[2].startswith("账号调整方式"))
    assert float(end) - float(start) > 150  # points: some 14 characters a line, not four


# ---------------------------------------------------------------- the report in Chromium
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PRINTABLE_WIDTH = 718  # CSS pixels: A4 (210 mm) less the report's 2 × 10 mm margins, at 96 dpi
MAX_PAGES = 8  # README 市局汇总: the sample inbox's report, as the office prints it
RECEIVED = dt.date(2026, 11, 23)  # the Monday before AS_OF: every request due within 7 days
DISTRICTS = [d.name for d in CONFIG.districts]
# What is never broken across two lines on paper: dates, district names, credit codes.
WHOLE = re.compile(
    r"\d{4}-\d{2}-\d{2}|(?:\d{4}年)?\d{1,2}月\d{1,2}日|(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])|"
    + "|".join(DISTRICTS)
)
DIGEST = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
RULE_CODE = re.compile(r"\b[a-z]+(?:-[a-z]+)+\b")  # phone-invalid, unreported-removal …


@pytest.fixture(scope="module")
def printed_report(tmp_path_factory) -> dict:
    """The sample inbox's report.html as ``make consolidate`` writes it, laid out for print
    in Chromium and printed to PDF."""
    if not CHROMIUM.exists() and not os.environ.get("CONSOLIDATE_REQUIRE_BROWSER"):
        pytest.skip("needs Debian's chromium")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("report")
    with contextlib.chdir(ROOT):  # the references named as `make consolidate` names them
        outcome = consolidate_inbox(
            Path("sample_inputs"), as_of=AS_OF, config=CONFIG,
            baseline_path=Path("sample_inputs/_baseline/register-2025.xlsx"),
            fastlist_path=Path("sample_inputs/_便捷通道/使用单位名单.xlsx"),
        )  # fmt: skip
    report = write_outputs(outcome, tmp / "out", received=RECEIVED)["report.html"]
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
                    shown: t.offsetParent !== null,
                    right: t.getBoundingClientRect().right,
                    overflow: t.scrollWidth - t.clientWidth,
                })),
                cells: [...document.querySelectorAll('td, th')]
                    .filter(c => c.offsetParent !== null && c.scrollWidth > c.clientWidth + 1)
                    .map(c => c.innerText),
                text: document.body.innerText,
            })"""
        )
        pdf = tmp / "report.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        browser.close()
    text, raw = (
        subprocess.run(["pdftotext", mode, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for mode in ("-layout", "-raw")
    )  # fmt: skip
    return {**laid_out, "pdf_text": text, "raw_text": raw, "pages": text.count("\f")}


def test_every_table_of_the_report_fits_the_printed_page(printed_report) -> None:
    width = printed_report["width"]
    assert width == PRINTABLE_WIDTH
    shown = [t for t in printed_report["tables"] if t["shown"]]
    wide = [t["name"] for t in shown if t["right"] > width + 1 or t["overflow"] > 1]
    assert wide == []
    assert printed_report["cells"] == []  # no cell's text runs into its neighbour
    printed = {t["name"] for t in shown}
    assert {"todo-table requests-table", "matrix", "findings", "changes"} <= printed
    assert not {"accounting", "manifest screen-only"} & printed  # arithmetic and list: screen


def test_the_printed_report_holds_the_whole_page_on_few_pages(printed_report) -> None:
    assert 1 < printed_report["pages"] <= MAX_PAGES
    want = Counter(ch for ch in printed_report["text"] if not ch.isspace())
    got = Counter(ch for ch in printed_report["pdf_text"] if not ch.isspace())
    # Glyphs pdftotext cannot map back (the badges' icons) aside, every character is printed.
    missing = {ch: n - got[ch] for ch, n in want.items() if got[ch] < n and ch not in "✖▲ℹ✓✗→"}
    assert missing == {}


def test_the_printed_report_opens_with_what_the_office_must_do(printed_report) -> None:
    first = printed_report["raw_text"].split("\f")[0]
    headline = first.split("今天需要处理：")[1].split("。")[0].replace("\n", "")
    assert headline.startswith(
        "18 条申请7天内到期（11月30日），崇明区 未报送名册（截止11月30日，还有3天）"
    )
    assert "今天要做的事" in first and "7天内（至2026-12-04）到期的申请（18条）" in first


def test_no_digest_rule_code_or_row_arithmetic_on_paper(printed_report) -> None:
    paper = printed_report["pdf_text"]
    assert DIGEST.findall(paper) == [] and "SHA-256" not in paper.replace("（SHA-256）", "")
    assert RULE_CODE.findall(paper) == []
    assert re.findall(r"\d+\s*=\s*\S+\s*\d+\s*\+", paper) == []  # 读取 22 = 入库 21 + 剔除 1 …
    assert "一致" in paper  # … said plainly per district


def test_no_date_district_or_code_is_broken_across_lines(printed_report) -> None:
    """Each date, district name and credit code of the page is printed whole, as often as
    the page holds it (a broken one is two pieces on two lines of the PDF's text)."""
    want = Counter(WHOLE.findall(printed_report["text"]))
    got = Counter(WHOLE.findall(printed_report["raw_text"]))
    assert len(want) > 40  # the page has many: the check is not empty
    assert {s: (n, got[s]) for s, n in want.items() if got[s] < n} == {}
