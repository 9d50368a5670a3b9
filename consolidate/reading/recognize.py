"""Recognising Annex 1 / Annex 2 in a grid: title, header row, data rows, metadata."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from consolidate.model.form import Cell, Form, Row, RowCounts, SourceFile
from consolidate.reading.grid import Grid
from consolidate.support.collector import collector_paused
from consolidate.support.config import FUNCTION_COLUMNS, AnnexSpec, Config, load_config
from consolidate.values.dates import parse_date
from consolidate.values.districts import district_from_path, normalize_district
from consolidate.values.functions import parse_functions
from consolidate.values.names import normalize_name
from consolidate.values.text import header_key, squash


# ---------------------------------------------------------------- recognising a form
@dataclass(frozen=True, slots=True)
class Header:
    """A header row found in a grid, and the columns it names."""

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


def assign_columns(candidates: list[list[str]], spec: AnnexSpec) -> tuple[dict[str, int], float]:
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


def _find_header(
    grid: Grid, config: Config, title: tuple[int | None, int | None], first: int = 0
) -> Header | None:
    """The header row of a form: its annex's own columns, the title above it helping."""
    title_annex, title_row = title

    def bonus(spec: AnnexSpec, r: int, columns: dict[str, int]) -> float:
        # A title above the header tells which annex the header is (a title below it is
        # the next annex's).
        above = title_row is not None and title_row < r
        return 5.0 if above and title_annex == spec.number else 0.0

    return find_header(
        grid, tuple(config.annexes.values()),
        lambda columns, spec: is_annex_header(columns, spec, config),
        first=first, rows=config.layout.header_search_rows, bonus=bonus,
    )  # fmt: skip


def find_header(
    grid: Grid,
    specs: tuple[AnnexSpec, ...],
    accept: Callable[[dict[str, int], AnnexSpec], bool],
    *,
    first: int = 0,
    rows: int,
    bonus: Callable[[AnnexSpec, int, dict[str, int]], float] | None = None,
    skip: frozenset[str] = frozenset(),
    single_row: bool = False,
) -> Header | None:
    """The best-recognised header row (or pair of rows) among ``rows`` rows from ``first``.

    The one header search of the reader: forms and the baseline use it. ``accept`` says
    whether the columns found make a header of that spec; header texts whose key is in
    ``skip`` are never a column; ``single_row``: a sheet this tool wrote, whose header
    is one row (its first data row is never taken for a header's second row).
    """
    limit = min(grid.height, first + rows)
    found: list[Header] = []
    for r in range(first, limit):
        if found and r > max(h.row for h in found) + 3:
            break  # the header is behind us: the rows below are data
        texts = grid.header_texts(r)
        if sum(1 for t in texts if t) < 2:
            continue
        single = [[t] for t in texts]
        double = None if single_row or r + 1 >= grid.height else two_row_candidates(grid, r, single)
        if skip:
            single = [[] if header_key(t) in skip else [t] for t in texts]
            double = double and [[] if header_key(c[0]) in skip else c for c in double]
        for spec in specs:
            for height, candidates in ((1, single), (2, double)):
                if candidates is None:
                    continue
                columns, score = assign_columns(candidates, spec)
                if accept(columns, spec):
                    extra = bonus(spec, r, columns) if bonus else 0.0
                    found.append(Header(spec.number, r, height, columns, score + extra))
    # Best score; on a tie one header row beats two, and the first row beats later ones.
    return max(found, key=lambda h: (h.score, -h.rows, -h.row), default=None)


def is_annex_header(columns: dict[str, int], spec: AnnexSpec, config: Config) -> bool:
    """Enough columns, among them the annex's own (its name and functions or adjustment
    columns): an order list or a payroll with 序号, 单位, 电话 is no annex."""
    if len(columns) < config.layout.min_header_columns:
        return False
    return all(any(key in columns for key in group) for group in spec.identifying_columns)


def two_row_candidates(grid: Grid, r: int, single: list[list[str]]) -> list[list[str]]:
    """Per column, the texts a header split over rows r and r+1 may mean."""
    below = grid.header_texts(r + 1)
    candidates = []
    for c, (top,) in enumerate(single):
        same_merge = grid.merge_of(r + 1, c) == (grid.merge_of(r, c) or (r, c))
        bottom = "" if same_merge else below[c]
        candidates.append([top, bottom, top + bottom, bottom + top])
    return candidates


def _title_annex(texts: set[str], config: Config) -> int | None:
    """The annex whose title one of these cell texts is, if any."""
    pattern, annex_of = _title_re(config)
    for text in texts:
        if len(text) < 4 or len(text) > 120:
            continue  # names, numbers and notes are no titles
        match = pattern.search(text) or (
            pattern.search(squash(text)) if " " in text or "\n" in text else None
        )
        if match:
            return annex_of[match.group(0)]
    return None


