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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from consolidate.model.finding import column_letter
from consolidate.reading.errors import NO_RESULT, Unreadable, error_value
from consolidate.support.config import Config, Limits

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
    # What a reader of the cells does not see (decision 28: a table pasted as a picture
    # over an empty sheet, a protected sheet): only said when no annex is read in it.
    values: bool = False  # a cell holds a value (of a sheet not loaded: a hidden one)
    drawing: bool = False  # pictures, text boxes or shapes, or a background picture
    protected: bool = False

    def worst(self, other: SheetScan) -> SheetScan:
        return SheetScan(max(self.rows, other.rows), max(self.columns, other.columns))


@dataclass(slots=True)
class ZipScan:
    """Everything one pass over a workbook's zip finds: each worksheet's scan (by sheet
    name; "" for parts no name maps to) and the custom document properties."""

    sheets: dict[str, SheetScan] = field(default_factory=dict)
    custom: bytes | None = None  # docProps/custom.xml, when small enough to parse


CUSTOM_PROPS = "docprops/custom.xml"  # as a part_key
CUSTOM_PROPS_BYTES = 1_000_000


def part_key(name: str) -> str:
    """A zip member's name as calamine finds it: either separator, any case, no leading /.

    Writers other than Excel store ``xl\\workbook.xml`` or ``XL/WORKBOOK.XML``; calamine
    reads those, so the scan must find them too.
    """
    return name.replace("\\", "/").lstrip("/").lower()


def scan_archive(archive: zipfile.ZipFile, config: Config) -> ZipScan:
    """Unpack every member once, counting, and scan each worksheet's XML (by sheet name).

    Three things calamine cannot be trusted with. The sizes in the zip directory are
    written by whoever made the file and can lie, so the real unpacked bytes are counted
    and unpacking stops at the limit. calamine allocates its grid from A1 to the last
    cell in one block, so one value at XFD1048576 would abort the whole process: the
    extent is measured here, before calamine sees the sheet. And calamine copies a shared
    string into every cell that refers to it, so a long one referred to by many cells
    counts that many times against the unpacked budget. Worksheets whose sheet name is
    unknown are kept under the key "".
    """
    budget = config.limits.max_uncompressed_bytes
    found = ZipScan()
    scans = found.sheets
    try:
        book = book_parts(archive, budget)
        strings = _shared_strings(archive, book.strings, budget)
        budget -= strings.unpacked
        if budget < 0:
            raise zip_bomb(config)
        for info in archive.infolist():
            key = part_key(info.filename)
            if key == book.strings:
                continue  # read and counted above
            name = book.sheets.get(key)
            scan = None
            with archive.open(info) as member:
                if key == CUSTOM_PROPS and info.file_size <= CUSTOM_PROPS_BYTES:
                    found.custom = bytes(_read_member(member, CUSTOM_PROPS_BYTES + 1))
                    budget -= len(found.custom)
                elif name is None and not _may_be_sheet(key, book.sheets):
                    budget -= _drain(member, budget + 1)
                else:
                    xml = _read_member(member, budget + 1)
                    budget -= len(xml)
                    if budget >= 0:
                        scan = _scan_sheet(xml, config.limits)
                        copies = strings.copies(xml)
                        if copies > budget:
                            raise repeated_text(config)
                        budget -= copies
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


def _may_be_sheet(key: str, sheet_of: dict[str, str]) -> bool:
    # calamine may resolve a sheet to a part the mapping missed: any XML part, or any part
    # at all when workbook.xml could not be mapped, is scanned (under "") to be safe.
    return not sheet_of or key.endswith(".xml")


# workbook.xml and its relationships list the sheets: small even with 1 000 sheets.
_BOOK_PART_BYTES = 16_000_000
_OFFICE_DOCUMENT = "/officeDocument"
_SHARED_STRINGS = "/sharedStrings"


@dataclass(frozen=True, slots=True)
class BookParts:
    """Where a workbook's parts are, as part keys: the workbook part itself (None: no
    package relationship names one), each worksheet part's sheet name, and the shared
    strings part."""

    main: str | None = None
    sheets: dict[str, str] = field(default_factory=dict)
    strings: str | None = None


def book_parts(archive: zipfile.ZipFile, budget: int) -> BookParts:
    """The workbook part (from ``_rels/.rels``, as calamine finds it: ``xl/workbook.xml``
    usually, at the root or elsewhere sometimes), its sheets and shared strings."""
    members = {part_key(info.filename): info for info in archive.infolist()}
    cap = min(budget, _BOOK_PART_BYTES)
    package = _relationships(archive, members.get("_rels/.rels"), "", cap)
    main = next((t for _, kind, t in package if kind.endswith(_OFFICE_DOCUMENT)), None)
    book = main or "xl/workbook.xml"
    folder, _, file = book.rpartition("/")
    rels_part = f"{folder}/_rels/{file}.rels".lstrip("/")
    rels = _relationships(archive, members.get(rels_part), folder, cap)
    strings = next((t for _, kind, t in rels if kind.endswith(_SHARED_STRINGS)), None)
    if strings is None and "xl/sharedstrings.xml" in members:
        strings = "xl/sharedstrings.xml"
    targets = {rid: target for rid, _, target in rels}
    return BookParts(main, _sheet_names(archive, members.get(book), targets, cap), strings)


