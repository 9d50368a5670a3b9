"""Annexes filled in Word: each table read as a sheet, with the paragraphs around it.

The notice ships both annexes as Word tables: title and metadata as paragraphs, the form
as a table with merged cells and line breaks. Each body table becomes a
:class:`~consolidate.reading.grid.Grid` — the paragraphs just above it as rows on top
(title, 填报单位 …), the table's rows with merged cells resolved to grid positions
(``gridSpan``, ``vMerge``), the paragraphs below as rows under it (notes, signatures,
never data rows) — and goes through the same recogniser as a worksheet. The forms found
are then located as docs/rules.md "Where a finding points" says: ``表格N``, the table's own row and grid column; the
metadata read from paragraphs at ``正文`` and the paragraph's number.

Tables nested in a cell and tables in text boxes are not read; if one holds an annex,
that is a finding. A document with no annex read in it is a cover letter, ignored, only
when neither its name nor its heading says it is an annex (decision 28, :mod:`.claims`);
otherwise it is a finding saying what holds its table instead (a picture, a text box, an
embedded object, nothing). The zip is scanned before python-docx parses it (sizes, parts, table
cells; no DTD, so no entity expansion).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from consolidate.model.catalog import Catalog
from consolidate.model.finding import BODY, Finding
from consolidate.model.form import Cell, Form, ReadResult, Row, SourceFile
from consolidate.reading.claims import HEADING_LINES, heading_annex, named_annex, unread_annex
from consolidate.reading.errors import NO_ANNEX, Unreadable, field_error
from consolidate.reading.grid import Grid
from consolidate.reading.recognize import parse_forms
from consolidate.reading.zipscan import check_extent, unpack_parts
from consolidate.support.config import Config, Limits

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Paragraphs read above a table (title, label, metadata) and below it (notes, signatures).
ABOVE, BELOW = 8, 12
# Subtrees whose text is not the paragraph's own: drawings and text boxes, deleted text.
_SKIP = {f"{W}drawing", f"{W}pict", f"{W}object", f"{W}txbxContent", f"{W}del", f"{W}tbl"}
_SKIP.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent")
_TC = re.compile(rb"<(?:[\w.-]+:)?tc[\s>/]")


def sheet_name(number: int) -> str:
    """``表格1``: how findings name the document's N-th table (1-based, document order)."""
    return f"表格{number}"


# ---------------------------------------------------------------- the document's body
@dataclass(slots=True)
class Layout:
    """One Word table on its grid: texts, merged ranges, the ``w:tc`` at each anchor."""

    values: list[list[str]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]]
    cells: dict[tuple[int, int], Any]  # 0-based (row, col) of a cell's top-left -> w:tc
    nested: list[tuple[int, int, Any]] = field(default_factory=list)  # tables inside cells
    # 0-based (row, col) -> (zh, en) reason: cells showing a broken field's error, read as ''
    suspect: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.values), default=0)


@dataclass(slots=True)
class Body:
    """A document's body in reading order: numbered paragraphs and tables."""

    items: list[
        tuple[str, int, Any]
    ]  # ("p", paragraph number, w:p) or ("tbl", table number, w:tbl)
    paragraphs: dict[int, str]  # paragraph number -> text

    def table(self, number: int) -> Any | None:
        return next((el for kind, n, el in self.items if kind == "tbl" and n == number), None)

    def paragraph(self, number: int) -> Any | None:
        return next((el for kind, n, el in self.items if kind == "p" and n == number), None)


def read_body(body: Any) -> Body:
    """The body's paragraphs and tables in order (content controls opened up)."""
    items: list[tuple[str, int, Any]] = []
    paragraphs: dict[int, str] = {}
    counts = {"p": 0, "tbl": 0}
    for element in _blocks(body):
        kind = "p" if element.tag == f"{W}p" else "tbl"
        counts[kind] += 1
        items.append((kind, counts[kind], element))
        if kind == "p":
            paragraphs[counts[kind]] = paragraph_text(element)
    return Body(items, paragraphs)


