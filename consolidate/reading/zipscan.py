"""A look inside the zip before calamine, in one pass: real sizes, extents, cells, rows.

The real unpacked sizes, each sheet's extent, its suspect cells and hidden rows, and the
custom document properties.

Suspect cells are those whose empty value hides an error or a formula without result.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from consolidate.model.config import Config, Limits
from consolidate.model.finding import column_letter
from consolidate.reading.errors import Unreadable

# ---------------------------------------------------------------- a look inside the zip first
# Rows a sheet may hold beyond max_rows_per_sheet data rows: title, metadata, header, notes.
HEADER_ROOM = 100
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError, ValueError)  # fmt: skip
_CHUNK = 1 << 20


@dataclass(slots=True)
class SheetScan:
    """What a worksheet's XML shows before calamine builds its grid from it."""

    rows: int = 0  # last row holding a value (1-based; an upper bound when within limits)
    columns: int = 0  # last column holding a value
    # 0-based (row, col) -> (zh, en) reason for cells whose value calamine reads as ''
    suspect: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # error values shown
    hidden: frozenset[int] = frozenset()  # 0-based rows hidden (calamine does not say)

    def worst(self, other: SheetScan) -> SheetScan:
        return SheetScan(max(self.rows, other.rows), max(self.columns, other.columns))


@dataclass(slots=True)
class ZipScan:
    """Everything one pass over a workbook's zip finds: each worksheet's scan (by sheet
    name; "" for parts no name maps to) and the custom document properties."""

    sheets: dict[str, SheetScan] = field(default_factory=dict)
    custom: bytes | None = None  # docProps/custom.xml, when small enough to parse


CUSTOM_PROPS = "docProps/custom.xml"
CUSTOM_PROPS_BYTES = 1_000_000


def scan_archive(archive: zipfile.ZipFile, config: Config) -> ZipScan:
    """Unpack every member once, counting, and scan each worksheet's XML (by sheet name).

    Two things calamine cannot be trusted with: the sizes in the zip directory are written
    by whoever made the file and can lie, so the real unpacked bytes are counted and
    unpacking stops at the limit; and calamine allocates its grid from A1 to the last
    cell in one block, so one value at XFD1048576 would abort the whole process — the
    extent is checked here, before calamine sees the sheet. Worksheets whose sheet name is
    unknown are kept under the key "".
    """
    budget = config.limits.max_uncompressed_bytes
    found = ZipScan()
    scans = found.sheets
    try:
        sheet_of = _sheet_parts(archive, budget)
        for info in archive.infolist():
            name = sheet_of.get(info.filename)
            with archive.open(info) as member:
                if info.filename == CUSTOM_PROPS and info.file_size <= CUSTOM_PROPS_BYTES:
                    found.custom = bytes(_read_member(member, CUSTOM_PROPS_BYTES + 1))
                    budget -= len(found.custom)
                    scan = None
                elif name is None and not _may_be_sheet(info.filename, sheet_of):
                    budget -= _drain(member, budget + 1)
                    scan = None
                else:
                    xml = _read_member(member, budget + 1)
                    budget -= len(xml)
                    scan = _scan_sheet(xml, config.limits) if budget >= 0 else None
            if budget < 0:
                raise zip_bomb(config)
            if scan is not None:
                key = name if name is not None else ""
                scans[key] = scans[key].worst(scan) if key in scans else scan
    except ZIP_ERRORS as exc:
        raise Unreadable(
            "文件已损坏（压缩包内容不完整）", "the file is corrupt (broken zip content)"
        ) from exc
    return found


def _read_member(member: io.BufferedIOBase, limit: int) -> bytearray:
    """A zip member's bytes, at most ``limit``; grown in place (read(n) copies quadratically)."""
    data = bytearray()
    while len(data) < limit and (chunk := member.read(min(_CHUNK, limit - len(data)))):
        data += chunk
    return data


def _drain(member: io.BufferedIOBase, limit: int) -> int:
    """How many bytes a zip member unpacks to, counted up to ``limit`` (nothing kept)."""
    total = 0
    while total < limit and (chunk := member.read(min(_CHUNK, limit - total))):
        total += len(chunk)
    return total


