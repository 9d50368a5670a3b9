"""Work done in separate processes, one job at a time each: what goes wrong there stays there.

A hostile or broken file can do what no ``except`` catches: make calamine abort the
process on a failed allocation, panic (pyo3's ``PanicException`` is a ``BaseException``),
run for ever, or return something that cannot be pickled. Each job therefore runs in a
worker process that

- has an address-space cap (``RLIMIT_AS`` on POSIX; Windows has no such limit for a
  process of its own, README says what holds there), so a runaway allocation fails in
  the worker instead of taking the machine;
- is killed when its job takes longer than the time limit;
- is replaced when it dies, and retired after some jobs or once its memory has grown
  (so that no process keeps the high-water mark of its worst file);
- writes nothing to the terminal (a Rust panic prints to stderr).

A job that ends without a result comes back as :class:`Failed`: the caller turns it into
that one file's finding and goes on. The jobs are module-level functions and their
arguments plain data, so workers also start under spawn (Windows); the platform's
default start method is used otherwise.
"""

from __future__ import annotations

import atexit
import gc
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from multiprocessing import get_context, parent_process
from multiprocessing.connection import Connection, wait
from typing import Any

from consolidate.support.collector import collector_paused
from consolidate.support.wording import both, label

Job = tuple[Callable[..., Any], tuple[Any, ...]]

# Set in a worker process: what it calls runs right there (workers start no workers).
INSIDE = False


@dataclass(frozen=True, slots=True)
class Failed:
    """A job that ended without a result."""

    kind: str  # "died", "timeout" or "error" (an exception, or a result that cannot be sent)
    detail: str  # the exit code, the seconds, or the exception's type

    def words(self) -> tuple[str, str]:
        """Why, in Chinese and English, for a finding."""
        if self.kind == "timeout":
            return both("unreadable", "worker-time", seconds=self.detail)
        if self.kind == "died":
            zh, en = both("unreadable", "worker-died")
            return zh, f"{en} ({self.detail})"
        # The exception's name helps the office (English), not the district (Chinese).
        return label("unreadable", "program-failed"), self.detail


@dataclass(frozen=True, slots=True)
class Limits:
    """What each worker may use."""

    seconds: float  # per job
    memory_bytes: int | None  # address space of the worker process; None: no cap
    recycle_jobs: int = 50  # jobs before a worker is replaced
    recycle_bytes: int | None = None  # peak resident memory after which it is replaced


class Worker:
    """One worker process and the pipe to it; one job at a time."""

    def __init__(self, limits: Limits, start_method: str | None) -> None:
        context = get_context(start_method)
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, limits.memory_bytes), daemon=True, name="consolidate-worker"
        )
        self.process.start()
        child.close()
        self.jobs = 0
        self.peak = 0  # the worker's peak resident memory, in bytes, as it last reported
        self.limits = limits

    def send(self, job: Job) -> None:
        self.jobs += 1
        self.conn.send(job)

    def receive(self) -> Any:
        """The result of the job sent (the worker has answered or died)."""
        try:
            with collector_paused():  # unpickling makes a million objects, no garbage
                status, value, peak = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            return Failed("died", f"exit code {self.process.exitcode}")
        self.peak = peak
        return value if status == "ok" else Failed("error", value)

    def worn(self) -> bool:
        limits = self.limits
        return self.jobs >= limits.recycle_jobs or bool(
            limits.recycle_bytes and self.peak > limits.recycle_bytes
        )

    def stop(self) -> None:
        """End the process now (a job past its time, or the pool closing)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def call(self, job: Job, seconds: float) -> Any:
        """Run one job and wait for it at most ``seconds``."""
        self.send(job)
        ready = wait([self.conn, self.process.sentinel], seconds)
        if not ready:
            self.stop()
            return Failed("timeout", f"{seconds:g}")
        return self.receive()


def _serve(conn: Connection, memory_bytes: int | None) -> None:
    """A worker's loop: run each job received, answer (status, value, peak memory)."""
    global INSIDE
    INSIDE = True
    gc.enable()  # forked while another thread of the parent had paused the collector
    _quiet()
    cap_memory(memory_bytes)
    # A forked worker holds copies of its siblings' pipe ends, so a parent that dies
    # does not close them: the worker watches the parent itself instead.
    parent = parent_process()
    while True:
        try:
            ready = wait([conn, parent.sentinel] if parent else [conn])
            if conn not in ready:
                return
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        function, args = job
        try:
            answer = ("ok", function(*args))
        except BaseException as exc:  # noqa: BLE001 - a panic too; the caller gets Failed
            answer = ("error", type(exc).__name__)
        try:
            conn.send((*answer, peak_memory()))
        except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
            conn.send(("error", type(exc).__name__, peak_memory()))


