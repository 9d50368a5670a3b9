"""``forward`` as the office uses it every day (README 全年流程, 日常工作):
a preview that changes nothing, no batch dated ahead, nothing to forward writes nothing,
adjustments.xlsx current the moment a batch is marked, and a batch left by a killed
``forward`` that blocks nothing.

Dates are 2026's (国庆 1–8 October, 10 October worked) and pinned: the runs by --as-of,
the batches by --date in the past, the refusal by a day no test clock reaches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from consolidate.cli import main
from tests.test_ledger import (
    FAULTY_SUN,
    HOLIDAY_QIAN,
    HP,
    JA,
    OPEN_ZHAO,
    at,
    form_rows,
    request_mail,
    run,
    sheet,
    table,
)

ROOT = Path(__file__).resolve().parent.parent
SENT = "2026-10-12"


@pytest.fixture(autouse=True)
def _read_here(monkeypatch) -> None:
    """Read in this process: a reader forked late in a long test session inherits the
    session's address space and can hit its cap (reader_memory_mb) before reading a byte
    (MemoryError). What is tested here is the drafts and the ledger, not the isolation."""
    monkeypatch.setattr("consolidate.reading.inbox.ISOLATED", False)


def _inbox(tmp_path: Path) -> tuple[Path, Path]:
    """Two requests to forward (黄浦区) and one held (静安区), run on 12 October."""
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "0928 赵六.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    request_mail(inbox / "黄浦区" / "1003 钱七.eml", HOLIDAY_QIAN, HP, at("2026-10-03"))
    request_mail(inbox / "静安区" / "0930 孙八.eml", FAULTY_SUN, JA, at("2026-09-30"))
    run(inbox, out, "2026-10-12")
    return inbox, out


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder below ``folder``: its bytes' sha256 ('' for a folder)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else ""
        for p in sorted(folder.rglob("*"))
    }


def _forward(out: Path, *args: str):
    return CliRunner().invoke(main, ["forward", str(out), *args])


def _ledger(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "ledger.sqlite") as connection:
        requests = connection.execute(
            "SELECT person, status, forwarded_on, batch FROM requests"
        ).fetchall()
        batches = connection.execute("SELECT name, file FROM batches").fetchall()
    return [*sorted(requests), *batches]


def test_dry_run_lists_what_would_be_marked_and_changes_nothing(tmp_path: Path):
    _, out = _inbox(tmp_path)
    before = _snapshot(out)
    preview = _forward(out, "--dry-run", "--date", SENT)
    assert preview.exit_code == 0, preview.output
    assert _snapshot(out) == before  # the ledger and every output, byte for byte
    lines = preview.output.splitlines()
    assert lines[0].startswith("预览：以下 2 条申请将标记为已报送（报送日期 2026-10-12）")
    rows = [line.split() for line in lines[1:]]
    assert rows == [
        ["区", "姓名", "调整方式", "收到日期", "转报截止日期"],
        ["黄浦区", "赵六", "开通", "2026-09-28", "2026-10-10"],
        ["黄浦区", "钱七", "注销", "2026-10-03", "2026-10-13"],
    ]  # the held request of 静安区 is not among them
    # The preview is what forward then does.
    done = _forward(out, "--date", SENT)
    assert done.exit_code == 0, done.output
    assert [line.split() for line in done.output.splitlines()[1:4]] == rows
    assert form_rows(_batch_rows(out / "forwarded" / f"{SENT}-1.xlsx"), "账号使用人姓名") == [
        ("赵六",), ("钱七",)
    ]  # fmt: skip


def _batch_rows(path: Path) -> list[tuple]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh", "报送日期 2099-12-31 晚于今天"),
        ("en", "the day sent, 2099-12-31, is later than today"),
    ],
)
def test_a_batch_dated_after_today_is_refused(tmp_path: Path, lang: str, said: str):
    _, out = _inbox(tmp_path)
    before = _snapshot(out)
    for args in (["--date", "2099-12-31"], ["--dry-run", "--date", "2099-12-31"]):
        refused = _forward(out, *args, "--lang", lang)
        assert refused.exit_code == 2, refused.output
        assert said in refused.output and "Traceback" not in refused.output
    assert _snapshot(out) == before
    # A day in the past is a batch sent then and recorded late: accepted.
    assert _forward(out, "--date", "2026-10-12").exit_code == 0


def test_nothing_to_forward_says_so_and_writes_no_file(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "静安区" / "0930 孙八.eml", FAULTY_SUN, JA, at("2026-09-30"))
    run(inbox, out, "2026-10-12")  # only a held request
    before = _snapshot(out)
    for args in ([], ["--dry-run"]):
        nothing = _forward(out, "--date", SENT, *args)
        assert nothing.exit_code == 0, nothing.output
        assert "没有待报送的申请" in nothing.output
        assert _snapshot(out) == before
    assert not (out / "forwarded").exists()


def test_adjustments_show_the_batch_as_soon_as_it_is_marked(tmp_path: Path, monkeypatch):
    inbox, out = _inbox(tmp_path)
    assert table(sheet(out, "报送总局"), "账号使用人姓名") == [("赵六",), ("钱七",)]
    # A forward whose ledger cannot be saved changes nothing: no batch, the old sheets.
    before = _snapshot(out)

    def broken(self) -> None:
        from consolidate.support.errors import LedgerError

        raise LedgerError("ledger-not-saved", path=self.path, reason="磁盘已满")

    with monkeypatch.context() as patch:
        patch.setattr("consolidate.ledger.store.Ledger.commit", broken)
        failed = _forward(out, "--date", SENT)
    assert failed.exit_code == 2 and "无法保存" in failed.output
    assert _snapshot(out) == {**before, "forwarded": ""}  # the folder made for it, empty

    done = _forward(out, "--date", SENT)
    assert done.exit_code == 0, done.output
    assert "已按台账更新" in done.output and "adjustments.xlsx" in done.output
    # Read straight after forward, no run in between.
    assert table(sheet(out, "报送总局"), "账号使用人姓名") == []
    year = table(sheet(out, "全年台账"), "账号使用人姓名", "状态", "报送日期", "报送批次")
    assert year == [
        ("赵六", "已报送", dt.date(2026, 10, 12), "2026-10-12-1"),
        ("孙八", "退回", None, None),
        ("钱七", "已报送", dt.date(2026, 10, 12), "2026-10-12-1"),
    ]
    assert table(sheet(out, "退回区局"), "账号使用人姓名") == [("孙八",)]
    # The next run writes the same sheets from the same ledger.
    marked = {name: sheet(out, name) for name in ("报送总局", "全年台账")}
    run(inbox, out, SENT)
    assert {name: sheet(out, name) for name in marked} == marked


# A forward killed once its batch file is in place, before its ledger is committed.
KILL_AFTER_BATCH = """
import os, signal, sys
import consolidate.writing.adjustments as adjustments
write = adjustments.write_batch
def killed(*args, **kwargs):
    write(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
adjustments.write_batch = killed
from consolidate.cli import main
sys.argv = ["consolidate", *sys.argv[1:]]
main()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_batch_left_by_a_killed_forward_is_replaced_not_blocking(tmp_path: Path):
    _, out = _inbox(tmp_path)
    before = _snapshot(out)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_BATCH, "forward", str(out), "--date", SENT],
        capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    batch = out / "forwarded" / f"{SENT}-1.xlsx"
    assert batch.is_file()  # complete, and claimed by no ledger row (rolled back)
    assert _ledger(out) == [("孙八", "held", None, None), ("赵六", "pending", None, None),
                            ("钱七", "pending", None, None)]  # fmt: skip
    # The outputs as they were (SQLite's journal of the rolled-back transaction aside).
    kept = {k: v for k, v in _snapshot(out).items() if not k.startswith("forwarded")}
    assert {k: v for k, v in kept.items() if not k.endswith("-journal")} == before

    again = _forward(out, "--date", SENT)
    assert again.exit_code == 0, again.output
    assert f"{SENT}-1.xlsx" in again.output and "已由本批替换" in again.output
    assert _ledger(out) == [
        ("孙八", "held", None, None), ("赵六", "forwarded", SENT, f"{SENT}-1"),
        ("钱七", "forwarded", SENT, f"{SENT}-1"), (f"{SENT}-1", f"{SENT}-1.xlsx"),
    ]  # fmt: skip
    assert form_rows(_batch_rows(batch), "账号使用人姓名") == [("赵六",), ("钱七",)]
    assert sorted(p.name for p in (out / "forwarded").iterdir()) == [f"{SENT}-1.xlsx"]
    # A batch the ledger records is never replaced: the next one is numbered after it.
    assert "已标记报送 0 条" in _forward(out, "--date", SENT).output