def _may_be_sheet(part: str, sheet_of: dict[str, str]) -> bool:
    # calamine may resolve a sheet to a part the mapping missed: any XML part, or any part
    # at all when workbook.xml could not be mapped, is scanned (under "") to be safe.
    return not sheet_of or part.lower().endswith(".xml")


# workbook.xml and its relationships list the sheets: small even with 1 000 sheets.
_BOOK_PART_BYTES = 16_000_000


def _sheet_parts(archive: zipfile.ZipFile, budget: int) -> dict[str, str]:
    """Worksheet part -> sheet name, from xl/workbook.xml and its relationships."""
    import defusedxml.ElementTree as ET

    cap = min(budget, _BOOK_PART_BYTES)
    try:
        with archive.open("xl/workbook.xml") as member:
            book = ET.fromstring(bytes(_read_member(member, cap)))
        with archive.open("xl/_rels/workbook.xml.rels") as member:
            rels = ET.fromstring(bytes(_read_member(member, cap)))
    except Exception:  # noqa: BLE001 - no part, bad or hostile XML, unknown encoding …
        return {}  # then every part is scanned, under ""
    targets = {}
    for rel in rels.iter():
        target = rel.get("Target")
        if rel.tag.endswith("Relationship") and target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[rel.get("Id")] = posixpath.normpath(path)
    parts = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet") and sheet.get("name") is not None:
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                parts[targets[rid]] = sheet.get("name")
    return parts


def _scan_sheet(xml: bytes | bytearray, limits: Limits) -> SheetScan:
    max_rows, max_cols = limits.max_rows_per_sheet + HEADER_ROOM, limits.max_columns
    if _NO_REF_TAG.search(xml):  # positions follow from the previous row or cell
        rows, cols = _extent_parsed(xml, None)
    else:
        bound = rows, cols = _extent_bound(xml, max_rows, max_cols, _ANY_REF)
        if rows > max_rows or cols > max_cols:  # formatted but empty cells do not count:
            rows, cols = _extent_bound(xml, max_rows, max_cols, _VALUE_REF)
            if rows <= max_rows and cols <= max_cols:  # the regex may miss odd XML
                rows, cols = _extent_parsed(xml, bound)
    errors: dict[tuple[int, int], str] = {}
    suspect = _suspect_cells(xml, errors) if _may_hold_suspects(xml) else {}
    return SheetScan(rows, cols, suspect, errors, _hidden_rows(xml))


# One attribute, its value quoted either way (XML allows both, and > inside a value).
_ATTR = rb"""\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')"""
# A <row> or <c> start tag with no r="…" attribute (allowed: it follows the previous one).
_NO_REF_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:row|c)(?:\s+(?!r\s*=)" + _ATTR[3:] + rb")*\s*/?>")


# Row numbers / column names of references, as templates for their least length:
# of any row or cell, and of cells with content (a child element, not <c …/> or <c></c>).
_ANY_REF = (rb"""r\s*=\s*["'][A-Za-z]*([0-9]{%d,})""", rb"""r\s*=\s*["']([A-Za-z]{%d,})[0-9]""")
_VALUE_REF = tuple(
    rb"<(?:[\w.-]+:)?c\s[^>]*?" + ref + rb"""[^"']*["'][^>]*(?<!/)>\s*<(?!/)""" for ref in _ANY_REF
)


def _extent_bound(
    xml: bytes | bytearray, max_rows: int, max_cols: int, refs: tuple[bytes, bytes]
) -> tuple[int, int]:
    """Bounds of the last row and column, by regex at C speed (no loop over cells).

    With ``_ANY_REF`` an upper bound: every r="…" counts, even of an empty formatted cell
    or inside another attribute's value. With ``_VALUE_REF`` what cells with content
    prove. Only references long enough to pass a limit are collected (as many digits /
    letters as the limit): shorter ones are within it.
    """
    digits, letters = len(str(max_rows)), len(column_letter(max_cols))
    long_rows = re.findall(refs[0] % digits, xml)
    wide_cols = set(re.findall(refs[1] % letters, xml))
    return (
        max(map(int, long_rows), default=10 ** (digits - 1) - 1),
        max(map(_column_number, wide_cols), default=_column_number(b"Z" * (letters - 1))),
    )


