"""What an Excel 97-2003 workbook (.xls) holds, from its BIFF records, before calamine.

calamine builds every sheet of an .xls when it opens the file, so whatever could make it
allocate too much is measured here first, in one walk over the records:

- each sheet's extent: the last row and column of a record calamine makes a cell of
  (blank and formatted-only cells make none);
- the cells each sheet's DIMENSIONS record declares: calamine reserves room for all of
  them before it reads one ([MS-XLS] 2.4.90);
- the bytes of long shared strings copied into the cells that refer to them (calamine
  copies the string into every LABELSST cell);
- the hidden rows: a ROW record with the zero-height flag (fDyZero) or a height of zero
  ([MS-XLS] 2.4.221), which calamine does not report;
- the cells holding an error value (``#N/A``, ``#REF!`` …): a BOOLERR record with its
  error flag, or a FORMULA whose stored result is an error ([MS-XLS] 2.4.24, 2.4.127),
  which calamine reads as an empty cell;
- whether a password is set (FILEPASS), XOR obfuscation included;
- what a reader of the cells does not see: a sheet's drawings (OBJ: pictures, text
  boxes, shapes; a background picture, BKHIM) and its protection (PROTECT).

The walk is bounded: each record moves it forward by at least its 4-byte head, and it
never leaves the stream it was given.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from consolidate.reading.errors import unreadable

_BOF, _EOF, _BOUNDSHEET, _FILEPASS, _CODEPAGE, _ROW = 0x0809, 0x000A, 0x0085, 0x002F, 0x0042, 0x0208
_SST, _CONTINUE, _DIMENSIONS, _LABELSST, _MULRK, _STRING = (
    0x00FC,
    0x003C,
    0x0200,
    0x00FD,
    0x00BD,
    0x0207,
)
_BOOLERR, _FORMULA = 0x0205, 0x0006
# Records calamine makes one cell of, at (row, column) in their first four bytes:
# NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA.
_CELLS = frozenset({0x0203, 0x0204, 0x00D6, _BOOLERR, 0x027E, _LABELSST, _FORMULA})
# The error values a cell can hold ([MS-XLS] 2.5.10 BErr), by their code.
ERRORS = {
    0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
    0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA",
}  # fmt: skip
_BIFF8 = 0x0600
_ZERO_HEIGHT = 0x20  # fDyZero in the ROW record's flags
_HEAD = struct.Struct("<HH")
_U32 = struct.Struct("<I")
# A shared string of at most this many characters costs a cell no more than the cells
# budget allows for one; longer ones are counted per cell (3 bytes a character in Rust).
LONG_STRING = 21
# More CONTINUE records after one record than any writer makes (a 20 MB shared-string
# table needs ~2 500): calamine gathers them in a list it empties from the front.
MAX_CONTINUES = 20_000


@dataclass(slots=True)
class SheetRecords:
    """One sheet as its records show it, before calamine builds it."""

    name: str
    rows: int = 0  # last row holding a cell (1-based)
    columns: int = 0  # last column holding a cell (1-based)
    declared: int = 0  # cells its DIMENSIONS record claims (calamine reserves them)
    hidden: frozenset[int] = frozenset()  # 0-based rows hidden in Excel
    drawing: bool = False  # pictures, text boxes or shapes (comments aside)
    protected: bool = False
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # 0-based -> #N/A …


@dataclass(slots=True)
class Biff:
    """The sheets of a workbook stream, and what the whole workbook costs to read."""

    version: int = _BIFF8
    encrypted: bool = False
    sheets: list[SheetRecords] = field(default_factory=list)
    copied_text: int = 0  # bytes of long shared strings copied into cells

    @property
    def hidden(self) -> dict[str, frozenset[int]]:
        return {sheet.name: sheet.hidden for sheet in self.sheets if sheet.hidden}

    @property
    def errors(self) -> dict[str, dict[tuple[int, int], str]]:
        return {sheet.name: sheet.errors for sheet in self.sheets if sheet.errors}


def read_biff(stream: bytes) -> Biff:
    """Walk a Workbook (BIFF8) or Book (BIFF5) stream: the globals, then every sheet."""
    biff = Biff()
    bounds: list[tuple[int, bytes]] = []  # (offset of the sheet's BOF, its raw name)
    codepage = 1252
    strings: dict[int, int] = {}
    records = _records(stream, 0)
    for rtype, body, size in records:
        if rtype == _BOF and size >= 2:
            biff.version = struct.unpack_from("<H", stream, body)[0]
        elif rtype == _FILEPASS:
            biff.encrypted = True  # XOR obfuscation or RC4: a password either way
            return biff
        elif rtype == _CODEPAGE and size >= 2:
            codepage = struct.unpack_from("<H", stream, body)[0]
        elif rtype == _BOUNDSHEET and size >= 7:
            bounds.append((_U32.unpack_from(stream, body)[0], stream[body + 6 : body + size]))
        elif rtype == _SST and size >= 8:
            strings = _long_strings(stream, body + 8, body + size, _continues(stream, body + size))
        elif rtype == _EOF:
            break
    for offset, raw in bounds:
        sheet = SheetRecords(_sheet_name(raw, biff.version, codepage))
        biff.copied_text += _walk_sheet(stream, offset, sheet, strings)
        biff.sheets.append(sheet)
    return biff


def _records(stream: bytes, pos: int):  # noqa: ANN202 - a generator of (type, body, size)
    """(type, offset of its data, size) of each record from ``pos`` to the stream's end."""
    end = len(stream)
    unpack = _HEAD.unpack_from
    continues = 0
    while pos + 4 <= end:
        rtype, size = unpack(stream, pos)
        if pos + 4 + size > end:
            return
        continues = continues + 1 if rtype == _CONTINUE else 0
        if continues > MAX_CONTINUES:
            raise unreadable("biff-records")
        yield rtype, pos + 4, size
        pos += 4 + size


