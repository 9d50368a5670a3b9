"""The ledger file: SQLite (stdlib), one transaction per run, a schema version, migrations.

A run opens the ledger with ``BEGIN IMMEDIATE`` and holds that write lock until it
is closed (after its commit, once its outputs are in place) or rolls back: a second run (on this PC or another one on a local disk) waits a
few seconds and then stops with a Chinese message, and a run that fails or is killed
leaves the ledger as it was (SQLite's rollback journal; WAL is not used, since it needs
shared memory that network drives do not give). A file that is not this tool's ledger,
or is damaged, is refused, never replaced by a new one.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from consolidate.model.request import Request
from consolidate.support.config import Bilingual
from consolidate.support.errors import LedgerError

# Marks the file as this tool's ledger (PRAGMA application_id): "CNSL".
APPLICATION_ID = 0x434E534C
SQLITE_MAGIC = b"SQLite format 3\x00"
# How long a run waits for another run to finish with the ledger.
BUSY_SECONDS = 10.0
# Opening may fail for a moment while an antivirus scanner holds the file (Windows).
OPEN_TRIES, OPEN_PAUSE = 3, 0.5

# Each entry takes the schema from its index to the next version (user_version).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE batches (
        name TEXT PRIMARY KEY,              -- 2026-10-09-1
        day TEXT NOT NULL,
        number INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        file TEXT NOT NULL,
        UNIQUE (day, number)
    );
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL, sheet TEXT NOT NULL, row INTEGER NOT NULL,
        file TEXT NOT NULL,
        district TEXT, person TEXT NOT NULL, mobile TEXT NOT NULL,
        adjustment TEXT NOT NULL, original TEXT NOT NULL, current TEXT NOT NULL,
        cells TEXT NOT NULL,                -- JSON: the form's columns as the batch prints them
        received TEXT NOT NULL, received_from TEXT NOT NULL,
        forward_by TEXT NOT NULL, forward_by_exact INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'held', 'forwarded')),
        problems TEXT NOT NULL DEFAULT '[]', -- JSON: [[zh, en], ...]
        superseded_by INTEGER REFERENCES requests (id),
        repeat_of INTEGER REFERENCES requests (id),
        forwarded_on TEXT, batch TEXT REFERENCES batches (name),
        mail TEXT, sender TEXT,
        first_run TEXT NOT NULL, last_run TEXT NOT NULL,
        UNIQUE (sha256, sheet, row)
    );
    CREATE INDEX requests_by_received ON requests (received);
    """,
]
VERSION = len(MIGRATIONS)
COLUMNS = (
    "sha256", "sheet", "row", "file", "district", "person", "mobile", "adjustment",
    "original", "current", "cells", "received", "received_from", "forward_by",
    "forward_by_exact", "status", "problems", "superseded_by", "repeat_of", "forwarded_on", "batch",
    "mail", "sender",
)  # fmt: skip


class Ledger:
    """An open ledger inside its run's transaction; use :func:`open_ledger`."""

    def __init__(self, path: Path, connection: sqlite3.Connection, created: bool) -> None:
        self.path = path
        self.connection = connection
        self.created = created  # no ledger was there: this run makes the first one
        self.done = False

    # ------------------------------------------------------------ reading
    def requests(self) -> list[Request]:
        """Every request recorded, in the order they were recorded."""
        rows = self.connection.execute(
            f"SELECT id, {', '.join(COLUMNS)} FROM requests ORDER BY id"
        ).fetchall()
        return [_request(row) for row in rows]

    def batches_on(self, day: dt.date) -> int:
        """How many batches were forwarded on ``day``."""
        (count,) = self.connection.execute(
            "SELECT count(*) FROM batches WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return count

    def batch_claiming(self, file: str) -> str | None:
        """The batch recorded with this file name (``2026-10-09-1.xlsx``), if any."""
        row = self.connection.execute("SELECT name FROM batches WHERE file = ?", (file,)).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------ writing
    def save(self, requests: Iterable[Request], run: dt.date) -> list[Request]:
        """Insert new requests (``id`` None) and update recorded ones; returns them with ids."""
        saved = []
        for request in requests:
            values = _values(request)
            if request.id is None:
                names = ", ".join(COLUMNS)
                marks = ", ".join("?" * len(COLUMNS))
                cursor = self.connection.execute(
                    f"INSERT INTO requests ({names}, first_run, last_run) VALUES ({marks}, ?, ?)",
                    (*values, run.isoformat(), run.isoformat()),
                )
                request = _with_id(request, cursor.lastrowid)
            else:
                assignments = ", ".join(f"{c} = ?" for c in COLUMNS)
                self.connection.execute(
                    f"UPDATE requests SET {assignments}, last_run = ? WHERE id = ?",
                    (*values, run.isoformat(), request.id),
                )
            saved.append(request)
        return saved

    def add_batch(self, name: str, day: dt.date, number: int, count: int, file: str) -> None:
        self.connection.execute(
            "INSERT INTO batches (name, day, number, requests, file) VALUES (?, ?, ?, ?, ?)",
            (name, day.isoformat(), number, count, file),
        )

    # ------------------------------------------------------------ the transaction
    def commit(self) -> None:
        """Make this run's changes permanent (the one transaction of the run).

        The lock is kept until :meth:`close`: a run commits before it replaces its
        outputs, and the next run (which removes a killed run's temporaries) must not
        start while they are being replaced.
        """
        try:
            self.connection.execute("PRAGMA locking_mode = EXCLUSIVE")
            self.connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise LedgerError("ledger-not-saved", path=self.path, reason=exc) from exc
        self.done = True

    def close(self) -> None:
        """Roll back whatever was not committed, close, and remove a ledger never committed."""
        try:
            if not self.done and self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
        finally:
            self.connection.close()
        if self.created and not self.done:
            self.path.unlink(missing_ok=True)  # a first run that failed leaves no ledger

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- opening
def open_ledger(path: Path | str, *, create: bool = True) -> Ledger:
    """The ledger at ``path`` inside a new write transaction (BEGIN IMMEDIATE).

    A missing file is created when ``create`` (the first run); an existing file must be
    this tool's ledger at a version this program knows, else :class:`LedgerError`.
    """
    path = Path(path)
    created = not path.exists()
    if created and not create:
        raise LedgerError("ledger-missing", path=path)
    if not created:
        _check_header(path)
    connection = _connect(path, created)
    try:
        _begin(connection, path)
        _prepare(connection, path, created)
    except BaseException as exc:
        connection.close()
        # Two first runs at once: the one that lost the lock must not remove the file
        # the other is writing its ledger into.
        if created and not isinstance(exc, LedgerLocked):
            path.unlink(missing_ok=True)
        raise
    return Ledger(path, connection, created)


class LedgerLocked(LedgerError):
    """Another run holds the ledger (its write transaction)."""


def _locked(path: Path) -> LedgerLocked:
    return LedgerLocked("ledger-busy", path=path, seconds=f"{BUSY_SECONDS:.0f}")


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise LedgerError("ledger-unopenable", path=path, reason=exc.strerror or exc) from exc
    if not head and path.with_name(f"{path.name}-journal").exists():
        # A first run is still writing it (SQLite fills the file at its commit): wait
        # for that run's lock as for any ledger in use, never call it damaged.
        return
    if head != SQLITE_MAGIC:
        raise LedgerError(
            "ledger-corrupt",
            path=path,
            reason=Bilingual("不是SQLite数据库文件", "not an SQLite database file"),
        )


def _connect(path: Path, created: bool) -> sqlite3.Connection:
    # mode=rw never creates a file: an existing ledger is opened or refused, not replaced.
    uri = f"{path.resolve().as_uri()}?mode={'rwc' if created else 'rw'}"
    for attempt in range(OPEN_TRIES):
        try:
            # isolation_level None: the transaction is ours (BEGIN IMMEDIATE … COMMIT).
            return sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, isolation_level=None)
        except sqlite3.OperationalError as exc:
            if attempt + 1 == OPEN_TRIES:
                raise LedgerError("ledger-unopenable", path=path, reason=exc) from exc
            time.sleep(OPEN_PAUSE)
    raise AssertionError("unreachable")


