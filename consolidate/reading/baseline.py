"""Last year's city register, read as the baseline of the cross-year rules.

The baseline is either the ``register.xlsx`` this tool wrote (sheet 1 ``名册``, header in
row 1) or a table the office keeps by hand: the first visible sheet whose header row
(in the first rows) names the Annex 2 columns, in any order (decision 14). Without a
``区`` column the district comes from ``市场监管部门``.

Only reading happens here; :mod:`consolidate.rules.baseline` compares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from consolidate.model.baseline import Baseline, BaselinePerson
from consolidate.model.config import Config
from consolidate.model.errors import InputError
from consolidate.reading.errors import Unreadable
from consolidate.reading.grid import Grid
from consolidate.reading.recognize import assign_columns, is_number_row, two_row_candidates
from consolidate.reading.workbook import load_grids
from consolidate.values.districts import normalize_district
from consolidate.values.functions import parse_functions
from consolidate.values.names import normalize_name
from consolidate.values.phones import normalize_mobile
from consolidate.values.text import header_key, is_placeholder

HEADER_SEARCH_ROWS = 10
# Header texts of a column naming the district itself (the register writes ``区``).
DISTRICT_HEADERS = ("区", "区名", "所属区", "所在区", "区县", "辖区", "行政区", "district")
# Fields a baseline must have to match people and compare functions.
REQUIRED = ("name", "mobile", "functions")
TOTAL_WORDS = ("合计", "总计", "小计")


# ---------------------------------------------------------------- reading
def read_baseline(path: Path, display: str, config: Config) -> Baseline:
    """Read last year's register; :class:`InputError` (exit 2) when it cannot be used."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"找不到上年名册文件：{display}") from exc
    except OSError as exc:
        raise InputError(f"上年名册文件无法打开：{display}（{exc.strerror}）") from exc
    if len(data) > config.limits["max_file_bytes"]:
        mb = config.limits["max_file_bytes"] // 1_000_000
        raise InputError(f"上年名册文件超过{mb}MB上限：{display}")
    try:
        found = _first_register_sheet(data, path.suffix.lower(), config)
    except Unreadable as why:
        raise InputError(f"上年名册无法读取：{display}：{why.zh}") from why
    if found is None:
        names = "、".join(config.annexes[2].column(k).name for k in REQUIRED)
        raise InputError(
            f"上年名册“{display}”中没有找到名册表头：需要一个工作表，前{HEADER_SEARCH_ROWS}行中有一行"
            f"包含附件2的列（至少{names}，以及区或市场监管部门）"
        )
    sheet, grid, header = found
    baseline = Baseline(
        path=path,
        display=display,
        sha256=hashlib.sha256(data).hexdigest(),
        sheet=sheet,
        header_row=header.row + 1,
        columns={key: col + 1 for key, col in header.columns.items()},
        district_column=header.district + 1 if header.district is not None else None,
        headers=header.texts,
    )
    baseline.rows = _people(grid, header, config)
    return baseline


@dataclass(frozen=True, slots=True)
class _BaselineHeader:
    row: int  # 0-based first header row
    rows: int  # 1 or 2
    columns: dict[str, int]  # key -> 0-based column
    district: int | None  # 0-based column of 区
    score: float
    texts: dict[str, str]  # key -> header text


def _first_register_sheet(
    data: bytes, suffix: str, config: Config
) -> tuple[str, Grid, _BaselineHeader] | None:
    """The first visible worksheet with a register header.

    The sheets are loaded exactly as submissions are (``reading.load_grids``), so a
    hostile baseline meets the same limits and checks as a hostile submission.
    """
    for name, grid in load_grids(data, suffix, config):
        if grid is None:
            continue
        header = _find_header(grid, config)
        if header is not None:
            return name, grid, header
    return None


def _find_header(grid: Grid, config: Config) -> _BaselineHeader | None:
    """The best header row of the first rows: Annex 2 columns in any order, and a district."""
    spec = config.annexes[2]
    functions = {header_key(f) for f in config.functions}
    districts = {header_key(d) for d in DISTRICT_HEADERS}
    skip = functions | districts
    found: list[_BaselineHeader] = []
    for r in range(min(grid.height, HEADER_SEARCH_ROWS)):
        texts = grid.texts(r)
        if sum(1 for t in texts if t) < len(REQUIRED):
            continue
        # The register's yes/no columns are headed by function names: never a form column
        # (``监管`` would otherwise read as an abbreviation of 市场监管部门).
        single = [[] if header_key(t) in skip else [t] for t in texts]
        options = [(1, single)]
        if r + 1 < grid.height:
            double = two_row_candidates(grid, r, [[t] for t in texts])
            options.append((2, [[] if header_key(c[0]) in skip else c for c in double]))
        for rows, candidates in options:
            columns, score = assign_columns(candidates, spec)
            district = next(
                (c for c, t in enumerate(grid.texts(r)) if header_key(t) in districts), None
            )
            if rows == 2 and district is None:
                below = grid.texts(r + 1)
                district = next(
                    (c for c, t in enumerate(below) if header_key(t) in districts), None
                )
            if not all(k in columns for k in REQUIRED):
                continue
            if district is None and "bureau" not in columns:
                continue
            names = {
                key: (grid.texts(r)[col] + (grid.texts(r + 1)[col] if rows == 2 else "")).strip()
                for key, col in columns.items()
            }
            bonus = 1.0 if district is not None else 0.0
            found.append(_BaselineHeader(r, rows, columns, district, score + bonus, names))
    # Best score; on a tie one header row beats two, and the first row beats later ones.
    return max(found, key=lambda h: (h.score, -h.rows, -h.row), default=None)


def _people(grid: Grid, header: _BaselineHeader, config: Config) -> list[BaselinePerson]:
    """The data rows below the header; blank, total, note and template rows skipped."""
    notes = tuple(config.layout["notes_prefixes"])
    columns = header.columns
    start = header.row + header.rows
    if start < grid.height and is_number_row(grid.texts(start)):
        start += 1
    header_texts = [grid.texts(header.row)[c] for c in columns.values()]
    people: list[BaselinePerson] = []
    for r in range(start, grid.height):
        texts = grid.texts(r)
        distinct = {t for t in texts if t}
        if len(distinct) == 1 and next(iter(distinct)).startswith(notes):
            break
        if [texts[c] for c in columns.values()] == header_texts:
            continue  # the header repeated

        def text(key: str, texts: list[str] = texts) -> str:
            col = columns.get(key)
            return texts[col] if col is not None and col < len(texts) else ""

        name = normalize_name(text("name"))
        mobile_text = text("mobile")
        if not name or name.startswith(TOTAL_WORDS) or name.startswith(notes):
            continue
        if is_placeholder(name, config) or is_placeholder(mobile_text, config):
            continue
        district = None
        if header.district is not None and header.district < len(texts):
            district = normalize_district(texts[header.district], config)
        if district is None:
            district = normalize_district(text("bureau"), config)
        functions_col = columns.get("functions")
        people.append(
            BaselinePerson(
                district=district,
                name=name,
                mobile=normalize_mobile(mobile_text).digits,
                functions=parse_functions(text("functions"), config).known,
                account=text("account"),
                post=text("post"),
                row=r + 1,
                name_col=columns["name"] + 1,
                functions_col=functions_col + 1 if functions_col is not None else None,
                name_text=text("name"),
            )
        )
    return people
