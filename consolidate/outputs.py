"""Write the outputs of a run: atomically, deterministically, inert for spreadsheets.

Every writer goes through :func:`atomic_path`: the file is written next to its target
under a temporary name and moved over it only when complete, so a crash leaves the
previous output intact. Text that reaches a spreadsheet or a CSV file can never run as a
formula (OWASP CSV injection): CSV cells get a leading ``'``, xlsx cells are typed as
strings (:func:`text_cell`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

from .errors import OutputError
from .findings import JSON_FIELDS, Finding

if TYPE_CHECKING:
    from .api import Outcome
    from .forms import ReadResult

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_CHARS = 32_767
FILE_MODE = 0o644  # mkstemp makes 0600 files; outputs are shared like any saved file

FINDING_HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "code": "规则代码", "severity": "严重程度", "file": "文件", "sheet": "工作表",
        "row": "行号", "cell": "单元格", "column": "列名", "value": "填写内容",
        "district": "区", "annex": "附件", "person": "账号使用人", "message": "问题说明",
        "suggestion": "建议值",
    },
    "en": {key: key for key in JSON_FIELDS},
}  # fmt: skip
SEVERITY_LABELS = {
    "zh": {"error": "错误", "warning": "警告", "info": "提示"},
    "en": {"error": "error", "warning": "warning", "info": "info"},
}
OUTPUT_FILES = (
    "register.xlsx", "adjustments.xlsx", "report.html",
    "findings.json", "findings.csv", "manifest.json",
)  # fmt: skip


# ---------------------------------------------------------------- atomic writing
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


# ---------------------------------------------------------------- inert text
def safe_text(value: object) -> str:
    """Text for a CSV cell that a spreadsheet never runs as a formula (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_text(value: object) -> str:
    """Text an xlsx cell can hold: no control characters, within Excel's length limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    return text[:EXCEL_MAX_CHARS]


def text_cell(ws: Any, value: object, **style: Any) -> Cell:
    """A cell typed as a string: openpyxl would store ``=…`` as a formula otherwise."""
    cell = WriteOnlyCell(ws, xlsx_text(value))
    cell.data_type = "s"  # set after the value: assigning a value re-infers the type
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def xlsx_value(ws: Any, value: object) -> object:
    """A value for ``ws.append``: text as an inert string cell, numbers and dates as is."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # Plain strings are cheap to write; only "=…" would become a formula in openpyxl.
        clean = value if value.isprintable() and len(value) <= EXCEL_MAX_CHARS else xlsx_text(value)
        return text_cell(ws, clean) if clean.startswith("=") else clean
    return value


def display_width(text: str) -> int:
    """How many columns ``text`` takes: CJK and full-width characters count as 2."""
    lines = str(text).split("\n") or [""]
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines
    )


def column_widths(rows: list[list[object]], cap: int = 50, sample: int = 500) -> list[float]:
    """A width per column that fits its longest line, within ``cap`` (first rows only)."""
    widths: list[int] = []
    for row in rows[:sample]:
        for i, value in enumerate(row):
            if i >= len(widths):
                widths.append(4)
            if value is not None:
                widths[i] = max(widths[i], display_width(_shown(value)))
    return [min(w + 2, cap) for w in widths]