def _begin(connection: sqlite3.Connection, path: Path) -> None:
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise _locked(path) from exc
        raise LedgerError("ledger-corrupt", path=path, reason=exc) from exc
    except sqlite3.DatabaseError as exc:
        raise LedgerError("ledger-corrupt", path=path, reason=exc) from exc


def _prepare(connection: sqlite3.Connection, path: Path, created: bool) -> None:
    """Create the schema in a new ledger; check and migrate an existing one."""
    try:
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        # A first run killed before its commit leaves an empty database (its journal
        # rolled back): nothing was recorded, so it is begun as a new ledger.
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if created or (application == version == tables == 0):
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        elif application != APPLICATION_ID:
            raise LedgerError("ledger-foreign", path=path)
        elif version > VERSION:
            raise LedgerError("ledger-newer", path=path, version=version)
        else:
            check = connection.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise LedgerError("ledger-corrupt", path=path, reason=check)
        for number in range(version, VERSION):
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number + 1}")
    except sqlite3.DatabaseError as exc:
        raise LedgerError("ledger-corrupt", path=path, reason=exc) from exc


# ---------------------------------------------------------------- rows <-> requests
def _values(request: Request) -> tuple[Any, ...]:
    return (
        request.sha256, request.sheet, request.row, request.file, request.district,
        request.person, request.mobile, request.adjustment, request.original, request.current,
        json.dumps(request.cells, ensure_ascii=False), request.received.isoformat(),
        request.received_from, request.forward_by.isoformat(), int(request.forward_by_exact),
        request.status, json.dumps([list(p) for p in request.problems], ensure_ascii=False),
        request.superseded_by, request.repeat_of,
        request.forwarded_on.isoformat() if request.forwarded_on else None,
        request.batch, request.mail, request.sender,
    )  # fmt: skip


def _request(row: tuple[Any, ...]) -> Request:
    values = dict(zip(("id", *COLUMNS), row, strict=True))
    return Request(
        id=values["id"], sha256=values["sha256"], sheet=values["sheet"], row=values["row"],
        file=values["file"], district=values["district"], person=values["person"],
        mobile=values["mobile"], adjustment=values["adjustment"], original=values["original"],
        current=values["current"], cells=json.loads(values["cells"]),
        received=dt.date.fromisoformat(values["received"]),
        received_from=values["received_from"],
        forward_by=dt.date.fromisoformat(values["forward_by"]),
        forward_by_exact=bool(values["forward_by_exact"]), status=values["status"],
        problems=tuple(tuple(p) for p in json.loads(values["problems"])),
        superseded_by=values["superseded_by"], repeat_of=values["repeat_of"],
        forwarded_on=dt.date.fromisoformat(values["forwarded_on"]) if values["forwarded_on"] else None,
        batch=values["batch"], mail=values["mail"], sender=values["sender"],
    )  # fmt: skip


def _with_id(request: Request, number: int | None) -> Request:
    from dataclasses import replace

    return replace(request, id=number)
