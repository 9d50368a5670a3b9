"""Resource abuse: every limit lives in schemas/settings.toml, passing one is a finding,
and memory stays bounded (peaks measured in a fresh process)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import (
    MB,
    a2_values,
    annex_grid,
    annex_xlsx,
    append_streamed,
    config_with,
    drop_member,
    far_cell,
    lie_about_sizes,
    many_sheets,
    peak_memory,
    run_inbox,
    shared_strings_bomb,
    sheet_bomb,
    sheet_xml,
    write,
    xlsx_bytes,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidate.reading import zipscan
from consolidate.reading.errors import Unreadable
from consolidate.reading.workbook import read_bytes, read_file
from consolidate.support.config import load_config

LIMITS = load_config().limits
MEMORY_BOUND_MB = 500


def _reason(data: bytes, name: str = "黄浦区/附件2.xlsx", config=None) -> str:
    result = read_bytes(data, name, config=config)
    assert result.unreadable, result.findings
    [finding] = result.findings
    assert finding.code == "file-unreadable"
    return finding.message


# ---------------------------------------------------------------- decompression bombs
@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    sheet, strings = sheet_bomb(), shared_strings_bomb()
    return {
        "sheet": write(folder / "sheet.xlsx", sheet),
        "strings": write(folder / "strings.xlsx", strings),
        "sheet-lying": write(
            folder / "sheet-lying.xlsx", lie_about_sizes(sheet, "xl/worksheets/sheet1.xml")
        ),
        "strings-lying": write(
            folder / "strings-lying.xlsx", lie_about_sizes(strings, "xl/sharedStrings.xml")
        ),
    }


@pytest.mark.parametrize("kind", ["sheet", "strings"])
def test_bomb_is_refused_before_unpacking(kind: str, bombs: dict[str, Path]) -> None:
    path = bombs[kind]
    assert path.stat().st_size < MB  # small zip …
    message = _reason(path.read_bytes())  # … that unpacks to more than the limit
    assert f"解压后超过{LIMITS.max_uncompressed_bytes // MB}MB" in message


@pytest.mark.parametrize("kind", ["sheet-lying", "strings-lying"])
def test_bomb_with_lying_sizes_is_refused(kind: str, bombs: dict[str, Path]) -> None:
    """The zip directory claims 1 000 bytes: unpacking stops there (zipfile never gives more
    than a member declares) and the check sum of what came out fails: a corrupt file."""
    message = _reason(bombs[kind].read_bytes())
    assert "文件已损坏（压缩包内容不完整）" in message and "解压后超过" not in message


def test_bomb_within_a_bigger_limit_is_counted_while_unpacking(tmp_path: Path) -> None:
    """The bytes that really come out are counted as they come and unpacking stops at the
    limit. A workbook's declared sizes are checked before its sheets are unpacked, so the
    count is met in the sheet scan itself and in a Word document, whose parts are only
    counted; here every size is declared truly."""
    config, _ = config_with(tmp_path, max_uncompressed_bytes=5_000_000)
    with (
        zipfile.ZipFile(io.BytesIO(sheet_bomb(8 * MB))) as archive,
        pytest.raises(Unreadable) as refused,
    ):
        zipscan.scan_archive(archive, config)
    assert "解压后超过5MB" in refused.value.zh
    assert "解压后超过5MB" in _reason(word_bomb(8 * MB), "黄浦区/附件2.docx", config=config)
    # The look-alike: a document of 4 MB is read (a Word document without a table).
    smaller = read_bytes(word_bomb(3 * MB), "黄浦区/说明.docx", config=config)
    assert not smaller.unreadable and smaller.findings == []


def word_bomb(size: int) -> bytes:
    """A .docx whose body unpacks to about ``size`` bytes (and 1 MB) of empty paragraphs."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    base = drop_member(buffer.getvalue(), "word/document.xml")
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    head = f'<w:document xmlns:w="{ns}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    return append_streamed(base, "word/document.xml", head, b"<w:p/>", size, tail)


