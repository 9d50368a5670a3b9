"""Read district workbooks as they really arrive into forms with cell origins.

The only module (with the writers) that touches input files. Each file is read once
into memory: its sha256 comes from the same bytes the parser sees. python-calamine does
the parsing (many times faster than openpyxl, and it reads .xls too); merged ranges come
from calamine as well, so openpyxl is never needed to read.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .config import AnnexSpec, Config, load_config
from .findings import Catalog, Finding, column_letter
from .forms import Cell, Form, ReadResult, Row, SourceFile
from .normalize import cell_text, header_key, normalize_district, squash

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls")


class Unreadable(Exception):
    """Internal: why a file cannot be read, in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


# ---------------------------------------------------------------- entry points
def read_file(path: Path, display: str | None = None, config: Config | None = None) -> ReadResult:
    """Read every annex of one workbook; never raises for a bad file."""
    config = config or load_config()
    display = display or str(path)
    try:
        data, info = _read_stable(path, config.limits["max_file_bytes"])
    except Unreadable as why:
        return _unreadable(SourceFile(display, path, "", 0, 0.0), config, why)
    return read_bytes(data, display, path=path, mtime=info.st_mtime, config=config)


def _read_stable(path: Path, limit: int) -> tuple[bytes, os.stat_result]:
    """The file's bytes, read once: the hash and the parser both see exactly these.

    A FIFO or device would block or never end, so only regular files are read. A file
    whose size or time changes while it is read (still being copied into the inbox) is
    refused rather than judged on a torn copy.
    """
    mb = limit // 1_000_000
    try:
        before = path.stat()
        if not stat.S_ISREG(before.st_mode):
            raise Unreadable("这不是普通文件（可能是文件夹、设备或管道）", "not a regular file")
        if before.st_size > limit:
            raise Unreadable(f"文件超过{mb}MB上限", f"larger than {mb} MB")
        data = _read_at_most(path, limit + 1)
        after = path.stat()
    except OSError as exc:
        raise Unreadable(
            "文件无法打开（没有读取权限或已被删除）", f"cannot open: {exc.strerror or exc}"
        ) from exc
    if len(data) > limit:
        raise Unreadable(f"文件超过{mb}MB上限", f"larger than {mb} MB")
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(
        data
    ) != after.st_size:
        raise Unreadable(
            "读取时文件正在被修改（可能还在复制中），请等文件复制完成后重新运行",
            "the file changed while it was read (still being copied?); run again when it is complete",
        )
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
) -> ReadResult:
    """Read a workbook held in memory (an upload, or a file already read); never raises."""
    config = config or load_config()
    source = SourceFile(
        display, path or Path(display), hashlib.sha256(data).hexdigest(), len(data), mtime
    )
    try:
        return _read_workbook(data, source, config)
    except Unreadable as why:
        return _unreadable(source, config, why)
    except Exception as exc:  # noqa: BLE001 - a bad file is a finding, never a traceback
        why = Unreadable(
            f"文件内容异常，无法读取（{type(exc).__name__}）",
            f"unexpected content ({type(exc).__name__})",
        )
        return _unreadable(source, config, why)


def load_grids(data: bytes, suffix: str, config: Config) -> list[tuple[str, Grid | None]]:
    """Every sheet of a workbook held in memory as a grid (None: a sheet to ignore).

    The same checked path as submissions (format sniffing, zip scan, limits); raises
    :class:`Unreadable` with the reason. Used for the baseline register too.
    """
    kind = _sniff(data, suffix, config)
    scans = _scan_zip(data, config) if kind == "zip" else None
    return _load_sheets(data, kind, config, scans, suffix)[0]


