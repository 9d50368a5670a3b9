"""Suite-wide settings: in CI (CONSOLIDATE_REQUIRE_BROWSER=1) a missing Chromium fails."""

from __future__ import annotations

import os
import shutil

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CONSOLIDATE_REQUIRE_BROWSER") and not shutil.which("chromium"):
        raise pytest.UsageError(
            "CI needs Debian's chromium for the browser tests (.ci/run installs it)"
        )
