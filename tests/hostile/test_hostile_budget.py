"""Bounded resources (issue 13): no small file can make the reader allocate without bound.

Every shape is generated here, small on disk and ruinous to a trusting reader: a value
far out in each of ten sheets (.xlsx and .xls), each within the row and column limits;
one long shared string referred to by many cells; records that lie about a sheet's
dimension; compound files whose sector chains loop, whose header or directory claims
more than the file holds, or that stop short; a flood of CONTINUE records. Each is a
``file-unreadable`` finding with a Chinese reason, or is read, and the reading process
stays within a bound of memory — measured in a fresh interpreter whose address space is
capped, so that a regression fails the test instead of taking the machine. Look-alikes
that must still be read stand beside them.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from conftest import (
    Raw,
    a2_values,
    annex_cells,
    annex_grid,
    annex_xlsx,
    biff_records,
    peak_memory,
    sheet_xml,
    workbook_stream,
    write,
    xls_book,
    xls_changed,
    xls_of,
    xlsx_bytes,
)

from consolidate.reading.workbook import read_bytes
from consolidate.support.config import load_config

LIMITS = load_config().limits
MEMORY_BOUND_MB = 500
DIMENSIONS, SST, CONTINUE, FILEPASS = 0x0200, 0x00FC, 0x003C, 0x002F


def _reason(data: bytes, name: str = "黄浦区/附件2.xlsx") -> str:
    result = read_bytes(data, name)
    assert result.unreadable, result.findings
    [finding] = result.findings
    assert finding.code == "file-unreadable"
    return finding.message


def _read(data: bytes, name: str = "黄浦区/附件2.xlsx"):
    result = read_bytes(data, name)
    assert not result.unreadable, result.findings
    return result


# ---------------------------------------------------------------- the shapes
def far_cells_xlsx(sheets: int = 10, ref: str = "P60000", value: bool = True) -> bytes:
    """Ten annexes, each with one stray value (or an empty formatted cell) at ``ref``."""
    grid = annex_grid(2, [a2_values(1)])
    row = int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    cell = f'<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>' if value else f'<c r="{ref}" s="1"/>'
    tail = f'<row r="{row}">{cell}</row>'
    return xlsx_bytes([(f"附件{i}", sheet_xml(grid, tail=tail)) for i in range(1, sheets + 1)])


def far_cells_xls(sheets: int = 10, row: int = 59_999, col: int = 15) -> bytes:
    return xls_book({f"附件{i}": [*annex_cells(), (row, col, "x")] for i in range(1, sheets + 1)})


def shared_string_bomb(chars: int = 3_000_000, cells: int = 120) -> bytes:
    """One long shared string, referred to by ``cells`` cells (12 a row)."""
    ref = Raw('<c r="REF" t="s"><v>0</v></c>')
    rows = [[ref] * 12 for _ in range(cells // 12)]
    return xlsx_bytes([("附件2", sheet_xml(rows))], shared=["A" * chars])


def xls_string_bomb(chars: int = 30_000, cells: int = 10_000) -> bytes:
    """One long string in the .xls shared-string table, in ``cells`` cells (LABELSST)."""
    text = "长" * chars
    return xls_book({"附件2": [(r, c, text) for r in range(cells // 10) for c in range(10)]})


def _replace_dimensions(body: bytes):
    def change(records):
        return [(t, body if t == DIMENSIONS else b) for t, b in records]

    return change


# ---------------------------------------------------------------- cells of all sheets
@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_far_cells_in_ten_sheets_are_a_finding_in_bounded_memory(kind: str, tmp_path: Path) -> None:
    """Each sheet reaches row 60 000 and column P, within the row and column limits; the
    ten together hold 9.6 million cells (the issue: 13.8 KB, 5.3 GB)."""
    data = far_cells_xlsx() if kind == "xlsx" else far_cells_xls()
    assert len(data) < 100_000
    path = write(tmp_path / f"附件2.{kind}", data)
    code = (
        "import sys\nfrom pathlib import Path\nfrom consolidate.reading.workbook import read_file\n"
        "r = read_file(Path(sys.argv[1]), '黄浦区/附件2')\n"
        "print(r.unreadable, r.findings[0].code, r.findings[0].message)\n"
    )
    out, peak = peak_memory(code, str(path))
    assert out.startswith("True file-unreadable"), out
    assert f"超过{LIMITS.max_cells}个单元格的上限" in out and "附件2" in out
    assert peak < MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_one_far_cell_within_the_budget_is_read(kind: str) -> None:
    """The look-alike: one sheet reaching P60000 holds 960 000 cells, within the budget."""
    data = far_cells_xlsx(1) if kind == "xlsx" else far_cells_xls(1)
    result = _read(data, f"黄浦区/附件2.{kind}")
    assert [len(f.rows) for f in result.forms] == [1]


def test_far_formatted_empty_cells_in_ten_sheets_are_harmless() -> None:
    """Borders down to row 60 000 in every sheet are not content: calamine builds no
    cell for them, so they count nothing against the budget."""
    result = _read(far_cells_xlsx(value=False))
    assert len(result.forms) == 10


def test_the_budget_comes_from_configuration(tmp_path: Path) -> None:
    from conftest import config_with

    config, _ = config_with(tmp_path, max_cells=100)
    result = read_bytes(
        annex_xlsx(2, [a2_values(n) for n in range(1, 30)]), "a.xlsx", config=config
    )
    assert result.unreadable
    assert "超过100个单元格的上限" in result.findings[0].message


def test_columns_are_capped_near_what_the_forms_use() -> None:
    assert LIMITS.max_columns == 40
    data = xlsx_bytes(
        [
            (
                "附件2",
                sheet_xml(
                    annex_grid(2, [a2_values(1)]), tail='<row r="9"><c r="AO9"><v>1</v></c></row>'
                ),
            )
        ]
    )
    assert "超过40列上限" in _reason(data)


# ---------------------------------------------------------------- shared strings
def test_a_long_shared_string_in_many_cells_is_a_finding_in_bounded_memory(tmp_path: Path) -> None:
    """3 million characters in 120 cells (the issue: an 11.8 KB .xlsx took 1.9 GB)."""
    data = shared_string_bomb()
    assert len(data) < 50_000
    path = write(tmp_path / "附件2.xlsx", data)
    code = (
        "import sys\nfrom pathlib import Path\nfrom consolidate.reading.workbook import read_file\n"
        "r = read_file(Path(sys.argv[1]))\nprint(r.unreadable, r.findings[0].message)\n"
    )
    out, peak = peak_memory(code, str(path))
    assert out.startswith("True") and "重复引用" in out, out
    assert peak < MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


def test_a_long_shared_string_in_one_cell_is_read_and_cut() -> None:
    """The look-alike: one cell referring to a 300 000-character string is read."""
    grid = annex_grid(2, [a2_values(1)])
    grid[4][7] = Raw('<c r="REF" t="s"><v>0</v></c>')  # 备注 of the one data row
    result = _read(xlsx_bytes([("附件2", sheet_xml(grid))], shared=["备" * 300_000]))
    assert [f.code for f in result.findings] == ["cell-unreadable"]


def test_a_long_string_in_many_xls_cells_is_a_finding(tmp_path: Path) -> None:
    data = xls_string_bomb()
    path = write(tmp_path / "附件2.xls", data)
    code = (
        "import sys\nfrom pathlib import Path\nfrom consolidate.reading.workbook import read_file\n"
        "r = read_file(Path(sys.argv[1]))\nprint(r.unreadable, r.findings[0].message)\n"
    )
    out, peak = peak_memory(code, str(path))
    assert out.startswith("True") and "重复引用" in out, out
    assert peak < MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


def test_xls_shared_strings_that_are_short_cost_nothing_extra() -> None:
    result = _read(
        xls_book({"附件2": annex_cells(2, [a2_values(n) for n in range(1, 200)])}), "a.xls"
    )
    assert len(result.forms[0].rows) == 199


# ---------------------------------------------------------------- records that lie
def test_a_dimension_claiming_four_billion_rows_is_refused() -> None:
    """calamine reserves room for the declared cells before reading one (the issue: other
    libraries' 1 KB fixtures made it try to allocate 23 GB)."""
    lie = struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 8, 0)
    data = xls_changed(xls_book({"附件2": annex_cells()}), _replace_dimensions(lie))
    assert "范围超出Excel的上限" in _reason(data, "a.xls")


