"""Read district workbooks as they really arrive into forms with cell origins.

The only module (with the writers) that touches input files. Each file is read once
into memory: its sha256 comes from the same bytes the parser sees. python-calamine does
the parsing (many times faster than openpyxl, and it reads .xls too); merged ranges come
from calamine as well, so openpyxl is never needed to read.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .config import AnnexSpec, Config, load_config
from .findings import Catalog, Finding
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
        stat = path.stat()
        if stat.st_size > config.limits["max_file_bytes"]:
            source = SourceFile(display, path, "", stat.st_size, stat.st_mtime)
            mb = config.limits["max_file_bytes"] // 1_000_000
            return _unreadable(source, config, Unreadable(f"文件超过{mb}MB上限", f"larger than {mb} MB"))
        data = path.read_bytes()
    except OSError as exc:
        source = SourceFile(display, path, "", 0, 0.0)
        return _unreadable(source, config, Unreadable("文件无法打开（没有读取权限或已被删除）", f"cannot open: {exc.strerror}"))
    return read_bytes(data, display, path=path, mtime=stat.st_mtime, config=config)


def read_bytes(
    data: bytes,
    display: str,
    *,
    path: Path | None = None,
    mtime: float = 0.0,
    config: Config | None = None,
) -> ReadResult:
    """Read a workbook held in memory (an upload, or a file already read)."""
    config = config or load_config()
    source = SourceFile(display, path or Path(display), hashlib.sha256(data).hexdigest(), len(data), mtime)
    try:
        kind = _sniff(data, source.path.suffix.lower(), config)
        sheets, version = _load_sheets(data, kind, config)
    except Unreadable as why:
        return _unreadable(source, config, why)
    result = ReadResult(source)
    catalog = Catalog(config)
    for name, grid in sheets:
        if grid is None:
            result.ignored_sheets.append(name)
            continue
        form = parse_sheet(grid, name, source, config)
        if form is None:
            result.findings.append(
                catalog.make("annex-unrecognized", file=display, sheet=name)
            )
            continue
        form.template_version = version
        result.forms.append(form)
        result.findings.extend(grid.findings(catalog, display, name))
    if not result.forms and not result.findings:
        result.findings.append(catalog.make("annex-unrecognized", file=display))
    return result


def _unreadable(source: SourceFile, config: Config, why: Unreadable) -> ReadResult:
    finding = Catalog(config).make("file-unreadable", file=source.display, reason=why.zh)
    finding = finding.at(message_en=Catalog(config).render("file-unreadable", "en", {"reason": why.en}))
    return ReadResult(source, findings=[finding], unreadable=True)


# ---------------------------------------------------------------- containers and formats
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
        raise Unreadable("这是网页或XML文件，不是Excel表格", "this is HTML or XML, not a spreadsheet")
    raise Unreadable("不是Excel表格文件（.xlsx/.xls）", "not a spreadsheet (.xlsx/.xls)")


def _check_zip(data: bytes, config: Config) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unreadable("文件已损坏（压缩包不完整）", "the file is corrupt (broken zip)") from exc
    if "xl/workbook.bin" in names:
        raise Unreadable("这是 .xlsb 二进制工作簿，请另存为 .xlsx", "this is an .xlsb workbook; save it as .xlsx")
    if "content.xml" in names:
        raise Unreadable("这是 OpenDocument（.ods）表格，请另存为 .xlsx", "this is an .ods spreadsheet; save it as .xlsx")
    if "xl/workbook.xml" not in names:
        raise Unreadable("压缩包中没有Excel工作簿（可能是Word等其他文件）", "the zip holds no Excel workbook")
    limit = config.limits["max_uncompressed_bytes"]
    if total > limit:
        raise Unreadable(
            f"文件解压后超过{limit // 1_000_000}MB（可能是恶意构造的文件）",
            f"it unpacks to more than {limit // 1_000_000} MB (possibly a zip bomb)",
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


def _load_sheets(data: bytes, kind: str, config: Config) -> tuple[list[tuple[str, Grid | None]], str | None]:
    """Every visible worksheet as a grid (None for sheets to ignore) and the template mark."""
    import python_calamine as calamine

    limits = config.limits
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise Unreadable("文件设置了打开密码", "the file is protected by a password") from exc
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        raise Unreadable("文件已损坏或不是Excel格式", f"corrupt or not a workbook ({type(exc).__name__})") from exc
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
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            grid = _grid(sheet, limits)
        except Unreadable:
            raise
        except Exception as exc:  # noqa: BLE001
            raise Unreadable(f"工作表“{meta.name}”已损坏", f"sheet {meta.name!r} is corrupt") from exc
        sheets.append((meta.name, grid if not grid.is_empty() else None))
    version = _template_version(data, config) if kind == "zip" else None
    return sheets, version


_VERSION_RE = re.compile(rb'name="([^"]+)"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>')


def _template_version(data: bytes, config: Config) -> str | None:
    """The version mark our own templates carry as a custom document property."""
    wanted = config.settings["template"]["property"].encode()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "docProps/custom.xml" not in archive.namelist():
                return None
            xml = archive.read("docProps/custom.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    for name, value in _VERSION_RE.findall(xml):
        if name == wanted:
            return value.decode("utf-8", "replace")
    return None


# ---------------------------------------------------------------- the grid of one sheet
class Grid:
    """A sheet's values (0-based) with merged ranges resolved to their top-left cell."""

    def __init__(self, values: list[list[object]], merged: list, max_chars: int) -> None:
        self.values = values
        self.height = len(values)
        self.width = max((len(r) for r in values), default=0)
        self.max_chars = max_chars
        self.too_long: list[tuple[int, int]] = []
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        for (r0, c0), (r1, c1) in merged or ():
            for r in range(r0, min(r1, self.height - 1) + 1):
                for c in range(c0, min(c1, self.width - 1) + 1):
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
        return Cell(self.texts(r)[c] if c < self.width else "", self.raw(r, c), ar + 1, ac + 1, anchor is not None)

    def is_merged_fill(self, r: int, c: int) -> bool:
        return (r, c) in self.anchor

    def findings(self, catalog: Catalog, file: str, sheet: str) -> list[Finding]:
        """Cells the reader had to cut short."""
        limit = self.max_chars
        return [
            catalog.make(
                "cell-unreadable", file=file, sheet=sheet, row=r + 1, col=c + 1,
                reason=f"内容超过{limit}个字符，只读取了前{limit}个",
            )
            for r, c in sorted(set(self.too_long))
        ]  # fmt: skip


