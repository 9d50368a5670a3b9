"""Write a copy of a submitted workbook with its findings marked on the cells.

Each flagged cell gets a fill by severity and a comment with the message(s); a findings
sheet lists every finding with a link to its cell. The submitted file is only read.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import openpyxl
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from consolidate.model.finding import SEVERITY_RANK, WORD_SUFFIXES, Finding, column_letter
from consolidate.support.config import Config, load_config
from consolidate.support.errors import OutputError
from consolidate.support.wording import LANGS, label, labels
from consolidate.writing.annotate_word import annotate_docx
from consolidate.writing.files import atomic_path, atomic_write_bytes
from consolidate.writing.listing import ListLine, list_heading, list_lines
from consolidate.writing.package import (
    WALK_MAX_CELLS,
    Fit,
    Layout,
    Mark,
    Unsupported,
    cell_position,
    edit_copy,
)
from consolidate.writing.paper import TITLE_POINTS, Page, fit_sheet
from consolidate.writing.rebuild import rebuild
from consolidate.writing.xlsx import (
    BOX,
    HEADER_ALIGNMENT,
    HEADER_FILL,
    HEADER_FONT,
    LINE_POINTS,
    LINK_FONT,
    ROW_PADDING,
    SEVERITY_FILLS,
    TITLE_ALIGNMENT,
    TITLE_FONT,
    WRAP,
    freeze,
    line_count,
    row_height,
    set_text,
    set_widths,
    xlsx_text,
)

ZIP_MAGIC = b"PK\x03\x04"
FILLS = SEVERITY_FILLS  # the cell at fault: red, yellow, light blue
# The list a clerk works through: how bad, what to do, where (a link), whose line.
HEADERS = {lang: tuple(labels("annotated_list", lang).values()) for lang in LANGS}
WIDTHS = (6, 60, 8, 10, 18, 14, 12, 22)
LINK_COLUMN = 3
SUGGESTION_LABEL = {lang: label("word_list", "suggestion", lang) for lang in LANGS}
AUTHOR = "consolidate"


def annotate(
    source: Path,
    findings: Sequence[Finding],
    out: Path,
    lang: str = "zh",
    config: Config | None = None,
    *,
    as_of: dt.date | None = None,
    name: str | None = None,
) -> None:
    """Write ``out``: ``source`` with ``findings`` marked and listed — a workbook as .xlsx,
    a Word document as .docx (:mod:`.annotate_word`). The list is headed with the file
    (``name``, as the district named it; the source's by default), the verdict, the counts
    and ``as_of`` (the day of the check); every sheet prints one page wide."""
    source, out = Path(source), Path(out)
    about = (name or source.name, as_of)
    if source.suffix.lower() in WORD_SUFFIXES:
        return annotate_docx(source, findings, out, lang, config, about=about)
    if out.resolve() == source.resolve():
        raise OutputError("annotate-overwrite", path=out)
    lang = lang if lang in HEADERS else "zh"
    config = config or load_config()
    copy = edited_copy(source, findings, about, lang, config)
    if copy is not None:
        atomic_write_bytes(out, copy)
        return None
    workbook = load_copy(source)
    for (sheet, ref), group in _by_cell(findings, workbook).items():
        _mark(workbook[sheet], ref, group, lang, config)
    for sheet in workbook.worksheets:
        fit_sheet(sheet)  # one page wide: a title cut in two across pages helps nobody
    _findings_sheet(workbook, findings, about, lang, config)
    with atomic_path(out) as tmp:
        workbook.save(tmp)


def edited_copy(
    source: Path,
    findings: Sequence[Finding],
    about: tuple[str, dt.date | None],
    lang: str,
    config: Config,
) -> bytes | None:
    """The copy made by editing the district's own package (:mod:`.package`): marks, notes
    and the list as the openpyxl path makes them, everything else of the file kept. None
    when the package is one that only the openpyxl path copies faithfully and inertly."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise OutputError("annotate-unopenable", path=source, reason=exc.strerror) from exc
    if not data.startswith(ZIP_MAGIC) or too_big_to_edit(data):
        return None

    def marks(merged: dict[str, list[tuple[int, int, int, int]]]) -> dict[str, dict[str, Mark]]:
        return _package_marks(findings, merged, lang, config)

    def listing(names: list[str]) -> bytes:
        workbook = Workbook()
        workbook.remove(workbook.active)
        for name in names:
            workbook.create_sheet(name)
        _findings_sheet(workbook, findings, about, lang, config)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    try:
        return edit_copy(data, marks, listing, _fit_layout, findings_sheet_name(config), note)
    except Unsupported:
        return None


# A package whose parts unpack to more than this is left to the openpyxl path's limits.
EDIT_MAX_UNPACKED = 200_000_000


def too_big_to_edit(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(i.file_size for i in archive.infolist()) > EDIT_MAX_UNPACKED
    except (zipfile.BadZipFile, OSError, ValueError):
        return True


def _fit_layout(layout: bytes) -> Layout:
    """fit_sheet on the layout copy of each sheet: how each prints one page wide, and
    what the editor needs to narrow its columns on every row as fit_sheet would."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(layout), data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types; its path decides
        raise Unsupported("layout") from exc
    fits = {}
    for sheet in workbook.worksheets:
        letters = [get_column_letter(c) for c in range(1, sheet.max_column + 1)]
        before = {c: sheet.column_dimensions[c].width for c in letters}
        margins = (sheet.page_margins.left, sheet.page_margins.right)
        fit_sheet(sheet)
        widths = {
            column_index_from_string(c): sheet.column_dimensions[c].width
            for c in letters
            if sheet.column_dimensions[c].width != before[c]
        }
        after = (sheet.page_margins.left, sheet.page_margins.right)
        fits[sheet.title] = Fit(
            sheet.page_setup.orientation, widths, after if after != margins else None
        )
    return Layout(fits, workbook.epoch)


def _package_marks(
    findings: Sequence[Finding],
    merged: dict[str, list[tuple[int, int, int, int]]],
    lang: str,
    config: Config,
) -> dict[str, dict[str, Mark]]:
    """Per sheet, each marked cell (a merged range's top-left) with its fill and note."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.cell and finding.sheet in merged:
            ref = finding.cell
            row, col = cell_position(ref)
            for r0, c0, r1, c1 in merged[finding.sheet]:
                if r0 <= row <= r1 and c0 <= col <= c1:
                    ref = f"{column_letter(c0)}{r0}"
                    break
            groups[(finding.sheet, ref)].append(finding)
    found: dict[str, dict[str, Mark]] = defaultdict(dict)
    for (sheet, ref), group in groups.items():
        fill, text = _mark_text(group, lang, config)
        found[sheet][ref] = Mark(tostring(fill.to_tree()).decode(), text)
    return found


def load_copy(source: Path) -> Workbook:
    """The workbook in memory, values only: openpyxl for .xlsx/.xlsm, rebuilt from values
    for .xls.

    The copy goes back to the clerk's computer: nothing the sender put in that could run
    or reach out survives. Formulas are replaced by the values they showed (what the
    checks read; ``=cmd|...``, ``WEBSERVICE``, ``HYPERLINK`` are gone), external links and
    macros are dropped, cell hyperlinks leading out of the workbook and names defined by
    the sender are removed.
    """
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise OutputError("annotate-unopenable", path=source, reason=exc.strerror) from exc
    if data.startswith(ZIP_MAGIC):
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), keep_vba=False, data_only=True, keep_links=False
            )
        except Exception:  # noqa: BLE001 - openpyxl is stricter than calamine; fall back
            return rebuild(data, source)
        workbook.template = False  # an .xltx is saved as a plain workbook
        if _too_wide_to_walk(workbook):
            return rebuild(data, source)
        _defuse(workbook)
        return workbook
    return rebuild(data, source)


# Every cell of a sheet's used range is visited to find its hyperlinks (openpyxl lists no
# sheet's cells but by range). A range this large holds mostly empty cells formatted far
# out: such a copy is rebuilt from the values, as an .xls is, rather than walked.
DEFUSE_MAX_CELLS = WALK_MAX_CELLS


def _too_wide_to_walk(workbook: Workbook) -> bool:
    return any(s.max_row * s.max_column > DEFUSE_MAX_CELLS for s in workbook.worksheets)


def _defuse(workbook: Workbook) -> None:
    """No hyperlink out of the workbook, no name of the sender's (print areas are kept:
    openpyxl holds them on the sheets)."""
    for name in list(workbook.defined_names):
        del workbook.defined_names[name]
    for sheet in workbook.worksheets:
        for name in list(sheet.defined_names):
            del sheet.defined_names[name]
        for row in sheet.iter_rows():
            for cell in row:
                link = cell.hyperlink
                if link is not None and (link.target or link.id):
                    cell.hyperlink = None


# openpyxl needs far more memory than the reader: above this much unpacked XML no
# annotated copy is made (the findings are still shown).
ANNOTATE_MAX_UNPACKED = 50_000_000


def too_big_to_annotate(path: Path) -> bool:
    """True for a workbook whose parts unpack to more than openpyxl should hold."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(i.file_size for i in archive.infolist()) > ANNOTATE_MAX_UNPACKED
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # .xls: rebuilt from calamine's values, bounded by the input's size


# File systems allow 255 bytes in a name (ext4; NTFS 255 UTF-16 units, more lenient): a
# copy's name, and its temporary's (".<name>.<8 random>.tmp" beside it), stay within them,
# the stem shortened where the mark would overflow it.
NAME_BYTES = 255 - len(".") - len(".12345678.tmp")


def annotated_name(name: str) -> str:
    """``附件2.xls`` -> ``附件2（已标注）.xlsx``; a Word document's copy stays one (.docx).
    A name too long for the mark loses the end of its stem, never the mark or the suffix."""
    stem = name.rpartition(".")[0] or name
    suffix = ".docx" if name.lower().endswith(WORD_SUFFIXES) else ".xlsx"
    tail = f"{label('places', 'marked')}{suffix}"
    while stem and len(f"{stem}…{tail}".encode()) > NAME_BYTES:
        stem = stem[:-1]
    if stem != (name.rpartition(".")[0] or name):
        stem += "…"
    return f"{stem}{tail}"


# ---------------------------------------------------------------- marking cells
def _by_cell(
    findings: Sequence[Finding], workbook: Workbook
) -> dict[tuple[str, str], list[Finding]]:
    """Findings grouped by the (sheet, top-left cell) they mark; others are list-only."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if not finding.cell or finding.sheet not in workbook.sheetnames:
            continue
        sheet = workbook[finding.sheet]
        if not isinstance(sheet, Worksheet):
            continue
        groups[(finding.sheet, _anchor(sheet, finding.cell))].append(finding)
    return groups


def _anchor(sheet: Worksheet, ref: str) -> str:
    """The top-left cell of the merged range holding ``ref`` (a comment needs a real cell)."""
    for merged in sheet.merged_cells.ranges:
        if ref in merged:
            return merged.start_cell.coordinate
    return ref


def _mark(sheet: Worksheet, ref: str, group: list[Finding], lang: str, config: Config) -> None:
    """Fill one cell by its worst finding and comment it with every message."""
    cell = sheet[ref]
    cell.fill, text = _mark_text(group, lang, config)
    if cell.comment is not None:  # keep what the district wrote, ours below it
        text = f"{cell.comment.text}\n\n{text}"
    cell.comment = note(text)


def _mark_text(group: list[Finding], lang: str, config: Config) -> tuple[PatternFill, str]:
    """The fill of the worst finding and the note listing every one, the worst first."""
    group = sorted(group, key=lambda f: (SEVERITY_RANK.get(f.severity, 9), f.code))
    fill = PatternFill("solid", fgColor=FILLS.get(group[0].severity, FILLS["info"]))
    return fill, "\n\n".join(_comment_line(f, lang, config) for f in group)


def note(text: str) -> Comment:
    """A note of ours, sized to its text."""
    lines = sum(len(part) // 24 + 1 for part in text.split("\n"))
    return Comment(text, AUTHOR, height=min(20 * lines + 20, 600), width=320)


def _comment_line(finding: Finding, lang: str, config: Config) -> str:
    label = config.severity_label(finding.severity, lang)
    line = f"【{label}】{finding.text(lang)}"
    if finding.suggestion:
        line += f"\n{SUGGESTION_LABEL[lang]}{finding.suggestion}"
    return xlsx_text(line)


# ---------------------------------------------------------------- the findings sheet
HEADER_ROW = 3  # below the title and the verdict


def _findings_sheet(
    workbook: Workbook,
    findings: Sequence[Finding],
    about: tuple[str, dt.date | None],
    lang: str,
    config: Config,
) -> None:
    """The first sheet: which file and what to do, then every finding, linked to its
    cell where it has one; boxed, printed one page wide with the header repeated."""
    name = findings_sheet_name(config)
    if name in workbook.sheetnames:  # our own list from an earlier annotation
        workbook.remove(workbook[name])
    sheet = workbook.create_sheet(name, 0)
    _select_only(workbook, sheet)
    lines = list_lines(findings, lang)
    file, as_of = about
    sheets = set(workbook.sheetnames)
    rows = [_list_values(line, file, lang, sheets, config) for line in lines]
    page = Page(title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    widths = page.fit(WIDTHS, rows)  # the problem wide, empty columns narrow
    set_widths(sheet, widths)
    heading = list_heading(file, [line.severity for line in lines], as_of, lang, config)
    _heading(sheet, heading, sum(widths))
    for col, title in enumerate(HEADERS[lang], start=1):
        cell = sheet.cell(HEADER_ROW, col, title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment, cell.border = HEADER_ALIGNMENT, BOX
    sheet.row_dimensions[HEADER_ROW].height = row_height(HEADERS[lang], widths)
    for row, (line, values) in enumerate(zip(lines, rows, strict=True), start=HEADER_ROW + 1):
        _list_row(sheet, row, (line, values), widths, lang, sheets)
    freeze(sheet, HEADER_ROW)
    last = HEADER_ROW + max(len(lines), 1)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(WIDTHS))}{last}"
    # Clerks print the list to work through it: A4 landscape, one page wide, header repeated.
    page.apply(sheet)


def _heading(sheet: Worksheet, lines: tuple[str, str], width: float) -> None:
    """The file as a title, the verdict under it, each across the table."""
    last = get_column_letter(len(WIDTHS))
    for row, (text, font, points) in enumerate(
        zip(lines, (TITLE_FONT, HEADER_FONT), (TITLE_POINTS, LINE_POINTS), strict=True),
        start=1,
    ):
        cell = sheet.cell(row, 1)
        set_text(cell, text)
        cell.font, cell.alignment = font, TITLE_ALIGNMENT
        sheet.merge_cells(f"A{row}:{last}{row}")
        scale = 11 / (font.sz or 11)  # a 14-point title takes more room per character
        sheet.row_dimensions[row].height = line_count(text, width * scale) * points + ROW_PADDING


def _list_values(
    line: ListLine, file: str, lang: str, sheets: set[str], config: Config
) -> list[str | None]:
    """The cells of a line of the list, as text."""
    values = (
        config.severity_label(line.severity, lang), line.message,
        line.cell if line.sheet in sheets else None, line.person, line.value, line.suggestion,
        line.sheet, line.file or file,
    )  # fmt: skip
    return [None if value is None else str(value) for value in values]


def _list_row(
    sheet: Worksheet,
    row: int,
    line: tuple[ListLine, list[str | None]],
    widths: Sequence[float],
    lang: str,
    sheets: set[str],
) -> None:
    """One line of the list, boxed; its 单元格 links to the cell it points at."""
    line, values = line
    for col, value in enumerate(values, start=1):
        cell = sheet.cell(row, col)
        if value is not None:
            set_text(cell, value)
        cell.alignment, cell.border = WRAP, BOX
    sheet.row_dimensions[row].height = row_height(values, widths)
    sheet.cell(row, 1).fill = PatternFill("solid", fgColor=FILLS.get(line.severity, FILLS["info"]))
    if line.sheet in sheets:
        target = sheet.cell(row, LINK_COLUMN)
        quoted = line.sheet.replace("'", "''")
        target.hyperlink = Hyperlink(
            ref=target.coordinate, location=f"'{quoted}'!{line.cell or 'A1'}"
        )
        target.value = target.value or ("→" if lang == "zh" else "go")
        target.font = LINK_FONT


def _select_only(workbook: Workbook, sheet: Worksheet) -> None:
    """Open on ``sheet``; other selected tabs would put Excel in group-edit mode."""
    for other in workbook.worksheets:
        other.sheet_view.tabSelected = other is sheet
    workbook.active = workbook.index(sheet)


def findings_sheet_name(config: Config) -> str:
    """The findings list's sheet: the first of settings' helper_sheets (``问题清单``)."""
    helpers = config.settings.template.helper_sheets
    return helpers[0] if helpers else label("word_list", "title")