def test_a_dimension_whose_first_row_lies_past_its_last_is_refused() -> None:
    lie = struct.pack("<IIHHH", 70_000, 5, 0, 8, 0)  # calamine's count wraps around
    data = xls_changed(xls_book({"附件2": annex_cells()}), _replace_dimensions(lie))
    assert "范围超出Excel的上限" in _reason(data, "a.xls")


def test_a_dimension_claiming_less_than_the_cells_hides_nothing() -> None:
    """The budget counts the cells' own records, not what DIMENSIONS says."""
    small = struct.pack("<IIHHH", 0, 2, 0, 2, 0)
    data = xls_changed(far_cells_xls(3, col=39), _replace_dimensions(small))
    assert "单元格的上限" in _reason(data, "a.xls")


def test_a_dimension_of_the_whole_sheet_is_read() -> None:
    """Excel writes the formatted range: 65 536 rows of 256 columns is a real file."""
    whole = struct.pack("<IIHHH", 0, 65_536, 0, 256, 0)
    data = xls_changed(xls_book({"附件2": annex_cells()}), _replace_dimensions(whole))
    assert len(_read(data, "a.xls").forms) == 1


def test_a_flood_of_continue_records_is_refused_quickly() -> None:
    """calamine empties its list of CONTINUE records from the front: quadratic."""

    def flood(records):
        at = next(i for i, (t, _) in enumerate(records) if t == SST)
        return records[: at + 1] + [(CONTINUE, b"\0")] * 30_000 + records[at + 1 :]

    data = xls_changed(xls_book({"附件2": annex_cells()}), flood)
    assert "损坏" in _reason(data, "a.xls")


