"""What keeps the self-check page answering under load: bounded checks, guarded connections.

Each check runs in a recycled worker process behind a bounded queue, and waitress is
guarded against slow and greedy clients.

A check runs in a worker process with an address-space cap (POSIX ``RLIMIT_AS``) and a
time limit (:mod:`consolidate.reading.isolation`); a worker whose memory has grown is
replaced, so the server's own memory never keeps the high-water mark of one bad upload.
At most ``check_workers`` checks run at once and ``check_queue`` more wait; any further
upload is answered at once with "稍后再试" (503) instead of holding a thread, so the main
page always has threads left to answer.

waitress has no per-client limit: :class:`_CappedChannel` closes a new connection from
an address that already holds ``connections_per_client`` of them, so that one client's
half-sent requests cannot take every connection of the page.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

from consolidate.model.config import Server
from consolidate.reading.isolation import Failed, Limits, shared_pool


class Busy(Exception):
    """Every worker is busy and the queue is full: the upload is answered "稍后再试"."""


def start_method() -> str:
    """forkserver where there is one (a worker forked from a threaded server could inherit
    a lock held by another thread), spawn otherwise (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return "spawn"
    # Workers forked from a server that has the checking code imported start at once.
    multiprocessing.get_context("forkserver").set_forkserver_preload(["consolidate.ui.server"])
    return "forkserver"


class Checker:
    """Runs checks in worker processes: ``workers`` at once, ``queue`` more waiting."""

    def __init__(self, server: Server) -> None:
        memory = server.check_memory_mb * 1_000_000
        limits = Limits(
            seconds=server.check_seconds,
            memory_bytes=memory,
            recycle_jobs=server.check_recycle_jobs,
            recycle_bytes=server.check_recycle_mb * 1_000_000,
        )
        # Shared by every app of the process with the same limits (tests make many),
        # closed at exit.
        self.pool = shared_pool(server.check_workers, limits, start_method())
        # Running and waiting checks together; one more is Busy.
        self._slots = threading.BoundedSemaphore(server.check_workers + server.check_queue)
        self._running = threading.BoundedSemaphore(server.check_workers)
        self.seconds = server.check_seconds

    def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a worker: its result, or :class:`Failed`. Raises
        :class:`Busy` at once when the queue is full, and after waiting as long as one
        check may take when no worker came free (an answer within twice that time)."""
        if not self._slots.acquire(blocking=False):
            raise Busy
        try:
            if not self._running.acquire(timeout=self.seconds):
                raise Busy
            try:
                return self.pool.call(function, *args)
            finally:
                self._running.release()
        finally:
            self._slots.release()


def failure_words(failure: Failed) -> tuple[str, str]:
    """Why a check ended without a result, for the clerk (zh, en)."""
    if failure.kind == "timeout":
        return (
            f"检查超过{failure.detail}秒仍未完成，文件可能过大或结构异常",
            f"the check took longer than {failure.detail} s",
        )
    if failure.kind == "died":
        return "检查时所需内存超出上限，文件可能过大或结构异常", "the check ran out of memory"
    return "检查时程序出错", f"the check failed ({failure.detail})"


# ---------------------------------------------------------------- waitress
def client_address(addr: Any) -> str:
    return addr[0] if isinstance(addr, tuple) and addr else str(addr)


def capped_channel(per_client: int) -> type:
    """waitress's HTTPChannel, refusing a connection beyond ``per_client`` from one
    address (closed at once, before any byte is read)."""
    from waitress.channel import HTTPChannel

    class _CappedChannel(HTTPChannel):
        def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:  # noqa: A002
            client = client_address(addr)
            held = sum(
                1
                for channel in list(server.active_channels.values())
                if client_address(getattr(channel, "addr", None)) == client
            )
            super().__init__(server, sock, addr, adj, map)
            if held >= per_client:
                self.handle_close()

    return _CappedChannel


def waitress_server(app: Any, host: str, port: int, server: Server, upload_limit: int) -> Any:
    """A waitress server for ``app`` with the page's limits (README: 自查页面的限制)."""
    import waitress

    made = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=server.threads,
        ident="",  # no Server header naming the software
        # A somewhat larger request still reaches the app and gets the page's message;
        # uploads within the limit stay in memory (never in waitress's spill file).
        max_request_body_size=upload_limit * 5 + 1_000_000,
        inbuf_overflow=upload_limit + 1_000_000,
        connection_limit=server.connection_limit,
        channel_timeout=server.channel_timeout,
        cleanup_interval=server.cleanup_interval,
    )
    made.channel_class = capped_channel(server.connections_per_client)
    return made
