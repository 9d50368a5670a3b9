"""Suite-wide settings: in CI (CONSOLIDATE_REQUIRE_BROWSER=1, CONSOLIDATE_REQUIRE_SOFFICE=1) a
missing Chromium or LibreOffice stops the run before any test, rather than tests skipping;
and the ``proves`` mark, which says which finding codes a test asserts, is held to it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from consolidate.model.catalog import Catalog


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


# ---------------------------------------------------------------- tests that prove a code
# ``@pytest.mark.proves("phone-invalid")`` says a test asserts findings of that code. The
# mark is checked as the test runs: it fails when no finding of the code was made in this
# process by its body or its function-scoped fixtures. tests/test_catalog.py asks that
# every code of the catalog has such a test.
@dataclass
class Proofs:
    """What the session collected: the tests marked as proving each code, and the test
    modules it collected (to tell a whole run from a part)."""

    by_code: dict[str, list[str]] = field(default_factory=dict)
    modules: set[Path] = field(default_factory=set)


_PROOFS = pytest.StashKey[Proofs]()
_MADE = pytest.StashKey[set]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_PROOFS] = Proofs()


def pytest_collectstart(collector: pytest.Collector) -> None:
    if isinstance(collector, pytest.Module):
        collector.config.stash[_PROOFS].modules.add(Path(collector.path))


def pytest_itemcollected(item: pytest.Item) -> None:
    for code in _proved(item):
        item.config.stash[_PROOFS].by_code.setdefault(code, []).append(item.nodeid)


@pytest.fixture(scope="session")
def proofs(request: pytest.FixtureRequest) -> Proofs:
    return request.config.stash[_PROOFS]


def _proved(item: pytest.Item) -> set[str]:
    return {code for mark in item.iter_markers("proves") for code in mark.args}


@contextmanager
def _recording(made: set[str]) -> Iterator[None]:
    """Every finding code made in this process inside the block goes into ``made``."""
    original = Catalog.make

    def make(self: Catalog, code: str, **located: Any) -> Any:
        made.add(code)
        return original(self, code, **located)

    Catalog.make = make  # type: ignore[method-assign]
    try:
        yield
    finally:
        Catalog.make = original  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
    if fixturedef.scope != "function" or not _proved(request.node):
        return (yield)
    with _recording(request.node.stash.setdefault(_MADE, set())):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    codes = _proved(item)
    if not codes:
        return (yield)
    made = item.stash.setdefault(_MADE, set())
    with _recording(made):
        result = yield
    missing = sorted(codes - made)
    assert not missing, f"marked as proving {missing}, but no such finding was made"
    return result
