"""Tables the office gives beside the inbox (``--baseline``, ``--fastlist``), opened alike.

Each is read under a submission's limits (``reading.load_grids``): its first visible sheet
with a usable header is the table, and its rows are walked as a submission's (decision
16). What makes one unusable stops the run (:class:`InputError`, exit 2), worded by the
table's own messages (:class:`Refusals`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from consolidate.model.form import Row, RowCounts
from consolidate.reading.errors import Unreadable
from consolidate.reading.grid import Grid, unread_cells
from consolidate.reading.recognize import Header, close_rows, data_rows
from consolidate.reading.workbook import load_grids
from consolidate.support.config import AnnexSpec, Bilingual, Config
from consolidate.support.errors import InputError


@dataclass(frozen=True)
class Refusals:
    """Why a table cannot be used, as its messages (``schemas/messages.toml``) say it."""

    missing: Callable[[str], InputError]
    unopenable: Callable[[str, str | None], InputError]
    too_large: Callable[[str, int], InputError]
    unreadable: Callable[[str, Bilingual], InputError]
    no_header: Callable[[str, int, list[str]], InputError]
    cells_unreadable: Callable[..., InputError]


@dataclass(frozen=True)
class Table:
    """The sheet found: its name, values and header, and the file's digest."""

    sha256: str
    sheet: str
    grid: Grid
    header: Header


def open_table(
    path: Path,
    display: str,
    config: Config,
    find: Callable[[Grid], Header | None],
    required: list[str],
    refusals: Refusals,
    sheet: str | None = None,
) -> Table:
    """The first visible sheet of ``path`` whose header ``find`` recognises (``required``:
    the columns it must name, for the message when no sheet has them); ``sheet``: that
    sheet only."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise refusals.missing(display) from exc
    except OSError as exc:
        raise refusals.unopenable(display, exc.strerror) from exc
    if len(data) > config.limits.max_file_bytes:
        raise refusals.too_large(display, config.limits.max_file_bytes // 1_000_000)
    try:
        found = next(
            (
                (name, grid, header)
                for name, grid in load_grids(data, path.suffix.lower(), config)
                if grid is not None
                and (sheet is None or name == sheet)
                and (header := find(grid)) is not None
            ),
            None,
        )
    except Unreadable as why:
        raise refusals.unreadable(display, Bilingual(why.zh, why.en)) from why
    if found is None:
        raise refusals.no_header(display, config.layout.header_search_rows, required)
    return Table(hashlib.sha256(data).hexdigest(), *found)


def walk_rows(
    table: Table,
    spec: AnnexSpec,
    read: Collection[str],
    display: str,
    config: Config,
    refusals: Refusals,
) -> tuple[list[Row], list[Row], RowCounts, int]:
    """The data rows, the rows with data below the line that ended the table (kept apart,
    never dropped), the row accounting and where the table ended. A cell of the columns
    ``read`` that holds an error value refuses the table (decision 23)."""
    grid, header = table.grid, table.header
    rows, counts, end = data_rows(grid, spec, header, config)
    outside = close_rows(grid, header, end, grid.height, counts, config)
    unread = unread_cells(grid, [*rows, *outside], read)
    if unread:
        raise refusals.cells_unreadable(
            path=display, sheet=table.sheet, count=unread.count, cells=unread.cells,
            first=unread.first, reason=unread.reason,
        )  # fmt: skip
    return rows, outside, counts, end
