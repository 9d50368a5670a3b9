"""Generators of hostile inputs (issue 6) and the checks every run on them must pass.

Everything is generated in the test, nothing is stored: small workbooks are written by
hand as minimal xlsx zips (``xlsx_bytes``), so that a cell can hold exactly the XML a
hostile or broken file holds (error values, formulas without result, text that looks
like a formula, 1 000 sheets, a value at XFD1048576) and so that the big files are fast
to make. Realistic ones come from openpyxl / xlwt / msoffcrypto.

:func:`run_inbox` is the one way the tests run ``consolidate run``: it checks, on every
test inbox, that the inputs are untouched (hashes and times), that no traceback is
shown, and that the row accounting adds up (nothing lost).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/helpers.py

from helpers import A1_HEADER, A1_TITLE, A2_HEADER, A2_TITLE, a1_row, a2_row, keys  # noqa: E402

from consolidate.cli import main  # noqa: E402
from consolidate.support.config import Config, load_config  # noqa: E402

AS_OF = "2026-11-26"
UNIT = "上海市黄浦区市场监督管理局"
OUTPUTS = (
    "register.xlsx", "adjustments.xlsx", "report.html",
    "findings.json", "findings.csv", "manifest.json",
)  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MB = 1_000_000


# ---------------------------------------------------------------- minimal xlsx by hand
class Raw(str):
    """A cell written as this XML; ``r="REF"`` gets the cell's reference."""