def _extent_parsed(xml: bytes | bytearray, bound: tuple[int, int] | None) -> tuple[int, int]:
    """The last row and column holding a value, positions followed as calamine does.

    A real XML parser, so that quoting or spacing cannot hide a cell; slower, hence only
    for sheets the regex cannot clear. XML the parser rejects keeps the regex ``bound``.
    """
    from xml.parsers import expat

    row = col = last_row = last_col = 0
    open_cell: tuple[int, int] | None = None

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, last_row, last_col, open_cell
        name = name.rpartition(":")[2]
        if name == "row":
            ref = attrs.get("r", "")
            row, col = (int(ref) if ref.isdigit() else row + 1), 0
        elif name == "c":
            letters, digits = _split_ref(attrs.get("r", ""))
            col = _column_number(letters.encode()) if letters else col + 1
            row = int(digits) if digits else row
            open_cell = (row, col)
        elif name in ("v", "is", "f") and open_cell is not None:  # the cell holds a value
            last_row, last_col = max(last_row, open_cell[0]), max(last_col, open_cell[1])
            open_cell = None

    def end(name: str) -> None:
        nonlocal open_cell
        if name.rpartition(":")[2] == "c":
            open_cell = None

    def no_entities(*_args: object) -> None:
        # A worksheet declares no entities: one that does is hostile (an entity bomb), as
        # defusedxml judges; the regex bound stands, or the sheet is corrupt.
        raise ValueError("entity declared")

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = no_entities
    try:
        for at in range(0, len(xml), _CHUNK):
            parser.Parse(bytes(xml[at : at + _CHUNK]), False)
        parser.Parse(b"", True)
    except (expat.ExpatError, ValueError) as exc:
        if bound is None:
            raise Unreadable(
                "工作表内容已损坏（XML格式错误）", "a sheet is corrupt (bad XML)"
            ) from exc
        return bound
    return last_row, last_col


def _split_ref(ref: str) -> tuple[str, str]:
    letters = ref.rstrip("0123456789")
    return letters, ref[len(letters) :]


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


# calamine gives '' for an error value (#N/A) and for a formula saved without its result
# (files written by scripts): both look like an empty cell, so find them in the XML.
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
_ERROR_TYPE = re.compile(rb"""t\s*=\s*["']e["']""")
_CELL = re.compile(
    rb"<(?:[\w.-]+:)?c(?P<attrs>(?:" + _ATTR + rb")*)\s*(?:/>|>(?P<body>.*?)</(?:[\w.-]+:)?c\s*>)",
    re.S,
)
_CACHED = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>([^<]*)</(?:[\w.-]+:)?v\s*>")


def _may_hold_suspects(xml: bytes | bytearray) -> bool:
    # Plain `in` first: it runs at memory speed on the usual sheet without formulas.
    formula = (b"<f" in xml or b":f" in xml) and _FORMULA.search(xml)
    return bool(formula or _ERROR_TYPE.search(xml))


def _suspect_cells(
    xml: bytes | bytearray, errors: dict[tuple[int, int], str]
) -> dict[tuple[int, int], tuple[str, str]]:
    """0-based (row, col) -> reason, for error cells and formulas with no cached result;
    the error values shown are also put in ``errors``."""
    from xml.sax.saxutils import unescape

    found = {}
    for match in _CELL.finditer(xml):
        pairs = re.finditer(_ATTR, match["attrs"])
        attrs = {m[1]: m[2] if m[2] is not None else m[3] for m in pairs}
        body = match["body"] or b""
        kind = attrs.get(b"t", b"n")
        if kind != b"e" and not _FORMULA.search(body):
            continue
        letters, digits = _split_ref(attrs.get(b"r", b"").decode("ascii", "replace"))
        if not letters or not digits:
            continue  # no position to point at (Excel always writes one)
        cached = _CACHED.search(body)
        at = (int(digits) - 1, _column_number(letters.encode()) - 1)
        if kind == b"e":
            error = unescape(cached[1].decode("utf-8", "replace")) if cached else "?"
            reason = (f"单元格是错误值 {error}", f"the cell holds the error value {error}")
            errors[at] = error
        elif cached is None or (not cached[1] and kind != b"str"):
            reason = ("公式没有计算结果", "the formula has no calculated result")
        else:
            continue  # a formula with its cached result: calamine reads that result
        found[at] = reason
    return found


