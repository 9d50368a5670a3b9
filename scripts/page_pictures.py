"""Make the README's pictures of submitting through the page, from the real page.

Usage: .venv/bin/python scripts/page_pictures.py  (needs Debian's chromium and playwright)

Copies the sample inbox to a temporary folder, makes the accounts, serves the page with
submissions on (``serve --inbox``, waitress on loopback, the clock pinned to 2026-11-20
10:15 Beijing time) and walks one district through it in headless Chromium: first login,
password change, upload with the stamped scan, findings, the second confirmation, the
receipt; then the office's view of what arrived. Saves ``docs/submit-*.png``.
``tests/test_submit_browser.py`` walks the same path (:func:`walk`) and checks each step.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
VIEWPORT = {"width": 1366, "height": 768}  # the office screens
CST = dt.timezone(dt.timedelta(hours=8))
SAVED = dt.datetime(2026, 11, 20, 10, 15, 2, tzinfo=CST)
AS_OF = dt.date(2026, 11, 20)
NEW_PASSWORD = "huangpu-2026-ok"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A stamped scan as a district makes one: a PDF (fictional, one line of text).
SCAN = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
Shoot = Callable[[str], None]


def district_files(folder: Path) -> dict[str, Path]:
    """黄浦区's Annex 1 (clean) and Annex 2 (a 10-digit mobile: one error), fictional."""
    from tests.helpers import a1_row, a2_row, keys, write_annex

    rows = [a2_row(1), a2_row(2, name="李娜", account="hp_user2", mobile="1381234567")]
    return {
        "annex1": write_annex(folder / "黄浦区附件1.xlsx", 1, [[a1_row(1)[k] for k in keys(1)]]),
        "annex2": write_annex(folder / "黄浦区附件2.xlsx", 2, [[r[k] for k in keys(2)] for r in rows]),
    }  # fmt: skip


@contextmanager
def served(inbox: Path, accounts: Path, clock: Callable[[], dt.datetime]) -> Iterator[str]:
    """The page with submissions on, served by waitress on loopback: its address."""
    from waitress import create_server

    from consolidate.ui.portal import create_portal_app

    app = create_portal_app(inbox, accounts, {"AS_OF": AS_OF, "CLOCK": clock})
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


def _upload(page, selector: str, paths: list[Path], mime: str) -> None:
    # Sent as buffers, not paths: a Chinese file name then never depends on the locale.
    page.set_input_files(
        selector, [{"name": p.name, "mimeType": mime, "buffer": p.read_bytes()} for p in paths]
    )


def walk(page, base: str, files: dict[str, Path], one_time: str, shoot: Shoot) -> str:
    """One district's whole path: first login, the password, the upload with its scan,
    the findings, both confirmations, the receipt. Returns the 回执编号."""
    page.goto(base + "/")
    page.click("#portal-link")  # from the self-check page
    page.wait_for_selector("#login")
    page.select_option("#account", "黄浦区")
    page.fill("#password", one_time)
    shoot("submit-login")
    with page.expect_navigation():
        page.click("#signin")
    assert page.locator("#first-login").is_visible(), "the one-time password must be changed"
    page.fill("#old", one_time)
    page.fill("#new", NEW_PASSWORD)
    page.fill("#again", NEW_PASSWORD)
    shoot("submit-password")
    with page.expect_navigation():
        page.click("#save-password")
    assert page.url == base + "/submit"
    _upload(page, "#annexes", [files["annex1"], files["annex2"]], XLSX)
    scan = files["annex2"].with_name("黄浦区附件1、2（盖章）.pdf")
    scan.write_bytes(SCAN)
    _upload(page, "#scans", [scan], "application/pdf")
    shoot("submit-upload")
    with page.expect_navigation():
        page.click("#check")
    page.wait_for_selector("#confirm-box")
    assert page.locator("article.file").count() == 2
    assert "附件2!G6" in page.locator("table.findings td.cell").all_inner_texts()
    shoot("submit-checked")
    with page.expect_navigation():
        page.click("#send")
    page.wait_for_selector("#confirm-again")
    assert "还有 1 处错误" in page.locator("#confirm-again").inner_text()
    shoot("submit-confirm")
    with page.expect_navigation():
        page.click("#send-anyway")
    page.wait_for_selector("#receipt")
    number = page.locator("#number").inner_text()
    assert re.fullmatch(r"20261120-101502-[0-9A-F]{4}", number), number
    assert page.locator("#files tbody tr").count() == 3
    shoot("submit-receipt")
    return number


def office_view(page, base: str, one_time: str, shoot: Shoot) -> None:
    """The office signs in (its one-time password changed) and sees what arrived."""
    page.goto(base + "/login")
    page.select_option("#account", "办公室")
    page.fill("#password", one_time)
    with page.expect_navigation():
        page.click("#signin")
    page.fill("#old", one_time)
    page.fill("#new", "office-2026-ok")
    page.fill("#again", "office-2026-ok")
    with page.expect_navigation():
        page.click("#save-password")
    page.wait_for_selector("#arrivals")
    assert page.locator("tr[data-district]").count() == 16
    shoot("submit-office")


def main() -> None:
    from playwright.sync_api import sync_playwright

    from consolidate.ledger.accounts import Accounts

    if not CHROMIUM.exists():
        sys.exit("Debian's chromium is needed (apt-get install chromium)")
    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory(prefix="consolidate-page-pictures-") as tmp:
        folder = Path(tmp)
        inbox = folder / "收件箱"
        shutil.copytree(ROOT / "sample_inputs", inbox)
        arrived = (SAVED - dt.timedelta(days=1)).timestamp()  # as the office's folder has them
        for path in inbox.rglob("*"):
            if path.is_file() and path.suffix != ".eml":
                os.utime(path, (arrived, arrived))
        accounts = folder / "accounts.sqlite"
        store = Accounts(accounts)
        district = store.add("黄浦区", "district", SAVED)
        office = store.add("办公室", "office", SAVED)
        files = district_files(folder / "黄浦区")
        with served(inbox, accounts, lambda: SAVED) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            for password, run in ((district, walk), (office, None)):
                context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
                page = context.new_page()

                def shoot(name: str, page=page) -> None:
                    target = docs / f"{name}.png"
                    page.screenshot(path=str(target), full_page=name != "submit-office")
                    print(f"wrote {target.relative_to(ROOT)}")

                if run is not None:
                    run(page, base, files, password, shoot)
                else:
                    office_view(page, base, password, shoot)
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