def col_letter(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_xml(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.replace('r="REF"', f'r="{ref}"')
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(
    rows: Iterable[Sequence[Any]],
    *,
    first_row: int = 1,
    dimension: str | None = None,
    merges: Sequence[str] = (),
    tail: str = "",
) -> str:
    """A worksheet: every value a text (inline string), number, bool or :class:`Raw` cell."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ]
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for r, row in enumerate(rows, start=first_row):
        cells = "".join(cell_xml(f"{col_letter(c)}{r}", v) for c, v in enumerate(row, start=1))
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append(f"{tail}</sheetData>")
    if merges:
        refs = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
        parts.append(f'<mergeCells count="{len(merges)}">{refs}</mergeCells>')
    parts.append("</worksheet>")
    return "".join(parts)


_STYLES = (  # numFmt 14 (a date) as style 1, for real date cells
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
    '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def xlsx_bytes(
    sheets: Sequence[tuple[str, str | bytes]],
    *,
    shared: Sequence[str] | None = None,
    hidden: Sequence[str] = (),
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A workbook zip with the parts Excel needs and nothing else."""
    ns = "http://schemas.openxmlformats.org"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    book_sheets = "".join(
        f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"'
        + (' state="hidden"' if name in hidden else "")
        + "/>"
        for i, (name, _) in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{ns}/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    n = len(sheets)
    rels += (
        f'<Relationship Id="rId{n + 1}" Type="{ns}/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>'
    )
    if shared is not None:
        rels += (
            f'<Relationship Id="rId{n + 2}" Type="{ns}/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/>'
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            f'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>{book_sheets}</sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f"{rels}</Relationships>",
        )
        archive.writestr("xl/styles.xml", _STYLES)
        if shared is not None:
            items = "".join(
                s if s.startswith("<si>") else f"<si><t>{escape(s)}</t></si>" for s in shared
            )
            archive.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}/spreadsheetml/2006/main" '
                f'count="{len(shared)}" uniqueCount="{len(shared)}">{items}</sst>',
            )
        for i, (_, xml) in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ---------------------------------------------------------------- the forms, laid out
def a2_values(n: int = 1, **values: Any) -> list[Any]:
    """A valid Annex 2 row in the template's column order."""
    row = a2_row(n, **values)
    return [row[key] for key in keys(2)]


def a1_values(n: int = 1, **values: Any) -> list[Any]:
    """A valid Annex 1 row (增加功能) in the template's column order."""
    row = a1_row(n, **values)
    return [row[key] for key in keys(1)]


def annex_grid(
    annex: int, rows: Sequence[Sequence[Any]], *, unit: str = UNIT, date: Any = "2026年11月20日"
) -> list[list[Any]]:
    """The template's layout (as tests/helpers.write_annex): label, title, metadata, header, rows, notes."""
    meta: list[Any] = [f"填报单位：{unit}", None, None, None, None, None, "填报日期：", date]
    if annex == 2:
        meta[2], meta[4] = "填报人：张明", "所在部门：认证科"
    return [
        [f"附件{annex}"],
        [A1_TITLE if annex == 1 else A2_TITLE],
        meta,
        list(A1_HEADER if annex == 1 else A2_HEADER),
        *[list(r) for r in rows],
        ["备注：当前账号功能填写：初审、复审、发证、监管、管理员。"],
    ]


FIRST_DATA_ROW = 5


def annex_xlsx(
    annex: int,
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str | None = None,
    unit: str = UNIT,
    date: Any = "2026年11月20日",
) -> bytes:
    """One annex in one sheet, as a district would send it."""
    grid = annex_grid(annex, rows, unit=unit, date=date)
    return xlsx_bytes([(sheet or f"附件{annex}", sheet_xml(grid))])


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def district_inbox(root: Path, district: str = "黄浦区", people: int = 3) -> Path:
    """A small valid inbox: one district's Annex 2 (``people`` rows) and Annex 1 (one row)."""
    unit = f"上海市{district}市场监督管理局"
    roster = [a2_values(i, bureau=unit, mobile=f"1390000{i:04d}") for i in range(1, people + 1)]
    write(root / district / "附件2.xlsx", annex_xlsx(2, roster, unit=unit))
    write(root / district / "附件1.xlsx", annex_xlsx(1, [a1_values(1, bureau=unit)], unit=unit))
    return root


# ---------------------------------------------------------------- broken and hostile files
def truncated_zip() -> bytes:
    data = annex_xlsx(2, [a2_values(1)])
    return data[: len(data) // 2]


def corrupt_member_zip() -> bytes:
    """A complete zip whose sheet data is damaged (the CRC check fails)."""
    data = bytearray(annex_xlsx(2, [a2_values(i) for i in range(1, 40)]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + info.compress_size - 20, 7):
        data[i] ^= 0x55
    return bytes(data)


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def text_bytes() -> bytes:
    return "关于报送账号信息的说明\n请查收附件。\n".encode("gb18030")


def zip_bytes(members: dict[str, str | bytes]) -> bytes:
    """A zip holding these members: the container of .docx, .xlsb and .ods alike."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def xlsb_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})


def ods_bytes() -> bytes:
    return zip_bytes(
        {
            "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": "<office:document-content/>",
        }
    )


def xls_bytes(annex: int = 2, rows: Sequence[Sequence[Any]] | None = None) -> bytes:
    """A real BIFF .xls (xlwt), laid out as the template."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(f"附件{annex}")
    grid = annex_grid(annex, rows if rows is not None else [a2_values(1)])
    for r, values in enumerate(grid):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- .xls by record
# An .xls is a compound file holding one Workbook stream of BIFF records. The shapes
# below start from a real xlwt workbook, change its records and put the stream back in a
# compound file (consolidate.reading.cfb writes the simplest valid one).
def xls_book(sheets: dict[str, Sequence[tuple[int, int, Any]]]) -> bytes:
    """An xlwt .xls whose sheets hold the given (row, col, value) cells (0-based)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, cells in sheets.items():
        sheet = book.add_sheet(name)
        for r, c, value in cells:
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def annex_cells(annex: int = 2, rows: Sequence[Sequence[Any]] | None = None) -> list:
    grid = annex_grid(annex, rows if rows is not None else [a2_values(1)])
    return [
        (r, c, v) for r, values in enumerate(grid) for c, v in enumerate(values) if v is not None
    ]


def workbook_stream(xls: bytes) -> bytes:
    import olefile

    with olefile.OleFileIO(io.BytesIO(xls)) as ole:
        return ole.openstream("Workbook").read()


def biff_records(stream: bytes) -> list[tuple[int, bytes]]:
    records, pos = [], 0
    while pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        records.append((rtype, stream[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    return records


def biff_stream(records: Sequence[tuple[int, bytes]]) -> bytes:
    """The records as a stream, each BOUNDSHEET pointing at its sheet's BOF again."""
    offsets, pos, seen_globals = [], 0, False
    for rtype, body in records:
        if rtype == 0x0809 and seen_globals:
            offsets.append(pos)
        seen_globals = seen_globals or rtype == 0x000A
        pos += 4 + len(body)
    out, sheet = [], 0
    for rtype, body in records:
        if rtype == 0x0085 and sheet < len(offsets):
            body = struct.pack("<I", offsets[sheet]) + body[4:]
            sheet += 1
        out.append(struct.pack("<HH", rtype, len(body)) + body)
    return b"".join(out)


def xls_of(stream: bytes) -> bytes:
    from consolidate.reading.cfb import single_stream

    return single_stream("Workbook", stream)


def xls_changed(xls: bytes, change) -> bytes:
    """``xls`` with its record list passed through ``change(records) -> records``."""
    return xls_of(biff_stream(change(biff_records(workbook_stream(xls)))))


def encrypted_xlsx(password: str = "1234") -> bytes:
    """An .xlsx with an opening password: Excel stores it as an encrypted OLE container."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(annex_xlsx(2, [a2_values(1)]))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt(password, out)
    return out.getvalue()


def protected_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """Sheet and workbook-structure protection only: no opening password, so readable."""
    import openpyxl
    from openpyxl.workbook.protection import WorkbookProtection

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "附件2"
    for values in annex_grid(2, rows):
        sheet.append(values)
    sheet.protection.sheet = True
    sheet.protection.password = "secret"
    book.security = WorkbookProtection(workbookPassword="secret", lockStructure=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def drop_member(data: bytes, member: str) -> bytes:
    """The same zip without ``member`` (to replace it by a streamed one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info))
    return buffer.getvalue()


def sheet_bomb(size: int = 210 * MB) -> bytes:
    """A small zip whose one sheet XML unpacks to ``size`` bytes (rows of empty cells)."""
    member = "xl/worksheets/sheet1.xml"
    base = drop_member(xlsx_bytes([("附件2", sheet_xml([["x"]]))]), member)
    head = sheet_xml([])[: -len("</sheetData></worksheet>")].encode()
    return append_streamed(base, member, head, b'<row r="1"/>', size, b"</sheetData></worksheet>")


def shared_strings_bomb(size: int = 210 * MB) -> bytes:
    """A small zip whose shared-strings table unpacks to ``size`` bytes."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    base = [("附件2", sheet_xml([[Raw('<c r="REF" t="s"><v>0</v></c>')]]))]
    data = xlsx_bytes(base, shared=["x"])
    data = drop_member(data, "xl/sharedStrings.xml")
    head = f'<?xml version="1.0"?><sst xmlns="{ns}"><si><t>'.encode()
    return append_streamed(data, "xl/sharedStrings.xml", head, b"A", size, b"</t></si></sst>")


def append_streamed(
    data: bytes, member: str, head: bytes, filler: bytes, size: int, tail: bytes
) -> bytes:
    buffer = io.BytesIO(data)
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(member, "w") as out,
    ):
        out.write(head)
        chunk = filler * (MB // len(filler))
        for _ in range(size // len(chunk) + 1):
            out.write(chunk)
        out.write(tail)
    return buffer.getvalue()


def lie_about_sizes(data: bytes, member: str, declared: int = 1000) -> bytes:
    """The same zip, ``member``'s unpacked size written as ``declared`` (headers lie)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", out, info.header_offset + 22, declared)  # local header
    at = out.find(b"PK\x01\x02")
    while at != -1:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, at + 28)
        name = bytes(out[at + 46 : at + 46 + name_len]).decode()
        if name == member:
            struct.pack_into("<I", out, at + 24, declared)  # central directory
        at = out.find(b"PK\x01\x02", at + 46 + name_len + extra_len + comment_len)
    return bytes(out)


def many_sheets(count: int = 1000) -> bytes:
    tiny = sheet_xml([["x"]])
    return xlsx_bytes([(f"S{i}", tiny) for i in range(1, count + 1)])


def far_cell(ref: str = "XFD1048576", dimension: str | None = None) -> bytes:
    """An annex whose one stray value sits at ``ref`` (calamine would allocate up to it)."""
    grid = annex_grid(2, [a2_values(1)])
    row = int(re.sub(r"\D", "", ref))
    tail = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
    return xlsx_bytes([("附件2", sheet_xml(grid, dimension=dimension, tail=tail))])


def big_roster_xml(rows: int, faulty: bool = False) -> str:
    """Annex 2 with ``rows`` data rows, written straight as XML (openpyxl is too slow);
    ``faulty``: every mobile one digit short (an error on every row)."""
    grid = annex_grid(2, [])
    head = sheet_xml(grid[:4])[: -len("</sheetData></worksheet>")]
    parts = [head]

    def mobile(i: int) -> str:
        number = f"1{30 + i % 60:02d}{i:08d}"
        return number[:-1] if faulty else number

    for i in range(rows):
        r = FIRST_DATA_ROW + i
        parts.append(
            f'<row r="{r}"><c r="A{r}"><v>{i + 1}</v></c>'
            f'<c r="B{r}" t="s"><v>0</v></c><c r="C{r}" t="s"><v>1</v></c>'
            f'<c r="D{r}" t="s"><v>2</v></c>'
            f'<c r="E{r}" t="inlineStr"><is><t>hp{i}</t></is></c>'
            f'<c r="F{r}" t="s"><v>3</v></c><c r="G{r}"><v>{mobile(i)}</v></c></row>'
        )
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def big_roster(rows: int, faulty: bool = False) -> bytes:
    shared = [UNIT, "王建华", "认证科科长", "复审、监管"]
    return xlsx_bytes([("附件2", big_roster_xml(rows, faulty))], shared=shared)


@pytest.fixture(scope="session")
def roster_100k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An inbox with one Annex 2 of 100 000 data rows (made once per session)."""
    path = tmp_path_factory.mktemp("big") / "inbox" / "黄浦区" / "附件2.xlsx"
    return write(path, big_roster(100_000))


def config_with(tmp_path: Path, **limits: int) -> tuple[Config, Path]:
    """A copy of schemas/ with some [limits] changed: (config, folder for CONSOLIDATE_SCHEMAS)."""
    import shutil
    import tomllib

    base = load_config()
    folder = tmp_path / "schemas"
    shutil.copytree(base.root, folder)
    settings = (folder / "settings.toml").read_text(encoding="utf-8")
    for key, value in limits.items():
        settings, n = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {value}", settings)
        assert n == 1, key
    (folder / "settings.toml").write_text(settings, encoding="utf-8")
    tomllib.loads(settings)
    return load_config(folder), folder


# ---------------------------------------------------------------- running and checking
def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry below ``folder`` (links not followed): content hash or link target, mtime."""
    entries: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            info = path.lstat()
            key = os.fsencode(path.relative_to(folder)).hex()
            if path.is_symlink():
                entries[key] = ("link", os.readlink(path), info.st_mtime_ns)
            elif path.is_file():
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    digest = "unreadable"
                entries[key] = ("file", digest, info.st_size, info.st_mtime_ns, info.st_mode)
            elif path.is_dir():
                entries[key] = ("dir", info.st_mode)
            else:
                entries[key] = ("other", info.st_mode, info.st_mtime_ns)
    return entries


@dataclass
class Ran:
    """What a command printed and returned."""

    code: int
    output: str
    stderr: str


def cli(*args: str | Path, env: dict[str, str] | None = None) -> Ran:
    """Run the ``consolidate`` command in-process, as a user would call it."""
    runner = CliRunner()
    result = runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"consolidate {args} raised {result.exception!r}")
    ran = Ran(result.exit_code, result.output, result.stderr)
    assert "Traceback" not in ran.output + ran.stderr
    return ran


