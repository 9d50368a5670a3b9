"""One district's whole path through the page with submissions on, in the real Chromium.

Served by waitress on loopback with the clock pinned: first login and the password change,
the upload with the stamped scan, the findings, the second confirmation (an error remains),
the receipt — :func:`scripts.page_pictures.walk`, which also makes the README's pictures —
then what is in the inbox and what the next ``run`` makes of it. The other paths (another
district, CSRF, the login limit, expiry, concurrency) run with Flask's test client in
tests/test_submit.py. Uses Debian's chromium (CONSOLIDATE_REQUIRE_BROWSER=1 in CI).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from consolidate import api
from consolidate.ledger.accounts import Accounts
from consolidate.model.receipt import PAGE_FOLDER
from tests.helpers import CONFIG

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


def _pictures():
    spec = importlib.util.spec_from_file_location(
        "page_pictures", ROOT / "scripts" / "page_pictures.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_a_district_signs_in_submits_with_its_scan_and_gets_its_receipt(tmp_path):
    from playwright.sync_api import sync_playwright

    pictures = _pictures()
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    accounts = tmp_path / "accounts.sqlite"
    one_time = Accounts(accounts, scrypt_n=16_384).add("黄浦区", "district", pictures.SAVED)
    files = pictures.district_files(tmp_path / "黄浦区")
    errors: list[str] = []
    with pictures.served(inbox, accounts, lambda: pictures.SAVED) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=pictures.ARGS)
        context = browser.new_context(viewport=pictures.VIEWPORT, locale="zh-CN")
        page = context.new_page()
        page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
        number = pictures.walk(page, base, files, one_time, lambda name: None)
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["session"]["httpOnly"] and cookies["session"]["sameSite"] == "Strict"
        # the receipt's downloads are the files as sent
        with page.expect_download() as info:
            page.locator("#files a").first.click()
        saved = tmp_path / "download.xlsx"
        info.value.save_as(saved)
        assert saved.read_bytes() == files["annex1"].read_bytes()
        context.close()
        browser.close()
    assert errors == []
    folder = inbox / "黄浦区" / PAGE_FOLDER
    assert {p.name for p in folder.iterdir()} == {
        "20261120-101502-黄浦区附件1.xlsx",
        "20261120-101502-黄浦区附件2.xlsx",
        "20261120-101502-黄浦区附件1、2（盖章）.pdf",
        f"回执-{number}.json",
    }
    receipt = json.loads((folder / f"回执-{number}.json").read_text(encoding="utf-8"))
    assert receipt["findings"]["errors"] == 1  # confirmed twice
    sent = hashlib.sha256(files["annex2"].read_bytes()).hexdigest()
    assert sent in {f["sha256"] for f in receipt["files"]}
    outcome = api.consolidate_inbox(inbox, as_of=pictures.AS_OF, config=CONFIG)
    dated = {r.source.display: (r.source.received, r.source.received_from) for r in outcome.results}
    assert set(dated.values()) == {(pictures.AS_OF, "page")}
    assert "stamped-copy-missing" not in {f.code for f in outcome.findings}
