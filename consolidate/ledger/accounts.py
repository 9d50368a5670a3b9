"""The page's accounts: who may submit through it (``accounts.sqlite``, README 区局网页报送).

One account per configured district and one for the office (办公室). State kept across
runs like the request ledger, in its own SQLite file (stdlib): the accounts, the open
sessions and the recent failed logins. An append-only audit log beside it
(``<name>-audit.log``, one tab-separated line per event) records logins, password
changes, submissions and downloads — never a password or a file's content.

Passwords are kept only as scrypt hashes (``hashlib.scrypt``: in the standard library,
memory-hard), each with its own random salt and its cost parameters, compared in constant
time. A password the office hands out (``accounts add``/``reset``) is one-time: it must be
changed at the first login. Session tokens are kept only as their SHA-256: the file alone
opens no session. Every method takes the moment it acts at (the page's clock), so that
expiry and the login limit are tested without sleeping.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import secrets
import sqlite3
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from consolidate.support.config import Bilingual
from consolidate.support.errors import LedgerError

OFFICE = "办公室"  # the city office's account: sees every district's arrivals
DISTRICT, OFFICE_ROLE = "district", "office"
APPLICATION_ID = 0x434E5341  # "CNSA": this tool's accounts file
BUSY_SECONDS = 5.0
SCRYPT_R, SCRYPT_P, SALT_BYTES, HASH_BYTES = 8, 1, 16, 32
MAX_PASSWORD_CHARS = 200
# One-time passwords: no 0/O, 1/l/I; 12 characters of 55 (≈ 69 bits), in groups of four.
ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('district', 'office')),
    hash TEXT NOT NULL,                 -- scrypt$n$r$p$salt$hash (base64)
    must_change INTEGER NOT NULL,       -- 1: a one-time password, changed at first login
    disabled INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL, changed TEXT NOT NULL, last_login TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,             -- SHA-256 of the cookie's token
    account TEXT NOT NULL REFERENCES accounts (name),
    csrf TEXT NOT NULL,
    started REAL NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    at REAL NOT NULL, account TEXT NOT NULL, address TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failures_at ON failures (at);
"""


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    role: str
    must_change: bool
    disabled: bool
    created: str
    last_login: str | None

    @property
    def is_office(self) -> bool:
        return self.role == OFFICE_ROLE


@dataclass(frozen=True, slots=True)
class Session:
    account: Account
    csrf: str
    expires: float


@dataclass(frozen=True, slots=True)
class Login:
    """What a login attempt came to: ``ok``, ``wrong``, ``limited`` or ``disabled``."""

    outcome: str
    session: tuple[str, Session] | None = None  # (the cookie's token, the session)


class AccountError(LedgerError):
    """An account command that cannot be done (unknown name, no such account …)."""


# ---------------------------------------------------------------- passwords
def hash_password(password: str, n: int) -> str:
    """scrypt with a new random salt; the parameters are kept with the hash."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, n, SCRYPT_R, SCRYPT_P)
    return "$".join(("scrypt", str(n), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time compare)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        made = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(made, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    return hashlib.scrypt(
        secret, salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * n * r * p + (1 << 20), dklen=HASH_BYTES
    )


def one_time_password() -> str:
    """``k7Qm-3xPa-9TfR``: random, easy to read out and type."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- the store