def _continues(stream: bytes, pos: int) -> list[tuple[int, int]]:
    """(start, end) of the CONTINUE records right after the record ending at ``pos``."""
    found = []
    for rtype, body, size in _records(stream, pos):
        if rtype != _CONTINUE:
            break
        found.append((body, body + size))
    return found


def _walk_sheet(stream: bytes, offset: int, sheet: SheetRecords, strings: dict[int, int]) -> int:
    """Fill in the sheet whose substream starts at ``offset``; the bytes of long shared
    strings its cells copy. Records of nested substreams (charts) are skipped, as
    calamine skips them."""
    if offset + 4 > len(stream) or _HEAD.unpack_from(stream, offset)[0] != _BOF:
        return 0
    rows = cols = copied = 0
    depth = 0
    hidden = set()
    row_col = struct.Struct("<HH").unpack_from
    for rtype, body, size in _records(stream, offset + 4 + _HEAD.unpack_from(stream, offset)[1]):
        if depth:
            depth += rtype == _BOF
            depth -= rtype == _EOF
            continue
        if rtype in _CELLS and size >= 4:
            row, col = row_col(stream, body)
            rows, cols = max(rows, row + 1), max(cols, col + 1)
            if rtype == _LABELSST and size >= 10:
                copied += strings.get(_U32.unpack_from(stream, body + 6)[0], 0)
            elif rtype in (_BOOLERR, _FORMULA):
                error = _error_value(stream, body, size, rtype)
                if error is not None:
                    sheet.errors[(row, col)] = error
        elif rtype == _MULRK and size >= 6:
            row, first = row_col(stream, body)
            last = struct.unpack_from("<H", stream, body + size - 2)[0]
            rows = max(rows, row + 1)
            cols = max(cols, last + 1, first + (size - 6) // 6)
        elif rtype == _DIMENSIONS:
            sheet.declared = max(sheet.declared, _declared_cells(stream[body : body + size]))
        elif rtype == _ROW and size >= 16 and _hidden_flags(stream, body):
            hidden.add(struct.unpack_from("<H", stream, body)[0])
        elif rtype == _BOF:
            depth = 1
        elif rtype == _EOF:
            break
        elif rtype in _MARKED:
            _mark(sheet, rtype, stream[body : body + min(size, 6)])
    sheet.rows, sheet.columns, sheet.hidden = rows, cols, frozenset(hidden)
    return copied


# PROTECT (fLock), OBJ (its first subrecord, ftCmo, gives the object's type), BKHIM.
_PROTECT, _OBJ, _BKHIM = 0x0012, 0x005D, 0x00E9
_MARKED = frozenset({_PROTECT, _OBJ, _BKHIM})
_NOTE = 0x19  # the object of a cell comment: no drawing of the sheet's content


def _mark(sheet: SheetRecords, rtype: int, head: bytes) -> None:
    """Note a sheet's protection and drawings ([MS-XLS] 2.4.207, 2.4.181, 2.5.15)."""
    if rtype == _PROTECT and len(head) >= 2:
        sheet.protected = sheet.protected or head[0] & 1 == 1
    elif rtype == _OBJ and len(head) >= 6:
        sheet.drawing = sheet.drawing or struct.unpack_from("<H", head, 4)[0] != _NOTE
    elif rtype == _BKHIM:
        sheet.drawing = True


def _error_value(stream: bytes, body: int, size: int, rtype: int) -> str | None:
    """The error value a BOOLERR or FORMULA record stores, if it stores one."""
    if rtype == _BOOLERR:  # row, col, xf, then the value and whether it is an error
        if size < 8 or stream[body + 7] != 1:
            return None
        code = stream[body + 6]
    else:  # the stored result is an error when it ends in 0xFFFF and starts with 2
        if size < 14 or stream[body + 12 : body + 14] != b"\xff\xff" or stream[body + 6] != 2:
            return None
        code = stream[body + 8]
    return ERRORS.get(code, f"#{code:02X}")


def _declared_cells(data: bytes) -> int:
    """The cells calamine reserves for a DIMENSIONS record, computed as it does (its
    row count wraps around as a 32-bit number when the first row lies past the last)."""
    if len(data) == 14:
        first, last, col_first, col_last = struct.unpack_from("<IIHH", data)
    elif len(data) == 10:
        first, last, col_first, col_last = struct.unpack_from("<HHHH", data)
    else:
        return 0  # calamine refuses the file
    if col_first > 0xFF or col_last < col_first:
        col_first = 0
    if last < 1 or col_last < 1:
        return 1
    rows = (last - 1 - first + 1) & 0xFFFFFFFF
    cols = (col_last - 1 - col_first + 1) & 0xFFFFFFFF
    return rows * cols


def _hidden_flags(stream: bytes, body: int) -> bool:
    height, flags = struct.unpack_from("<H", stream, body + 6)[0], stream[body + 12]
    return bool(flags & _ZERO_HEIGHT) or (height & 0x7FFF) == 0 and not height & 0x8000


def _long_strings(
    stream: bytes, start: int, end: int, continues: list[tuple[int, int]]
) -> dict[int, int]:
    """Index -> bytes (3 a character) of the shared strings longer than LONG_STRING.

    Read as calamine reads them ([MS-XLS] 2.5.293): a string's characters may go on in
    the next CONTINUE record, which then starts with its own high-byte flag.
    """
    reader = _Segments(stream, [(start, end), *continues])
    long = {}
    index = 0
    while reader.more():
        head = reader.take(3)
        if len(head) < 3:
            break
        cch, flags = struct.unpack_from("<H", head)[0], head[2]
        runs = struct.unpack_from("<H", reader.take(2).ljust(2, b"\0"))[0] if flags & 0x8 else 0
        ext = _U32.unpack_from(reader.take(4).ljust(4, b"\0"))[0] if flags & 0x4 else 0
        if not reader.skip_chars(cch, bool(flags & 0x1)):
            break
        reader.skip(runs * 4 + ext)
        if cch > LONG_STRING:
            long[index] = cch * 3
        index += 1
    return long


class _Segments:
    """The bytes of a record and its CONTINUE records, read in order."""

    def __init__(self, stream: bytes, parts: list[tuple[int, int]]) -> None:
        self.stream, self.parts, self.i = stream, parts, 0
        self.pos = parts[0][0]

    def more(self) -> bool:
        while self.i < len(self.parts) and self.pos >= self.parts[self.i][1]:
            if not self._next():
                return False
        return self.i < len(self.parts)

    def _next(self) -> bool:
        self.i += 1
        if self.i < len(self.parts):
            self.pos = self.parts[self.i][0]
        return self.i < len(self.parts)

    def take(self, n: int) -> bytes:
        out = b""
        while len(out) < n and self.more():
            end = min(self.parts[self.i][1], self.pos + n - len(out))
            out += self.stream[self.pos : end]
            self.pos = end
        return out

    def skip(self, n: int) -> None:
        while n > 0 and self.more():
            step = min(n, self.parts[self.i][1] - self.pos)
            self.pos += step
            n -= step

    def skip_chars(self, count: int, high: bool) -> bool:
        """Skip ``count`` characters; False when the records end first."""
        while count > 0:
            left = self.parts[self.i][1] - self.pos if self.i < len(self.parts) else 0
            width = 2 if high else 1
            if left < width:
                if not self._next():
                    return False
                high = bool(self.stream[self.pos] & 1)  # a continued string's own flag
                self.pos += 1
                continue
            step = min(count, left // width)
            self.pos += step * width
            count -= step
        return True


def _sheet_name(raw: bytes, version: int, codepage: int) -> str:
    """A BOUNDSHEET name: BIFF8 ShortXLUnicodeString, BIFF5 a byte string in the codepage."""
    if not raw:
        return ""
    count = raw[0]
    if version >= _BIFF8:
        wide = len(raw) > 1 and raw[1] & 1
        text = raw[2 : 2 + count * (2 if wide else 1)]
        return text.decode("utf-16-le" if wide else "latin-1", "replace")
    encoding = "utf-16-le" if codepage == 1200 else f"cp{codepage}"
    try:
        return raw[1 : 1 + count].decode(encoding, "replace")
    except LookupError:
        return raw[1 : 1 + count].decode("latin-1")