def test_a_record_claiming_more_than_the_stream_holds_is_read_up_to_it() -> None:
    """Never a crash, never unbounded: the sheet's cells before it are read."""
    stream = workbook_stream(xls_book({"附件2": annex_cells()}))
    data = xls_of(stream[:-200] + struct.pack("<HH", 0x0204, 0xFFFF) + b"x" * 50)
    result = read_bytes(data, "a.xls")
    assert not result.unreadable and result.findings == []
    assert [(form.annex, form.sheet, len(form.rows)) for form in result.forms] == [(2, "附件2", 1)]


# ---------------------------------------------------------------- compound files
SECTOR = 4096


def _compound(stream_sectors: int = 3) -> bytearray:
    """A compound file from consolidate.reading.cfb: sectors 0..n-1 the stream, then the
    directory, then the FAT."""
    stream = workbook_stream(xls_book({"附件2": annex_cells()}))
    assert len(stream) <= stream_sectors * SECTOR
    return bytearray(xls_of(stream.ljust(stream_sectors * SECTOR, b"\0")))


def _fat(data: bytearray, sector: int, value: int, stream_sectors: int = 3) -> None:
    struct.pack_into("<I", data, SECTOR * (1 + stream_sectors + 1) + 4 * sector, value)


def _directory_entry(data: bytearray, entry: int, stream_sectors: int = 3) -> int:
    return SECTOR * (1 + stream_sectors) + 128 * entry


def _chain_loops() -> bytes:
    data = _compound()
    _fat(data, 2, 0)  # the stream's last sector leads back to its first
    struct.pack_into("<Q", data, _directory_entry(data, 1) + 120, 10 * SECTOR)
    return bytes(data)


def _directory_loops() -> bytes:
    data = _compound()
    _fat(data, 3, 3)  # the directory sector leads to itself
    return bytes(data)


def _header_claims_two_billion_fat_sectors() -> bytes:
    data = _compound()
    struct.pack_into("<I", data, 44, 0x7FFFFFFF)
    return bytes(data)


def _stream_claims_a_terabyte() -> bytes:
    data = _compound()
    struct.pack_into("<Q", data, _directory_entry(data, 1) + 120, 1 << 40)
    return bytes(data)


def _truncated() -> bytes:
    return bytes(_compound()[: 2 * SECTOR + 100])


COMPOUND = {
    "sector chain loops": _chain_loops,
    "directory chain loops": _directory_loops,
    "header claims 2 billion FAT sectors": _header_claims_two_billion_fat_sectors,
    "stream claims a terabyte": _stream_claims_a_terabyte,
    "truncated": _truncated,
}
# Those read after all (the reader hands calamine a clean container); the others are corrupt.
READ_COMPOUND = {"directory chain loops", "header claims 2 billion FAT sectors"}


@pytest.mark.parametrize("case", list(COMPOUND))
def test_hostile_compound_files_are_read_or_refused_in_bounded_memory(
    case: str, tmp_path: Path
) -> None:
    """calamine's own reader aborts on some of these (a looping directory chain) and
    allocates on others; the reader hands it a clean container or refuses the file."""
    path = write(tmp_path / "附件2.xls", COMPOUND[case]())
    code = (
        "import sys\nfrom pathlib import Path\nfrom consolidate.reading.workbook import read_file\n"
        "r = read_file(Path(sys.argv[1]), '黄浦区/附件2.xls')\n"
        "print(r.unreadable, len(r.forms), r.findings[0].message if r.unreadable else '')\n"
    )
    out, peak = peak_memory(code, str(path))
    unreadable, forms, message = out.split(" ", 2)
    if case in READ_COMPOUND:
        assert (unreadable, forms) == ("False", "1"), out
    else:
        assert unreadable == "True" and "文件已损坏（Office文件的内部结构错误）" in message, out
    assert peak < MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


