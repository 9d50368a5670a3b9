"""The library API the CLI, the web page and the tests call: check files, run an inbox.

Each function builds the whole picture (files read, which count, findings) as one
:class:`Outcome`; writing outputs is a separate step (:func:`write_outputs`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config, load_config
from .errors import InputError
from .findings import Finding, count_by_severity, sort_findings
from .forms import Form, ReadResult
from .merging import Selection, select_submissions
from .reading import read_file, word_annex

Progress = Callable[[int, int, str], None]


@dataclass
class Outcome:
    """Everything a check or a run found: files, the forms that count, the findings."""

    as_of: dt.date
    config: Config
    results: list[ReadResult]
    selection: Selection
    findings: list[Finding]
    rejected: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    year: int | None = None
    baseline: Any = None  # consolidate.baseline.Baseline when --baseline was given
    changes: list[Any] = field(default_factory=list)  # cross-year changes (rules.baseline)

    @property
    def forms(self) -> list[Form]:
        """The forms that count (not superseded), in path order."""
        return self.selection.forms

    def forms_of(self, annex: int) -> list[Form]:
        return [f for f in self.forms if f.annex == annex]

    @property
    def status(self) -> dict[str, str]:
        return self.selection.status

    @property
    def exit_code(self) -> int:
        """0 with no error-severity finding, else 1 (CLI.md)."""
        return int(any(f.is_error for f in self.findings))

    def summary(self) -> dict[str, int]:
        counts = count_by_severity(self.findings)
        return {"files": len(self.results), "rows": sum(len(f.rows) for f in self.forms), **counts}

    def findings_at(self, file: str, sheet: str, row: int) -> list[Finding]:
        """The findings on one row of a sheet."""
        return self._by_row().get((file, sheet, row), [])

    def _by_row(self) -> dict[tuple[str, str, int], list[Finding]]:
        cache = self.__dict__.get("_row_index")
        if cache is None:
            cache = {}
            for finding in self.findings:
                if finding.row is not None:
                    key = (finding.file or "", finding.sheet or "", finding.row)
                    cache.setdefault(key, []).append(finding)
            self.__dict__["_row_index"] = cache
        return cache

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        """The findings JSON of CLI.md."""
        return {
            "tool": "consolidate",
            "schema": 1,
            "as_of": self.as_of.isoformat(),
            "files": [self._file_entry(r) for r in self.results],
            "findings": [f.to_dict(lang) for f in self.findings],
            "summary": self.summary(),
        }

    def _file_entry(self, result: ReadResult) -> dict[str, Any]:
        return {
            "file": result.source.display,
            "sha256": result.source.sha256,
            "status": self.status.get(result.source.display, "unreadable"),
            "sheets": [
                {"sheet": f.sheet, "annex": f.annex, "district": f.district, "rows": len(f.rows)}
                for f in result.forms
            ],
        }


def check(
    paths: Sequence[Path | str],
    *,
    as_of: dt.date | None = None,
    config: Config | None = None,
    displays: Sequence[str] | None = None,
) -> Outcome:
    """Check a district's own files: file, row and cross-annex rules (no roll-up).

    A folder stands for every workbook below it (a clerk may give the folder she sends).
    """
    config = config or load_config()
    as_of = as_of or dt.date.today()
    results = []
    ignored: list[str] = []
    for i, path in enumerate(paths):
        path = Path(path)
        display = displays[i] if displays else str(path)
        if path.is_dir():
            found, skipped = discover(path, config=config)
            results += [read_file(p, f"{display.rstrip('/')}/{d}", config) for p, d in found]
            ignored += skipped
        elif path.is_file():
            results.append(read_file(path, display, config))
        else:
            raise InputError(f"找不到文件：{path}")
    return evaluate(results, config=config, as_of=as_of, ignored=ignored)


def evaluate(
    results: list[ReadResult],
    *,
    config: Config,
    as_of: dt.date,
    year: int | None = None,
    baseline: Any = None,
    ignored: Iterable[str] = (),
) -> Outcome:
    """Select the submissions that count and run every rule over them."""
    from .rules import run_rules  # pandera is heavy: imported only when rules run

    selection = select_submissions(results, config)
    ruled = run_rules(selection.forms, config, as_of=as_of, year=year, baseline=baseline)
    findings = [f for r in results for f in r.findings if _is_open(f, selection)]
    findings += selection.findings + ruled.findings
    return Outcome(
        as_of=as_of,
        config=config,
        results=results,
        selection=selection,
        findings=sort_findings(findings),
        rejected=ruled.rejected,
        ignored=list(ignored),
        year=year,
        baseline=baseline,
        changes=ruled.changes,
    )


def _is_open(finding: Finding, selection: Selection) -> bool:
    """A superseded file's own problems are not open problems (decision 5)."""
    return (finding.file, finding.sheet) not in selection.superseded_by and selection.status.get(
        finding.file or ""
    ) != "superseded"


def discover(
    inbox: Path, skip: Iterable[Path] = (), config: Config | None = None
) -> tuple[list[tuple[Path, str]], list[str]]:
    """Every workbook below ``inbox`` (any depth) and the files ignored, in path order.

    Hidden files and folders, Office lock files (``~$…``), folders starting with ``_``
    (archives, the baseline), links leading out of the inbox and files that are not
    spreadsheets (cover letters, scans) are ignored and listed as such.
    """
    config = config or load_config()
    suffixes = tuple(config.settings["inbox"]["spreadsheet_suffixes"])
    word = tuple(config.settings["inbox"]["word_suffixes"])
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
                found.append((path, display))
            elif path.suffix.lower() in word and word_annex(path, config):
                found.append((path, display))  # an annex filled in Word: reported, not passed over
            else:
                ignored.append(display)
    return found, ignored


def printable_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (surrogate escapes) shown as �."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# Below this many files one process is faster than starting workers.
PARALLEL_FROM = 64


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
            results.append(read_file(path, display, config))
    else:
        from concurrent.futures import ProcessPoolExecutor

        jobs = [(path, display, str(config.root)) for path, display in files]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, result in enumerate(pool.map(_read_in_worker, jobs, chunksize=16)):
                if progress:
                    progress(i, len(files), result.source.display)
                results.append(result)
    if progress:
        progress(len(files), len(files), "")
    return results


def _read_in_worker(job: tuple[Path, str, str]) -> ReadResult:
    path, display, root = job
    return read_file(path, display, load_config(root))


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except OSError:
        return False


def consolidate_inbox(
    inbox: Path | str,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    baseline_path: Path | str | None = None,
    config: Config | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """The city office's run: every file of the inbox, the roll-up, the baseline."""
    config = config or load_config()
    as_of = as_of or dt.date.today()
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InputError(f"找不到收件文件夹：{inbox}")
    baseline = None
    if baseline_path is not None:
        from .baseline import read_baseline

        baseline = read_baseline(Path(baseline_path), str(baseline_path), config)
    files, ignored = discover(inbox, [Path(baseline_path)] if baseline_path else [], config)
    results = read_all(files, config, progress)
    return evaluate(
        results,
        config=config,
        as_of=as_of,
        year=year or as_of.year,
        baseline=baseline,
        ignored=ignored,
    )
