"""Recognising Annex 1 / Annex 2 in a grid: title, header row, data rows, metadata."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from consolidate.model.config import AnnexSpec, Config, load_config
from consolidate.model.form import Cell, Form, Row, SourceFile
from consolidate.reading.grid import Grid
from consolidate.values.dates import parse_date
from consolidate.values.districts import normalize_district
from consolidate.values.text import header_key, squash


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
    grid: Grid, config: Config, title_annex: int | None, first: int = 0
) -> _Header | None:
    """The header row: the best-recognised row (or pair of rows) of the first rows."""
    limit = min(grid.height, first + config.layout["header_search_rows"])
    minimum = config.layout["min_header_columns"]
    found: list[_Header] = []
    for r in range(first, limit):
        if found and r > max(h.row for h in found) + 3:
            break  # the header is behind us: the rows below are data
        single = [[t] for t in grid.texts(r)]
        if sum(1 for t in single if t[0]) < 2:
            continue
        double = two_row_candidates(grid, r, single) if r + 1 < grid.height else None
        for spec in config.annexes.values():
            bonus = 5.0 if title_annex == spec.number else 0.0
            for rows, candidates in ((1, single), (2, double)):
                if candidates is None:
                    continue
                columns, score = assign_columns(candidates, spec)
                if len(columns) >= minimum:
                    found.append(_Header(spec.number, r, rows, columns, score + bonus))
    # Best score; on a tie one header row beats two, and the first row beats later ones.
    return max(found, key=lambda h: (h.score, -h.rows, -h.row), default=None)


def two_row_candidates(grid: Grid, r: int, single: list[list[str]]) -> list[list[str]]:
    """Per column, the texts a header split over rows r and r+1 may mean."""
    below = grid.texts(r + 1)
    candidates = []
    for c, (top,) in enumerate(single):
        same_merge = grid.anchor.get((r + 1, c)) == grid.anchor.get((r, c), (r, c))
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
    """(annex number, 0-based row) of a title naming an annex, in the first rows."""
    for r in range(first, min(first + limit, grid.height)):
        annex = _title_annex(set(grid.texts(r)), config)
        if annex:
            return annex, r
    return None, None


def parse_sheet(
    grid: Grid, sheet: str, source: SourceFile, config: Config | None = None
) -> Form | None:
    """The first annex of a sheet (see :func:`parse_forms` for sheets holding several)."""
    forms = parse_forms(grid, sheet, source, config)
    return forms[0] if forms else None


def parse_forms(
    grid: Grid, sheet: str, source: SourceFile, config: Config | None = None
) -> list[Form]:
    """Every annex of a sheet, top to bottom (a clerk may paste both into one sheet)."""
    config = config or load_config()
    forms: list[Form] = []
    first = 0
    while first < grid.height:
        parsed = _parse_from(grid, sheet, source, config, first)
        if parsed is None:
            break
        form, end = parsed
        forms.append(form)
        first = max(end, first + 1)
    return forms


def _parse_from(
    grid: Grid, sheet: str, source: SourceFile, config: Config, first: int
) -> tuple[Form, int] | None:
    """The annex whose title or header comes first from row ``first`` on, and its end."""
    title_annex, title_row = _find_title(grid, config, config.layout["header_search_rows"], first)
    header = _find_header(grid, config, title_annex, first)
    if header is None:
        return None
    spec = config.annexes[header.annex]
    start = header.row + header.rows
    if start < grid.height and is_number_row(grid.texts(start)):
        start += 1
    rows, blank, end = _data_rows(grid, spec, header, start, config)
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
        blank_rows=blank,
        title_row=title_row + 1 if title_row is not None else None,
        date=parse_date(metadata["date"].raw) if "date" in metadata else None,
    )
    form.district, form.district_from = resolve_district(form, config)
    return form, end


def is_number_row(texts: list[str]) -> bool:
    """A row under the header that only numbers the columns (1, 2, 3, …)."""
    numbers = [t for t in texts if t]
    return len(numbers) >= 4 and numbers == [str(i) for i in range(1, len(numbers) + 1)]


def _data_rows(
    grid: Grid, spec: AnnexSpec, header: _Header, start: int, config: Config
) -> tuple[list[Row], int, int]:
    """Data rows until the notes; blank numbered rows skipped. Returns rows, blanks, end."""
    notes = tuple(config.layout["notes_prefixes"])
    markers = set(config.layout["end_markers"])
    totals = tuple(config.layout["total_labels"])
    content = [header.columns[k] for k in spec.content_fields if k in header.columns]
    header_texts = [grid.texts(header.row)[c] for c in header.columns.values()]
    rows: list[Row] = []
    blank = 0
    r = start
    footer = _footer_re(config)
    for r in range(start, grid.data_end):
        texts = grid.texts(r)
        filled = [t for t in texts if t]
        distinct = set(filled)
        if filled and (filled[0].startswith(notes) or distinct & markers):
            break  # the notes, or 以下空白
        if filled and squash(filled[0]).startswith(totals):
            continue  # 合计 12人: a total line, nobody's row
        if any(footer.match(t) for t in distinct):
            break  # the signature lines under the table (填报人：…, 审核人：…)
        if _title_annex(distinct, config):
            break  # the next annex pasted below this one
        if not any(texts[c] and not grid.is_merged_fill(r, c) for c in content):
            blank += 1 if distinct else 0
            continue
        if [texts[c] for c in header.columns.values()] == header_texts:
            continue  # the header repeated (pasted pages)
        cells = {key: grid.cell(r, col) for key, col in header.columns.items()}
        rows.append(Row(r + 1, cells))
    else:
        r = grid.data_end
    return rows, blank, r


# A label may carry a note in brackets before its colon: 填报单位（盖章）：
_NOTE = r"\s*(?:[（(][^）)]{0,10}[）)])?\s*"


@lru_cache(maxsize=4)
def _footer_re(config: Config) -> re.Pattern[str]:
    labels = sorted(config.layout["footer_labels"], key=len, reverse=True)
    return re.compile(r"^\s*(?:" + "|".join(re.escape(x) for x in labels) + r")" + _NOTE + r"[:：]")


@lru_cache(maxsize=4)
def _label_re(config: Config) -> tuple[re.Pattern[str], dict[str, str]]:
    by_label = {label: key for key, labels in config.metadata_labels.items() for label in labels}
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
    below = list(itertools.takewhile(lambda r: not _title_annex(set(grid.texts(r)), config), below))
    scan = list(range(first, header_row)) + below
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