def _read_workbook(data: bytes, source: SourceFile, config: Config) -> ReadResult:
    suffix = source.path.suffix.lower()
    kind = _sniff(data, suffix, config)
    scans = _scan_zip(data, config) if kind == "zip" else None
    sheets, version = _load_sheets(data, kind, config, scans, suffix)
    result = ReadResult(source)
    catalog = Catalog(config)
    display = source.display
    for name, grid in sheets:
        if grid is None:
            result.ignored_sheets.append(name)
            continue
        try:
            form = parse_sheet(grid, name, source, config)
        except Exception as exc:  # noqa: BLE001 - one odd sheet must not crash the run
            raise Unreadable(
                f"工作表“{name}”的内容无法识别（{type(exc).__name__}）",
                f"the content of sheet {name!r} cannot be read ({type(exc).__name__})",
            ) from exc
        if form is None:
            result.findings.append(catalog.make("annex-unrecognized", file=display, sheet=name))
            continue
        form.template_version = version
        result.forms.append(form)
        result.findings.extend(grid.findings(catalog, display, name, _rows_read(form)))
    if not result.forms and not result.findings:
        result.findings.append(catalog.make("annex-unrecognized", file=display))
    return result


def _rows_read(form: Form) -> set[int]:
    """1-based rows whose cells the form uses: title, metadata, header and data rows."""
    rows = {r.number for r in form.rows} | {c.row for c in form.metadata.values()}
    rows |= set(range(form.header_row, form.header_row + form.header_rows))
    return rows | {form.title_row} if form.title_row else rows


def _unreadable(source: SourceFile, config: Config, why: Unreadable) -> ReadResult:
    finding = Catalog(config).make("file-unreadable", file=source.display, reason=why.zh)
    finding = finding.at(
        message_en=Catalog(config).render("file-unreadable", "en", {"reason": why.en})
    )
    return ReadResult(source, findings=[finding], unreadable=True)


# ---------------------------------------------------------------- containers and formats
# What to tell a clerk about a file the parser cannot take, by its ending.
_FORMAT_HINTS = {
    ".xlsb": ("这是 .xlsb 二进制工作簿，请另存为 .xlsx", "this is an .xlsb workbook; save it as .xlsx"),
    ".ods": ("这是 OpenDocument（.ods）表格，请另存为 .xlsx", "this is an .ods spreadsheet; save it as .xlsx"),
    ".et": ("这是WPS表格（.et）格式，请在WPS中另存为 .xlsx", "this is a WPS .et workbook; save it as .xlsx"),
    ".ett": ("这是WPS表格模板（.ett）格式，请在WPS中另存为 .xlsx", "this is a WPS .ett template; save it as .xlsx"),
    ".csv": ("这是CSV文本文件，不是Excel表格；请把内容填入模板后另存为 .xlsx", "this is a CSV text file, not a workbook; fill in the template and save it as .xlsx"),
}  # fmt: skip


def _not_a_workbook(suffix: str) -> Unreadable:
    zh, en = _FORMAT_HINTS.get(
        suffix,
        (
            "文件内容不是Excel表格（可能是其他文件改了扩展名）",
            "not a spreadsheet (another file renamed?)",
        ),
    )
    return Unreadable(zh, en)


def _sniff(data: bytes, suffix: str, config: Config) -> str:
    """'zip' or 'ole', or raise Unreadable with the reason a clerk understands."""
    if not data:
        raise Unreadable("文件是空的（0字节）", "the file is empty (0 bytes)")
    if data.startswith(ZIP_MAGIC):
        _check_zip(data, config)
        return "zip"
    if data.startswith(OLE_MAGIC):
        if _ole_encrypted(data):
            raise Unreadable("文件设置了打开密码", "the file is protected by a password")
        return "ole"
    if data.startswith(b"%PDF"):
        raise Unreadable("这是PDF文件，不是Excel表格", "this is a PDF, not a spreadsheet")
    if data.lstrip()[:1] in (b"<",):
        raise Unreadable(
            "这是网页或XML文件，不是Excel表格", "this is HTML or XML, not a spreadsheet"
        )
    raise _not_a_workbook(suffix)