def _quiet() -> None:
    """Nothing from a worker reaches the terminal: Rust prints its panics to stderr."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass


def cap_memory(memory_bytes: int | None) -> None:
    """Cap what this process may allocate from now on (POSIX); a no-op where there is no
    such limit. The cap is on the address space *beyond* what the process already maps:
    a worker forked from a parent that has grown (a long run, a server) inherits its
    mappings, and a cap below them would fail its every allocation."""
    if not memory_bytes:
        return
    try:
        import resource
    except ImportError:  # Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = address_space() + memory_bytes
    cap = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def address_space() -> int:
    """The bytes this process maps now (Linux: /proc/self/statm); 0 where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def peak_memory() -> int:
    """This process's peak resident memory in bytes (0 where it cannot be told)."""
    try:
        import resource
    except ImportError:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if os.uname().sysname == "Darwin" else peak * 1024


class Pool:
    """Worker processes for a batch of jobs or for jobs arriving from several threads."""

    def __init__(self, size: int, limits: Limits, start_method: str | None = None) -> None:
        self.size, self.limits, self.start_method = max(1, size), limits, start_method
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        self._free = threading.Semaphore(self.size)
        self._closed = False

    # ------------------------------------------------ one job (from any thread)
    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(*args)`` in a worker; waits for one to be free."""
        with self._free:
            worker = self._take()
            result = worker.call((function, args), self.limits.seconds)
            self._give_back(worker, result)
        return result

    def _take(self) -> Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return Worker(self.limits, self.start_method)

    def _give_back(self, worker: Worker, result: Any) -> None:
        if isinstance(result, Failed) and result.kind != "error" or worker.worn():
            worker.stop()
            return
        with self._lock:
            if self._closed:
                worker.stop()
            else:
                self._idle.append(worker)

    # ------------------------------------------------ a batch (from one thread)
    def map(
        self,
        jobs: Sequence[Job],
        done: Callable[[int, Any], None] | None = None,
        while_waiting: Callable[[], None] | None = None,
    ) -> list[Any]:
        """Every job's result (or :class:`Failed`), in order; ``done(i, result)`` as each
        finishes. Runs up to ``size`` jobs at once.

        ``while_waiting()`` runs here once every job is under way (work for this process
        while the workers read). Not before: a worker forked after it would carry what it
        imported into its memory cap; and not in a thread: forking while another thread
        imports can deadlock."""
        results: list[Any] = [None] * len(jobs)
        queue = list(range(len(jobs)))[::-1]
        busy: dict[Worker, tuple[int, float]] = {}
        while queue or busy:
            while queue and len(busy) < self.size:
                index = queue.pop()
                worker = self._take()
                worker.send(jobs[index])
                busy[worker] = (index, time.monotonic() + self.limits.seconds)
            if while_waiting and not queue:
                while_waiting()
                while_waiting = None
            soonest = min(deadline for _, deadline in busy.values())
            ready = set(
                wait(
                    [w.conn for w in busy] + [w.process.sentinel for w in busy],
                    max(0.0, soonest - time.monotonic()),
                )
            )
            for worker, (index, deadline) in list(busy.items()):
                if worker.conn in ready or worker.process.sentinel in ready:
                    result = worker.receive()
                elif time.monotonic() >= deadline:
                    worker.stop()
                    result = Failed("timeout", f"{self.limits.seconds:g}")
                else:
                    continue
                del busy[worker]
                self._give_back(worker, result)
                results[index] = result
                if done:
                    done(index, result)
        return results

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


_pools: dict[tuple, Pool] = {}
_pools_lock = threading.Lock()


def shared_pool(size: int, limits: Limits, start_method: str | None = None) -> Pool:
    """One pool per size, limits and start method for the whole process, made on first
    use and closed at exit (a CLI command or the test suite reads through it many
    times; starting workers each time would cost more than the reading)."""
    key = (size, limits, start_method)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = Pool(size, limits, start_method)
        return _pools[key]


@atexit.register
def _close_pools() -> None:
    for pool in list(_pools.values()):
        pool.close()


def run_here(jobs: Iterable[Job]) -> list[Any]:
    """The jobs run in this process (inside a worker already, or isolation turned off)."""
    return [function(*args) for function, args in jobs]