@dataclass
class RunOutputs:
    ran: Ran
    out: Path
    findings: list[dict[str, Any]]
    manifest: dict[str, Any]

    def codes(self, file: str | None = None) -> Counter[str]:
        return Counter(f["code"] for f in self.findings if file is None or f["file"] == file)

    def file(self, name: str) -> dict[str, Any]:
        return next(entry for entry in self.manifest["files"] if entry["file"] == name)


def run_inbox(
    inbox: Path,
    out: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    watch: Path | None = None,
) -> RunOutputs:
    """``consolidate run`` with every guarantee checked: inputs untouched, nothing lost."""
    watched = watch or inbox
    before = snapshot(watched)
    ran = cli("run", inbox, "--out", out, "--as-of", AS_OF, *extra, env=env)
    assert snapshot(watched) == before, "the run changed the inbox"
    assert ran.code in (0, 1), ran.output + ran.stderr
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    outputs = RunOutputs(ran, out, findings, manifest)
    assert_nothing_lost(inbox, outputs)
    return outputs


def inbox_files(inbox: Path) -> set[str]:
    from consolidate.reading.inbox import printable_name

    """Every file below the inbox as the manifest names it (links not followed)."""
    names = set()
    for dirpath, _dirs, filenames in os.walk(inbox, followlinks=False):
        for name in filenames:
            path = Path(dirpath) / name
            # Bytes that are not UTF-8 are shown as U+FFFD, as the manifest shows them.
            names.add(printable_name(path.relative_to(inbox).as_posix()))
    return names


