"""Suite-wide settings: in CI (CONSOLIDATE_REQUIRE_BROWSER=1, CONSOLIDATE_REQUIRE_SOFFICE=1) a
missing Chromium or LibreOffice stops the run before any test, rather than tests skipping."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CONSOLIDATE_REQUIRE_BROWSER") and not shutil.which("chromium"):
        raise pytest.UsageError(
            "CI needs Debian's chromium for the browser tests (.ci/run installs it)"
        )
    if os.environ.get("CONSOLIDATE_REQUIRE_SOFFICE") and not shutil.which("soffice"):
        raise pytest.UsageError(
            "CI needs LibreOffice (soffice) for the Word and printing tests (.ci/run installs it)"
        )
    printing = any(os.environ.get(f"CONSOLIDATE_REQUIRE_{t}") for t in ("BROWSER", "SOFFICE"))
    if printing and not _has_chinese_font():
        raise pytest.UsageError(
            "CI prints Chinese pages and reads them back: it needs a CJK font "
            "(.ci/run installs fonts-noto-cjk)"
        )


def _has_chinese_font() -> bool:
    """fontconfig knows a font for Chinese (else every 汉字 prints as the same blank box)."""
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True)
    return bool(listed.stdout.strip())
