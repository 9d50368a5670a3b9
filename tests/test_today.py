"""No test depends on today: the date-sensitive tests pass under two faked "todays".

The tool's defaults read the clock (``--as-of``, ``--date``, the roll-up's year), and the
11-30 deadline turns ``district-missing`` from a notice into an error. A test that runs
the tool without naming its day passes in November and fails in December. Here the tests
that run the tool end to end run again, in a subprocess whose every Python process
(pytest, its workers, the CLI a test starts, the tool's own workers) believes today is a
day before the deadline, then one after it (``tests/faketoday/sitecustomize.py``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# The modules that run the tool as a district or the office does: check, run, forward,
# the roll-up, the ledger's year, the fast channel's deadlines, the page.
DATE_SENSITIVE = (
    "test_messages.py",
    "test_ledger.py",
    "test_current_accounts.py",
    "test_forwarded.py",
    "test_forward_daily.py",
    "test_replies.py",
    "test_end_to_end.py",
    "test_cli.py",
    "test_fastchannel.py",
    "test_recommend.py",
    "test_golden.py",
    "test_outputs.py",
    "test_register.py",
    "test_mail.py",
    "test_mail_date.py",
    "test_server.py",
    "test_submit.py",
    "test_stamps.py",
    "hostile/test_hostile_guarantees.py",
)
# One day before the roll-up's deadline (11-30), one after it, in the same roll-up year.
TODAYS = ("2026-11-10", "2026-12-15")
# Under libfaketime (``faketime 2027-03-15 make test``) the whole suite already runs on
# another day, which is what these guards imitate; time-machine's patching on top of
# libfaketime's deadlocks the child interpreter, so they stand aside and say why.
UNDER_FAKETIME = "faketime" in os.environ.get("LD_PRELOAD", "") or "FAKETIME" in os.environ
needs_real_clock = pytest.mark.skipif(
    UNDER_FAKETIME, reason="the suite runs under libfaketime: it is itself on a fake today"
)


@pytest.mark.slow
@needs_real_clock
@pytest.mark.parametrize("today", TODAYS)
def test_the_date_sensitive_tests_pass_whatever_today_is(today: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CONSOLIDATE_FAKE_TODAY": today,
        "PYTHONPATH": os.pathsep.join(
            [str(TESTS / "faketoday"), str(ROOT), os.environ.get("PYTHONPATH", "")]
        ),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2",
         "--basetemp", str(tmp_path / "basetemp"), "-m", "not bundle",
         *(str(TESTS / module) for module in DATE_SENSITIVE)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    failed = re.findall(r"^(?:FAILED|ERROR) \S+", done.stdout, re.MULTILINE)
    assert done.returncode == 0 and not failed, (
        f"with today = {today}: {failed or done.stdout[-3000:] + done.stderr[-3000:]}"
    )


@needs_real_clock
def test_the_fake_today_reaches_every_python_process(tmp_path: Path) -> None:
    """The guard above is only as good as its fake: a child process believes it too."""
    env = {**os.environ, "CONSOLIDATE_FAKE_TODAY": "2026-11-10",
           "PYTHONPATH": str(TESTS / "faketoday")}  # fmt: skip
    said = subprocess.run(
        [sys.executable, "-c", "import datetime; print(datetime.date.today())"],  # reads the clock on purpose
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert said.stdout.strip() == "2026-11-10"


def test_no_test_reads_the_clock_for_a_day() -> None:
    """A test names its day; it never asks the machine for one."""
    clock = re.compile(r"\b(?:date|datetime)\.today\(\)|\bdatetime\.now\(\s*\)")
    readers = [
        f"{path.relative_to(TESTS)}:{n}"
        for path in TESTS.rglob("*.py")
        if path.name != "sitecustomize.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if clock.search(line) and "reads the clock on purpose" not in line
    ]
    assert readers == []


def test_the_tool_reads_the_clock_in_one_place() -> None:
    """Every default day and every "now" of the tool comes from ``values/dates.py``
    (``today()``, ``now()``): one place to fake, and one to read to see what depends on it."""
    clock = re.compile(r"\b(?:date|datetime)\.(?:today|now|utcnow)\(")
    package = ROOT / "consolidate"
    readers = [
        f"{path.relative_to(package)}:{n}"
        for path in package.rglob("*.py")
        if path != package / "values" / "dates.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if clock.search(line)
    ]
    assert readers == []
