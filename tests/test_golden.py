"""Golden files: what ``run`` writes for the sample inbox, compared parsed, never as bytes.

``register.xlsx`` and ``adjustments.xlsx`` as the values of every sheet, ``report.html`` as
the text of each of its sections; the as-of and received dates are fixed so that the
outputs are stable. After a deliberate change of an output, rewrite them with
``CONSOLIDATE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py`` and review
the diff of ``tests/golden/`` like any other change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from consolidate.api import consolidate_inbox
from consolidate.writing.outputs import write_outputs
from tests.helpers import CONFIG

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs"
GOLDEN = ROOT / "tests" / "golden"
AS_OF, RECEIVED = dt.date(2026, 11, 27), dt.date(2026, 11, 23)
UPDATE = os.environ.get("CONSOLIDATE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    # From the checkout, as `make consolidate` runs: the baseline is named relative to it.
    with contextlib.chdir(ROOT):
        baseline = Path("sample_inputs/_baseline/register-2025.xlsx")
        fastlist = Path("sample_inputs/_便捷通道/使用单位名单.xlsx")
        outcome = consolidate_inbox(
            SAMPLE, as_of=AS_OF, baseline_path=baseline, fastlist_path=fastlist, config=CONFIG
        )
    return write_outputs(outcome, tmp_path_factory.mktemp("golden"), received=RECEIVED)


def workbook_values(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's rows of values, dates as ISO text, trailing empty cells dropped."""
    book = openpyxl.load_workbook(path, read_only=True)
    sheets = {}
    for ws in book.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            values = [v.date().isoformat() if isinstance(v, dt.datetime) else v for v in row]
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        sheets[ws.title] = rows
    book.close()
    return sheets


class _Sections(HTMLParser):
    """The visible text of each ``<section id=…>``, one line per block of the page."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "tr", "li", "caption", "figcaption", "dt"}

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.stack: list[tuple[str, str | None]] = []
        self.skip = 0
        self.line: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        section = dict(attrs).get("id") if tag == "section" else None
        self.stack.append((tag, section))
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCKS:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._end_line()
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag in ("script", "style"):
                self.skip -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skip and self._section():
            self.line.append(data)

    def _section(self) -> str | None:
        return next((s for _, s in reversed(self.stack) if s), None)

    def _end_line(self) -> None:
        text = " ".join("".join(self.line).split())
        section = self._section()
        if text and section:
            self.sections.setdefault(section, []).append(text)
        self.line = []


def report_sections(path: Path) -> dict[str, list[str]]:
    parser = _Sections()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.sections


OUTPUTS = {
    "register.xlsx": workbook_values,
    "adjustments.xlsx": workbook_values,
    "fastchannel.xlsx": workbook_values,
    "report.html": report_sections,
}


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_outputs_match_their_golden_file(written: dict[str, Path], name: str) -> None:
    content = json.loads(json.dumps(OUTPUTS[name](written[name]), ensure_ascii=False))
    golden = GOLDEN / f"{name.replace('.', '_')}.json"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        text = json.dumps(content, ensure_ascii=False, indent=1)
        golden.write_text(text + "\n", encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden.name}: run with CONSOLIDATE_UPDATE_GOLDEN=1"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    if isinstance(content, dict) and isinstance(expected, dict):
        assert list(content) == list(expected)  # the same sheets or sections, in order
        for key in expected:
            assert content[key] == expected[key], f"{name}: {key} differs from {golden.name}"
    assert content == expected