def assert_nothing_lost(inbox: Path, run: RunOutputs) -> None:
    """Every file is listed; every data row read is in an output or rejected with a reason;
    the report's row accounting adds up."""
    manifest, findings = run.manifest, run.findings
    listed = [entry["file"] for entry in manifest["files"]]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    shown = {n for n in inbox_files(inbox) if not n.split("/")[0].startswith(("_", "."))}
    assert shown <= set(listed), f"files missing from the manifest: {shown - set(listed)}"
    by_file: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        by_file.setdefault(finding["file"] or "", []).append(finding)
    for entry in manifest["files"]:
        if entry["status"] == "unreadable":
            codes = {f["code"] for f in by_file.get(entry["file"], [])}
            assert "file-unreadable" in codes, entry["file"]
    register = _source_counts(run.out / "register.xlsx", "名册", header_row=1)
    # Every request of the run is in the year's ledger sheet (to forward, returned, or a
    # repeat of one recorded before): the inputs' files are of this year.
    adjustments = _source_counts(run.out / "adjustments.xlsx", "全年台账", header_row=1)
    totals = {1: [0, 0, 0], 2: [0, 0, 0]}  # read, kept, rejected
    for entry in manifest["files"]:
        for sheet in entry["sheets"]:
            if sheet["status"] != "used" or entry["status"] != "used":
                assert register.get((entry["file"], sheet["sheet"]), 0) == 0
                continue
            kept = sheet["rows"] - sheet["rejected"]
            annex = sheet["annex"]
            # Every non-empty row below the header is a data row, another line, or a
            # person's data outside the table that a finding reports (decision 16).
            assert sheet["nonempty_rows"] == (
                sheet["rows"] + sheet["other_rows"] + sheet["outside_rows"]
            ), (entry["file"], sheet)
            outside = [
                f for f in by_file.get(entry["file"], [])
                if f["sheet"] == sheet["sheet"] and f["code"] == "row-outside-table"
            ]  # fmt: skip
            assert len(outside) == sheet["outside_rows"], entry["file"]
            totals[annex][0] += sheet["rows"]
            totals[annex][1] += kept
            totals[annex][2] += sheet["rejected"]
            rows_with_reason = {
                f["row"] for f in by_file.get(entry["file"], []) if f["sheet"] == sheet["sheet"]
            }
            assert sheet["rejected"] <= len(rows_with_reason - {None})
            if annex == 2:
                assert register.get((entry["file"], sheet["sheet"]), 0) == kept, entry["file"]
    for file in {e["file"] for e in manifest["files"]}:
        used_a1 = [
            s["rows"] - s["rejected"]
            for e in manifest["files"]
            if e["file"] == file and e["status"] == "used"
            for s in e["sheets"]
            if s["annex"] == 1 and s["status"] == "used"
        ]
        assert adjustments.get((file, None), 0) == sum(used_a1), file
    summary = manifest["summary"]
    assert summary["rows_used"] == totals[1][0] + totals[2][0]
    assert summary["rows_rejected"] == totals[1][2] + totals[2][2]
    assert sum(register.values()) == totals[2][1]
    assert sum(adjustments.values()) == totals[1][1]
    _assert_report_accounting(run.out / "report.html", totals)