# ---------------------------------------------------------------- reasons that name it
def _renamed_parts(rename, rels=None) -> bytes:
    data = annex_xlsx(2, [a2_values(1)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(rename(info.filename), rels(info.filename, body) if rels else body)
    return buffer.getvalue()


ODD_ZIPS = {
    "backslash separators": lambda: _renamed_parts(lambda n: n.replace("/", "\\")),
    "upper-case part names": lambda: _renamed_parts(str.upper),
    "parts at the root": lambda: _renamed_parts(
        lambda n: n.removeprefix("xl/"),
        lambda n, b: (
            b.replace(b'Target="xl/workbook.xml"', b'Target="workbook.xml"')
            if n == "_rels/.rels"
            else b
        ),
    ),
}


@pytest.mark.parametrize("case", list(ODD_ZIPS))
def test_workbooks_with_odd_part_names_are_read(case: str) -> None:
    """calamine reads them, so they are workbooks (the issue: "maybe Word")."""
    result = _read(ODD_ZIPS[case]())
    assert [len(f.rows) for f in result.forms] == [1]


@pytest.mark.parametrize(
    ("version", "head"),
    [("2.x", b"\x09\x00\x04\x00"), ("3.x", b"\x09\x02\x06\x00"), ("4.x", b"\x09\x04\x06\x00")],
)
def test_excel_2_to_4_files_are_an_unsupported_old_format(version: str, head: bytes) -> None:
    data = head + b"\x00\x00\x10\x00\x00\x00" + b"\x0a\x00\x00\x00"
    message = _reason(data, "旧表.xls")
    assert "Excel 2.x–4.x 的旧格式" in message and "改了扩展名" not in message


def test_an_xor_password_xls_is_a_password_not_corrupt() -> None:
    def obfuscated(records):
        xor = struct.pack("<HHH", 0, 0x1234, 0x5678)  # wEncryptionType 0: XOR obfuscation
        return records[:1] + [(FILEPASS, xor)] + records[1:]

    message = _reason(xls_changed(xls_book({"附件2": annex_cells()}), obfuscated), "a.xls")
    assert "密码" in message and "损坏" not in message


def test_a_panic_inside_calamine_is_a_finding_not_a_traceback() -> None:
    """A shared-string entry cut short makes calamine panic (pyo3's PanicException, a
    BaseException that ``except Exception`` misses)."""

    def cut_short(records):
        sst = struct.pack("<IIHBH", 1, 1, 1, 0x04, 0)  # fExtSt set, its size missing
        return [(t, sst if t == SST else b) for t, b in records]

    message = _reason(xls_changed(xls_book({"附件2": annex_cells()}), cut_short), "a.xls")
    assert "读取时出错" in message


def test_records_of_the_xls_shapes_are_what_they_claim() -> None:
    """The generators themselves: the bomb holds one long string, the far cells sit far."""
    records = biff_records(workbook_stream(xls_string_bomb(cells=20)))
    assert sum(t == 0x00FD for t, _ in records) == 20
    cells = [b for t, b in biff_records(workbook_stream(far_cells_xls(1))) if t == 0x00FD]
    assert struct.unpack_from("<HH", cells[-1]) == (59_999, 15)


HOSTILE_SHAPES = {
    "far cells .xlsx": ("远.xlsx", far_cells_xlsx),
    "far cells .xls": ("远.xls", far_cells_xls),
    "shared-string bomb": ("串.xlsx", shared_string_bomb),
    "long string in many .xls cells": ("串.xls", xls_string_bomb),
    **{
        f"compound file: {case}": (f"{i}.xls", make)
        for i, (case, make) in enumerate(COMPOUND.items())
    },
}


@pytest.mark.parametrize("case", list(HOSTILE_SHAPES))
def test_check_answers_every_shape_with_json(case: str, tmp_path: Path) -> None:
    """``consolidate check --format json``, as a clerk runs it: exit 0 or 1, JSON, the
    file named in it (read, or a finding with its reason)."""
    import json

    from conftest import cli

    name, make = HOSTILE_SHAPES[case]
    path = write(tmp_path / name, make())
    ran = cli("check", path, "--format", "json", "--as-of", "2026-11-26")
    assert ran.code in (0, 1), ran.output
    findings = json.loads(ran.output)["findings"]
    assert all(f["file"] == str(path) for f in findings if f["file"])
