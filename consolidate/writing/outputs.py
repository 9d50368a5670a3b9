"""Write every output of a run: all new files, or none replaced."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

from consolidate.model.outcome import Outcome
from consolidate.support.errors import OutputError
from consolidate.writing.files import (
    atomic_folder,
    atomic_path,
    ensure_folder,
    remove_temporaries,
)
from consolidate.writing.replies import REPLIES, write_replies
from consolidate.writing.returns import RETURNS, Annotator, write_returns
from consolidate.writing.tables import (
    findings_csv,
    findings_json_text,
    json_bytes,
    manifest,
    write_text,
)

OUTPUT_FILES = (
    "register.xlsx", "adjustments.xlsx", "report.html",
    "findings.json", "findings.csv", "manifest.json",
)  # fmt: skip
# Written only when the run has something for it (README, the city's run): recommendation lists in the
# inbox or the city's list given; else a previous run's copy is removed, never left stale.
FASTCHANNEL = "fastchannel.xlsx"
ADJUSTMENTS = "adjustments.xlsx"  # also rewritten by ``forward``
# ``forward`` keeps each batch as sent: forwarded/2026-10-12-1.xlsx.
FORWARDED = "forwarded"
BATCH_NAME = r"\d{4}-\d{2}-\d{2}-\d+\.xlsx"


def remove_stale_temporaries(out_dir: Path) -> list[Path]:
    """Remove the temporaries a run or ``forward`` killed while writing left in
    ``out_dir`` and ``out_dir/forwarded`` (they hold mobiles and the returned copies):
    only those named after an output written there. Call it holding the ledger, so no
    run going on at the same time has its temporaries there."""
    names = [re.escape(name) for name in (*OUTPUT_FILES, FASTCHANNEL, RETURNS, REPLIES)]
    return [
        *remove_temporaries(out_dir, names),
        *remove_temporaries(out_dir / FORWARDED, [BATCH_NAME]),
    ]


# ---------------------------------------------------------------- all outputs of a run
def write_outputs(
    outcome: Outcome,
    out_dir: Path | str,
    *,
    lang: str = "zh",
    show_phones: bool = False,
    received: dt.date | None = None,
    before_replace: Callable[[], None] | None = None,
    annotate_one: Annotator | None = None,
) -> dict[str, Path]:
    """Write every output of a run (README, the city's run) into ``out_dir``: all new files, or none replaced.

    ``before_replace`` runs once every file is written and before any replaces its
    predecessor (the run commits its ledger there): when it fails, nothing is replaced.
    ``annotate_one`` (the office's run) also fills ``退回/<区>/`` with the annotated
    copies to send back and ``回执/`` with a reply draft per district (those copies
    attached), both replaced together with the files.
    """
    from consolidate.writing.adjustments import write_adjustments
    from consolidate.writing.fastchannel import write_fastchannel
    from consolidate.writing.register import write_register

    out_dir = ensure_folder(out_dir)
    writers: dict[str, Callable[[Path], None]] = {
        "register.xlsx": lambda p: write_register(outcome, p, lang=lang),
        "adjustments.xlsx": lambda p: write_adjustments(outcome, p, received=received, lang=lang),
        "report.html": lambda p: p.write_bytes(_report_bytes(outcome, lang, show_phones, received)),
        "findings.json": lambda p: write_text(p, findings_json_text(outcome, lang)),
        "findings.csv": lambda p: p.write_bytes(findings_csv(outcome, lang)),
        "manifest.json": lambda p: p.write_bytes(json_bytes(manifest(outcome))),
    }
    if outcome.has_fast_channel:
        writers[FASTCHANNEL] = lambda p: write_fastchannel(outcome, p, lang=lang)
    in_use = [*writers, FASTCHANNEL]
    if annotate_one is not None:  # a copy open in Excel would stop the folder's swap
        for folder in (RETURNS, REPLIES):
            in_use += [p.relative_to(out_dir).as_posix() for p in _files_below(out_dir / folder)]
    refuse_files_in_use(out_dir, in_use)
    # Every file goes to a temporary name first; they replace the previous outputs
    # together at the end, so a failure midway leaves the previous set untouched.
    # One after the other in this process: the same on Windows (no fork) as on Linux.
    with ExitStack() as stack:
        for name, write in writers.items():
            path = stack.enter_context(atomic_path(out_dir / name))
            try:
                write(path)
            except OutputError:
                raise
            except Exception as exc:  # noqa: BLE001 - the old outputs stay; say which file
                raise OutputError(
                    "output-failed", name=name, reason=f"{type(exc).__name__}: {exc}"
                ) from exc
        if annotate_one is not None:
            # The drafts attach the returned copies; the copies are put in place first.
            drafts = stack.enter_context(atomic_folder(out_dir / REPLIES))
            folder = stack.enter_context(atomic_folder(out_dir / RETURNS))
            write_returns(outcome, folder, annotate_one)
            returned = any(folder.iterdir())
            write_replies(outcome, drafts, folder, received)
            replied = any(drafts.iterdir())
        if before_replace is not None:
            before_replace()
    if FASTCHANNEL not in writers:
        (out_dir / FASTCHANNEL).unlink(missing_ok=True)
    written = {name: out_dir / name for name in writers}
    if annotate_one is not None and returned:
        written[RETURNS] = out_dir / RETURNS
    if annotate_one is not None and replied:
        written[REPLIES] = out_dir / REPLIES
    return written


# ---------------------------------------------------------------- after a forward
def rewrite_adjustments(
    outcome: Outcome,
    out_dir: Path,
    *,
    lang: str = "zh",
    before_replace: Callable[[], None] | None = None,
) -> Path:
    """``adjustments.xlsx`` again from the ledger's requests (``forward``: 报送总局 without
    the batch just sent, 全年台账 with its day and batch), written beside the previous one
    and put in its place only after ``before_replace`` (the ledger's commit) succeeded."""
    from consolidate.writing.adjustments import write_adjustments

    path = out_dir / ADJUSTMENTS
    with atomic_path(path) as tmp:
        try:
            write_adjustments(outcome, tmp, lang=lang)
        except OutputError:
            raise
        except Exception as exc:  # noqa: BLE001 - the ledger stays as it was; say which file
            raise OutputError(
                "output-failed", name=ADJUSTMENTS, reason=f"{type(exc).__name__}: {exc}"
            ) from exc
        if before_replace is not None:
            before_replace()
    return path


def refuse_files_in_use(out_dir: Path, names: Iterable[str]) -> None:
    """Stop before writing if a previous output cannot be replaced.

    On Windows a workbook open in Excel or WPS cannot be replaced; found only at the
    end, some outputs would already be new and others old.
    """
    for name in names:
        path = out_dir / name
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputError("output-locked", path=path, reason=exc.strerror or exc) from exc
        os.close(fd)


def _files_below(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def _report_bytes(
    outcome: Outcome, lang: str, show_phones: bool, received: dt.date | None
) -> bytes:
    from consolidate.writing.report import render_report  # written separately; imports jinja2

    html = render_report(outcome, lang=lang, show_phones=show_phones, received=received)
    return html if isinstance(html, bytes) else html.encode("utf-8")