# 附件2 written beside the title, in the same row.
_ANNEX_LABEL = re.compile(r"^附\s*件\s*[0-9一二]\s*[:：]?$")


def title_alone(
    grid: Grid, r: int, config: Config, free: frozenset[int] = frozenset()
) -> int | None:
    """The annex whose title stands alone in row ``r`` (at most beside 附件N), if any.

    Only such a row is a title: words of a title inside a data row (a 备注 that says
    账号调整, a 来函标题) are not. Texts in the ``free`` columns (备注, 来函标题, 联系人 of the
    table above) are free text, never a title.
    """
    own = grid.own(r)
    filled = [(c, t) for c, t in enumerate(own) if t]
    if not filled or len(filled) > 2 or any(c in free for c, _ in filled):
        return None  # a data row: several cells (checked first, it is every row's case)
    texts = {t for _, t in filled if not _ANNEX_LABEL.match(t)}
    return _title_annex(texts, config) if len(texts) == 1 else None


@lru_cache(maxsize=4)
def _title_re(config: Config) -> tuple[re.Pattern[str], dict[str, int]]:
    annex_of = {
        word: spec.number for spec in config.annexes.values() for word in spec.title_keywords
    }
    words = sorted(annex_of, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)), annex_of


def _find_title(
    grid: Grid, config: Config, limit: int, first: int = 0
) -> tuple[int | None, int | None]:
    """(annex number, 0-based row) of the first title standing alone in the first rows."""
    for r in range(first, min(first + limit, grid.height)):
        annex = title_alone(grid, r, config)
        if annex:
            return annex, r
    return None, None


def parse_forms(
    grid: Grid, sheet: str, source: SourceFile, config: Config | None = None
) -> list[Form]:
    """Every annex of a sheet, top to bottom (a clerk may paste both into one sheet).

    Each form accounts for every non-empty row below its header, down to where the next
    form begins (its title, else its header) or the end of the sheet (decision 16).
    """
    config = config or load_config()
    tables: list[_Table] = []
    first = 0
    while first < grid.height:
        table = _parse_from(grid, sheet, source, config, first)
        if table is None:
            break
        tables.append(table)
        first = max(table.end, first + 1)
    for i, table in enumerate(tables):
        stop = tables[i + 1].begin if i + 1 < len(tables) else grid.height
        form = table.form
        form.outside_rows = close_rows(
            grid, table.header, table.end, max(stop, table.end), form.counts, config
        )
    return [table.form for table in tables]


@dataclass(slots=True)
class _Table:
    """A form being read, with where it lies in the grid (0-based rows)."""

    form: Form
    header: Header
    begin: int  # its title row, else its header row
    end: int  # the line that ends it (or the grid's height)


def _parse_from(
    grid: Grid, sheet: str, source: SourceFile, config: Config, first: int
) -> _Table | None:
    """The annex whose title or header comes first from row ``first`` on, and its end."""
    title = _find_title(grid, config, config.layout.header_search_rows, first)
    header = _find_header(grid, config, title, first)
    if header is None:
        return None
    title_row = title[1]
    if title_row is not None and title_row > header.row:
        title_row = None  # the next annex's title
    spec = config.annexes[header.annex]
    rows, counts, end = data_rows(grid, spec, header, config)
    metadata, meta_row = _metadata(grid, config, header.row, end, first)
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
        counts=counts,
        hidden_rows=frozenset(r + 1 for r in grid.hidden),
        end_row=end + 1 if end < grid.data_end else None,
        title_row=title_row + 1 if title_row is not None else None,
        date=parse_date(metadata["date"].raw) if "date" in metadata else None,
    )
    form.district, form.district_from = resolve_district(form, config)
    if spec.type_column:
        form.row_type = sheet_type(grid, sheet, title_row, source, config)
    begin = title_row if title_row is not None else header.row
    return _Table(form, header, min(begin, header.row), end)


def sheet_type(
    grid: Grid, sheet: str, title_row: int | None, source: SourceFile, config: Config
) -> str | None:
    """The recommendation type a sheet of one type names for all its rows: its sheet
    name, its title, else its file name names exactly one of 新申请 / 延用."""
    places = [sheet]
    if title_row is not None:
        places.append(" ".join(grid.own(title_row)))
    places.append(Path(source.display).stem)
    for place in places:
        named = {kind for kind in config.recommend_types if kind in squash(place)}
        if len(named) == 1:
            return named.pop()
    return None


def is_number_row(texts: list[str]) -> bool:
    """A row under the header that only numbers the columns (1, 2, 3, …)."""
    numbers = [t for t in texts if t]
    return len(numbers) >= 4 and numbers == [str(i) for i in range(1, len(numbers) + 1)]


