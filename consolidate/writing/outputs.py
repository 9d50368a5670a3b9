"""Write every output of a run: all new files, or none replaced."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from consolidate.model.errors import OutputError
from consolidate.model.outcome import Outcome
from consolidate.writing.files import atomic_path, ensure_folder
from consolidate.writing.tables import findings_csv, findings_json, json_bytes, manifest

OUTPUT_FILES = (
    "register.xlsx", "adjustments.xlsx", "report.html",
    "findings.json", "findings.csv", "manifest.json",
)  # fmt: skip


# ---------------------------------------------------------------- all outputs of a run
def write_outputs(
    outcome: Outcome,
    out_dir: Path | str,
    *,
    lang: str = "zh",
    show_phones: bool = False,
    received: dt.date | None = None,
) -> dict[str, Path]:
    """Write every output of CLI.md into ``out_dir``: all new files, or none replaced."""
    from consolidate.writing.adjustments import write_adjustments
    from consolidate.writing.register import write_register

    out_dir = ensure_folder(out_dir)
    writers: dict[str, Callable[[Path], None]] = {
        "register.xlsx": lambda p: write_register(outcome, p, lang=lang),
        "adjustments.xlsx": lambda p: write_adjustments(outcome, p, received=received, lang=lang),
        "report.html": lambda p: p.write_bytes(_report_bytes(outcome, lang, show_phones)),
        "findings.json": lambda p: p.write_bytes(findings_json(outcome, lang)),
        "findings.csv": lambda p: p.write_bytes(findings_csv(outcome, lang)),
        "manifest.json": lambda p: p.write_bytes(json_bytes(manifest(outcome))),
    }
    # Every file goes to a temporary name first; they replace the previous outputs
    # together at the end, so a failure midway leaves the previous set untouched.
    parallel = _can_fork() and outcome.summary()["rows"] >= PARALLEL_WRITE_ROWS
    with ExitStack() as stack:
        children = []
        for name, write in writers.items():
            path = stack.enter_context(atomic_path(out_dir / name))
            if parallel and name.endswith(".xlsx"):
                children.append((name, _start_child(write, path)))  # openpyxl is the slow part
            else:
                write(path)
        for name, child in children:
            child.join()
            if child.exitcode != 0:
                raise OutputError(f"写出 {name} 失败（子进程退出码 {child.exitcode}）")
    return {name: out_dir / name for name in writers}


# Above this many rows the two workbooks are written in forked processes, beside the rest.
PARALLEL_WRITE_ROWS = 5_000


def _can_fork() -> bool:
    # fork shares the outcome without pickling it; other platforms write one by one.
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1


def _start_child(write: Callable[[Path], None], path: Path) -> Any:
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=_child_main, args=(write, path))
    child.start()
    return child


def _child_main(write: Callable[[Path], None], path: Path) -> None:
    """Write one output; a failure is an exit code for the parent, never a traceback."""
    try:
        write(path)
    except BaseException:  # noqa: BLE001 - the parent reports it as an OutputError
        os._exit(1)


def _report_bytes(outcome: Outcome, lang: str, show_phones: bool) -> bytes:
    from consolidate.writing.report import render_report  # written separately; imports jinja2

    html = render_report(outcome, lang=lang, show_phones=show_phones)
    return html if isinstance(html, bytes) else html.encode("utf-8")
