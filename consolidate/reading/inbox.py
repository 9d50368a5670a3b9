"""The inbox: which files below a folder are submissions, and reading them all."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from consolidate.model.form import ReadResult, SourceFile
from consolidate.reading import isolation
from consolidate.reading.errors import read_error
from consolidate.reading.mail import MAIL_SUFFIXES, read_mail
from consolidate.reading.workbook import read_file, unreadable_result
from consolidate.support.config import Config, load_config

Progress = Callable[[int, int, str], None]


def discover(
    inbox: Path, skip: Iterable[Path] = (), config: Config | None = None
) -> tuple[list[tuple[Path, str]], list[str]]:
    """Every workbook, Word document and saved e-mail below ``inbox`` (any depth) and the
    files ignored, in path order.

    Hidden files and folders, Office lock files (``~$…``), folders starting with ``_``
    (archives, the baseline), links leading out of the inbox and files that are neither
    spreadsheets nor Word documents (scans, PDFs) are ignored and listed as such. A Word
    document found to hold no annex (a cover letter) is listed as ignored once read.
    """
    config = config or load_config()
    suffixes = config.settings.inbox.spreadsheet_suffixes + config.settings.inbox.word_suffixes
    suffixes += MAIL_SUFFIXES
    root = inbox.resolve()
    skipped = {p.resolve() for p in skip}
    found: list[tuple[Path, str]] = []
    ignored: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            display = printable_name(path.relative_to(root).as_posix())
            if (
                name.startswith((".", "~$"))
                or path.resolve() in skipped
                or path.is_symlink()
                and not _inside(path, root)
            ):
                ignored.append(display)
            elif path.suffix.lower() in suffixes:
                found.append((path, display))  # a Word document without annex: ignored on reading
            else:
                ignored.append(display)
    return found, ignored


def printable_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (surrogate escapes) shown as �."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# None: the platform's default (fork on Linux, spawn on Windows). The workers get only
# paths and strings and a module-level function, so spawn works too (tests run it).
START_METHOD: str | None = None
# False: every file is read in this process (tests that replace a reading function here).
ISOLATED = True


def read_path(path: Path, display: str, config: Config) -> list[ReadResult]:
    """One file of the inbox: a workbook or Word document, or each submission an e-mail holds."""
    if path.suffix.lower() in MAIL_SUFFIXES:
        return read_mail(path, display, config)
    return [read_file(path, display, config)]


def read_all(
    files: list[tuple[Path, str]],
    config: Config,
    progress: Progress | None = None,
    while_waiting: Callable[[], None] | None = None,
) -> list[ReadResult]:
    """Read every file, in path order, each in a worker process (several at once);
    ``while_waiting()`` runs in this process meanwhile (importing what comes next).

    A file whose reading kills its worker (calamine aborting on a failed allocation),
    runs out of time or cannot be sent back is that file's ``file-unreadable`` finding
    (读取时出错); the worker is replaced and the other files are read as usual.
    """
    if isolation.INSIDE or not ISOLATED or not files:
        return _read_here(files, config, progress)
    jobs = [(_read_in_worker, (path, display, str(config.root))) for path, display in files]
    finished = 0

    def done(index: int, _result: object) -> None:
        nonlocal finished
        if progress:
            progress(finished, len(files), files[index][1])
        finished += 1

    pool = isolation.shared_pool(min(os.cpu_count() or 1, 4), reader_limits(config), START_METHOD)
    results: list[ReadResult] = []
    for i, read in enumerate(pool.map(jobs, done, while_waiting)):
        results += (
            [_failed(read, *files[i], config)] if isinstance(read, isolation.Failed) else read
        )
    if progress:
        progress(len(files), len(files), "")
    return results


def size_of(files: list[tuple[Path, str]]) -> int:
    """The bytes of the files to read (one that cannot be seen counts nothing)."""
    total = 0
    for path, _ in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


def _read_here(
    files: list[tuple[Path, str]], config: Config, progress: Progress | None
) -> list[ReadResult]:
    results: list[ReadResult] = []
    for i, (path, display) in enumerate(files):
        if progress:
            progress(i, len(files), display)
        results += read_path(path, display, config)
    if progress:
        progress(len(files), len(files), "")
    return results


def reader_limits(config: Config) -> isolation.Limits:
    """What a reading worker may use (``[limits]`` of settings.toml)."""
    limits = config.limits
    memory = limits.reader_memory_mb * 1_000_000
    return isolation.Limits(
        limits.read_seconds, memory, recycle_jobs=200, recycle_bytes=memory // 3
    )


def _failed(failure: isolation.Failed, path: Path, display: str, config: Config) -> ReadResult:
    why = read_error(*failure.words())
    return unreadable_result(SourceFile(display, path, "", 0, 0.0), config, why)


def _read_in_worker(path: Path, display: str, root: str) -> list[ReadResult]:
    return read_path(path, display, load_config(root))


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except OSError:
        return False
