"""The file as a container: format sniffing, zip and OLE checks, loading the sheets.

One pass: the bytes are opened as a zip (or OLE container) once, and :mod:`.zipscan`
(or :mod:`.biff`) looks inside in that pass; every sheet reaches python-calamine only
after those checks.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import defusedxml.ElementTree as DefusedET
import olefile

from consolidate.model.finding import column_letter
from consolidate.reading.biff import Biff, read_biff
from consolidate.reading.cfb import single_stream
from consolidate.reading.errors import OLE_MAGIC, ZIP_MAGIC, Unreadable, error_value
from consolidate.reading.grid import Grid, grid_of
from consolidate.reading.zipscan import (
    CUSTOM_PROPS,
    CUSTOM_PROPS_BYTES,
    ZIP_ERRORS,
    CellBudget,
    SheetScan,
    book_parts,
    check_extent,
    part_key,
    repeated_text,
    scan_archive,
    zip_bomb,
)
from consolidate.support.config import Config, Limits

# ---------------------------------------------------------------- containers and formats
# What to tell a clerk about a file the parser cannot take, by its ending.
_FORMAT_HINTS = {
    ".xlsb": ("这是 .xlsb 二进制工作簿，请另存为 .xlsx", "this is an .xlsb workbook; save it as .xlsx"),
    ".ods": ("这是 OpenDocument（.ods）表格，请另存为 .xlsx", "this is an .ods spreadsheet; save it as .xlsx"),
    ".et": ("这是WPS表格（.et）格式，请在WPS中另存为 .xlsx", "this is a WPS .et workbook; save it as .xlsx"),
    ".ett": ("这是WPS表格模板（.ett）格式，请在WPS中另存为 .xlsx", "this is a WPS .ett template; save it as .xlsx"),
    ".csv": ("这是CSV文本文件，不是Excel表格；请把内容填入模板后另存为 .xlsx", "this is a CSV text file, not a workbook; fill in the template and save it as .xlsx"),
}  # fmt: skip
for _suffix in (".docx", ".doc", ".wps"):  # a Word name on bytes of no Word format
    _FORMAT_HINTS[_suffix] = (
        "Word文档已损坏或不是Word格式",
        "a corrupt Word document, or not one at all",
    )
# The name of the main stream of a Word 97-2003 document, as its OLE directory stores it.
_WORD_STREAM = "WordDocument".encode("utf-16-le")
# Old Word formats, read after LibreOffice converts them (RTF is often saved as .doc).
OLD_WORD = (".doc", ".wps")


def _not_a_workbook(suffix: str) -> Unreadable:
    zh, en = _FORMAT_HINTS.get(
        suffix,
        (
            "文件内容不是Excel表格（可能是其他文件改了扩展名）",
            "not a spreadsheet (another file renamed?)",
        ),
    )
    return Unreadable(zh, en)


@dataclass(frozen=True, slots=True)
class SheetMarks:
    """What a sheet holds that a reader of its cells does not see (decision 28)."""

    values: bool = False  # a cell holds a value (said of sheets not loaded: hidden ones)
    drawing: bool = False  # pictures, text boxes, shapes or a background picture
    protected: bool = False


@dataclass(frozen=True, slots=True)
class Container:
    """What one pass over the file's container found, before calamine reads the sheets."""

    # "zip" (.xlsx/.xlsm) or "ole" (.xls): a workbook; "docx", or "word" (an old Word
    # document to convert first): for the Word reader.
    kind: str
    scans: dict[str, SheetScan] | None = None  # zip: each worksheet's scan
    version: str | None = None  # the template mark of our own workbooks
    hidden: dict[str, frozenset[int]] = field(default_factory=dict)  # ole: hidden rows
    # ole: each sheet's error values (0-based cell -> #N/A …), which calamine reads as ''
    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    # ole: the workbook stream in a clean compound file, what calamine reads instead of
    # the file (its compound-file reader trusts the header; see .cfb)
    payload: bytes | None = None
    sheet_marks: dict[str, SheetMarks] = field(default_factory=dict)  # ole: by sheet

    def hidden_rows(self, sheet: str) -> frozenset[int]:
        if self.scans is not None:
            scan = self.scans.get(sheet)
            return scan.hidden if scan else frozenset()
        return self.hidden.get(sheet, frozenset())

    def marks(self, sheet: str) -> SheetMarks:
        """The sheet's drawings, protection and whether it holds values at all."""
        if self.scans is not None:
            scan = self.scans.get(sheet)
            return SheetMarks(scan.values, scan.drawing, scan.protected) if scan else SheetMarks()
        return self.sheet_marks.get(sheet, SheetMarks())

    def suspect_cells(self, sheet: str) -> dict[tuple[int, int], tuple[str, str]]:
        """0-based (row, col) -> (zh, en) reason, for the cells of ``sheet`` whose empty
        value hides an error value or a formula without result."""
        if self.scans is not None:
            scan = self.scans.get(sheet)
            return scan.suspect if scan else {}
        return {at: error_value(error) for at, error in self.errors.get(sheet, {}).items()}


