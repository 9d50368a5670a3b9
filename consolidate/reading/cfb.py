"""A clean compound file holding one stream: what calamine is given instead of an .xls.

calamine's own compound-file reader trusts the header: it reserves as many FAT entries
as the header claims, follows sector chains without noticing a loop and indexes the FAT
with any sector number. A 1 KB file can make it allocate gigabytes or panic. So the
Workbook stream is taken out of the file with olefile (bounded by the file's size), and
calamine reads it from this container, written here the simplest way [MS-CFB] allows:
version 4 (4096-byte sectors), the stream's sectors in one chain, one directory sector,
the FAT after it; no mini stream (the stream is padded to the 4096-byte cutoff).
"""

from __future__ import annotations

import struct

_SECTOR = 4096
_ENTRIES = _SECTOR // 4  # FAT entries in one sector
_HEADER_FAT = 109  # FAT sector numbers the header holds (no DIFAT sectors needed)
ENDOFCHAIN, FATSECT, FREESECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF
_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")
# The largest stream this layout holds: 109 FAT sectors of 1024 entries.
MAX_STREAM = (_HEADER_FAT * _ENTRIES - _HEADER_FAT - 1) * _SECTOR


def single_stream(name: str, data: bytes) -> bytes:
    """A compound file whose root holds one stream ``name`` with ``data``."""
    data = data.ljust(_SECTOR, b"\0")  # below 4096 bytes a stream lives in the mini stream
    if len(data) > MAX_STREAM:
        raise ValueError("stream too large for a single-FAT-sector-list compound file")
    stream_sectors = -(-len(data) // _SECTOR)
    directory = stream_sectors
    fat_sectors = 1
    while stream_sectors + 1 + fat_sectors > fat_sectors * _ENTRIES:
        fat_sectors += 1
    fat = [*range(1, stream_sectors), ENDOFCHAIN, ENDOFCHAIN] + [FATSECT] * fat_sectors
    fat += [FREESECT] * (fat_sectors * _ENTRIES - len(fat))
    first_fat = directory + 1
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _MAGIC, b"", 0x003E, 0x0004, 0xFFFE, 12, 6, b"",
        1, fat_sectors, directory, 0, _SECTOR, ENDOFCHAIN, 0, ENDOFCHAIN, 0,
    )  # fmt: skip
    difat = [*range(first_fat, first_fat + fat_sectors)]
    difat += [FREESECT] * (_HEADER_FAT - len(difat))
    header += struct.pack(f"<{_HEADER_FAT}I", *difat)
    # Unused directory entries point nowhere (their sibling and child fields).
    unused = _ENTRY.pack(b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"", 0, 0, 0, 0, 0)
    entries = b"".join(
        (
            # Empty mini stream: its start would be ENDOFCHAIN, which calamine refuses
            # in version 4; any sector does, its size being 0.
            _entry("Root Entry", 5, child=1, start=0, size=0),
            _entry(name, 2, child=NOSTREAM, start=0, size=len(data)),
            unused * (_SECTOR // _ENTRY.size - 2),
        )
    )
    return b"".join(
        (
            header.ljust(_SECTOR, b"\0"),
            data.ljust(stream_sectors * _SECTOR, b"\0"),
            entries,
            struct.pack(f"<{len(fat)}I", *fat),
        )
    )


def _entry(name: str, kind: int, *, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return _ENTRY.pack(
        encoded, len(encoded), kind, 1, NOSTREAM, NOSTREAM, child, b"", 0, 0, 0, start, size
    )
