"""The city's list of fast-channel users (``run --fastlist``), read like a submission.

The list is any workbook whose first visible sheet with a header (in the first rows)
names at least 单位名称, 统一社会信用代码, 开通日期 and 有效期至 (``[fastlist]`` in
``schemas/forms.toml``); the tool's own ``fastchannel.xlsx`` (sheet 使用单位名单) is one.
The same header search, row walk, end of table and row accounting as a submission.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from consolidate.model.fastlist import FastList, ListedUnit, add_years
from consolidate.model.form import Row, RowCounts
from consolidate.reading.grid import Grid
from consolidate.reading.recognize import Header, find_header
from consolidate.reading.reference import Refusals, Table, open_table, walk_rows
from consolidate.support.config import AnnexSpec, Config
from consolidate.support.errors import InputError
from consolidate.values.dates import parse_date
from consolidate.values.districts import normalize_district
from consolidate.values.text import is_placeholder, one_line
from consolidate.values.uscc import parse_uscc

# What makes the list unusable (messages.toml fastlist-*).
REFUSALS = Refusals(
    missing=lambda path: InputError("fastlist-missing", path=path),
    unopenable=lambda path, reason: InputError("fastlist-unopenable", path=path, reason=reason),
    too_large=lambda path, mb: InputError("fastlist-too-large", path=path, mb=mb),
    unreadable=lambda path, reason: InputError("fastlist-unreadable", path=path, reason=reason),
    no_header=lambda path, rows, names: InputError(
        "fastlist-no-header", path=path, rows=rows, names=names
    ),
    cells_unreadable=lambda path, sheet, count, cells, first, reason: InputError(
        "fastlist-cell-unreadable", path=path, sheet=sheet, count=count, cells=cells,
        first=first, reason=reason,
    ),
)  # fmt: skip


def read_fastlist(path: Path, display: str, config: Config) -> FastList:
    """Read the city's list; :class:`InputError` (exit 2) when it cannot be used."""
    spec = list_spec(config)
    required = config.fastlist.required

    def find(grid: Grid) -> Header | None:
        def usable(columns: dict[str, int], _spec: AnnexSpec) -> bool:
            return all(key in columns for key in required)

        return find_header(grid, (spec,), usable, rows=config.layout.header_search_rows)

    names = [spec.column(k).name for k in required]
    table = open_table(path, display, config, find, names, REFUSALS)
    fastlist = FastList(
        path=path,
        display=display,
        sha256=table.sha256,
        sheet=table.sheet,
        header_row=table.header.row + 1,
        columns={key: col + 1 for key, col in table.header.columns.items()},
    )
    fastlist.units, fastlist.counts = _units(table, config, display)
    return fastlist


@lru_cache(maxsize=4)
def list_spec(config: Config) -> AnnexSpec:
    """The list's columns as the header search takes them: the recommendation list's
    shared columns and the list's own (cached: the search caches by spec).

    Numbered as the recommendation list: the row walk judges a row below the table as an
    enterprise's data the same way.
    """
    recommend = config.annexes[3]
    shared = tuple(recommend.column(key) for key in config.fastlist.shared)
    return replace(
        recommend,
        title=config.fastlist.title,
        title_keywords=(),
        columns=(*shared, *config.fastlist.columns),
        content_fields=("unit", "uscc"),
        metadata_required=(),
        identifying_columns=tuple((key,) for key in config.fastlist.required),
        type_column=None,
    )


def _units(table: Table, config: Config, display: str) -> tuple[list[ListedUnit], RowCounts]:
    """Each enterprise below the header, walked as a submission's rows (decision 16);
    template leftovers and rows without a code are no enterprise. A cell it reads that
    holds an error value refuses the list (decision 23; the baseline's way)."""
    rows, _, counts, _ = walk_rows(table, list_spec(config), _READ, display, config, REFUSALS)
    units = []
    for row in rows:
        code = parse_uscc(_raw(row, "uscc")).code
        if not code or any(is_placeholder(row.text(k), config, k) for k in ("unit", "uscc")):
            continue
        units.append(_unit(row, code, config))
    return units, counts


# The list's columns a unit is read from (_unit).
_READ = ("unit", "uscc", "opened", "expires", "district", "contact", "phone", "remarks")


def _unit(row: Row, code: str, config: Config) -> ListedUnit:
    opened = parse_date(_raw(row, "opened"))
    expires = parse_date(_raw(row, "expires"))
    if expires is None and opened is not None:
        expires = add_years(opened, config.settings.fastchannel.valid_years)
    district = normalize_district(row.text("district"), config) if row.text("district") else None
    return ListedUnit(
        district=district,
        unit=one_line(row.text("unit")),
        code=code,
        opened=opened,
        expires=expires,
        row=row.number,
        contact=row.text("contact"),
        phone=row.text("phone"),
        remarks=row.text("remarks"),
    )


def _raw(row: Row, key: str) -> object:
    cell = row.cell(key)
    return cell.raw if cell is not None else ""