def test_reading_the_bombs_keeps_memory_bounded(bombs: dict[str, Path]) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom consolidate.reading.workbook import read_file\n"
        "for p in sys.argv[1:]:\n"
        "    r = read_file(Path(p))\n"
        "    print(r.unreadable, r.findings[0].code)\n"
    )
    out, peak = peak_memory(code, *(str(p) for p in bombs.values()))
    assert out.split() == ["True", "file-unreadable"] * 4
    assert peak < MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


# ---------------------------------------------------------------- sheet extent
def test_declared_dimension_of_the_whole_sheet_is_harmless() -> None:
    grid = annex_grid(2, [a2_values(1)])
    data = xlsx_bytes([("附件2", sheet_xml(grid, dimension="A1:XFD1048576"))])
    result = read_bytes(data, "黄浦区/附件2.xlsx")
    assert not result.unreadable
    assert [len(f.rows) for f in result.forms] == [1]


def test_formatted_but_empty_cells_far_away_are_harmless() -> None:
    """Borders applied down to row 1 048 576: empty cells, not content."""
    grid = annex_grid(2, [a2_values(1)])
    tail = (
        '<row r="70000"><c r="A70000" s="1"/></row><row r="1048576"><c r="XFD1048576" s="1"/></row>'
    )
    result = read_bytes(xlsx_bytes([("附件2", sheet_xml(grid, tail=tail))]), "黄浦区/附件2.xlsx")
    assert not result.unreadable, result.findings
    assert [len(f.rows) for f in result.forms] == [1]


@pytest.mark.parametrize(
    ("ref", "words"),
    [("XFD1048576", "行上限"), ("A1048576", "行上限"), ("XFD1", "列上限"), ("GS30", "列上限")],
)
def test_a_value_far_away_is_a_finding_not_a_crash(ref: str, words: str, tmp_path: Path) -> None:
    """One value at XFD1048576 would make calamine allocate 17 billion cells and abort the
    process: it is checked in a separate interpreter so a regression cannot kill pytest."""
    path = write(tmp_path / "黄浦区" / "附件2.xlsx", far_cell(ref))
    code = (
        "import sys\nfrom pathlib import Path\nfrom consolidate.reading.workbook import read_file\n"
        "r = read_file(Path(sys.argv[1]), '黄浦区/附件2.xlsx')\n"
        "print(r.unreadable, r.findings[0].code, r.findings[0].message)\n"
    )
    out, peak = peak_memory(code, str(path))
    assert out.startswith("True file-unreadable"), out
    assert words in out
    assert peak < MEMORY_BOUND_MB


def test_rows_without_references_cannot_hide_the_extent(tmp_path: Path) -> None:
    """Rows and cells may omit r="…" (they follow the previous one): still bounded."""
    wide = "<row>" + "<c><v>1</v></c>" * 17_000 + "</row>"
    tail = f'<row r="60000"><c r="A60000"><v>1</v></c></row>{wide}'
    grid = annex_grid(2, [a2_values(1)])
    data = xlsx_bytes([("附件2", sheet_xml(grid, tail=tail))])
    path = write(tmp_path / "x.xlsx", data)
    code = (
        "import sys\nfrom pathlib import Path\nfrom consolidate.reading.workbook import read_file\n"
        "r = read_file(Path(sys.argv[1]))\nprint(r.unreadable, r.findings[0].message)\n"
    )
    out, _ = peak_memory(code, str(path))
    assert out.startswith("True") and "列上限" in out


# ---------------------------------------------------------------- 100 000 rows
def test_100k_rows_pass_the_default_row_limit_as_a_finding(roster_100k: Path) -> None:
    result = read_file(roster_100k, "黄浦区/附件2.xlsx")
    assert result.unreadable
    message = result.findings[0].message
    assert f"超过{LIMITS.max_rows_per_sheet}行上限" in message


def test_100k_rows_run_end_to_end(roster_100k: Path, tmp_path: Path) -> None:
    inbox = roster_100k.parent.parent
    run = run_inbox(inbox, tmp_path / "out", "--year", "2026")
    entry = run.file("黄浦区/附件2.xlsx")
    assert entry["status"] == "unreadable"
    assert run.codes("黄浦区/附件2.xlsx") == {"file-unreadable": 1}


