"""Reading one workbook into forms: read once, sniff, scan, load, recognise; never raises."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from consolidate.model.catalog import Catalog
from consolidate.model.finding import Finding
from consolidate.model.form import Mail, ReadResult, SourceFile
from consolidate.reading import convert
from consolidate.reading.claims import HEADING_LINES, heading_annex, named_annex, unread_annex
from consolidate.reading.containers import (
    OLD_WORD,
    Container,
    SheetMarks,
    load_sheets,
    open_container,
    template_version,
)
from consolidate.reading.errors import (
    NO_ANNEX,
    ZIP_MAGIC,
    Unreadable,
    read_error,
    unreadable,
    with_detail,
)
from consolidate.reading.grid import Grid
from consolidate.reading.recognize import parse_forms
from consolidate.reading.word import read_docx
from consolidate.support.config import Bilingual, Config, load_config


# ---------------------------------------------------------------- entry points
def read_file(path: Path, display: str | None = None, config: Config | None = None) -> ReadResult:
    """Read every annex of one workbook; never raises for a bad file."""
    config = config or load_config()
    display = display or str(path)
    try:
        data, info = read_stable(path, config.limits.max_file_bytes)
    except Unreadable as why:
        return unreadable_result(SourceFile(display, path, "", 0, 0.0), config, why)
    return read_bytes(data, display, path=path, mtime=info.st_mtime, config=config)


def read_stable(path: Path, limit: int) -> tuple[bytes, os.stat_result]:
    """The file's bytes, read once: the hash and the parser both see exactly these.

    A FIFO or device would block or never end, so only regular files are read. A file
    whose size or time changes while it is read (still being copied into the inbox) is
    refused rather than judged on a torn copy.
    """
    mb = limit // 1_000_000
    try:
        before = path.stat()
        if not stat.S_ISREG(before.st_mode):
            raise unreadable("not-regular")
        if before.st_size > limit:
            raise unreadable("too-large", mb=mb)
        data = _read_at_most(path, limit + 1)
        after = path.stat()
    except OSError as exc:
        why = unreadable("unopenable")
        raise Unreadable(why.zh, f"{why.en}: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise unreadable("too-large", mb=mb)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(
        data
    ) != after.st_size:
        raise unreadable("changing")
    return data, before


def _read_at_most(path: Path, size: int) -> bytes:
    # Bounded even if the file grows while it is read.
    with path.open("rb") as handle:
        return handle.read(size)


def read_bytes(
    data: bytes,
    display: str,
    *,
    path: Path | None = None,
    mtime: float = 0.0,
    config: Config | None = None,
    mail: Mail | None = None,
) -> ReadResult:
    """Read a workbook held in memory (an upload, a file already read, an e-mail's
    attachment); never raises."""
    config = config or load_config()
    source = SourceFile(
        display, path or Path(display), hashlib.sha256(data).hexdigest(), len(data), mtime, mail
    )
    try:
        return _read_workbook(data, source, config)
    except Unreadable as why:
        return unreadable_result(source, config, why)
    except BaseException as exc:  # noqa: BLE001 - a bad file is a finding, never a traceback
        # calamine's Rust panics reach Python as pyo3's PanicException, a BaseException.
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        why = read_error(unreadable("program-failed").zh, type(exc).__name__)
        return unreadable_result(source, config, why)


def load_grids(data: bytes, suffix: str, config: Config) -> Iterator[tuple[str, Grid | None]]:
    """Every sheet of a workbook held in memory as a grid (None: a sheet to ignore), one at
    a time.

    The same checked path as submissions (format sniffing, zip scan, limits); raises
    :class:`Unreadable` with the reason. Used for the baseline register too.
    """
    container = open_container(data, suffix, config)
    if container.kind not in ("zip", "ole"):
        raise unreadable("word-not-workbook")
    return load_sheets(data, container, config, suffix)


def _read_workbook(data: bytes, source: SourceFile, config: Config) -> ReadResult:
    suffix = source.path.suffix.lower()
    container = open_container(data, suffix, config)
    if container.kind in ("docx", "word"):
        return _read_word(data, container.kind, source, config)
    result = ReadResult(source)
    catalog = Catalog(config)
    skipped: dict[str, str] = {}
    for name, grid in load_sheets(data, container, config, suffix, skipped):
        _read_sheet(result, name, grid, catalog, container, config)
        del grid  # freed before the next sheet is built
    if not result.forms and not result.findings:
        result.findings.append(_no_annex(source.display, skipped, container, catalog, config))
    else:
        result.findings += _unread_sheets(source.display, skipped, container, catalog, config)
    return result


def _read_sheet(
    result: ReadResult, name: str, grid: Grid | None, catalog: Catalog, container: Container,
    config: Config,
) -> None:  # fmt: skip
    """The forms of one sheet and the findings about its cells, into ``result``."""
    display = result.source.display
    if grid is None:
        result.ignored_sheets.append(name)
        return
    try:
        forms = parse_forms(grid, name, result.source, config)
    except Exception as exc:  # noqa: BLE001 - one odd sheet must not crash the run
        raise with_detail(unreadable("sheet-unrecognized", name=name), type(exc).__name__) from exc
    if not forms:
        result.findings.append(_unread_sheet(display, name, grid, catalog, container, config))
        return
    for form in forms:
        form.template_version = container.version
        form.unreadable = grid.unreadable(form.rows_read())
    result.forms.extend(forms)
    read_rows = set().union(*(form.rows_read() for form in forms))
    result.findings.extend(grid.findings(catalog, display, name, read_rows))


# ---------------------------------------------------------------- annexes that cannot be read
def _unread_sheet(
    display: str, name: str, grid: Grid, catalog: Catalog, container: Container, config: Config
) -> Finding:
    """annex-unrecognized for a sheet with content in which no annex is found: what its
    name, title or file name says it is, and what holds the table instead (decision 28)."""
    heading = [" ".join(grid.own(r)) for r in range(min(grid.height, HEADING_LINES))]
    annex = (
        named_annex(name, config) or heading_annex(heading, config)
        or named_annex(display, config)
    )  # fmt: skip
    if container.marks(name).drawing and not _rows_in_cells(grid):
        return unread_annex(
            catalog, config, display, annex, "sheet-picture", "cells", name, sheet_name=name
        )
    if annex:
        return unread_annex(catalog, config, display, annex, "no-header-row", "template", name)
    return catalog.make("annex-unrecognized", file=display, sheet=name, **NO_ANNEX)


def _rows_in_cells(grid: Grid) -> bool:
    """Several rows of three or more filled cells: a table in the cells (not an annex),
    whatever pictures lie over the sheet."""
    filled = (sum(1 for text in grid.own(r) if text) for r in range(grid.height))
    return sum(1 for count in filled if count >= 3) >= 2


def _no_annex(
    display: str, skipped: dict[str, str], container: Container, catalog: Catalog, config: Config
) -> Finding:
    """annex-unrecognized, once, for a workbook none of whose sheets has content to read:
    a picture or protection over an empty sheet, content only in a hidden sheet, or
    nothing at all (decision 28)."""
    named = (named_annex(name, config) for name in [display, *skipped])
    annex = next((n for n in named if n), None)
    for sheet, why in skipped.items():
        reason = _why_empty(why, container.marks(sheet))
        if reason:  # a hidden sheet is named in the reason, never located (decision 15)
            at = sheet if why == "empty" else None
            return unread_annex(catalog, config, display, annex, *reason, at, sheet_name=sheet)
    if annex:
        return unread_annex(catalog, config, display, annex, "empty", "cells")
    return catalog.make("annex-unrecognized", file=display, **NO_ANNEX)


def _why_empty(why: str, marks: SheetMarks) -> tuple[str, str] | None:
    """(reason, advice) for a sheet ignored as ``why`` that may hold the annex unread."""
    if why == "empty" and marks.drawing:
        return "sheet-picture", "cells"
    if why == "empty" and marks.protected:
        return "protected", "unprotect"
    if why == "hidden" and marks.values:
        return "hidden", "unhide"
    return None


def _unread_sheets(
    display: str, skipped: dict[str, str], container: Container, catalog: Catalog, config: Config
) -> list[Finding]:
    """annex-unrecognized for an empty sheet named as an annex (附件2) that holds a
    picture or is protected, in a workbook whose other sheets were read: that annex
    arrived, but cannot be read. Other empty and hidden sheets are ignored (decision 15)."""
    found = []
    for sheet, why in skipped.items():
        annex = named_annex(sheet, config)
        reason = _why_empty(why, container.marks(sheet)) if why == "empty" else None
        if annex and reason:
            found.append(
                unread_annex(catalog, config, display, annex, *reason, sheet, sheet_name=sheet)
            )
    return found


def _read_word(data: bytes, kind: str, source: SourceFile, config: Config) -> ReadResult:
    """A Word document: an old format converted by LibreOffice first, when installed."""
    if kind == "word":
        suffix = source.path.suffix.lower()
        claimed = mentions_annex(data, config) or named_annex(source.display, config)
        if convert.soffice() is None and not claimed:
            return ReadResult(source, ignored=True)  # a cover letter: no need to convert it
        data = convert.to_docx(
            data, suffix if suffix in OLD_WORD else ".doc",
            config.settings.word.convert_seconds, config.limits.max_file_bytes,
        )  # fmt: skip
        if not data.startswith(ZIP_MAGIC) or open_container(data, ".docx", config).kind != "docx":
            raise unreadable("converted-not-word")
    return read_docx(data, source, config, template_version(data, config))


def unreadable_result(source: SourceFile, config: Config, why: Unreadable) -> ReadResult:
    name = source.display.lower()
    advice = "word" if name.endswith(config.settings.inbox.word_suffixes) else "workbook"
    advice = "mail" if name.endswith((".eml", ".msg")) else advice
    finding = Catalog(config).make(
        "file-unreadable", file=source.display, reason=Bilingual(why.zh, why.en), advice=advice
    )
    return ReadResult(source, findings=[finding], unreadable=True)


def mentions_annex(data: bytes, config: Config) -> bool:
    """Whether an old Word document names an annex (its UTF-16 text holds a title word).

    Without LibreOffice such a document cannot be read: one naming an annex is reported
    with what to do, any other (a cover letter) is ignored as before.
    """
    text = data.decode("utf-16-le", "ignore")
    return any(word in text for spec in config.annexes.values() for word in spec.title_keywords)