def _grid(sheet: object, limits: dict[str, int]) -> Grid:
    height = sheet.total_height  # type: ignore[attr-defined]
    if height > limits["max_rows_per_sheet"] + 100:
        raise Unreadable(
            f"工作表“{sheet.name}”有{height}行，超过{limits['max_rows_per_sheet']}行上限",  # type: ignore[attr-defined]
            f"sheet {sheet.name!r} has {height} rows, more than {limits['max_rows_per_sheet']}",  # type: ignore[attr-defined]
        )
    values = sheet.to_python(skip_empty_area=False)  # type: ignore[attr-defined]
    if values and len(values[0]) > limits["max_columns"]:
        values = [row[: limits["max_columns"]] for row in values]
    return Grid(values, sheet.merged_cell_ranges or [], limits["max_cell_chars"])  # type: ignore[attr-defined]


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
            hit = _best_column(header_key(text), spec)
            if hit and (best is None or hit[1] > best[1]):
                best = hit
        if best is None:
            continue
        key, score = best
        if key not in chosen or score > chosen[key][1]:
            chosen[key] = (col, score)
    columns = {key: col for key, (col, _) in chosen.items()}
    return columns, float(sum(score[0] for _, score in chosen.values()))


def _find_header(grid: Grid, config: Config, title_annex: int | None) -> _Header | None:
    """The header row: the best-recognised row (or pair of rows) of the first rows."""
    limit = min(grid.height, config.layout["header_search_rows"])
    minimum = config.layout["min_header_columns"]
    found: list[_Header] = []
    for r in range(limit):
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


def parse_sheet(grid: Grid, sheet: str, source: SourceFile, config: Config | None = None) -> Form | None:
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
    for r in range(start, grid.height):
        texts = grid.texts(r)
        distinct = {t for t in texts if t}
        if len(distinct) == 1 and (next(iter(distinct)).startswith(notes) or next(iter(distinct)) in markers):
            break
        if distinct & markers:
            break
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
def _label_re(config: Config) -> tuple[re.Pattern[str], dict[str, str]]:
    by_label = {label: key for key, labels in config.metadata_labels.items() for label in labels}
    alternatives = "|".join(re.escape(label) for label in sorted(by_label, key=len, reverse=True))
    return re.compile(rf"({alternatives})\s*(?:[:：]|$)"), by_label


def _metadata(grid: Grid, config: Config, header_row: int, end: int) -> tuple[dict[str, Cell], int | None]:
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
                _keep(found, pending[0], Cell(text[: matches[0].start()].strip(), text, cell.row, cell.col))
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
    named = {normalize_district(row.text("bureau"), config) for row in form.rows if row.text("bureau")}
    named.discard(None)
    if len(named) == 1:
        return named.pop(), "rows"
    for part in reversed(Path(form.source.display).parts):
        district = normalize_district(Path(part).stem, config)
        if district:
            return district, "path"
    return None, ""