def _blocks(parent: Any) -> Iterator[Any]:
    """The ``w:p`` and ``w:tbl`` children of a body or cell, inside content controls too."""
    for child in parent:
        if child.tag in (f"{W}p", f"{W}tbl"):
            yield child
        elif child.tag in (f"{W}sdt", f"{W}customXml", f"{W}sdtContent"):
            yield from _blocks(child)


def paragraph_text(paragraph: Any) -> str:
    """A paragraph's text: tabs and line breaks kept, text boxes and drawings left out."""
    parts: list[str] = []
    stack = [iter(paragraph)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == f"{W}t":
            parts.append(child.text or "")
        elif tag == f"{W}tab":
            parts.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
        elif len(child):
            stack.append(iter(child))
    return "".join(parts)


def table_layout(
    table: Any, limits: Limits, name: str, field_errors: tuple[str, ...] = ()
) -> Layout:
    """A table's cells at their grid positions, merged cells as ranges (like a sheet's).

    A cell whose field shows an error (``field_errors``: 错误!未找到引用源。) reads as '',
    as an error value of a workbook does, and is kept in the layout's ``suspect``.
    """
    max_cols = limits.max_columns
    values: list[list[str]] = []
    cells: dict[tuple[int, int], Any] = {}
    suspect: dict[tuple[int, int], tuple[str, str]] = {}
    nested: list[tuple[int, int, Any]] = []
    spans: list[list[int]] = []  # [r0, c0, r1, c1] of every cell wider or taller than one
    open_vertical: dict[int, list[int]] = {}  # grid column -> span of the merge going down
    for r, tr in enumerate(_rows(table)):
        row: list[str] = []
        c = _int_val(tr.find(f"{W}trPr/{W}gridBefore"), 0, max_cols)
        for tc in _row_cells(tr):
            props = tc.find(f"{W}tcPr")
            width = _int_val(None if props is None else props.find(f"{W}gridSpan"), 1, max_cols)
            width = max(width, 1)
            merge = _vmerge(props)
            if c >= max_cols:
                check_extent(name, r + 1, c + width, limits)
            row.extend([""] * (c + width - len(row)))
            above = open_vertical.get(c)
            if merge == "continue" and above is not None and above[3] == c + width - 1:
                above[2] = r  # the cell above reaches down here: nothing of its own
            else:
                row[c] = _cell_text(tc, r, c, nested)
                cells[(r, c)] = tc
                if field_errors and _field_error(tc, row[c], field_errors):
                    suspect[(r, c)] = field_error(row[c].strip())
                    row[c] = ""
                span = [r, c, r, c + width - 1]
                spans.append(span)
                for col in range(c, c + width):
                    open_vertical.pop(col, None)
                if merge == "restart":
                    open_vertical[c] = span
            c += width
        values.append(row)
        check_extent(name, r + 1, len(row), limits)
    merged = [((r0, c0), (r1, c1)) for r0, c0, r1, c1 in spans if (r0, c0) != (r1, c1)]
    return Layout(values, merged, cells, nested, suspect)


def _field_error(tc: Any, text: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a cell shows the error of a broken field (a REF to a deleted bookmark)."""
    if not text.lstrip().startswith(prefixes):
        return False
    return any(True for _ in tc.iter(f"{W}fldSimple", f"{W}fldChar"))


def _rows(table: Any) -> Iterator[Any]:
    for child in table:
        if child.tag == f"{W}tr":
            yield child
        elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            yield from _rows(child)


def _row_cells(tr: Any) -> Iterator[Any]:
    for child in tr:
        if child.tag == f"{W}tc":
            yield child
        elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            yield from _row_cells(child)


def _int_val(element: Any, default: int, cap: int) -> int:
    """A ``w:val`` number, within 0..cap (a hostile gridSpan of a million is the cap)."""
    if element is None:
        return default
    text = element.get(f"{W}val", "")
    return min(int(text), cap) if text.isdigit() else default


def _vmerge(props: Any) -> str | None:
    """'restart', 'continue' or None: the cell's part in a vertical merge."""
    if props is None:
        return None
    merge = props.find(f"{W}vMerge")
    if merge is None:
        return None
    return "restart" if merge.get(f"{W}val") == "restart" else "continue"


def _cell_text(tc: Any, r: int, c: int, nested: list[tuple[int, int, Any]]) -> str:
    """A cell's paragraphs joined by line breaks; a table inside it is noted, not read."""
    lines = []
    for block in _blocks(tc):
        if block.tag == f"{W}tbl":
            nested.append((r, c, block))
        else:
            lines.append(paragraph_text(block))
    return "\n".join(lines)


# ---------------------------------------------------------------- reading a document
def read_docx(data: bytes, source: SourceFile, config: Config, version: str | None) -> ReadResult:
    """Every annex of a .docx held in memory (raises :class:`Unreadable` for a bad file)."""
    body = read_body(open_document(data, config).element.body)
    catalog = Catalog(config)
    result = ReadResult(source)
    tables = [(n, el) for kind, n, el in body.items if kind == "tbl"]
    limits = config.limits
    errors = config.settings.word.field_errors
    layouts = {n: table_layout(el, limits, sheet_name(n), errors) for n, el in tables}
    unread: list[int] = []
    for n, _ in tables:
        forms, findings = _read_table(body, n, layouts[n], source, config, catalog)
        for form in forms:
            form.template_version = version
        result.forms += forms
        result.findings += findings
        if not forms:
            unread.append(n)
            result.ignored_sheets.append(sheet_name(n))
    hidden = _hidden_forms(body, layouts, source, config, catalog)
    result.findings += hidden
    if result.forms:
        result.findings += _unread_tables(unread, layouts, source, catalog)
    elif not hidden:
        annex = _claimed(body, layouts, source, config)
        if annex is None:
            result.ignored = True  # a cover letter or an explanation: no annex in it
        else:  # decision 28: an annex that cannot be read is never ignored in silence
            reason, advice = _why_unread(body, layouts)
            result.findings.append(
                unread_annex(catalog, config, source.display, annex, reason, advice)
            )
    return result


def open_document(data: bytes, config: Config) -> Any:
    """A .docx as a python-docx document, after the zip scan (also for annotating it).

    python-docx's lxml parser resolves no entities and reads nothing from the network;
    the scan has refused DTDs, oversized parts and too many table cells before.
    """
    parts = unpack_parts(data, config, lambda name: name.endswith((".xml", ".rels")))
    for xml in parts.values():
        if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # Word never writes one
            raise Unreadable(
                "文件内容异常（XML中含有DTD声明，可能是恶意构造的文件）",
                "the document's XML declares a DTD (possibly a hostile file)",
            )
    # Counted in every part, under any prefix: the main part's name comes from the rels.
    cells = sum(len(_TC.findall(xml)) for xml in parts.values())
    if cells > config.limits.max_table_cells:
        raise Unreadable(
            f"文档的表格共有{cells}个单元格，超过{config.limits.max_table_cells}个上限",
            f"the document's tables hold {cells} cells, more than {config.limits.max_table_cells}",
        )
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except ValueError as exc:  # a macro document, a template, another main part
        raise Unreadable(
            "这不是普通的Word文档（可能是模板或含宏的文档），请另存为 .docx",
            "not a plain Word document (a template or macro document?); save it as .docx",
        ) from exc
    except Exception as exc:  # noqa: BLE001 - python-docx raises many types on a broken file
        raise Unreadable(
            "Word文档已损坏或不完整", "the Word document is corrupt or incomplete"
        ) from exc


def _read_table(
    body: Body, n: int, layout: Layout, source: SourceFile, config: Config, catalog: Catalog
) -> tuple[list[Form], list[Finding]]:
    """The forms of table ``n``, read with the paragraphs around it, and located."""
    above, below = _around(body, n)
    rows = (
        [[body.paragraphs[p]] for p in above]
        + layout.values
        + [[body.paragraphs[p]] for p in below]
    )
    offset = len(above)
    merged = [((r0 + offset, c0), (r1 + offset, c1)) for (r0, c0), (r1, c1) in layout.merged]
    suspect = {(r + offset, c): why for (r, c), why in layout.suspect.items()}
    grid = Grid(
        rows, merged, config.limits.max_cell_chars, suspect, data_end=offset + len(layout.values)
    )
    place = _Place(sheet_name(n), above, len(layout.values), below)
    forms, read = [], set()
    for form in parse_forms(grid, place.sheet, source, config):
        read |= form.rows_read()
        form.unreadable = grid.unreadable(form.rows_read())
        forms.append(place.form(form))
    found = grid.findings(catalog, source.display, place.sheet, read)
    findings = [place.finding(f) for f in found]
    return forms, findings


def _around(body: Body, n: int) -> tuple[list[int], list[int]]:
    """Numbers of the non-empty paragraphs just above table ``n`` and just below it."""
    before: list[int] = []
    after: list[int] = []
    seen = False
    for kind, number, _ in body.items:
        if kind == "tbl":
            if seen:
                break
            seen = number == n
            if not seen:
                before = []
        elif body.paragraphs[number].strip():
            (after if seen else before).append(number)
    return before[-ABOVE:], after[:BELOW]


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a row of a table's grid is in the document: a table row or a paragraph."""

    sheet: str
    above: list[int]
    rows: int
    below: list[int]

    def at(self, grid_row: int) -> tuple[str | None, int]:
        """1-based grid row -> (``正文`` or None for the table, row or paragraph number)."""
        r = grid_row - len(self.above)
        if r < 1:
            return BODY, self.above[grid_row - 1]
        if r > self.rows:
            return BODY, self.below[min(r - self.rows, len(self.below)) - 1]
        return None, r

    def cell(self, cell: Cell) -> Cell:
        sheet, row = self.at(cell.row)
        if sheet:
            return Cell(cell.text, cell.raw, row, 0, cell.merged, sheet)
        return cell._replace(row=row)

    def form(self, form: Form) -> Form:
        """The form located in the document (its rows are all table rows)."""
        rows = [self.row(row) for row in form.rows]
        meta_sheet, meta_row = self.at(max(form.metadata_row, 1))
        title_sheet, title_row = self.at(form.title_row) if form.title_row else (BODY, None)
        return replace(
            form,
            header_row=form.header_row - len(self.above),
            rows=rows,
            metadata={k: self.cell(c) for k, c in form.metadata.items()},
            metadata_row=meta_row,
            metadata_sheet=meta_sheet,
            title_row=None if title_sheet else title_row,
            unreadable=frozenset((r - len(self.above), c) for r, c in form.unreadable),
            outside_rows=[self.row(row) for row in form.outside_rows],
            end_row=form.end_row - len(self.above) if form.end_row else None,
        )

    def row(self, row: Row) -> Row:
        """A row of the table (never a paragraph: below the table nothing is data)."""
        return Row(row.number - len(self.above), {k: self.cell(c) for k, c in row.cells.items()})

    def finding(self, finding: Finding) -> Finding:
        if finding.row is None:
            return finding
        sheet, row = self.at(finding.row)
        if sheet:
            return finding.at(sheet=sheet, row=row, cell=None)
        column = finding.cell.rstrip("0123456789") if finding.cell else None
        return finding.at(row=row, cell=f"{column}{row}" if column else None)


# ---------------------------------------------------------------- what is not read
def _hidden_forms(
    body: Body,
    layouts: dict[int, Layout],
    source: SourceFile,
    config: Config,
    catalog: Catalog,
) -> list[Finding]:
    """annex-unrecognized for an annex in a table inside a cell or in a text box (not read)."""
    found = []
    for n, layout in layouts.items():
        for r, c, table in layout.nested:
            annex = _annex_of(table, config, source)
            if annex:
                found.append(
                    catalog.make(
                        "annex-unrecognized", file=source.display, sheet=sheet_name(n),
                        row=r + 1, col=c + 1, annex=annex, reason="nested", place="table", number=annex,
                        opening="unknown", advice="body",
                    )
                )  # fmt: skip
    seen: set[tuple[int | None, int]] = set()
    for kind, number, element in body.items:
        boxes = element.iter(f"{W}txbxContent") if kind == "p" else ()
        for box in boxes:
            for table in box.iter(f"{W}tbl"):
                annex = _annex_of(table, config, source)
                if annex and (number, annex) not in seen:  # a box is stored twice (VML too)
                    seen.add((number, annex))
                    found.append(
                        catalog.make(
                            "annex-unrecognized", file=source.display, sheet=BODY, row=number,
                            annex=annex, reason="nested", place="text-box", number=annex,
                            opening="unknown", advice="body",
                        )
                    )  # fmt: skip
    return found


def _annex_of(table: Any, config: Config, source: SourceFile) -> int | None:
    """The annex a table not read as part of the body would hold, if any."""
    try:
        layout = table_layout(table, config.limits, "")
    except Unreadable:
        return None
    grid = Grid(layout.values, layout.merged, config.limits.max_cell_chars)
    forms = parse_forms(grid, "", source, config)
    return forms[0].annex if forms else None


def _claimed(
    body: Body, layouts: dict[int, Layout], source: SourceFile, config: Config
) -> int | None:
    """The annex a document without a readable one presents itself as: by its name, or
    by its heading (the first paragraphs, or the first rows of a table)."""
    annex = named_annex(source.display, config)
    if annex:
        return annex
    lines = [text for text in body.paragraphs.values() if text.strip()][:HEADING_LINES]
    lines += [t for layout in layouts.values() for row in layout.values[:2] for t in row]
    return heading_annex(lines, config)


# A picture: DrawingML (pic:pic, a blip) or VML (v:imagedata); an embedded OLE object.
_PICTURE = ("{http://schemas.openxmlformats.org/drawingml/2006/picture}pic",
            "{urn:schemas-microsoft-com:vml}imagedata")  # fmt: skip
_OBJECT = (f"{W}object", "{urn:schemas-microsoft-com:office:office}OLEObject")


def _why_unread(body: Body, layouts: dict[int, Layout]) -> tuple[str, str]:
    """(reason, advice) of a document presented as an annex in which none can be read:
    what holds its table instead — a table without the header, an embedded object, text
    boxes, pictures — or nothing."""
    if any(_holds_rows(layout) for layout in layouts.values()):
        return "no-header-row", "template"
    elements = [element for _, _, element in body.items]
    if _holding(elements, _OBJECT):
        return "object", "cells"
    boxes = [box for element in elements for box in element.iter(f"{W}txbxContent")]
    if any("".join(box.itertext()).strip() for box in boxes):
        return "text-box", "cells"
    if _holding(elements, _PICTURE):
        return "picture", "cells"
    if any(len(layout.values) >= 2 for layout in layouts.values()):
        return "no-header-row", "template"
    return "no-table", "cells"


def _holding(elements: list[Any], tags: tuple[str, ...]) -> bool:
    return any(next(element.iter(*tags), None) is not None for element in elements)


def _unread_tables(
    unread: list[int], layouts: dict[int, Layout], source: SourceFile, catalog: Catalog
) -> list[Finding]:
    """annex-unrecognized for a table with rows of data that is no annex (nothing lost).

    A document holding an annex often has other tables — a signature block, a letterhead
    laid out as a table — which are ignored; a table with several filled rows of three or
    more cells may be people's rows with a broken header, so it is reported.
    """
    found = []
    for n in unread:
        if _holds_rows(layouts[n]):
            found.append(
                catalog.make(
                    "annex-unrecognized", file=source.display, sheet=sheet_name(n), **NO_ANNEX
                )
            )
    return found


def _holds_rows(layout: Layout) -> bool:
    """Several filled rows of three or more cells: people's rows, not a signature block."""
    return sum(1 for row in layout.values if sum(1 for t in row if t.strip()) >= 3) >= 2