def open_container(data: bytes, suffix: str, config: Config) -> Container:
    """Sniff the format and look inside, once; raise Unreadable with the reason a clerk
    understands."""
    if not data:
        raise Unreadable("文件是空的（0字节）", "the file is empty (0 bytes)")
    if _old_excel(data):
        raise Unreadable(
            "这是Excel 2.x–4.x 的旧格式文件，本工具无法读取；请用Excel或WPS打开后另存为 .xlsx",
            "an Excel 2.x-4.x file, too old to read; open it in Excel or WPS and save it as .xlsx",
        )
    if data.startswith(ZIP_MAGIC):
        return _open_zip(data, config)
    if data.startswith(OLE_MAGIC):
        return _open_ole(data, suffix, config)
    if data.startswith(b"{\\rtf") and suffix in (*OLD_WORD, ".docx"):
        return Container("word")
    if data.startswith(b"%PDF"):
        raise Unreadable("这是PDF文件，不是Excel表格", "this is a PDF, not a spreadsheet")
    if data.lstrip()[:1] in (b"<",):
        raise Unreadable(
            "这是网页或XML文件，不是Excel表格", "this is HTML or XML, not a spreadsheet"
        )
    raise _not_a_workbook(suffix)


def _old_excel(data: bytes) -> bool:
    """Whether the file starts with the BOF record of Excel 2.x, 3.x or 4.x (a bare BIFF
    stream, before Excel 5 put workbooks in compound files)."""
    return data[:2] in (b"\x09\x00", b"\x09\x02", b"\x09\x04") and data[2:4] in (
        b"\x04\x00", b"\x06\x00", b"\x08\x00",
    )  # fmt: skip


def _open_zip(data: bytes, config: Config) -> Container:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise Unreadable("文件已损坏（压缩包不完整）", "the file is corrupt (broken zip)") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > config.limits.max_zip_parts:
            raise Unreadable(
                f"压缩包内有{len(infos)}个部件，超过{config.limits.max_zip_parts}个上限",
                f"the zip holds {len(infos)} parts, more than {config.limits.max_zip_parts}",
            )
        # Names as calamine finds them: '\\' separators, any case, the workbook anywhere
        # the package relationships say (some writers put it at the root).
        names = {part_key(info.filename) for info in infos}
        main = book_parts(archive, config.limits.max_uncompressed_bytes).main
        if "xl/workbook.bin" in names or (main or "").endswith(".bin"):
            raise Unreadable(*_FORMAT_HINTS[".xlsb"])
        if "content.xml" in names:
            raise Unreadable(*_FORMAT_HINTS[".ods"])
        if "word/document.xml" in names:
            return Container("docx")  # unpacked and scanned by the Word reader
        if "xl/workbook.xml" not in names and (main is None or main not in names):
            raise Unreadable(
                "压缩包中没有Excel工作簿（可能是Word等其他文件）", "the zip holds no Excel workbook"
            )
        # The sizes the directory declares are checked first: unpacking is then counted.
        if sum(info.file_size for info in infos) > config.limits.max_uncompressed_bytes:
            raise zip_bomb(config)
        scan = scan_archive(archive, config)
    return Container("zip", scan.sheets, _template_version(scan.custom, config))


def _open_ole(data: bytes, suffix: str, config: Config) -> Container:
    """An OLE container: an encrypted workbook (.xlsx with a password is one), a Word 97-2003
    document, or an .xls, whose BIFF records are measured before calamine reads them."""
    word = _WORD_STREAM in data[:1_000_000] or suffix in OLD_WORD
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                raise _password()
            if word:
                return Container("word")
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            if stream is None:
                raise _not_a_workbook(suffix)
            if ole.get_size(stream) > len(data):  # a size no chain in this file can hold
                raise _broken_ole()
            workbook = ole.openstream(stream).read()
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - olefile raises many types on a broken file
        if word:
            return Container("word")  # LibreOffice judges it
        if suffix in _FORMAT_HINTS:  # a WPS .et is an OLE file too
            raise _not_a_workbook(suffix) from exc
        raise _broken_ole() from exc
    biff = read_biff(workbook)
    if biff.encrypted:
        raise _password()
    _check_biff(biff, config)
    marks = {s.name: SheetMarks(s.rows > 0, s.drawing, s.protected) for s in biff.sheets}
    return Container(
        "ole",
        hidden=biff.hidden,
        errors=biff.errors,
        payload=single_stream("Workbook", workbook),
        sheet_marks=marks,
    )


# calamine reserves room for the cells a DIMENSIONS record declares: no real .xls declares
# more than Excel 97-2003 holds (65 536 rows of 256 columns).
_MOST_DECLARED = 65_536 * 256


