"""Each file is read in a worker process of its own: a worker that dies, panics, runs out of
memory or time, or returns what cannot be sent back costs that one file, never the run."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import a2_values, annex_xlsx, district_inbox, run_inbox, write

import consolidate.reading.inbox as inbox_module
from consolidate.reading import isolation
from consolidate.reading.isolation import Failed, Limits, Pool
from consolidate.support.collector import collector_paused

QUICK = Limits(seconds=2, memory_bytes=1_500_000_000, recycle_jobs=50)


class Panic(BaseException):
    """Like pyo3's PanicException: a BaseException that ``except Exception`` misses."""


def _double(n: int) -> int:
    return 2 * n


def _die() -> None:
    os._exit(7)


def _panic() -> None:
    raise Panic("called `Option::unwrap()` on a `None` value")


def _unpicklable() -> object:
    return lambda: None


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def _allocate(size: int) -> int:
    return len(bytearray(size))


def _pid() -> int:
    return os.getpid()


def _collects() -> bool:
    return gc.isenabled()


@pytest.fixture
def pool():
    made = Pool(2, QUICK)
    yield made
    made.close()


def test_every_failure_is_that_jobs_result_and_the_others_are_done(pool: Pool) -> None:
    jobs = [
        (_double, (1,)),
        (_die, ()),
        (_panic, ()),
        (_unpicklable, ()),
        (_sleep, (30,)),
        (_allocate, (4_000_000_000,)),  # over the worker's address-space cap
        (_double, (2,)),
    ]
    started = time.monotonic()
    results = pool.map(jobs)
    assert time.monotonic() - started < 20
    assert results[0] == 2 and results[-1] == 4
    assert results[1] == Failed("died", "exit code 7")
    assert results[2] == Failed("error", "Panic")
    assert results[3].kind == "error"  # "Can't pickle local object"
    assert results[4] == Failed("timeout", "2")
    assert results[5] == Failed("error", "MemoryError")


def test_the_parent_works_while_waiting_once_every_job_is_under_way(pool: Pool) -> None:
    started, calls = time.monotonic(), []
    jobs = [(_sleep, (0.3,))] * 3  # two workers: the third job waits for the first to end
    results = pool.map(jobs, while_waiting=lambda: calls.append(time.monotonic() - started))
    assert results == ["woke"] * 3
    assert len(calls) == 1 and calls[0] >= 0.3  # not while a worker might still be forked


def test_a_worker_that_died_is_replaced(pool: Pool) -> None:
    assert isinstance(pool.call(_die), Failed)
    first = pool.call(_pid)
    assert isinstance(first, int) and first != os.getpid()
    assert pool.call(_double, 21) == 42


def test_a_worker_past_its_time_is_killed_and_replaced(pool: Pool) -> None:
    before = pool.call(_pid)
    assert pool.call(_sleep, 30) == Failed("timeout", "2")
    after = pool.call(_pid)
    assert isinstance(after, int) and after != before


def test_a_worker_is_retired_after_its_jobs() -> None:
    pool = Pool(1, Limits(seconds=5, memory_bytes=None, recycle_jobs=2))
    try:
        pids = [pool.call(_pid) for _ in range(4)]
    finally:
        pool.close()
    assert pids[0] == pids[1] != pids[2] == pids[3]


def test_a_worker_forked_while_the_collector_is_paused_collects_garbage() -> None:
    """The rules pause the collector; a thread forking a worker meanwhile must not hand
    the pause on to a worker that then reads for ever without it."""
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        pool = Pool(1, Limits(seconds=5, memory_bytes=None))
        try:
            assert pool.call(_collects) is True
        finally:
            pool.close()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a pause never turns on a collector that was off
    finally:
        gc.enable()


def test_a_worker_forked_from_a_grown_parent_still_works_within_its_cap() -> None:
    """A long run or a server grows; workers forked from it (a replaced one) inherit its
    address space. The cap is on what a worker adds: it reads as usual, and a runaway
    allocation still fails in the worker only."""
    mapped = bytearray(1_200_000_000)  # mapped, never touched: no real memory used
    pool = Pool(1, Limits(seconds=30, memory_bytes=400_000_000))
    try:
        results = pool.map([(_allocate, (50_000_000,)), (_allocate, (600_000_000,))])
    finally:
        pool.close()
        del mapped
    assert results[0] == 50_000_000
    assert isinstance(results[1], Failed)


def test_failures_are_worded_for_the_clerk() -> None:
    assert "超过120秒" in Failed("timeout", "120").words()[0]
    assert "内存不足" in Failed("died", "exit code -9").words()[0]


# ---------------------------------------------------------------- a whole run
DOOMED = "坏文件.xlsx"


def dying_reader(path: Path, display: str, root: str):
    """The worker's reading function, except that one file kills the worker (as calamine
    aborting on a failed allocation does)."""
    if path.name == DOOMED:
        os._exit(134)
    return isolation_read(path, display, root)


isolation_read = inbox_module._read_in_worker


def test_a_file_that_kills_its_worker_costs_that_file_only(tmp_path: Path, monkeypatch) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    write(inbox / "黄浦区" / DOOMED, annex_xlsx(2, [a2_values(9)]))
    write(inbox / "静安区" / "附件2.xlsx", annex_xlsx(2, [a2_values(1)]))
    monkeypatch.setattr(inbox_module, "_read_in_worker", dying_reader)
    assert not isolation.INSIDE
    run = run_inbox(inbox, tmp_path / "out")
    doomed = [f for f in run.findings if f["file"] == f"黄浦区/{DOOMED}"]
    assert [f["code"] for f in doomed] == ["file-unreadable"]
    assert "读取时出错" in doomed[0]["message"]
    assert run.file("静安区/附件2.xlsx")["status"] != "unreadable"
    for name in ("register.xlsx", "findings.json", "manifest.json", "report.html"):
        assert (run.out / name).is_file(), name


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """A run killed mid-way (Ctrl+C twice, the task manager) leaves no reader behind."""
    code = (
        "import os, sys\n"
        "from consolidate.reading.isolation import Pool, Limits\n"
        "pool = Pool(2, Limits(seconds=30, memory_bytes=None))\n"
        "pids = pool.map([(os.getpid, ()), (os.getpid, ())])\n"
        "print(*pids, flush=True)\n"
        "os._exit(9)\n"
    )
    # stdout to a file: a worker left behind would hold a pipe open
    out = tmp_path / "pids.txt"
    with out.open("w") as sink:
        subprocess.run([sys.executable, "-c", code], stdout=sink, timeout=60, check=False)
    done = out.read_text()
    pids = [int(p) for p in done.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    survivors = [p for p in pids if _alive(p)]
    for pid in survivors:  # not left running after a failure
        os.kill(pid, 9)
    assert not survivors


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return not (state.exists() and state.read_text().split(") ")[-1].startswith("Z"))
