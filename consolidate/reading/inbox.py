"""The inbox: which files below a folder are submissions, and reading them all."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from consolidate.model.config import Config, load_config
from consolidate.model.form import ReadResult
from consolidate.reading.mail import MAIL_SUFFIXES, read_mail
from consolidate.reading.workbook import read_file

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


# Below this many files one process is faster than starting workers.
PARALLEL_FROM = 64
# None: the platform's default (fork on Linux, spawn on Windows). The workers get only
# paths and strings and a module-level function, so spawn works too (tests run it).
START_METHOD: str | None = None


def read_path(path: Path, display: str, config: Config) -> list[ReadResult]:
    """One file of the inbox: a workbook or Word document, or each submission an e-mail holds."""
    if path.suffix.lower() in MAIL_SUFFIXES:
        return read_mail(path, display, config)
    return [read_file(path, display, config)]


def read_all(
    files: list[tuple[Path, str]], config: Config, progress: Progress | None = None
) -> list[ReadResult]:
    """Read every file, in path order; on several cores when the inbox is large."""
    workers = min(os.cpu_count() or 1, 4)
    results: list[ReadResult] = []
    if len(files) < PARALLEL_FROM or workers < 2:
        for i, (path, display) in enumerate(files):
            if progress:
                progress(i, len(files), display)
            results += read_path(path, display, config)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        jobs = [(path, display, str(config.root)) for path, display in files]
        context = multiprocessing.get_context(START_METHOD)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for i, read in enumerate(pool.map(_read_in_worker, jobs, chunksize=16)):
                if progress:
                    progress(i, len(files), files[i][1])
                results += read
    if progress:
        progress(len(files), len(files), "")
    return results


def _read_in_worker(job: tuple[Path, str, str]) -> list[ReadResult]:
    path, display, root = job
    return read_path(path, display, load_config(root))


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except OSError:
        return False
