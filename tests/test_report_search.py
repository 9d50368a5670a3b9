"""The report's search box in a real Chromium (Debian's, through Playwright): a name or a
mobile keeps that person's rows in every table, clearing shows everything again, and the
page holds no mobile it does not show (masked unless --show-phones)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from consolidate.api import run_inbox
from tests.helpers import a1_cells, write_annex
from tests.mails import CST, annex_bytes, eml_bytes
from tests.test_server_browser import ARGS, CHROMIUM, VIEWPORT

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
HP = "上海市黄浦区市场监督管理局"
PEOPLE = {"王建华": "13900000001", "赵六": "13900000006", "钱七": "13900000007"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[bool, Path]:
    """The office's run: 王建华 on the roster with a finding, 赵六 asked for (due within the
    week) and new on the roster, 钱七 gone from it unasked. Masked, and with --show-phones."""
    root = tmp_path_factory.mktemp("search")
    baseline = root / "上年名册.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["区", "姓名", "手机号", "账号功能", "账号名称", "所在部门及职务"])
    book.active.append(["黄浦区", "钱七", PEOPLE["钱七"], "监管", "hp7", "认证科科长"])
    book.active.append(["黄浦区", "王建华", PEOPLE["王建华"], "复审", "hp1", "认证科科长"])
    book.save(baseline)
    inbox = root / "inbox"
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, [
        [1, HP, "王建华", "认证科科员", "hp1", "复审", PEOPLE["王建华"], None],
        [2, HP, "赵六", "认证科科长", "hp6", "监管", PEOPLE["赵六"], None],
    ], unit=HP, date="2026年11月20日")  # fmt: skip
    when = dt.datetime(2026, 11, 20, 10, tzinfo=CST)
    data = annex_bytes(1, [a1_cells(1, "开通", "无", "监管", "赵六", PEOPLE["赵六"], HP)], unit=HP, date="2026年11月20日")  # fmt: skip
    (inbox / "黄浦区" / "申请.eml").write_bytes(eml_bytes([("附件1.xlsx", data)], date=when))
    pages = {}
    with pytest.MonkeyPatch.context() as patch:
        # Read here: no reading worker forked beside Playwright's driver keeps its pipe open
        # (the driver would never see the end of it and the browser never close).
        patch.setattr("consolidate.reading.inbox.ISOLATED", False)
        for show in (False, True):
            out = root / f"out-{show}"
            run_inbox(inbox, out, as_of=dt.date(2026, 11, 23), year=2026,
                      baseline_path=baseline, show_phones=show)  # fmt: skip
            pages[show] = out / "report.html"
    return pages


@pytest.fixture(scope="module")
def browser(reports):  # after the reports: see there
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


SHOWN = """() => Array.from(document.querySelectorAll('tr[data-person]'))
  .filter(r => r.getClientRects().length > 0).map(r => r.dataset.person)"""
TABLES = """() => Array.from(document.querySelectorAll('table'))
  .filter(t => t.querySelector('tr[data-person]') && t.getClientRects().length > 0).length"""


@pytest.fixture
def open_page(browser):
    """Open a report in a fresh context; CSP refusals collected (there must be none)."""
    contexts = []

    def open_(path: Path):
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.refused = []  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and page.refused.append(m.text),  # type: ignore[attr-defined]
        )
        page.goto(path.as_uri())
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("show", [False, True])
def test_a_name_or_a_mobile_keeps_that_persons_rows_in_every_table(open_page, reports, show):
    page = open_page(reports[show])
    everyone = page.evaluate(SHOWN)
    tables = page.evaluate(TABLES)
    assert {"王建华", "赵六", "钱七"} <= set(everyone) and tables >= 3
    box = page.locator("#search-text")
    assert box.is_visible()

    box.fill("赵六")  # the to-do table and the changes
    kept = page.evaluate(SHOWN)
    assert set(kept) == {"赵六"} and len(kept) >= 2
    assert page.locator("#search-count").text_content() == f"找到 {len(kept)} 行"
    assert page.evaluate(TABLES) < tables  # a table without 赵六 goes altogether

    box.fill("139 0000 0007")  # 钱七's mobile as a clerk types it: the finding and the change
    kept = page.evaluate(SHOWN)
    assert set(kept) == {"钱七"} and len(kept) >= 2
    box.fill("0001")  # the last four digits: 王建华
    assert set(page.evaluate(SHOWN)) == {"王建华"}
    box.fill("郑十一")
    assert page.evaluate(SHOWN) == [] and page.evaluate(TABLES) == 0

    box.fill("")
    assert page.evaluate(SHOWN) == everyone and page.evaluate(TABLES) == tables
    assert page.locator("#search-count").text_content() == ""
    assert page.refused == []  # type: ignore[attr-defined]


def test_the_search_is_not_on_paper_and_filters_nothing_there(open_page, reports):
    page = open_page(reports[False])
    everyone = page.evaluate(SHOWN)
    page.locator("#search-text").fill("赵六")
    page.emulate_media(media="print")
    assert not page.locator("#search").is_visible()
    assert page.evaluate(SHOWN) == everyone


def test_the_page_holds_no_mobile_it_does_not_show(reports):
    masked = reports[False].read_text(encoding="utf-8")
    assert not re.findall(r"1[3-9]\d{9}", masked)
    assert 'data-mobile="139****0006"' in masked
    shown = reports[True].read_text(encoding="utf-8")
    assert 'data-mobile="13900000006"' in shown