def _check_zip(data: bytes, config: Config) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Unreadable("文件已损坏（压缩包不完整）", "the file is corrupt (broken zip)") from exc
    if "xl/workbook.bin" in names:
        raise Unreadable(*_FORMAT_HINTS[".xlsb"])
    if "content.xml" in names:
        raise Unreadable(*_FORMAT_HINTS[".ods"])
    if "xl/workbook.xml" not in names:
        raise Unreadable(
            "压缩包中没有Excel工作簿（可能是Word等其他文件）", "the zip holds no Excel workbook"
        )
    if total > config.limits["max_uncompressed_bytes"]:
        raise _zip_bomb(config)


def _zip_bomb(config: Config) -> Unreadable:
    mb = config.limits["max_uncompressed_bytes"] // 1_000_000
    return Unreadable(
        f"文件解压后超过{mb}MB（可能是恶意构造的文件）",
        f"it unpacks to more than {mb} MB (possibly a zip bomb)",
    )


def _ole_encrypted(data: bytes) -> bool:
    """True for an encrypted workbook (an .xlsx with a password is an OLE container)."""
    try:
        import olefile  # installed with msoffcrypto-tool

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                return True
        import msoffcrypto

        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # noqa: BLE001 - a broken container is judged by calamine next
        return False


# ---------------------------------------------------------------- a look inside the zip first
# Rows a sheet may hold beyond max_rows_per_sheet data rows: title, metadata, header, notes.
HEADER_ROOM = 100
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError, ValueError)  # fmt: skip
_CHUNK = 1 << 20


@dataclass(slots=True)
class _SheetScan:
    """What a worksheet's XML shows before calamine builds its grid from it."""

    rows: int = 0  # last row holding a value (1-based; an upper bound when within limits)
    columns: int = 0  # last column holding a value
    # 0-based (row, col) -> (zh, en) reason for cells whose value calamine reads as ''
    suspect: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # error values shown

    def worst(self, other: _SheetScan) -> _SheetScan:
        return _SheetScan(max(self.rows, other.rows), max(self.columns, other.columns))


def _scan_zip(data: bytes, config: Config) -> dict[str, _SheetScan]:
    """Unpack every member once, counting, and scan each worksheet's XML (by sheet name).

    Two things calamine cannot be trusted with: the sizes in the zip directory are written
    by whoever made the file and can lie, so the real unpacked bytes are counted and
    unpacking stops at the limit; and calamine allocates its grid from A1 to the last
    cell in one block, so one value at XFD1048576 would abort the whole process — the
    extent is checked here, before calamine sees the sheet. Worksheets whose sheet name is
    unknown are kept under the key "".
    """
    budget = config.limits["max_uncompressed_bytes"]
    scans: dict[str, _SheetScan] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet_of = _sheet_parts(archive, budget)
            for info in archive.infolist():
                name = sheet_of.get(info.filename)
                with archive.open(info) as member:
                    if name is None and not _may_be_sheet(info.filename, sheet_of):
                        budget -= _drain(member, budget + 1)
                        scan = None
                    else:
                        xml = _read_member(member, budget + 1)
                        budget -= len(xml)
                        scan = _scan_sheet(xml, config.limits) if budget >= 0 else None
                if budget < 0:
                    raise _zip_bomb(config)
                if scan is not None:
                    key = name if name is not None else ""
                    scans[key] = scans[key].worst(scan) if key in scans else scan
    except _ZIP_ERRORS as exc:
        raise Unreadable(
            "文件已损坏（压缩包内容不完整）", "the file is corrupt (broken zip content)"
        ) from exc
    return scans


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
    import xml.etree.ElementTree as ET

    cap = min(budget, _BOOK_PART_BYTES)
    try:
        with archive.open("xl/workbook.xml") as member:
            book = ET.fromstring(bytes(_read_member(member, cap)))
        with archive.open("xl/_rels/workbook.xml.rels") as member:
            rels = ET.fromstring(bytes(_read_member(member, cap)))
    except Exception:  # noqa: BLE001 - no part, bad XML, unknown encoding …
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