def _relationships(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo | None, folder: str, cap: int
) -> list[tuple[str, str, str]]:
    """(id, type, target part key) of each relationship of a .rels part ([]: unreadable)."""
    root = _small_xml(archive, info, cap)
    found = []
    for rel in root.iter() if root is not None else ():
        target = rel.get("Target")
        if rel.tag.endswith("Relationship") and target and rel.get("TargetMode") != "External":
            path = target if target.startswith("/") else posixpath.join(folder, target)
            found.append(
                (rel.get("Id") or "", rel.get("Type") or "", part_key(posixpath.normpath(path)))
            )
    return found


def _sheet_names(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo | None, targets: dict[str, str], cap: int
) -> dict[str, str]:
    """Worksheet part key -> sheet name, from the workbook part and its relationships."""
    book = _small_xml(archive, info, cap)
    parts = {}
    for sheet in book.iter() if book is not None else ():
        if sheet.tag.endswith("}sheet") and sheet.get("name") is not None:
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                parts[targets[rid]] = sheet.get("name")
    return parts


def _small_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None, cap: int) -> Any:
    """A small part parsed by defusedxml; None when missing, too big or not XML."""
    import defusedxml.ElementTree as ET

    if info is None:
        return None
    try:
        with archive.open(info) as member:
            return ET.fromstring(bytes(_read_member(member, cap)))
    except Exception:  # noqa: BLE001 - bad or hostile XML, unknown encoding …
        return None


# ---------------------------------------------------------------- shared strings
# A shared string at most this long (bytes of its XML) costs each cell that refers to it
# no more than the cells budget allows for a cell; longer ones are counted per reference.
LONG_STRING = 64
_SI_END = re.compile(rb"</(?:[\w.-]+:)?si\s*>")
_TAG = re.compile(rb"<[^>]*>")


@dataclass(frozen=True, slots=True)
class SharedStrings:
    """The shared strings that matter to memory: index -> bytes of text, of the long ones."""

    long: dict[int, int] = field(default_factory=dict)
    unpacked: int = 0  # bytes the part unpacked to

    def copies(self, xml: bytes | bytearray) -> int:
        """Bytes calamine allocates for the long strings this sheet's cells refer to.

        An upper bound: every ``<v>N</v>`` with a long string's index counts, even a
        number that is not a shared-string reference.
        """
        if not self.long:
            return 0
        refs = Counter(_value_refs(self.long).findall(xml))
        return sum(self.long[int(index)] * count for index, count in refs.items())


def _value_refs(long: dict[int, int]) -> re.Pattern[bytes]:
    # calamine parses the index as a Rust usize: a leading + and zeros are allowed.
    if len(long) > 64:
        return _ANY_VALUE
    numbers = b"|".join(str(i).encode() for i in sorted(long, reverse=True))
    return re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>\s*\+?0*(" + numbers + rb")\s*<")


_ANY_VALUE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>\s*\+?0*([0-9]{1,9})\s*<")


def _shared_strings(archive: zipfile.ZipFile, part: str | None, budget: int) -> SharedStrings:
    """The long strings of the shared-string table, read within the unpacked budget."""
    info = next((i for i in archive.infolist() if part_key(i.filename) == part), None)
    if info is None:
        return SharedStrings()
    with archive.open(info) as member:
        xml = _read_member(member, budget + 1)
    long = {}
    start = 0
    for index, end in enumerate(_SI_END.finditer(xml)):
        # From the previous </si>: its length bounds the text's; the tags are taken off
        # only for the few that look long (no copy of the table is made).
        if end.start() - start > LONG_STRING:
            size = end.start() - start - sum(map(len, _TAG.findall(xml, start, end.start())))
            if size > LONG_STRING:
                long[index] = size
        start = end.end()
    return SharedStrings(long, len(xml))


def repeated_text(config: Config) -> Unreadable:
    mb = config.limits.max_uncompressed_bytes // 1_000_000
    return Unreadable(
        f"文件中的长文字被大量单元格重复引用，展开后超过{mb}MB（可能是恶意构造的文件）",
        f"long texts referred to by many cells expand to more than {mb} MB (possibly a hostile file)",
    )


