"""The self-check page in a real headless Chromium, served by waitress on loopback.

Uses Debian's chromium (``apt-get install chromium``, done by .ci/run) through
Playwright's ``executable_path``; Playwright's own browser download is never used.
Set ``CONSOLIDATE_SCREENSHOT=docs/serve-results.png`` to also save the README's
screenshot of the results page.
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest

from consolidate.ui.server import create_app
from consolidate.writing.annotate import FILLS
from tests.helpers import AS_OF, CONFIG, a1_row, a2_row, keys, write_annex

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}  # the office screens
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


def _values(annex: int, row: dict) -> list:
    return [row[k] for k in keys(annex)]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(300):
                sheet.write(b"0" * (1 << 20))
    (folder / "炸弹.xlsx").write_bytes(bomb.getvalue())
    (folder / "扫描件.xlsx").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return {
        "clean": write_annex(
            folder / "黄浦区附件2.xlsx",
            2,
            [_values(2, a2_row(1)), _values(2, a2_row(2, name="李娜", account="hp_user2"))],
        ),
        "faulty": write_annex(
            folder / "faulty" / "黄浦区附件2.xlsx",
            2,
            [
                _values(2, a2_row(1, mobile="1381234567")),
                _values(2, a2_row(2, name="李娜", functions="复审、复审")),
                _values(2, a2_row(3, name="赵磊", post="", account="hp_user3")),
            ],
        ),
        "annex1": write_annex(folder / "黄浦区附件1.xlsx", 1, [_values(1, a1_row(1))]),
        "bomb": folder / "炸弹.xlsx",
        "pdf": folder / "扫描件.xlsx",
    }


@pytest.fixture(scope="module")
def base_url():
    from waitress import create_server

    app = create_app({"AS_OF": AS_OF}, settings=CONFIG)
    server = create_server(app, host="127.0.0.1", port=0, threads=2, ident="")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text),  # type: ignore[attr-defined]
    )
    yield page
    context.close()


def _check(page, base_url: str, *paths: Path) -> None:
    page.goto(base_url + "/")
    # Sent as buffers, not paths: a Chinese file name then never depends on the locale.
    payloads = [{"name": p.name, "mimeType": XLSX, "buffer": p.read_bytes()} for p in paths]
    page.set_input_files("#files", payloads)
    with page.expect_navigation():
        page.click("#submit")
    page.wait_for_selector("#results, #problem")


def test_clean_file_can_be_sent(page, base_url, files):
    _check(page, base_url, files["clean"])
    card = page.locator("article.file").first
    assert card.get_attribute("data-verdict") == "ok"
    assert "可以报送" in card.locator(".verdict").inner_text()
    assert "未发现问题" in card.inner_text()
    assert page.locator("tr.sev-error, tr.sev-warning").count() == 0
    assert page.csp_errors == []


def test_faulty_file_findings_at_their_cells_and_annotated_download(
    page, base_url, files, tmp_path
):
    _check(page, base_url, files["faulty"])
    card = page.locator("article.file").first
    assert card.get_attribute("data-verdict") == "fix"
    verdict = card.locator(".verdict")
    assert verdict.inner_text() == "需要修改"
    assert verdict.bounding_box()["y"] < VIEWPORT["height"]  # seen without scrolling
    cells = page.locator("table.findings td.cell").all_inner_texts()
    assert "附件2!G5" in cells and "附件2!F6" in cells and "附件2!D7" in cells
    row = page.locator("tr", has=page.locator("td.cell", has_text="附件2!G5"))
    assert "王建华" in row.inner_text() and "手机号应为11位" in row.inner_text()
    assert "错误" in card.locator(".counts").inner_text()

    with page.expect_download() as info:
        card.locator("a.annotated").click()
    download = info.value
    assert download.suggested_filename.endswith("（已标注）.xlsx")
    saved = tmp_path / "annotated.xlsx"
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    sheet = workbook["附件2"]
    assert sheet["G5"].fill.fgColor.rgb == FILLS["error"]
    assert sheet["F6"].fill.fgColor.rgb == FILLS["warning"]
    assert "手机号应为11位" in sheet["G5"].comment.text
    assert sheet["F6"].comment is not None and sheet["D7"].comment is not None
    assert workbook.sheetnames[0] == "问题清单"
    assert page.csp_errors == []

    shot = os.environ.get("CONSOLIDATE_SCREENSHOT")
    if shot:
        _check(page, base_url, files["annex1"], files["faulty"])
        Path(shot).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shot, full_page=False)


def test_both_annexes_are_cross_checked(page, base_url, files):
    _check(page, base_url, files["annex1"], files["clean"])
    assert "已同时核对黄浦区的附件1和附件2" in page.locator(".note").inner_text()
    assert page.locator("article.file").count() == 2
    assert "附件1（" in page.locator("#results").inner_text()


def test_bomb_and_renamed_pdf_get_clear_messages(page, base_url, files):
    _check(page, base_url, files["bomb"], files["pdf"])
    cards = page.locator("article.file")
    assert cards.count() == 2
    bomb, pdf = cards.nth(0).inner_text(), cards.nth(1).inner_text()
    assert "需要修改" in bomb and "解压后超过200MB" in bomb
    assert "需要修改" in pdf and "这是PDF文件，不是Excel表格" in pdf
    assert page.locator("a.annotated").count() == 0


def test_page_works_with_scripting_off(browser, base_url, files):
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    try:
        _check(page, base_url, files["faulty"])
        assert page.locator("article.file").first.get_attribute("data-verdict") == "fix"
        response = page.request.get(base_url + "/template/1")
        assert response.ok and response.body().startswith(b"PK")
    finally:
        context.close()


def test_drag_and_drop_fills_the_file_control(page, base_url):
    page.goto(base_url + "/")
    transfer = page.evaluate_handle(
        """() => {
            const dt = new DataTransfer();
            dt.items.add(new File(["x"], "黄浦区附件2.xlsx"));
            dt.items.add(new File(["y"], "黄浦区附件1.xlsx"));
            return dt;
        }"""
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    assert page.evaluate("document.getElementById('files').files.length") == 2
    assert "已选择 2 个文件" in page.locator("#chosen").inner_text()
    transfer = page.evaluate_handle(
        """() => { const dt = new DataTransfer(); dt.items.add(new File(["%PDF"], "通知.pdf")); return dt; }"""
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    assert "只能检查填写好的附件表格" in page.locator("#chosen").inner_text()
    page.click("#submit")  # refused in the page: nothing is sent
    assert page.url == base_url + "/"
    assert page.csp_errors == []