def _scan_sheet(xml: bytes | bytearray, limits: dict[str, int]) -> _SheetScan:
    max_rows, max_cols = limits["max_rows_per_sheet"] + HEADER_ROOM, limits["max_columns"]
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
    return _SheetScan(rows, cols, suspect, errors)


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

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
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


def _check_extent(name: str, rows: int, columns: int, limits: dict[str, int]) -> None:
    """Refuse a sheet whose content reaches beyond the configured rows or columns."""
    max_rows, max_cols = limits["max_rows_per_sheet"], limits["max_columns"]
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


def _load_sheets(
    data: bytes,
    kind: str,
    config: Config,
    scans: dict[str, _SheetScan] | None = None,
    suffix: str = "",
) -> tuple[list[tuple[str, Grid | None]], str | None]:
    """Every visible worksheet as a grid (None for sheets to ignore) and the template mark."""
    import python_calamine as calamine

    limits = config.limits
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise Unreadable("文件设置了打开密码", "the file is protected by a password") from exc
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        if suffix in _FORMAT_HINTS:
            raise _not_a_workbook(suffix) from exc
        raise Unreadable(
            "文件已损坏或不是Excel格式", f"corrupt or not a workbook ({type(exc).__name__})"
        ) from exc
    metadata = workbook.sheets_metadata
    if len(metadata) > limits["max_sheets"]:
        raise Unreadable(
            f"工作表有{len(metadata)}个，超过{limits['max_sheets']}个上限",
            f"{len(metadata)} sheets, more than the limit of {limits['max_sheets']}",
        )
    helpers = set(config.settings["template"].get("helper_sheets", ()))
    sheets: list[tuple[str, Grid | None]] = []
    for meta in metadata:
        visible = str(meta.visible).endswith("Visible") and "Hidden" not in str(meta.visible)
        if not visible or "WorkSheet" not in str(meta.typ) or meta.name in helpers:
            sheets.append((meta.name, None))
            continue
        grid = sheet_grid(workbook, meta.name, limits, scans)
        sheets.append((meta.name, grid if not grid.is_empty() else None))
    version = _template_version(data, config) if kind == "zip" else None
    return sheets, version


def sheet_grid(
    workbook: object, name: str, limits: dict[str, int], scans: dict[str, _SheetScan] | None
) -> Grid:
    """One sheet as a grid, its extent checked first when the zip was scanned."""
    scan = None
    if scans is not None:
        # A name the scan did not map (odd workbook.xml): judge by the worst sheet.
        scan = scans.get(name) or _worst(scans.values())
        _check_extent(name, scan.rows, scan.columns, limits)
    try:
        sheet = workbook.get_sheet_by_name(name)  # type: ignore[attr-defined]
        return _grid(sheet, limits, scan.suspect if scan else None)
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _odd_error(name, scan) or Unreadable(
            f"工作表“{name}”已损坏", f"sheet {name!r} is corrupt"
        ) from exc


# The error values calamine reads; newer ones (#SPILL!, #CALC!, #BUSY! …) make it fail.
_CALAMINE_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"}


def _odd_error(name: str, scan: _SheetScan | None) -> Unreadable | None:
    """Why calamine failed, when the sheet shows an error value it does not know."""
    odd = sorted(
        (at, e) for at, e in (scan.errors if scan else {}).items() if e not in _CALAMINE_ERRORS
    )
    if not odd:
        return None
    (r, c), error = odd[0]
    cell = f"{column_letter(c + 1)}{r + 1}"
    return Unreadable(
        f"工作表“{name}”的{cell}单元格是错误值 {error}（新版Excel函数的结果），无法读取；"
        "请把它改为直接填写的内容",
        f"cell {cell} of sheet {name!r} holds the error value {error} (a newer Excel function), "
        "which cannot be read; replace it by a plain value",
    )


