"""Last year's city register, read as the baseline of the cross-year rules.

The baseline is either the ``register.xlsx`` this tool wrote (sheet 1 ``名册``, header in
row 1) or a table the office keeps by hand: the first visible sheet whose header row
(in the first rows) names the Annex 2 columns, in any order (decision 14). Without a
``区`` column the district comes from ``市场监管部门``.

The table is read by the submissions' recogniser (:mod:`.recognize`, through
:mod:`.reference`): the same limits, header search, row walk, end of table and row
accounting. Only reading happens here;
:mod:`consolidate.checks.crossyear` compares.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from consolidate.model.baseline import Baseline, BaselinePerson
from consolidate.model.form import Row
from consolidate.reading.grid import Grid
from consolidate.reading.recognize import Header, find_header
from consolidate.reading.reference import Refusals, Table, open_table, walk_rows
from consolidate.support.config import AnnexSpec, Config
from consolidate.support.errors import InputError
from consolidate.values.districts import normalize_district
from consolidate.values.functions import parse_functions
from consolidate.values.names import normalize_name
from consolidate.values.phones import normalize_mobile
from consolidate.values.text import header_key, is_placeholder, one_line

# What makes the register unusable (messages.toml baseline-*).
REFUSALS = Refusals(
    missing=lambda path: InputError("baseline-missing", path=path),
    unopenable=lambda path, reason: InputError("baseline-unopenable", path=path, reason=reason),
    too_large=lambda path, mb: InputError("baseline-too-large", path=path, mb=mb),
    unreadable=lambda path, reason: InputError("baseline-unreadable", path=path, reason=reason),
    no_header=lambda path, rows, names: InputError(
        "baseline-no-header", path=path, rows=rows, names=names
    ),
    cells_unreadable=lambda path, sheet, count, cells, first, reason: InputError(
        "baseline-cell-unreadable", path=path, sheet=sheet, count=count, cells=cells,
        first=first, reason=reason,
    ),
)  # fmt: skip


# ---------------------------------------------------------------- reading
def read_baseline(path: Path, display: str, config: Config, sheet: str | None = None) -> Baseline:
    """Read last year's register; :class:`InputError` (exit 2) when it cannot be used.

    ``sheet``: that sheet of a register this tool wrote (``当前账号``, which ``find``
    starts from), rather than the first sheet with a register header.
    """
    names = [config.annexes[2].column(k).name for k in config.baseline.required]
    table = open_table(
        path,
        display,
        config,
        lambda grid: _find_header(grid, config, sheet is not None),
        names,
        REFUSALS,
        sheet,
    )
    grid, header = table.grid, table.header
    district_key = config.baseline.district.key
    columns = {key: col for key, col in header.columns.items() if key != district_key}
    texts = grid.header_texts(header.row)
    below = grid.header_texts(header.row + 1) if header.rows == 2 else [""] * len(texts)
    district = header.columns.get(district_key)
    baseline = Baseline(
        path=path,
        display=display,
        sha256=table.sha256,
        sheet=table.sheet,
        header_row=header.row + 1,
        columns={key: col + 1 for key, col in columns.items()},
        district_column=district + 1 if district is not None else None,
        headers={key: (texts[col] + below[col]).strip() for key, col in columns.items()},
    )
    _people(baseline, table, config)
    return baseline


@lru_cache(maxsize=4)
def register_spec(config: Config) -> AnnexSpec:
    """Annex 2's columns and the register's own ``区`` column (forms.toml ``baseline``), as
    the header search takes them (cached: the search caches by spec)."""
    spec = config.annexes[2]
    return replace(spec, columns=(*spec.columns, config.baseline.district))


def _find_header(grid: Grid, config: Config, single_row: bool = False) -> Header | None:
    """The register's header in the first rows: Annex 2 columns in any order (the recogniser
    of submissions, searching a spec with the ``区`` column too), and a district."""
    # The register's yes/no columns are headed by function names: never a form column
    # (``监管`` would otherwise read as an abbreviation of 市场监管部门).
    skip = frozenset(header_key(f) for f in config.functions)

    district = config.baseline.district.key

    def usable(columns: dict[str, int], spec: AnnexSpec) -> bool:
        needed = all(k in columns for k in config.baseline.required)
        return needed and (district in columns or "bureau" in columns)

    def bonus(spec: AnnexSpec, r: int, columns: dict[str, int]) -> float:
        return 1.0 if district in columns else 0.0

    return find_header(
        grid,
        (register_spec(config),),
        usable,
        rows=config.layout.header_search_rows,
        bonus=bonus,
        skip=skip,
        single_row=single_row,
    )


def _people(baseline: Baseline, table: Table, config: Config) -> None:
    """The data rows below the header, walked as a submission's (decision 16): blank,
    template, total and note rows are no person; template leftovers are skipped. A person
    below the line that ended the table is kept apart (row-outside-table), never dropped."""
    read = (*_READ, config.baseline.district.key)
    spec = register_spec(config)
    rows, outside, baseline.counts, end = walk_rows(
        table, spec, read, baseline.display, config, REFUSALS
    )
    baseline.end_row = end + 1 if end < table.grid.height else None
    baseline.rows = [_person(row, config) for row in rows if not _no_person(row, config)]
    baseline.outside = [_person(row, config) for row in outside]


# The baseline's columns a person is read from (_person), besides the register's 区.
_READ = ("name", "mobile", "functions", "account", "post", "bureau")


def _no_person(row: Row, config: Config) -> bool:
    """A row without a name, or a template leftover (吴XX, 138XXXXXXXX)."""
    name = normalize_name(row.text("name"))
    return not name or is_placeholder(name, config) or is_placeholder(row.text("mobile"), config)


def _person(row: Row, config: Config) -> BaselinePerson:
    key = config.baseline.district.key
    district = normalize_district(row.text(key), config) if key in row.cells else None
    if district is None:
        district = normalize_district(row.text("bureau"), config)
    functions = row.cell("functions")
    return BaselinePerson(
        district=district,
        name=normalize_name(row.text("name")),
        mobile=normalize_mobile(row.text("mobile")).digits,
        functions=parse_functions(row.text("functions"), config).known,
        account=row.text("account"),
        post=row.text("post"),
        row=row.number,
        name_col=row.cells["name"].col,
        functions_col=functions.col if functions else None,
        name_text=row.text("name"),
        bureau=one_line(row.text("bureau")),
    )