def test_100k_rows_within_a_raised_limit_are_all_read_in_bounded_memory(
    roster_100k: Path, tmp_path: Path
) -> None:
    _, schemas = config_with(tmp_path, max_rows_per_sheet=200_000)
    code = (
        "import sys\nfrom pathlib import Path\nfrom consolidate.reading.workbook import read_file\n"
        "r = read_file(Path(sys.argv[1]), '黄浦区/附件2.xlsx')\n"
        "rows = r.forms[0].rows\n"
        "print(r.unreadable, len(rows), rows[0].number, rows[-1].number, rows[-1].text('account'))\n"
    )
    out, peak = peak_memory(code, str(roster_100k), env={"CONSOLIDATE_SCHEMAS": str(schemas)})
    assert out.split() == ["False", "100000", "5", "100004", "hp99999"]
    assert peak < MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


# ---------------------------------------------------------------- sheets and cells
def test_1000_sheets_pass_the_sheet_limit_as_a_finding() -> None:
    message = _reason(many_sheets(1000))
    assert f"工作表有1000个，超过{LIMITS.max_sheets}个上限" in message


def test_sheet_limit_comes_from_configuration(tmp_path: Path) -> None:
    config, _ = config_with(tmp_path, max_sheets=2000)
    result = read_bytes(many_sheets(1000), "x.xlsx", config=config)
    assert not result.unreadable
    assert result.findings and {f.code for f in result.findings} <= {"annex-unrecognized"}


def test_very_long_cell_text_is_cut_and_reported() -> None:
    limit = LIMITS.max_cell_chars
    long_name = "王" * 200_000
    data = annex_xlsx(2, [a2_values(1, remarks=long_name)])
    result = read_bytes(data, "黄浦区/附件2.xlsx")
    [form] = result.forms
    assert len(form.rows[0].text("remarks")) == limit
    [cut] = [f for f in result.findings if f.code == "cell-unreadable"]
    assert cut.cell == "H5"
    assert f"内容超过{limit}个字符" in cut.message


def test_column_limit_comes_from_configuration(tmp_path: Path) -> None:
    config, _ = config_with(tmp_path, max_columns=5)
    message = _reason(annex_xlsx(2, [a2_values(1)]), config=config)
    assert "超过5列上限" in message


def test_file_size_limit_comes_from_configuration(tmp_path: Path) -> None:
    config, _ = config_with(tmp_path, max_file_bytes=1000)
    path = write(tmp_path / "附件2.xlsx", annex_xlsx(2, [a2_values(i) for i in range(1, 30)]))
    result = read_file(path, "附件2.xlsx", config)
    assert result.unreadable
    assert result.findings[0].message.startswith("文件无法读取：文件超过0MB上限。")


def test_an_inbox_of_oversized_files_runs(tmp_path: Path, bombs: dict[str, Path]) -> None:
    inbox = tmp_path / "inbox"
    write(inbox / "bomb.xlsx", bombs["sheet"].read_bytes())
    write(inbox / "many.xlsx", many_sheets(1000))
    write(inbox / "far.xlsx", far_cell("XFD1048576"))
    run = run_inbox(inbox, tmp_path / "out")
    assert {e["file"]: e["status"] for e in run.manifest["files"]} == {
        "bomb.xlsx": "unreadable",
        "far.xlsx": "unreadable",
        "many.xlsx": "unreadable",
    }


