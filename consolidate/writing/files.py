"""Atomic output files: written beside their target, moved over it only when complete.

Every writer goes through :func:`atomic_path`, so a crash leaves the previous output
intact, never a half-written file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from consolidate.support.config import Bilingual
from consolidate.support.errors import OutputError

FILE_MODE = 0o644  # mkstemp makes 0600 files; outputs are shared like any saved file
# The temporaries below are named by mkstemp/mkdtemp: ".<output>.<8 random>.tmp", and
# ".<output>.<8 random>.tmp.old" for a folder moved aside while it is replaced.
TEMPORARY = r"\.(?:{names})\.[a-z0-9_]{{8}}\.tmp(?:\.old)?"


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temporary path beside ``path``, moved over it only when the block succeeds."""
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise _output_error(path, exc) from exc
    tmp = Path(name)
    try:
        yield tmp
        _flush_to_disk(tmp)
        os.chmod(tmp, _mode_of(path))
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _output_error(path, exc) from exc
        raise


@contextmanager
def atomic_folder(path: Path | str) -> Iterator[Path]:
    """A temporary folder beside ``path``, put in its place only when the block succeeds.

    The previous folder is moved aside first and removed after; a folder left empty
    removes the previous one too (the outputs say what this run found, nothing stale).
    """
    path = Path(path)
    try:
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as exc:
        raise _output_error(path, exc) from exc
    try:
        yield tmp
        old = tmp.with_name(f"{tmp.name}.old")
        if path.exists():
            os.replace(path, old)
        if any(tmp.iterdir()):
            os.replace(tmp, path)
        else:
            tmp.rmdir()
        shutil.rmtree(old, ignore_errors=True)  # a file held open elsewhere stays behind
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _output_error(path, exc) from exc
        raise


def remove_temporaries(folder: Path, names: Iterable[str]) -> list[Path]:
    """Remove what a killed run left of its outputs in ``folder``: the temporaries
    :func:`atomic_path` and :func:`atomic_folder` name after one of ``names`` (regular
    expressions of the outputs' names), nothing else a person put there.

    The caller makes sure no other run is writing into ``folder`` meanwhile (it holds
    the ledger). A temporary that cannot be removed (held open on Windows) stays.
    """
    pattern = re.compile(TEMPORARY.format(names="|".join(names)))
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return [Path(e.path) for e in entries if pattern.fullmatch(e.name) and _remove(e)]


def _remove(entry: os.DirEntry[str]) -> bool:
    """Remove a temporary file or folder (never what a link points to); True when gone."""
    try:
        kind = entry.stat(follow_symlinks=False).st_mode
    except OSError:
        return False
    if stat.S_ISDIR(kind):  # a folder's swap: its new or its previous contents
        shutil.rmtree(entry.path, ignore_errors=True)
    elif stat.S_ISREG(kind):
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
    else:  # a link or a device: this tool never makes one
        return False
    return not os.path.lexists(entry.path)


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _flush_to_disk(path: Path) -> None:
    # Without fsync a power cut after os.replace can leave an empty file in its place.
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _mode_of(path: Path) -> int:
    """Keep the permissions of the output being replaced, else an ordinary file's."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return FILE_MODE


def _output_error(path: Path, exc: OSError) -> OutputError:
    return OutputError("output-write", path=path, reason=os_reason(exc))


def ensure_folder(folder: Path | str) -> Path:
    """Create ``folder`` (and its parents) for outputs, as ``run --out`` does."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError("output-folder", folder=folder, reason=os_reason(exc)) from exc
    return folder


# The system's own wording is English; a clerk reads why in Chinese.
OS_REASONS = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘为只读",
    errno.EEXIST: "已有同名的文件（不是文件夹）",
    errno.ENOTDIR: "路径中有一部分是文件而不是文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EBUSY: "文件正被其他程序使用",
}


def os_reason(exc: OSError) -> Bilingual:
    """Why an operating-system call failed; in Chinese where the reason is a common one."""
    system = exc.strerror or str(exc)
    return Bilingual(OS_REASONS.get(exc.errno or 0) or system, system)