def _shown(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- findings JSON and CSV
def findings_json(outcome: Outcome, lang: str = "zh") -> bytes:
    """The findings JSON of CLI.md as bytes: identical inputs give identical bytes."""
    return _json_bytes(outcome.to_json(lang))


def write_findings_json(outcome: Outcome, path: Path | str, lang: str = "zh") -> None:
    """``findings.json``."""
    atomic_write_bytes(path, findings_json(outcome, lang))


def finding_row(finding: Finding, lang: str = "zh") -> list[object]:
    """A finding's JSON fields in order, ``None`` kept as ``None``."""
    data = finding.to_dict(lang)
    return [data[key] for key in JSON_FIELDS]


def findings_csv(outcome: Outcome, lang: str = "zh") -> bytes:
    """Every finding as CSV in UTF-8 with a BOM (so Excel detects the encoding)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    headers = FINDING_HEADERS.get(lang, FINDING_HEADERS["zh"])
    writer.writerow([headers[key] for key in JSON_FIELDS])
    for finding in outcome.findings:
        writer.writerow(_csv_cell(value) for value in finding_row(finding, lang))
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)  # row and annex numbers stay numbers
    return safe_text(value)


def write_findings_csv(outcome: Outcome, path: Path | str, lang: str = "zh") -> None:
    """``findings.csv``."""
    atomic_write_bytes(path, findings_csv(outcome, lang))


# ---------------------------------------------------------------- manifest
def manifest(outcome: Outcome) -> dict[str, Any]:
    """Every input file with its hash, size, status and sheets; no paths outside the inbox."""
    files = [_manifest_entry(outcome, result) for result in outcome.results]
    files += [_ignored_entry(name) for name in outcome.ignored]
    statuses = [entry["status"] for entry in files]
    rows = [sheet for entry in files for sheet in entry["sheets"]]
    return {
        "tool": "consolidate",
        "schema": 1,
        "as_of": outcome.as_of.isoformat(),
        "year": outcome.year,
        "files": files,
        "summary": {
            "files": len(files),
            **{
                status: statuses.count(status)
                for status in ("used", "superseded", "unreadable", "ignored")
            },
            "rows": sum(sheet["rows"] for sheet in rows),
            "rows_used": sum(sheet["rows"] for sheet in rows if sheet["status"] == "used"),
            "rows_rejected": sum(sheet["rejected"] for sheet in rows if sheet["status"] == "used"),
        },
    }


def _manifest_entry(outcome: Outcome, result: ReadResult) -> dict[str, Any]:
    display = result.source.display
    sheets = []
    for form in result.forms:
        replaced_by = outcome.selection.superseded_by.get((display, form.sheet))
        rejected = sum(1 for key in outcome.rejected if key[:2] == (display, form.sheet))
        sheets.append(
            {
                "sheet": form.sheet, "annex": form.annex, "district": form.district,
                "rows": len(form.rows), "rejected": rejected,
                "status": "superseded" if replaced_by else "used", "superseded_by": replaced_by,
            }
        )  # fmt: skip
    replacements = {sheet["superseded_by"] for sheet in sheets if sheet["superseded_by"]}
    status = outcome.status.get(display, "unreadable")
    return {
        "file": display,
        "sha256": result.source.sha256 or None,
        "size": result.source.size,
        "status": status,
        "superseded_by": replacements.pop()
        if status == "superseded" and len(replacements) == 1
        else None,
        "sheets": sheets,
        "ignored_sheets": list(result.ignored_sheets),
    }


def _ignored_entry(name: str) -> dict[str, Any]:
    # Outcome keeps only the inbox-relative name of an ignored file, not its bytes.
    return {
        "file": name, "sha256": None, "size": None, "status": "ignored",
        "superseded_by": None, "sheets": [], "ignored_sheets": [],
    }  # fmt: skip


def write_manifest(outcome: Outcome, path: Path | str) -> None:
    """``manifest.json``: deterministic (no absolute paths, no time but ``as_of``)."""
    atomic_write_bytes(path, _json_bytes(manifest(outcome)))


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


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
    # Imported here: register.py builds on the helpers of this module.
    from .register import write_adjustments, write_register

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹 {out_dir}：{exc.strerror or exc}") from exc
    writers: dict[str, Callable[[Path], None]] = {
        "register.xlsx": lambda p: write_register(outcome, p, lang=lang),
        "adjustments.xlsx": lambda p: write_adjustments(outcome, p, received=received, lang=lang),
        "report.html": lambda p: p.write_bytes(_report_bytes(outcome, lang, show_phones)),
        "findings.json": lambda p: p.write_bytes(findings_json(outcome, lang)),
        "findings.csv": lambda p: p.write_bytes(findings_csv(outcome, lang)),
        "manifest.json": lambda p: p.write_bytes(_json_bytes(manifest(outcome))),
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
    from .report import render_report  # written separately; imports jinja2

    html = render_report(outcome, lang=lang, show_phones=show_phones)
    return html if isinstance(html, bytes) else html.encode("utf-8")