class Accounts:
    """The accounts file at ``path``; each call opens it briefly (waitress's threads)."""

    def __init__(self, path: Path | str, *, scrypt_n: int = 32_768) -> None:
        self.path = Path(path)
        self.scrypt_n = scrypt_n

    @functools.cached_property
    def _dummy(self) -> str:
        """What a login of an unknown name is compared with: it costs the same scrypt as a
        wrong password, so the time taken does not tell which names exist."""
        return hash_password(secrets.token_urlsafe(12), self.scrypt_n)

    @property
    def audit_path(self) -> Path:
        """``accounts-audit.log`` beside ``accounts.sqlite``."""
        return self.path.with_name(f"{self.path.stem}-audit.log")

    @contextlib.contextmanager
    def _db(self, create: bool = False, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A transaction on the file: a write lock at once (BEGIN IMMEDIATE), or a read
        that takes one only if it writes. Never held across a password's scrypt."""
        if not create and not self.path.is_file():
            raise AccountError("accounts-missing", path=self.path)
        mode = "rwc" if create else "rw"
        try:
            connection = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode={mode}", uri=True,
                timeout=BUSY_SECONDS, isolation_level=None,
            )  # fmt: skip
        except sqlite3.OperationalError as exc:
            raise AccountError("accounts-unopenable", path=self.path, reason=exc) from exc
        try:
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            self._prepare(connection)
            yield connection
            connection.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise AccountError("accounts-unopenable", path=self.path, reason=exc) from exc
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    def _prepare(self, connection: sqlite3.Connection) -> None:
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application == 0 and tables == 0:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
        elif application != APPLICATION_ID:
            raise AccountError(
                "accounts-unopenable", path=self.path,
                reason=Bilingual("不是本工具的账号文件", "not this tool's accounts file"),
            )  # fmt: skip

    # ------------------------------------------------------------ the office's commands
    def add(self, name: str, role: str, now: dt.datetime) -> str:
        """A new account with a one-time password (returned, shown once)."""
        password = one_time_password()
        made = hash_password(password, self.scrypt_n)
        with self._db(create=True) as db:
            if db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise AccountError("account-exists", name=name)
            stamp = now.isoformat(timespec="seconds")
            db.execute(
                "INSERT INTO accounts (name, role, hash, must_change, created, changed)"
                " VALUES (?, ?, ?, 1, ?, ?)",
                (name, role, made, stamp, stamp),
            )
        return password

    def reset(self, name: str, now: dt.datetime) -> str:
        """A new one-time password (the account enabled again); its sessions end."""
        password = one_time_password()
        made = hash_password(password, self.scrypt_n)
        with self._db() as db:
            self._must_exist(db, name)
            db.execute(
                "UPDATE accounts SET hash = ?, must_change = 1, disabled = 0, changed = ?"
                " WHERE name = ?",
                (made, now.isoformat(timespec="seconds"), name),
            )
            db.execute("DELETE FROM sessions WHERE account = ?", (name,))
            db.execute("DELETE FROM failures WHERE account = ?", (name,))
        return password

    def disable(self, name: str, now: dt.datetime) -> None:
        """No more logins (``reset`` enables it again); its sessions end at once."""
        with self._db() as db:
            self._must_exist(db, name)
            db.execute(
                "UPDATE accounts SET disabled = 1, changed = ? WHERE name = ?",
                (now.isoformat(timespec="seconds"), name),
            )
            db.execute("DELETE FROM sessions WHERE account = ?", (name,))

    def list(self) -> list[Account]:
        with self._db(write=False) as db:
            rows = db.execute(f"SELECT {_ACCOUNT} FROM accounts").fetchall()
        return [_account(row) for row in rows]

    def exists(self) -> bool:
        return self.path.is_file()

    @staticmethod
    def _must_exist(db: sqlite3.Connection, name: str) -> None:
        if not db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
            raise AccountError("account-missing", name=name)

    # ------------------------------------------------------------ logins and sessions
    def login(
        self, name: str, password: str, address: str, now: dt.datetime, *,
        failures: int, window: dt.timedelta, hours: float,
    ) -> Login:  # fmt: skip
        """Check a login: limited first (per account and per address), then the password.

        A failure is counted against the name given (known or not) and the address; a
        success clears the account's own failures and opens a new session. The password
        is hashed outside any lock: other requests are not held up meanwhile.
        """
        at, since = now.timestamp(), (now - window).timestamp()
        name, password = name[:64], password[:MAX_PASSWORD_CHARS]
        with self._db(write=False) as db:
            counts = [
                db.execute(
                    f"SELECT count(*) FROM failures WHERE {column} = ? AND at >= ?", (value, since)
                ).fetchone()[0]
                for column, value in (("account", name), ("address", address))
            ]
            found = db.execute(
                f"SELECT {_ACCOUNT}, hash FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        if max(counts) >= failures:
            return Login("limited")
        good = verify_password(password, found[-1] if found else self._dummy)
        with self._db() as db:
            db.execute("DELETE FROM failures WHERE at < ?", (since,))
            if not (found and good):
                db.execute("INSERT INTO failures VALUES (?, ?, ?)", (at, name, address))
                return Login("wrong")
            account = _account(found[:-1])
            if account.disabled:
                return Login("disabled")
            db.execute("DELETE FROM failures WHERE account = ?", (name,))
            db.execute(
                "UPDATE accounts SET last_login = ? WHERE name = ?",
                (now.isoformat(timespec="seconds"), name),
            )
            return Login("ok", self._open(db, account, at, hours))

    def _open(
        self, db: sqlite3.Connection, account: Account, at: float, hours: float
    ) -> tuple[str, Session]:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = at + hours * 3600
        db.execute("DELETE FROM sessions WHERE expires <= ?", (at,))
        db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
            (_token_hash(token), account.name, csrf, at, expires),
        )
        return token, Session(account, csrf, expires)

    def session(self, token: str, now: dt.datetime) -> Session | None:
        """The session of a cookie's token, while it lasts and its account is enabled."""
        if not token or len(token) > 100 or not self.path.is_file():
            return None
        with self._db(write=False) as db:
            row = db.execute(
                f"SELECT {_ACCOUNT}, s.csrf, s.expires FROM sessions s"
                " JOIN accounts a ON a.name = s.account WHERE s.token = ?",
                (_token_hash(token),),
            ).fetchone()
        if row is None or row[-1] <= now.timestamp():
            return None
        account = _account(row[:-2])
        return None if account.disabled else Session(account, row[-2], row[-1])

    def close(self, token: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE token = ?", (_token_hash(token),))

    def change_password(
        self, name: str, old: str, new: str, now: dt.datetime, hours: float
    ) -> tuple[str, Session] | None:
        """Replace the password when ``old`` is right: every session of the account ends
        and a new one opens (returned). None when ``old`` is wrong."""
        with self._db(write=False) as db:
            found = db.execute(
                f"SELECT {_ACCOUNT}, hash FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        if not found or not verify_password(old[:MAX_PASSWORD_CHARS], found[-1]):
            return None
        made = hash_password(new, self.scrypt_n)
        with self._db() as db:
            db.execute(
                "UPDATE accounts SET hash = ?, must_change = 0, changed = ? WHERE name = ?",
                (made, now.isoformat(timespec="seconds"), name),
            )
            db.execute("DELETE FROM sessions WHERE account = ?", (name,))
            account = dataclasses.replace(_account(found[:-1]), must_change=False)
            return self._open(db, account, now.timestamp(), hours)

    # ------------------------------------------------------------ the audit log
    def audit(
        self, now: dt.datetime, account: str, address: str, action: str, detail: str = ""
    ) -> None:
        """One line of the audit log: time, account, address, action, detail (append-only)."""
        fields = [now.isoformat(timespec="seconds"), account, address, action, detail]
        line = "\t".join(_plain(f) for f in fields) + "\n"
        with _AUDIT_LOCK, open(self.audit_path, "a", encoding="utf-8", newline="\n") as log:
            log.write(line)


_AUDIT_LOCK = threading.Lock()
_ACCOUNT = "name, role, must_change, disabled, created, last_login"


def _account(row: tuple) -> Account:
    name, role, must_change, disabled, created, last_login = row
    return Account(name, role, bool(must_change), bool(disabled), created, last_login)


def _plain(text: str) -> str:
    """A field of the audit log: one line, no tab, bounded."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in str(text))
    return text[:300]


def check_new_password(new: str, old: str, name: str, min_chars: int) -> None:
    """Refuse a new password that is too short, too long, or the old one or the name."""
    if len(new) < min_chars:
        raise AccountError("password-short", min=min_chars)
    if len(new) > MAX_PASSWORD_CHARS:
        raise AccountError("password-long", max=MAX_PASSWORD_CHARS)
    if new == old or new.casefold() == name.casefold() or len(set(new)) < 4:
        raise AccountError("password-weak")