# A <row> start tag, and the attributes that hide a row: hidden="1", or a height of zero.
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row(?P<attrs>(?:" + _ATTR + rb")*)\s*/?>")
_HIDING = re.compile(rb"""(?:hidden\s*=\s*["'](?:1|true)["']|ht\s*=\s*["']0*(?:\.0*)?["'])""")


def _hidden_rows(xml: bytes | bytearray) -> frozenset[int]:
    """0-based rows hidden in Excel (a departed person hidden instead of deleted)."""
    if not _HIDING.search(xml):  # the usual sheet: one search at C speed
        return frozenset()
    hidden = set()
    row = 0
    for match in _ROW_TAG.finditer(xml):
        pairs = re.finditer(_ATTR, match["attrs"])
        attrs = {m[1]: m[2] if m[2] is not None else m[3] for m in pairs}
        ref = attrs.get(b"r", b"")
        row = int(ref) if ref.isdigit() else row + 1  # no r: the row after the last
        if attrs.get(b"hidden") in (b"1", b"true") or _zero(attrs.get(b"ht")):
            hidden.add(row - 1)
    return frozenset(hidden)


def _zero(height: bytes | None) -> bool:
    try:
        return height is not None and float(height) == 0
    except ValueError:
        return False


def check_extent(name: str, rows: int, columns: int, limits: Limits) -> None:
    """Refuse a sheet whose content reaches beyond the configured rows or columns."""
    max_rows, max_cols = limits.max_rows_per_sheet, limits.max_columns
    if rows > max_rows + HEADER_ROOM:
        raise Unreadable(
            f"工作表“{name}”的内容到第{rows}行，超过{max_rows}行上限",
            f"sheet {name!r} reaches row {rows}, more than the limit of {max_rows} rows",
        )
    if columns > max_cols:
        raise Unreadable(
            f"工作表“{name}”的内容到第{columns}列（{column_letter(columns)}列），超过{max_cols}列上限；"
            "请删除表格右侧多余的内容",
            f"sheet {name!r} reaches column {column_letter(columns)}, more than the limit of {max_cols} columns",
        )


def zip_bomb(config: Config) -> Unreadable:
    mb = config.limits.max_uncompressed_bytes // 1_000_000
    return Unreadable(
        f"文件解压后超过{mb}MB（可能是恶意构造的文件）",
        f"it unpacks to more than {mb} MB (possibly a zip bomb)",
    )


def unpack_parts(data: bytes, config: Config, keep: Callable[[str], bool]) -> dict[str, bytes]:
    """Unpack every member once within the limits, keeping the bytes of the parts ``keep``
    accepts (by name).

    For containers other than workbooks (a Word document): the real unpacked bytes are
    counted as for a workbook, and so are the members (a zip of a million empty files).
    """
    budget = config.limits.max_uncompressed_bytes
    kept: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > config.limits.max_zip_parts:
                raise Unreadable(
                    f"压缩包内有{len(members)}个部件，超过{config.limits.max_zip_parts}个上限",
                    f"the zip holds {len(members)} parts, more than {config.limits.max_zip_parts}",
                )
            for info in members:
                with archive.open(info) as member:
                    if keep(info.filename):
                        part = _read_member(member, budget + 1)
                        budget -= len(part)
                        kept[info.filename] = bytes(part)
                    else:
                        budget -= _drain(member, budget + 1)
                if budget < 0:
                    raise zip_bomb(config)
    except ZIP_ERRORS as exc:
        raise Unreadable(
            "文件已损坏（压缩包内容不完整）", "the file is corrupt (broken zip content)"
        ) from exc
    return kept