def _worst(scans: object) -> _SheetScan:
    worst = _SheetScan()
    for scan in scans:  # type: ignore[attr-defined]
        worst = worst.worst(scan)
    return worst


_CUSTOM_PROPS = "docProps/custom.xml"
_CUSTOM_PROPS_BYTES = 1_000_000


def _template_version(data: bytes, config: Config) -> str | None:
    """The version mark our own templates carry as a custom document property."""
    import xml.etree.ElementTree as ET

    wanted = config.settings["template"]["property"]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(_CUSTOM_PROPS)
            if info.file_size > _CUSTOM_PROPS_BYTES:
                return None
            root = ET.fromstring(archive.read(info))
    except (KeyError, zipfile.BadZipFile, OSError, ET.ParseError):
        return None
    # Parsed rather than matched: writers differ in namespaces and attribute order.
    for prop in root:
        if prop.get("name") == wanted:
            return "".join(prop.itertext()).strip() or None
    return None


# ---------------------------------------------------------------- the grid of one sheet
class Grid:
    """A sheet's values (0-based) with merged ranges resolved to their top-left cell."""

    def __init__(
        self,
        values: list[list[object]],
        merged: list,
        max_chars: int,
        suspect: dict[tuple[int, int], tuple[str, str]] | None = None,
    ) -> None:
        self.values = values
        self.height = len(values)
        self.width = max((len(r) for r in values), default=0)
        self.max_chars = max_chars
        self.too_long: list[tuple[int, int]] = []
        # Cells whose '' hides an error value or a formula without result (_suspect_cells).
        self.suspect = suspect or {}
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        # Merged ranges never overlap, so together they cover at most the grid: a file
        # repeating or overlapping ranges a million times stops at that budget.
        budget = self.height * self.width
        for (r0, c0), (r1, c1) in sorted(set(map(tuple, merged or ()))):
            rows, cols = (
                range(r0, min(r1, self.height - 1) + 1),
                range(c0, min(c1, self.width - 1) + 1),
            )
            budget -= len(rows) * len(cols)
            if budget < 0:
                break
            for r in rows:
                for c in cols:
                    if (r, c) != (r0, c0):
                        self.anchor[(r, c)] = (r0, c0)
        self._texts: dict[int, list[str]] = {}

    def is_empty(self) -> bool:
        return not any(self.text(r, c) for r in range(self.height) for c in range(self.width))

    def raw(self, r: int, c: int) -> object:
        r, c = self.anchor.get((r, c), (r, c))
        row = self.values[r] if r < self.height else ()
        return row[c] if c < len(row) else ""

    def texts(self, r: int) -> list[str]:
        """The cleaned texts of row ``r`` (merged cells filled in)."""
        cached = self._texts.get(r)
        if cached is None:
            cached = [self.text(r, c) for c in range(self.width)]
            self._texts[r] = cached
        return cached

    def text(self, r: int, c: int) -> str:
        text = cell_text(self.raw(r, c))
        if len(text) > self.max_chars:
            self.too_long.append(self.anchor.get((r, c), (r, c)))
            text = text[: self.max_chars]
        return text

    def cell(self, r: int, c: int) -> Cell:
        """The cell at 0-based (r, c), pointing at the merged range's top-left if any."""
        anchor = self.anchor.get((r, c))
        ar, ac = anchor or (r, c)
        return Cell(
            self.texts(r)[c] if c < self.width else "",
            self.raw(r, c),
            ar + 1,
            ac + 1,
            anchor is not None,
        )

    def is_merged_fill(self, r: int, c: int) -> bool:
        return (r, c) in self.anchor

    def findings(
        self, catalog: Catalog, file: str, sheet: str, rows: set[int] | None = None
    ) -> list[Finding]:
        """Cells the reader had to cut short, and cells whose value it cannot trust — the
        latter only in ``rows`` (1-based) when given: a formula in a blank template row or
        in the notes is nobody's data (blank rows never produce findings)."""
        limit = self.max_chars
        cut = f"内容超过{limit}个字符，只读取了前{limit}个"
        cut_en = f"longer than {limit} characters, only the first {limit} were read"
        suspect = {at: why for at, why in self.suspect.items() if rows is None or at[0] + 1 in rows}
        reasons = dict.fromkeys(self.too_long, (cut, cut_en)) | suspect
        found = []
        for (r, c), (zh, en) in sorted(reasons.items()):
            finding = catalog.make(
                "cell-unreadable", file=file, sheet=sheet, row=r + 1, col=c + 1, reason=zh
            )
            found.append(
                finding.at(message_en=catalog.render("cell-unreadable", "en", {"reason": en}))
            )
        return found