def _scan_sheet(xml: bytes | bytearray, limits: Limits) -> SheetScan:
    if _NO_REF_TAG.search(xml):  # positions follow from the previous row or cell
        rows, cols = _extent_parsed(xml, None)
    else:
        (rows, row_digits), (cols, col_letters) = _any_extent(xml)
        bound = rows, cols
        if _large(bound, limits, REFINE_CELLS):  # formatted but empty cells do not count:
            # A value's reference is also one of any reference: none is longer.
            (rows, _), (cols, _) = _extent(xml, _VALUE_REF, (row_digits, col_letters))
            if (rows, cols) != bound and not _large((rows, cols), limits):
                rows, cols = _extent_parsed(xml, bound)  # the regex may miss odd XML
    errors: dict[tuple[int, int], str] = {}
    suspect = _suspect_cells(xml, errors) if _may_hold_suspects(xml) else {}
    values = bool(rows and _VALUE.search(xml))
    return SheetScan(rows, cols, suspect, errors, _hidden_rows(xml), values, *_marks(xml))


# A cell's value (<v>, an inline string <is>), and the elements after the cells that hold a
# drawing (pictures, text boxes, shapes), a background picture, or the sheet's protection.
_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|is)[\s>]")
_DRAWING = re.compile(rb"<(?:[\w.-]+:)?(?:drawing|picture)[\s/>]")
_PROTECTION = re.compile(
    rb"""<(?:[\w.-]+:)?sheetProtection\s[^>]*?\bsheet\s*=\s*["'](?:1|true)["']"""
)


def _marks(xml: bytes | bytearray) -> tuple[bool, bool]:
    """(drawing, protected): searched after the cells, where the schema puts them."""
    tail = xml[max(xml.rfind(b"sheetData"), 0) :]
    return bool(_DRAWING.search(tail)), bool(_PROTECTION.search(tail))


# A sheet whose references reach over this many cells is measured by its values: a
# template formatted down to row 60 000 holds only a few.
REFINE_CELLS = 200_000


def _large(extent: tuple[int, int], limits: Limits, cells: int | None = None) -> bool:
    rows, cols = extent
    too_far = rows > limits.max_rows_per_sheet + HEADER_ROOM or cols > limits.max_columns
    return too_far or (cells is not None and rows * cols > cells)


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


def _extent(
    xml: bytes | bytearray, refs: tuple[bytes, bytes], most: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The last row and column among the references, by regex at C speed (no loop over
    cells), from the longest down (at most ``most`` digits / letters): one pass finds
    the last row of a big sheet. Each comes with the length it was found at.

    With ``_ANY_REF`` an upper bound: every r="…" counts, even of an empty formatted cell
    or inside another attribute's value. With ``_VALUE_REF`` what cells with content
    prove.
    """
    return (
        _longest(xml, refs[0], most[0], _row_number),
        _longest(xml, refs[1], most[1], _column_number),
    )


def _any_extent(xml: bytes | bytearray) -> tuple[tuple[int, int], tuple[int, int]]:
    """``_extent(xml, _ANY_REF, (7, 3))`` in one pass per template.

    A reference found at a length is the same match at every lesser one (its digits or
    letters run to the end, and no match can start inside another), so the references
    of the least length, their longest kept, are what the pass from the longest finds.
    """
    return (
        _longest_once(xml, _ANY_REF[0], 7, _row_number),
        _longest_once(xml, _ANY_REF[1], 3, _column_number),
    )


def _longest_once(
    xml: bytes | bytearray, template: bytes, most: int, number: Callable
) -> tuple[int, int]:
    found = set(re.findall(template % 1, xml))
    if not found:
        return 0, 0
    length = min(most, max(map(len, found)))
    return max(number(ref) for ref in found if len(ref) >= length), length


def _longest(
    xml: bytes | bytearray, template: bytes, most: int, number: Callable
) -> tuple[int, int]:
    for length in range(most, 0, -1):
        found = re.findall(template % length, xml)
        if found:
            return max(map(number, set(found))), length
    return 0, 0


def _row_number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 9 else 10**9  # int() refuses huge digit strings


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
            reason = error_value(error)
            errors[at] = error
        elif cached is None or (not cached[1] and kind != b"str"):
            reason = NO_RESULT
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


class CellBudget:
    """The cells of all sheets of one file, each counted from A1 to its last value, taken
    before the sheet is loaded: what the reader holds grows with them, and a few far-out
    cells in several sheets, each within the row and column limits, add up."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.limit = limits.max_cells
        self.used = 0

    def take(self, name: str, rows: int, columns: int) -> None:
        self.used += rows * columns
        if self.used > self.limit:
            where = (
                f"工作表“{name}”到第{rows}行、第{columns}列"
                if name
                else f"到第{rows}行、第{columns}列"
            )
            raise Unreadable(
                f"表格共有{self.used}个单元格（{where}），超过{self.limit}个单元格的上限；"
                "请删除表格下方或右侧多余的内容，或分成几个文件报送",
                f"the sheets hold {self.used} cells ({name or 'a sheet'} reaching row {rows}, "
                f"column {columns}), more than the limit of {self.limit}",
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