# Columns of free text: whatever they hold, it is data (decision 16).
FREE_TEXT = ("remarks", "letter", "contact")


def data_rows(
    grid: Grid, spec: AnnexSpec, header: Header, config: Config
) -> tuple[list[Row], RowCounts, int]:
    """The data rows below the header down to the line that ends the table (decision 16).

    Returns the rows, the counts of every non-empty row so far, and the 0-based row of
    the ending line (the grid's height when the sheet ends first). Blank rows do not end
    the table; rows without content in the content columns are template rows.
    """
    with collector_paused():  # the rows and their cells: many lasting objects
        return _data_rows(grid, spec, header, config)


def _data_rows(
    grid: Grid, spec: AnnexSpec, header: Header, config: Config
) -> tuple[list[Row], RowCounts, int]:
    start = header.row + header.rows
    content = [header.columns[k] for k in spec.content_fields if k in header.columns]
    header_texts = [grid.header_texts(header.row)[c] for c in header.columns.values()]
    rows: list[Row] = []
    counts = RowCounts()
    # Below data_end only text under the table (a Word table's paragraphs): never data.
    for r in range(start, grid.data_end):
        if grid.blank(r):
            continue  # an empty row (or one only a merged cell from above covers)
        if ending_line(grid, r, config, header.columns, spec.number):
            return rows, counts, r
        own = grid.own(r)
        texts = grid.texts(r)
        if (
            # A cell holding an error value is filled, though it reads as '' (decision 23).
            not any(own[c] or (r, c) in grid.suspect for c in content)
            or (r == start and is_number_row(texts))
            or [grid.header_texts(r)[c] for c in header.columns.values()] == header_texts
        ):
            counts.template += 1  # a blank numbered row, column numbers, the header again
            continue
        rows.append(Row(r + 1, grid.cells(r, header.columns)))
        counts.data += 1
    return rows, counts, grid.data_end


def ending_line(grid: Grid, r: int, config: Config, columns: dict[str, int], annex: int) -> str:
    """What ends the table at row ``r``: 'notes', 'signature', 'total', 'marker', 'title'
    or '' for a row that may be a data row.

    Judged on the row as a whole (decision 16): its first non-empty cell names the line,
    and the row holds no person's data in the table's columns; or a title stands alone
    in it. Text further right, in 备注, 来函标题 or any other column, never ends the table.
    """
    own = grid.own(r)
    at = next((c for c, t in enumerate(own) if t), None)
    if at is None:
        return ""
    free = frozenset(columns[k] for k in FREE_TEXT if k in columns)
    if title_alone(grid, r, config, free):
        return "title"
    kind = _line_kind(squash(own[at]), config)
    if not kind:
        return ""
    rest = {key: own[c] for key, c in columns.items() if c != at and c < len(own)}
    return "" if _whole_person(rest, annex, config) else kind


def _line_kind(first: str, config: Config) -> str:
    """What a row whose first non-empty cell says ``first`` (squashed) may be."""
    endings = _endings(config)
    if endings.notes.match(first):
        return "notes"
    if first.startswith(endings.totals):
        return "total"
    if first in endings.markers:
        return "marker"
    if endings.labels.match(first.strip("()（）")):
        return "signature"
    return ""


@dataclass(frozen=True, slots=True)
class _Endings:
    notes: re.Pattern[str]
    labels: re.Pattern[str]
    totals: tuple[str, ...]
    markers: frozenset[str]


@lru_cache(maxsize=4)
def _endings(config: Config) -> _Endings:
    layout = config.layout
    words = {squash(p).rstrip(":") for p in layout.notes_prefixes}
    notes = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    labels = set(layout.footer_labels) | {
        label for meta in config.meta.values() for label in meta.variants
    }
    alternatives = "|".join(re.escape(squash(x)) for x in sorted(labels, key=len, reverse=True))
    return _Endings(
        # 备注：… / 注1. … / 说明 alone — not 注销, the adjustment an Annex 1 row may start with.
        notes=re.compile(rf"^(?:{notes})(?:$|[:.、0-9一二三四五六七八九十①-⑩(（])"),
        # 填报人：… / 审核人 alone / 填报单位(盖章)：… / 盖章
        labels=re.compile(rf"^(?:{alternatives})(?:[(（][^)）]{{0,10}}[)）])?(?:[:]|$)"),
        totals=tuple(squash(t) for t in layout.total_labels),
        markers=frozenset(squash(m) for m in layout.end_markers),
    )