def test_cli_on_a_far_cell_does_not_abort(tmp_path: Path) -> None:
    path = write(tmp_path / "far.xlsx", far_cell("XFD1048576"))
    script = Path(sys.executable).parent / "consolidate"
    done = subprocess.run(
        [str(script), "check", str(path), "--format", "json", "--as-of", "2026-11-26"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "file-unreadable" in done.stdout


def test_thousands_of_overlapping_merges_do_not_stall_the_reader() -> None:
    """Merged ranges cannot overlap in Excel; a hostile file repeating them costs nothing."""
    import time

    grid = annex_grid(2, [a2_values(i) for i in range(1, 300)])
    merges = [f"A5:H{n}" for n in range(10, 20_010)]
    data = xlsx_bytes([("附件2", sheet_xml(grid, merges=merges))])
    started = time.monotonic()
    result = read_bytes(data, "黄浦区/附件2.xlsx")
    assert time.monotonic() - started < 10
    assert not result.unreadable


ANNOTATE = (
    "import sys\nfrom consolidate.cli import main\n"
    "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    print('EXIT', exit.code)\n"
)


@pytest.mark.parametrize("kind", ["sheet", "strings", "far", "truncated"])
def test_check_annotate_on_hostile_files_is_bounded(
    kind: str, bombs: dict[str, Path], tmp_path: Path
) -> None:
    """--annotate opens the file a second time (openpyxl, or calamine for a fallback):
    that must be as safe as reading it."""
    from conftest import truncated_zip

    made = {"far": far_cell, "truncated": truncated_zip}
    path = bombs[kind] if kind in bombs else write(tmp_path / f"{kind}.xlsx", made[kind]())
    out, peak = peak_memory(
        ANNOTATE,
        "check",
        str(path),
        "--annotate",
        str(tmp_path / "标注.xlsx"),
        "--as-of",
        "2026-11-26",
    )
    assert re.search(r"EXIT [12]\b", out), out
    assert peak < MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


def test_a_baseline_with_a_far_cell_is_refused_not_a_crash(tmp_path: Path) -> None:
    """--baseline is read by its own reader: it must be as safe as an inbox file."""
    from conftest import district_inbox

    inbox = district_inbox(tmp_path / "inbox")
    baseline = write(tmp_path / "register-2025.xlsx", far_cell("XFD1048576"))
    script = Path(sys.executable).parent / "consolidate"
    done = subprocess.run(
        [
            str(script),
            "run",
            str(inbox),
            "--out",
            str(tmp_path / "out"),
            "--baseline",
            str(baseline),
            "--as-of",
            "2026-11-26",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-500:]
    assert "上年名册" in done.stderr


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


@pytest.mark.parametrize("part", ["sheet", "workbook"])
def test_an_entity_bomb_in_the_xml_is_refused_not_expanded(part: str):
    """XML of untrusted workbooks is parsed with defusedxml (and expat without entities)."""
    grid = annex_grid(2, [a2_values(1)])
    sheet = sheet_xml(grid).replace('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', "")
    if part == "sheet":  # rows without r="…": the reader follows positions with a parser
        sheet = LAUGHS + re.sub(r' r="[A-Z]*\d+"', "", sheet).replace("lolz", "worksheet")
        data = xlsx_bytes([("附件2", sheet)])
        assert "XML格式错误" in _reason(data)
    else:
        data = xlsx_bytes([("附件2", sheet)])
        book = LAUGHS.replace("lolz", "workbook") + "<workbook>&lol9;</workbook>"
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                body = book.encode() if item.filename == "xl/workbook.xml" else src.read(item)
                dst.writestr(item, body)
        result = read_bytes(out.getvalue(), "黄浦区/附件2.xlsx")
        assert result.findings and not result.forms  # judged: never expanded, never a crash


_REF_PIECES = ["r", "R", "=", " ", '"', "'", "A", "Z", "0", "1", "9", "12345678901", "<c ", ">"]
_REF_PIECES += ["/>", 'rr="', 'r="A1"', 'r = "XFD1048576"', 'r="0000001"', '<row r="', "AAAA"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_REF_PIECES), max_size=30))
def test_the_one_pass_extent_is_the_longest_first_one(pieces: list[str]) -> None:
    """References however quoted, spaced, padded or nested: one pass per template finds
    the extent the passes from the longest length down find."""
    xml = "".join(pieces).encode()
    assert zipscan._any_extent(xml) == zipscan._extent(xml, zipscan._ANY_REF, (7, 3))
