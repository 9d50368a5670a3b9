"""Hidden rows and encryption of an Excel 97-2003 workbook (.xls), from its BIFF records.

calamine says neither which rows are hidden nor, before failing, that a password is set.

A row is hidden when its ROW record carries the zero-height flag (fDyZero) or a height of
zero ([MS-XLS] 2.4.221). The walk is bounded: each record moves it forward by at least
its 4-byte head, and it never leaves the stream it was given.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

_BOF, _EOF, _BOUNDSHEET, _FILEPASS, _CODEPAGE, _ROW = 0x0809, 0x000A, 0x0085, 0x002F, 0x0042, 0x0208
_BIFF8 = 0x0600
_ZERO_HEIGHT = 0x20  # fDyZero in the ROW record's flags
_HEAD = struct.Struct("<HH")
# A ROW record's head: type 0x0208, 16 bytes of data.
_ROW_HEAD = re.compile(re.escape(_HEAD.pack(_ROW, 16)))


@dataclass(slots=True)
class Biff:
    """Sheet name -> 0-based hidden rows; and whether the workbook needs a password."""

    encrypted: bool = False
    hidden: dict[str, frozenset[int]] = field(default_factory=dict)


def read_biff(stream: bytes) -> Biff:
    """The hidden rows of every sheet of a Workbook (BIFF8) or Book (BIFF5) stream."""
    biff = Biff()
    sheets: list[tuple[int, bytes]] = []  # (offset of the sheet's BOF, its raw name)
    version, codepage = _BIFF8, 1252
    for rtype, body, size in _records(stream, 0):
        if rtype == _BOF and size >= 2:
            version = struct.unpack_from("<H", stream, body)[0]
        elif rtype == _FILEPASS:
            biff.encrypted = True
            return biff
        elif rtype == _CODEPAGE and size >= 2:
            codepage = struct.unpack_from("<H", stream, body)[0]
        elif rtype == _BOUNDSHEET and size >= 7:
            sheets.append(
                (struct.unpack_from("<I", stream, body)[0], stream[body + 6 : body + size])
            )
        elif rtype == _EOF:
            break
    if not _may_hide_rows(stream):
        return biff
    for offset, raw in sheets:
        rows = _hidden_rows(stream, offset)
        if rows:
            biff.hidden[_sheet_name(raw, version, codepage)] = rows
    return biff


def _records(stream: bytes, pos: int):  # noqa: ANN202 - a generator of (type, body, size)
    """(type, offset of its data, size) of each record from ``pos`` to the stream's end."""
    end = len(stream)
    while pos + 4 <= end:
        rtype, size = _HEAD.unpack_from(stream, pos)
        if pos + 4 + size > end:
            return
        yield rtype, pos + 4, size
        pos += 4 + size


def _may_hide_rows(stream: bytes) -> bool:
    """Whether any ROW-record look-alike is hidden: every real one is among them, so the
    full walk runs only for a workbook that may hide rows (a C-speed search otherwise)."""
    return any(
        _hidden_flags(stream, m.end())
        for m in _ROW_HEAD.finditer(stream)
        if m.end() + 16 <= len(stream)
    )


def _hidden_flags(stream: bytes, body: int) -> bool:
    height, flags = struct.unpack_from("<H", stream, body + 6)[0], stream[body + 12]
    return bool(flags & _ZERO_HEIGHT) or (height & 0x7FFF) == 0 and not height & 0x8000


def _hidden_rows(stream: bytes, offset: int) -> frozenset[int]:
    """The hidden rows of the sheet whose substream starts at ``offset`` (its BOF)."""
    if offset + 4 > len(stream) or _HEAD.unpack_from(stream, offset)[0] != _BOF:
        return frozenset()
    hidden = set()
    for rtype, body, size in _records(stream, offset):
        if rtype == _EOF:
            break
        if rtype == _ROW and size >= 16 and _hidden_flags(stream, body):
            hidden.add(struct.unpack_from("<H", stream, body)[0])
    return frozenset(hidden)


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