def close_rows(
    grid: Grid, header: Header, end: int, stop: int, counts: RowCounts, config: Config
) -> list[Row]:
    """Account for the rows from the ending line ``end`` to ``stop`` in ``counts``: the
    closing lines, and a person's data standing below them (row-outside-table, never
    counted), which are returned. Counts the non-empty rows below the header too."""
    columns = header.columns
    outside = []
    for r in range(end, stop):
        if grid.blank(r):
            continue
        own = grid.own(r)
        mine = {key: own[c] for key, c in columns.items() if c < len(own)}
        if not ending_line(grid, r, config, columns, header.annex) and holds_person(
            mine, header.annex, config
        ):
            outside.append(Row(r + 1, grid.cells(r, columns)))
            counts.outside += 1
        else:
            counts.closing += 1
    start = header.row + header.rows
    counts.nonempty = sum(1 for r in range(start, stop) if not grid.blank(r))
    return outside


_NAME = re.compile(r"^(?:[\u3400-\u9fff·]{2,15}|[A-Za-z][A-Za-z .'-]{1,30})$")


_PHONE_DIGITS = 7  # a landline's 8 digits, a mobile with one digit missing
# An enterprise's data: its name and something like a credit code (a few characters may
# be missing or wrong: uscc-invalid says so once the row is read).
_UNIT_NAME = re.compile(r"[\u3400-\u9fffA-Za-z]{2}")
_CODE_CHARACTERS = 15


def holds_person(texts: dict[str, str], annex: int, config: Config) -> bool:
    """A person's data (key -> text): a name and a phone, or a name and known functions;
    on the recommendation list, an enterprise's name and credit code."""
    if config.annexes[annex].about_units:
        return _holds_unit(texts)
    if not _NAME.match(normalize_name(texts.get("name", ""))):
        return False
    if sum(ch.isdigit() for ch in texts.get("mobile", "")) >= _PHONE_DIGITS:
        return True
    return _has_functions(texts, annex, config)


def _whole_person(texts: dict[str, str], annex: int, config: Config) -> bool:
    """A data row whatever its first cell says: a name with known functions, or with a
    mobile and a post. Stricter than :func:`holds_person`: a signature line may well put
    a name and a phone under the name and mobile columns (联系人： 张明 电话： 139…)."""
    if config.annexes[annex].about_units:
        return _holds_unit(texts)
    if not _NAME.match(normalize_name(texts.get("name", ""))):
        return False
    if _has_functions(texts, annex, config):
        return True
    post = texts.get("post", "")
    return bool(post) and ":" not in squash(post) and holds_person(texts, annex, config)


def _holds_unit(texts: dict[str, str]) -> bool:
    code = squash(texts.get("uscc", ""))
    return bool(_UNIT_NAME.search(texts.get("unit", ""))) and (
        sum(ch.isalnum() for ch in code) >= _CODE_CHARACTERS
    )


def _has_functions(texts: dict[str, str], annex: int, config: Config) -> bool:
    keys = FUNCTION_COLUMNS.get(annex, ())
    return any(parse_functions(texts.get(key, ""), config).known for key in keys)


# A label may carry a note in brackets before its colon: 填报单位（盖章）：
_NOTE = r"\s*(?:[（(][^）)]{0,10}[）)])?\s*"


@lru_cache(maxsize=4)
def _label_re(config: Config) -> tuple[re.Pattern[str], dict[str, str]]:
    by_label = {label: key for key, meta in config.meta.items() for label in meta.variants}
    alternatives = "|".join(re.escape(label) for label in sorted(by_label, key=len, reverse=True))
    return re.compile(rf"({alternatives}){_NOTE}(?:[:：]|$)"), by_label


def _metadata(
    grid: Grid, config: Config, header_row: int, end: int, first: int = 0
) -> tuple[dict[str, Cell], int | None]:
    """填报单位 / 填报人 / 所在部门 / 填报日期 from the lines above and below the table."""
    pattern, by_label = _label_re(config)
    found: dict[str, Cell] = {}
    first_row: int | None = None
    below = range(end, min(end + 12, grid.height))
    # Lines below belong to this table until the title of another annex begins.
    below = list(itertools.takewhile(lambda r: not title_alone(grid, r, config), below))
    scan = list(range(first, header_row)) + below
    for r in scan:
        pending: tuple[str, Cell] | None = None
        for c in range(grid.width):
            if grid.is_merged_fill(r, c):
                continue
            text = grid.texts(r)[c]
            if not text:
                if pending and (r, c) in grid.suspect:  # the label's value is an error value
                    if not found[pending[0]].text:  # where to look, not "missing" (decision 23)
                        found[pending[0]] = Cell("", "", r + 1, c + 1)
                    pending = None
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
    district = district_from_path(form.source.display, config)
    return (district, "path") if district else (None, "")
