"""What keeps the self-check page answering under load: bounded checks, guarded connections.

Each check runs in a recycled worker process behind a bounded queue, and waitress is
guarded against slow and greedy clients.

A check runs in a worker process with an address-space cap (POSIX ``RLIMIT_AS``) and a
time limit (:mod:`consolidate.reading.isolation`); a worker whose memory has grown is
replaced, so the server's own memory never keeps the high-water mark of one bad upload.
At most ``check_workers`` checks run at once and ``check_queue`` more wait; any further
upload is answered at once with "稍后再试" (503) instead of holding a thread, so the main
page always has threads left to answer.

waitress has no per-client limit: a new connection from an address that already holds
``connections_per_client`` of them, or beyond ``connection_limit`` in all, is answered
the same "稍后再试" page (503) by :class:`_Refusal`, from waitress's own loop: it never
reaches the app nor holds a thread, and reads (and drops) at most what an upload may
send, so that the client has sent its request and reads the page instead of a reset.
Beyond ``refused_connections`` such answers at once, new connections wait in the
system's queue until one closes (waitress stops accepting); one address beyond
``refused_per_client`` of them is closed at once (a flood, not a district).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from consolidate.reading.isolation import Failed, Limits, shared_pool
from consolidate.support.config import Server

log = logging.getLogger(__name__)


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


# A refused connection's request: its head is read up to this size, and it is answered
# this long after its last byte when its length is not known (a half-sent request);
# once answered, it is closed this long after the client's last byte.
HEAD_MAX = 65_536
IDLE_SECONDS = 2.0
LINGER_SECONDS = 2.0
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d{1,12})[ \t]*\r\n", re.IGNORECASE)
_CONTINUE = re.compile(rb"\r\nexpect:[ \t]*100-continue", re.IGNORECASE)


def guarded_channel(server: Server, busy: bytes, body_limit: int) -> Callable[..., Any]:
    """waitress's channel factory: an HTTPChannel, or a :class:`_Refusal` answering
    ``busy`` when the connection is beyond ``connection_limit`` in all or beyond
    ``connections_per_client`` from its address.

    One address is answered busy on at most ``refused_per_client`` connections at once;
    beyond those (a flood, not districts behind one address) a connection is closed at
    once, so that one client cannot take every refusal and make the others wait.
    """
    from waitress import wasyncore
    from waitress.channel import HTTPChannel

    refusal = type("Refusal", (_Refusal, wasyncore.dispatcher), {})
    refused: Counter[str] = Counter()  # open refusals per address (waitress's loop only)

    def channel(waitress: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> Any:  # noqa: A002
        channels = list(waitress.active_channels.values())
        client = client_address(addr)
        held = sum(1 for c in channels if client_address(getattr(c, "addr", None)) == client)
        if len(channels) < server.connection_limit and held < server.connections_per_client:
            return HTTPChannel(waitress, sock, addr, adj, map)
        if refused[client] >= server.refused_per_client:
            log.info("connection closed: too many from one address")
            sock.close()
            return None
        over = "address" if len(channels) < server.connection_limit else "total"
        log.info("connection answered busy: over the %s limit", over)

        def closed() -> None:
            refused[client] -= 1
            if not refused[client]:
                del refused[client]

        made = refusal(sock, map, busy, body_limit + HEAD_MAX, server.channel_timeout, closed)
        refused[client] += 1
        return made

    return channel


class _Refusal:
    """A connection beyond a cap, answered with the busy page (503, ``Connection: close``).

    Runs in waitress's loop (a wasyncore dispatcher: non-blocking, no thread). The
    request is read and dropped; the page goes out once the request is complete (its
    ``Content-Length``), when the client falls silent, or at a bound. Then the sending
    side is shut and what still arrives is read until the client closes or falls silent:
    a socket closed with unread data sends a reset, and a client still sending would
    never read the page. Bounded: ``limit`` bytes read, ``seconds`` in all.
    """

    socket: socket.socket | None

    def __init__(
        self, sock: Any, map: Any, busy: bytes, limit: int, seconds: float,  # noqa: A002
        closed: Callable[[], None],
    ) -> None:  # fmt: skip
        super().__init__(sock, map)  # type: ignore[call-arg]  # wasyncore.dispatcher
        self.closed = closed
        now = time.monotonic()
        self.deadline, self.last = now + seconds, now
        self.busy, self.limit = busy, limit
        self.head = b""
        self.expected: int | None = None  # the request's length, once its head is read
        self.received = 0
        self.pending: bytes | None = None  # None: not answered yet; b"": all sent
        self.ended = False  # the client sent its last byte (end of file)
        self.done = False  # to be closed at the next write event

    # ---------------------------------------------------------------- the loop asks
    def readable(self) -> bool:
        # Called on every turn of the loop (at least once a second): the clock is read
        # here; closing waits for handle_write (the loop is about to select this socket).
        now = time.monotonic()
        if now >= self.deadline:
            self._answer()
            self.done = True
        elif self.pending is None and now - self.last >= IDLE_SECONDS:
            self._answer()  # a half-sent request, or one whose length was not given
        elif self.pending == b"" and now - self.last >= LINGER_SECONDS:
            self.done = True  # answered, and the client sends nothing more
        return not (self.ended or self.done)

    def writable(self) -> bool:
        return bool(self.pending) or self.done

    def handle_read(self) -> None:
        try:
            data = self.socket.recv(65_536) if self.socket else b""
        except BlockingIOError:
            return
        except OSError:
            self._close()
            return
        if not data:  # the client has sent all it will
            self.ended = True
            if self.pending == b"":  # and had the page: nothing left to do
                self._close()
            else:
                self._answer()
            return
        self.last = time.monotonic()
        self.received += len(data)
        if self.pending is None:
            self._read_head(data)
        if self.received > self.limit:
            self._answer()
            self.done = True  # over the bound: a reset now is the bound's price
        elif self.expected is not None and self.received >= self.expected:
            self._answer()

    def handle_write(self) -> None:
        if self.done:
            self._close()
            return
        try:
            sent = self.socket.send(self.pending or b"") if self.socket else 0
        except BlockingIOError:
            return
        except OSError:
            self._close()
            return
        self.pending = (self.pending or b"")[sent:]
        if self.pending:
            return
        if self.ended:
            self._close()
            return
        try:  # the page is out: say so, and read on what the client still sends
            self.socket.shutdown(socket.SHUT_WR)  # type: ignore[union-attr]
        except OSError:
            self._close()

    def handle_close(self) -> None:
        self._close()

    def handle_error(self) -> None:
        log.warning("busy answer failed", exc_info=True)
        self._close()

    def handle_expt(self) -> None:
        self._close()

    # ---------------------------------------------------------------- the refusal
    def _read_head(self, data: bytes) -> None:
        if self.expected is not None:
            return
        self.head = (self.head + data)[:HEAD_MAX]
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            if len(self.head) >= HEAD_MAX:
                self._answer()  # no HTTP head: answered, the rest drained
            return
        head = self.head[: end + 2]
        length = _LENGTH.search(head)
        self.expected = end + 4 + (int(length[1]) if length else 0)
        self.head = b""
        if _CONTINUE.search(head):
            self._answer()  # the client waits for a word before it sends its body

    def _answer(self) -> None:
        if self.pending is None:
            self.pending = self.busy

    def _close(self) -> None:
        if self.socket is None:  # closed already
            return
        if self.pending:
            with contextlib.suppress(OSError):  # what the socket takes at once, if anything
                self.socket.send(self.pending)
        self.pending = b""
        self.close()  # type: ignore[attr-defined]
        self.closed()


def waitress_server(
    app: Any, host: str, port: int, server: Server, upload_limit: int, busy: bytes
) -> Any:
    """A waitress server for ``app`` with the page's limits (README: 自查页面的限制);
    ``busy``: the whole HTTP answer (503) to a connection beyond them."""
    import waitress

    body_limit = upload_limit * 5 + 1_000_000
    made = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=server.threads,
        ident="",  # no Server header naming the software
        # A somewhat larger request still reaches the app and gets the page's message;
        # uploads within the limit stay in memory (never in waitress's spill file).
        max_request_body_size=body_limit,
        inbuf_overflow=upload_limit + 1_000_000,
        # waitress stops accepting here; up to connection_limit the page is served, the
        # rest are answered busy (guarded_channel).
        connection_limit=server.connection_limit + server.refused_connections,
        channel_timeout=server.channel_timeout,
        cleanup_interval=server.cleanup_interval,
    )
    made.channel_class = guarded_channel(server, busy, body_limit)
    return made
