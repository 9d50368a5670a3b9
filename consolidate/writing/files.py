"""Atomic output files: written beside their target, moved over it only when complete.

Every writer goes through :func:`atomic_path`, so a crash leaves the previous output
intact, never a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from consolidate.model.errors import OutputError

FILE_MODE = 0o644  # mkstemp makes 0600 files; outputs are shared like any saved file


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
    return OutputError(f"无法写入输出文件 {path}：{exc.strerror or exc}")
