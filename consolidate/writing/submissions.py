"""Saving a district's page submission into the inbox (README 区局网页报送).

The files go to ``INBOX/<区>/网页报送/<date-time>-<name>``, the stamped scan beside the
annex under the annex's base name (``…-黄浦区附件2（盖章）.pdf``: the folder rule of
stamped-copy-missing recognises it), and the receipt ``回执-<回执编号>.json`` last.

Each file is written whole into a hidden folder inside ``网页报送`` (the inbox's discovery
never enters hidden folders), flushed to disk and given the saving moment as its time,
then moved into place by a rename (atomic on one file system). The receipt is moved last:
a receipt means every file of it is there. A failure on the way removes what was moved;
a process killed on the way leaves whole files only (dated by their time, the same moment)
and its hidden folder, removed by a later save.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from consolidate.model.receipt import ANNEX, PAGE_FOLDER, SCAN, Receipt, SubmittedFile
from consolidate.writing.files import FILE_MODE, ensure_folder

TEMP_PREFIX = ".保存中-"
STALE_SECONDS = 3600  # a hidden folder of a save this old was left by a killed process
SCAN_MARK = "（盖章）"
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
# One save at a time in this process: names are chosen against what is there, then taken.
_LOCK = threading.Lock()
_ACTIVE: set[Path] = set()  # the hidden folders of this process's saves under way


@dataclass(frozen=True, slots=True)
class Part:
    """A file to save: the district's name for it, its bytes, annex or scan, its forms."""

    name: str
    data: bytes
    role: str  # ANNEX or SCAN
    annexes: tuple[int, ...] = ()


def receipt_number(moment: dt.datetime) -> str:
    """``20261120-101502-3F9A``: the saving moment, and four random hex digits."""
    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(2).upper()}"


def save_submission(
    inbox: Path,
    district: str,
    account: str,
    moment: dt.datetime,
    parts: Sequence[Part],
    counts: dict[str, int],
) -> Receipt:
    """Save the files and their receipt into ``INBOX/<district>/网页报送/``; the receipt."""
    folder = ensure_folder(inbox / district / PAGE_FOLDER)
    with _LOCK:
        _remove_stale(folder)
        temp = Path(tempfile.mkdtemp(dir=folder, prefix=TEMP_PREFIX))
        _ACTIVE.add(temp)
    number = receipt_number(moment)
    moved: list[Path] = []
    try:
        written = [
            (part, _write(temp / f"{i:02d}", part.data, moment)) for i, part in enumerate(parts)
        ]
        with _LOCK:
            names = _names(folder, [p for p, _ in written], moment)
            files = tuple(
                SubmittedFile(
                    name,
                    part.role,
                    hashlib.sha256(part.data).hexdigest(),
                    len(part.data),
                    part.name,
                    part.annexes,
                )  # fmt: skip
                for (part, _), name in zip(written, names, strict=True)
            )
            receipt = Receipt(
                id=secrets.token_urlsafe(16), number=number, district=district,
                account=account, saved=moment, files=files, **counts,
            )  # fmt: skip
            sidecar = _write(temp / "receipt", receipt.to_json(), moment)
            for (_, path), name in zip(written, names, strict=True):
                moved.append(_move(path, folder / name))
            moved.append(_move(sidecar, folder / receipt.name))
    except BaseException:
        for path in moved:  # a receipt is never left without its files, nor files half-saved
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
        with _LOCK:
            _ACTIVE.discard(temp)
    return receipt


def _write(path: Path, data: bytes, moment: dt.datetime) -> Path:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, FILE_MODE)
    stamp = moment.timestamp()
    os.utime(path, (stamp, stamp))  # the file's time is the received moment too
    return path


def _move(path: Path, target: Path) -> Path:
    if target.exists():  # chosen under the lock: only another program could have made it
        raise FileExistsError(target)
    os.replace(path, target)
    return target


def _names(folder: Path, parts: Sequence[Part], moment: dt.datetime) -> list[str]:
    """Each file's name in the folder: ``<date-time>-<name>``; a scan of a one-annex
    submission takes the annex's base name (``…（盖章）.pdf``); never a name already there."""
    stamp = f"{moment:%Y%m%d-%H%M%S}"
    taken = {p.name for p in folder.iterdir()}
    annexes = [p for p in parts if p.role == ANNEX]
    chosen: dict[int, str] = {}
    for i, part in enumerate(parts):
        if part.role == ANNEX:
            chosen[i] = _free(f"{stamp}-{safe_name(part.name)}", taken)
    base = PurePosixPath(next(iter(chosen.values()))).stem if len(annexes) == 1 else None
    scans = 0
    for i, part in enumerate(parts):
        if part.role == SCAN:
            scans += 1
            suffix = PurePosixPath(part.name).suffix.lower()
            mark = SCAN_MARK if scans == 1 else f"（盖章{scans}）"
            wanted = f"{base}{mark}{suffix}" if base else f"{stamp}-{safe_name(part.name)}"
            chosen[i] = _free(wanted, taken)
    return [chosen[i] for i in range(len(parts))]


def _free(name: str, taken: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}（{n}）.{suffix}" if dot else f"{name}（{n}）"
    taken.add(candidate)
    return candidate


def safe_name(name: str) -> str:
    """A file name that every file system takes: no separators or reserved characters."""
    name = _UNSAFE.sub("_", name).strip(" .")
    return name or "未命名文件"


def _remove_stale(folder: Path) -> None:
    """Hidden folders of saves killed on the way (never a file anyone can see): an hour
    old, and not one of this process's saves under way (the caller holds the lock)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if Path(entry.path) in _ACTIVE:
                continue
            if entry.name.startswith(TEMP_PREFIX) and entry.is_dir(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
                        shutil.rmtree(entry.path, ignore_errors=True)