def _grid(sheet: object, limits: dict[str, int], suspect: dict | None = None) -> Grid:
    # calamine has built its block already; checked again for .xls, which is not scanned.
    end = sheet.end or (-1, -1)  # type: ignore[attr-defined]
    _check_extent(sheet.name, end[0] + 1, end[1] + 1, limits)  # type: ignore[attr-defined]
    values = sheet.to_python(skip_empty_area=False)  # type: ignore[attr-defined]
    return Grid(values, sheet.merged_cell_ranges or [], limits["max_cell_chars"], suspect)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- recognising a form
@dataclass(frozen=True, slots=True)
class _Header:
    annex: int
    row: int  # 0-based first header row
    rows: int  # 1 or 2
    columns: dict[str, int]  # key -> 0-based column
    score: float


@lru_cache(maxsize=4096)
def _best_column(key: str, spec: AnnexSpec) -> tuple[str, tuple[int, int]] | None:
    """The column a header text names, with how well: exact 3, contains 2, abbreviation 1."""
    if not key:
        return None
    best: tuple[str, tuple[int, int]] | None = None
    for column in spec.columns:
        for variant in _variant_keys(column.variants):
            if key == variant:
                score = (3, len(variant))
            elif variant in key and len(key) <= 24:
                score = (2, len(variant))
            elif key in variant and len(key) >= 2:
                score = (1, len(key))
            else:
                continue
            if best is None or score > best[1]:
                best = (column.key, score)
    return best