def _check_biff(biff: Biff, config: Config) -> None:
    """Everything calamine would build when it opens the file, within the limits."""
    limits = config.limits
    if len(biff.sheets) > limits.max_sheets:
        raise _too_many_sheets(len(biff.sheets), limits)
    budget = CellBudget(limits)
    for sheet in biff.sheets:
        if sheet.declared > _MOST_DECLARED:
            raise Unreadable(
                f"文件已损坏（工作表“{sheet.name}”记录的范围超出Excel的上限，可能是恶意构造的文件）",
                f"the file is corrupt (sheet {sheet.name!r} declares a range beyond Excel's)",
            )
        check_extent(sheet.name, sheet.rows, sheet.columns, limits)
        budget.take(sheet.name, sheet.rows, sheet.columns)
    if biff.copied_text > limits.max_uncompressed_bytes:
        raise repeated_text(config)


def _broken_ole() -> Unreadable:
    return Unreadable(
        "文件已损坏（Office文件的内部结构错误）", "the file is corrupt (broken compound file)"
    )


def _too_many_sheets(count: int, limits: Limits) -> Unreadable:
    return Unreadable(
        f"工作表有{count}个，超过{limits.max_sheets}个上限",
        f"{count} sheets, more than the limit of {limits.max_sheets}",
    )


def _password() -> Unreadable:
    return Unreadable("文件设置了打开密码", "the file is protected by a password")


def load_sheets(
    data: bytes,
    container: Container,
    config: Config,
    suffix: str = "",
    skipped: dict[str, str] | None = None,
) -> Iterator[tuple[str, Grid | None]]:
    """Every visible worksheet as a grid (None for sheets to ignore), one at a time: the
    caller is done with a grid before the next is built. ``skipped`` is told why each
    sheet was ignored: ``hidden``, ``helper``, ``chart`` (no worksheet) or ``empty``."""
    import python_calamine as calamine

    limits = config.limits
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(container.payload or data))
    except calamine.PasswordError as exc:
        raise _password() from exc
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        if suffix in _FORMAT_HINTS:
            raise _not_a_workbook(suffix) from exc
        raise Unreadable(
            "文件已损坏或不是Excel格式", f"corrupt or not a workbook ({type(exc).__name__})"
        ) from exc
    metadata = workbook.sheets_metadata
    if len(metadata) > limits.max_sheets:
        raise _too_many_sheets(len(metadata), limits)
    helpers = set(config.settings.template.helper_sheets)
    budget = CellBudget(limits)
    why = skipped if skipped is not None else {}
    for meta in metadata:
        visible = str(meta.visible).endswith("Visible") and "Hidden" not in str(meta.visible)
        if not visible or "WorkSheet" not in str(meta.typ) or meta.name in helpers:
            kind = "WorkSheet" in str(meta.typ)
            why[meta.name] = "helper" if meta.name in helpers else "hidden" if kind else "chart"
            yield meta.name, None
            continue
        grid = sheet_grid(workbook, meta.name, budget, container)
        if grid.is_empty():
            why[meta.name] = "empty"
        yield meta.name, grid if not grid.is_empty() else None
        del grid  # before the next sheet is built


def sheet_grid(workbook: object, name: str, budget: CellBudget, container: Container) -> Grid:
    """One sheet as a grid, its extent checked first when the zip was scanned (an .xls
    was measured whole when it was opened)."""
    limits = budget.limits
    scan = None
    scans = container.scans
    if scans is not None:
        # A name the scan did not map (odd workbook.xml): judge by the worst sheet.
        scan = scans.get(name) or _worst(scans.values())
        check_extent(name, scan.rows, scan.columns, limits)
        budget.take(name, scan.rows, scan.columns)
    try:
        sheet = workbook.get_sheet_by_name(name)  # type: ignore[attr-defined]
        suspect = scan.suspect if scan else container.suspect_cells(name)
        return grid_of(sheet, limits, suspect, container.hidden_rows(name))
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _odd_error(name, scan) or Unreadable(
            f"工作表“{name}”已损坏", f"sheet {name!r} is corrupt"
        ) from exc


# The error values calamine reads; newer ones (#SPILL!, #CALC!, #BUSY! …) make it fail.
_CALAMINE_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"}


def _odd_error(name: str, scan: SheetScan | None) -> Unreadable | None:
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


def _worst(scans: object) -> SheetScan:
    worst = SheetScan()
    for scan in scans:  # type: ignore[attr-defined]
        worst = worst.worst(scan)
    return worst


def template_version(data: bytes, config: Config) -> str | None:
    """The version mark of a document held in memory (a Word document: workbooks have it
    from their one pass, :attr:`Container.version`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = next(i for i in archive.infolist() if part_key(i.filename) == CUSTOM_PROPS)
            if info.file_size > CUSTOM_PROPS_BYTES:
                return None
            custom = archive.read(info)
    except (StopIteration, *ZIP_ERRORS):
        return None
    return _template_version(custom, config)


def _template_version(custom: bytes | None, config: Config) -> str | None:
    """The version mark our own templates carry as a custom document property."""
    if custom is None:
        return None
    wanted = config.settings.template.property
    try:
        root = DefusedET.fromstring(custom)
    except Exception:  # noqa: BLE001 - bad or hostile XML: no mark
        return None
    # Parsed rather than matched: writers differ in namespaces and attribute order.
    for prop in root:
        if prop.get("name") == wanted:
            return "".join(prop.itertext()).strip() or None
    return None