def _source_counts(path: Path, sheet: str | None, header_row: int | None) -> Counter:
    """Rows per (source file, source sheet) of an output workbook."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    if header_row is None:  # adjustments: the header row is the one naming the source file
        header_row = next(i for i, r in enumerate(rows, 1) if r and "来源文件" in r)
    header = list(rows[header_row - 1])
    file_col = header.index("来源文件")
    sheet_col = header.index("来源工作表") if "来源工作表" in header else None
    counts: Counter = Counter()
    for row in rows[header_row:]:
        if row and file_col < len(row) and row[file_col]:
            counts[(row[file_col], row[sheet_col] if sheet_col is not None else None)] += 1
    return counts


def _assert_report_accounting(path: Path, totals: dict[int, list[int]]) -> None:
    html = path.read_text(encoding="utf-8")
    section = re.search(r'<section id="accounting".*?</section>', html, re.S)
    assert section, "report.html has no row accounting"
    assert 'class="bad"' not in section[0], "the report's row accounting does not add up"
    foot = re.search(r"<tfoot>(.*?)</tfoot>", section[0], re.S)
    assert foot
    numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', foot[1])]
    # Per annex: read, kept, rejected, other lines, outside the table, non-empty rows.
    annex2, annex1 = numbers[:6], numbers[6:]
    assert [*annex2[:3], *annex1[:3]] == [*totals[2], *totals[1]], (numbers, totals)
    for read, _kept, _rejected, other, outside, nonempty in (annex2, annex1):
        assert nonempty == read + other + outside, numbers


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


# A process measured by peak_memory gets at most this much address space: a runaway
# allocation then fails that process (and the test) instead of taking the machine.
ADDRESS_SPACE_MB = 3_000


def peak_memory(
    code: str, *args: str, env: dict[str, str] | None = None, cap_mb: int = ADDRESS_SPACE_MB
) -> tuple[str, float]:
    """Run ``code`` in a fresh interpreter: (its stdout, its peak resident memory in MB).

    A fresh process, because calamine allocates in Rust where tracemalloc cannot see, and
    the test process's own high-water mark would hide the figure; its address space is
    capped at ``cap_mb``.
    """
    import resource

    def cap() -> None:
        limit = cap_mb * 1_000_000
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    script = code + (
        "\nimport resource, sys\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        preexec_fn=cap,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    peak = int(re.search(r"PEAK (\d+)", done.stderr)[1])  # type: ignore[index]
    return done.stdout, peak / 1024  # ru_maxrss is in KiB on Linux


def as_of() -> dt.date:
    return dt.date.fromisoformat(AS_OF)