@lru_cache(maxsize=256)
def _variant_keys(variants: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(header_key(v) for v in variants)


def _assign(candidates: list[list[str]], spec: AnnexSpec) -> tuple[dict[str, int], float]:
    """Map header texts (per column, alternatives) to column keys; return map and score."""
    chosen: dict[str, tuple[int, tuple[int, int]]] = {}
    for col, texts in enumerate(candidates):
        best = None
        for text in texts:
            hit = _header_hit(text, spec)
            if hit and (best is None or hit[1] > best[1]):
                best = hit
        if best is None:
            continue
        key, score = best
        if key not in chosen or score > chosen[key][1]:
            chosen[key] = (col, score)
    columns = {key: col for key, (col, _) in chosen.items()}
    return columns, float(sum(score[0] for _, score in chosen.values()))


# Longer texts are names, notes or titles, never a header cell: no need to compare them.
_LONGEST_HEADER = 40


@lru_cache(maxsize=65536)
def _header_hit(text: str, spec: AnnexSpec) -> tuple[str, tuple[int, int]] | None:
    """The column a header cell's text names (cached: the same headers recur in every file)."""
    if not text or len(text) > _LONGEST_HEADER:
        return None
    return _best_column(header_key(text), spec)


def _find_header(grid: Grid, config: Config, title_annex: int | None) -> _Header | None:
    """The header row: the best-recognised row (or pair of rows) of the first rows."""
    limit = min(grid.height, config.layout["header_search_rows"])
    minimum = config.layout["min_header_columns"]
    found: list[_Header] = []
    for r in range(limit):
        if found and r > max(h.row for h in found) + 3:
            break  # the header is behind us: the rows below are data
        single = [[t] for t in grid.texts(r)]
        if sum(1 for t in single if t[0]) < 2:
            continue
        double = _two_row_candidates(grid, r, single) if r + 1 < grid.height else None
        for spec in config.annexes.values():
            bonus = 5.0 if title_annex == spec.number else 0.0
            for rows, candidates in ((1, single), (2, double)):
                if candidates is None:
                    continue
                columns, score = _assign(candidates, spec)
                if len(columns) >= minimum:
                    found.append(_Header(spec.number, r, rows, columns, score + bonus))
    # Best score; on a tie one header row beats two, and the first row beats later ones.
    return max(found, key=lambda h: (h.score, -h.rows, -h.row), default=None)


def _two_row_candidates(grid: Grid, r: int, single: list[list[str]]) -> list[list[str]]:
    """Per column, the texts a header split over rows r and r+1 may mean."""
    below = grid.texts(r + 1)
    candidates = []
    for c, (top,) in enumerate(single):
        same_merge = grid.anchor.get((r + 1, c)) == grid.anchor.get((r, c), (r, c))
        bottom = "" if same_merge else below[c]
        candidates.append([top, bottom, top + bottom, bottom + top])
    return candidates


def _find_title(grid: Grid, config: Config, limit: int) -> tuple[int | None, int | None]:
    """(annex number, 0-based row) of a title naming an annex, in the first rows."""
    for r in range(min(limit, grid.height)):
        for text in dict.fromkeys(grid.texts(r)):
            key = squash(text)
            if not key or len(key) > 80:
                continue
            for spec in config.annexes.values():
                if any(word in key for word in spec.title_keywords):
                    return spec.number, r
    return None, None


def parse_sheet(
    grid: Grid, sheet: str, source: SourceFile, config: Config | None = None
) -> Form | None:
    """Recognise Annex 1 or 2 in a sheet and read its metadata and data rows."""
    config = config or load_config()
    title_annex, title_row = _find_title(grid, config, config.layout["header_search_rows"])
    header = _find_header(grid, config, title_annex)
    if header is None:
        return None
    spec = config.annexes[header.annex]
    start = header.row + header.rows
    if start < grid.height and _is_number_row(grid.texts(start)):
        start += 1
    rows, blank, end = _data_rows(grid, spec, header, start, config)
    metadata, meta_row = _metadata(grid, config, header.row, end)
    form = Form(
        source=source,
        sheet=sheet,
        annex=spec.number,
        header_row=header.row + 1,
        header_rows=header.rows,
        columns={key: col + 1 for key, col in header.columns.items()},
        missing_columns=tuple(c.key for c in spec.columns if c.key not in header.columns),
        metadata=metadata,
        metadata_row=meta_row if meta_row is not None else max(header.row, 1),
        rows=rows,
        blank_rows=blank,
        title_row=title_row + 1 if title_row is not None else None,
    )
    form.district, form.district_from = resolve_district(form, config)
    return form


def _is_number_row(texts: list[str]) -> bool:
    """A row under the header that only numbers the columns (1, 2, 3, …)."""
    numbers = [t for t in texts if t]
    return len(numbers) >= 4 and numbers == [str(i) for i in range(1, len(numbers) + 1)]


def _data_rows(
    grid: Grid, spec: AnnexSpec, header: _Header, start: int, config: Config
) -> tuple[list[Row], int, int]:
    """Data rows until the notes; blank numbered rows skipped. Returns rows, blanks, end."""
    notes = tuple(config.layout["notes_prefixes"])
    markers = set(config.layout["end_markers"])
    content = [header.columns[k] for k in spec.content_fields if k in header.columns]
    header_texts = [grid.texts(header.row)[c] for c in header.columns.values()]
    rows: list[Row] = []
    blank = 0
    r = start
    footer = _footer_re(config)
    for r in range(start, grid.height):
        texts = grid.texts(r)
        filled = [t for t in texts if t]
        distinct = set(filled)
        if filled and (filled[0].startswith(notes) or distinct & markers):
            break  # the notes, or 以下空白
        if any(footer.match(t) for t in distinct):
            break  # the signature lines under the table (填报人：…, 审核人：…)
        if not any(texts[c] and not grid.is_merged_fill(r, c) for c in content):
            blank += 1 if distinct else 0
            continue
        if [texts[c] for c in header.columns.values()] == header_texts:
            continue  # the header repeated (pasted pages)
        cells = {key: grid.cell(r, col) for key, col in header.columns.items()}
        rows.append(Row(r + 1, cells))
    else:
        r = grid.height
    return rows, blank, r


@lru_cache(maxsize=4)
def _footer_re(config: Config) -> re.Pattern[str]:
    labels = sorted(config.layout["footer_labels"], key=len, reverse=True)
    return re.compile(r"^\s*(?:" + "|".join(re.escape(x) for x in labels) + r")\s*[:：]")


@lru_cache(maxsize=4)
def _label_re(config: Config) -> tuple[re.Pattern[str], dict[str, str]]:
    by_label = {label: key for key, labels in config.metadata_labels.items() for label in labels}
    alternatives = "|".join(re.escape(label) for label in sorted(by_label, key=len, reverse=True))
    return re.compile(rf"({alternatives})\s*(?:[:：]|$)"), by_label


def _metadata(
    grid: Grid, config: Config, header_row: int, end: int
) -> tuple[dict[str, Cell], int | None]:
    """填报单位 / 填报人 / 所在部门 / 填报日期 from the lines above and below the table."""
    pattern, by_label = _label_re(config)
    found: dict[str, Cell] = {}
    first_row: int | None = None
    scan = list(range(0, header_row)) + list(range(end, min(end + 12, grid.height)))
    for r in scan:
        pending: tuple[str, Cell] | None = None
        for c in range(grid.width):
            if grid.is_merged_fill(r, c):
                continue
            text = grid.texts(r)[c]
            if not text:
                continue
            cell = grid.cell(r, c)
            matches = list(pattern.finditer(text))
            if not matches:
                if pending:
                    _keep(found, pending[0], Cell(text, cell.raw, cell.row, cell.col))
                    pending = None
                continue
            if pending and matches[0].start() > 0:
                _keep(
                    found,
                    pending[0],
                    Cell(text[: matches[0].start()].strip(), text, cell.row, cell.col),
                )
            pending = None
            for i, match in enumerate(matches):
                key = by_label[match.group(1)]
                stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
                value = text[match.end() : stop].strip(" \u3000\t\n")
                if value:
                    _keep(found, key, Cell(value, value, cell.row, cell.col))
                else:
                    pending = (key, cell)
                    _keep(found, key, Cell("", "", cell.row, cell.col))
                if first_row is None and r < header_row:
                    first_row = r + 1
    return found, first_row


def _keep(found: dict[str, Cell], key: str, cell: Cell) -> None:
    """First non-empty value wins; an empty label is replaced by a later value."""
    if key not in found or (not found[key].text and cell.text):
        found[key] = cell


def resolve_district(form: Form, config: Config) -> tuple[str | None, str]:
    """The district of a form: 填报单位, else the rows' bureau, else the path (decision 4)."""
    unit = form.metadata.get("unit")
    if unit and unit.text:
        district = normalize_district(unit.text, config)
        if district:
            return district, "unit"
    named = {
        normalize_district(row.text("bureau"), config) for row in form.rows if row.text("bureau")
    }
    named.discard(None)
    if len(named) == 1:
        return named.pop(), "rows"
    for part in reversed(Path(form.source.display).parts):
        district = normalize_district(Path(part).stem, config)
        if district:
            return district, "path"
    return None, ""
