"""One sheet's values with merged ranges resolved, and the cells that cannot be read.

A merged range fills the rows it covers down its first column and leaves the columns it
covers to the right empty (docs/rules.md decision 24); a cell holding an error value or a
formula without result reads as '' and is kept as suspect (decision 23).
"""

from __future__ import annotations

from typing import NamedTuple

from consolidate.model.catalog import Catalog
from consolidate.model.finding import Finding
from consolidate.model.form import Cell, Row
from consolidate.reading.zipscan import check_extent
from consolidate.support.config import Bilingual, Limits
from consolidate.values.text import cell_text


# ---------------------------------------------------------------- the grid of one sheet
class Grid:
    """A sheet's values (0-based) with merged ranges resolved (decision 24)."""

    def __init__(
        self,
        values: list[list[object]],
        merged: list,
        max_chars: int,
        suspect: dict[tuple[int, int], tuple[str, str]] | None = None,
        data_end: int | None = None,
        hidden: frozenset[int] = frozenset(),
    ) -> None:
        self.values = values
        self.height = len(values)
        # Rows from here on are text under the table, never data rows: the paragraphs
        # below a Word table (its notes and signature lines). A sheet: its last row.
        self.data_end = self.height if data_end is None else min(data_end, self.height)
        self.width = max((len(r) for r in values), default=0)
        self.max_chars = max_chars
        self.too_long: list[tuple[int, int]] = []
        # Cells whose '' hides an error value or a formula without result (_suspect_cells).
        self.suspect = suspect or {}
        self.hidden = hidden  # 0-based rows hidden in the sheet (hidden or zero height)
        # A merged range belongs to its first column (docs/rules.md, decision 24): down that
        # column its value fills every row it covers (the bureau merged down the table);
        # the columns it covers to the right are empty — only a header reads them filled.
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}  # filled from above
        self.across: dict[tuple[int, int], tuple[int, int]] = {}  # covered: empty
        # Merged ranges never overlap, so together they cover at most the grid: a file
        # repeating or overlapping ranges a million times stops at that budget.
        budget = self.height * self.width
        for (r0, c0), (r1, c1) in sorted(set(map(tuple, merged or ()))):
            rows, cols = (
                range(r0, min(r1, self.height - 1) + 1),
                range(c0, min(c1, self.width - 1) + 1),
            )
            budget -= len(rows) * len(cols)
            if budget < 0:
                break
            for r in rows:
                for c in cols:
                    if c != c0:
                        self.across[(r, c)] = (r0, c0)
                    elif r != r0:
                        self.anchor[(r, c)] = (r0, c0)
        self._texts: dict[int, list[str]] = {}
        self._across_rows = {r for r, _ in self.across}
        self._merged_rows = {r for r, _ in self.anchor} | self._across_rows
        self._suspect_rows = {r for r, _ in self.suspect}

    def is_empty(self) -> bool:
        return not any(self.text(r, c) for r in range(self.height) for c in range(self.width))

    def raw(self, r: int, c: int) -> object:
        if (r, c) in self.across:
            return ""
        r, c = self.anchor.get((r, c), (r, c))
        row = self.values[r] if r < self.height else ()
        return row[c] if c < len(row) else ""

    def texts(self, r: int) -> list[str]:
        """The cleaned texts of row ``r`` (merged cells filled in down their first column)."""
        cached = self._texts.get(r)
        if cached is None:
            cached = self._plain_texts(r) if r not in self._merged_rows else None
            if cached is None:
                cached = [self.text(r, c) for c in range(self.width)]
            self._texts[r] = cached
        return cached

    def _plain_texts(self, r: int) -> list[str] | None:
        """A row without merged cells, in one pass (None: a cell is too long, go slowly)."""
        row = self.values[r] if r < self.height else []
        # The usual value, a printable str, without the call (a roster has millions).
        texts = [v.strip() if type(v) is str and v.isprintable() else cell_text(v) for v in row]
        if max(map(len, texts), default=0) > self.max_chars:
            return None
        return texts + [""] * (self.width - len(texts))

    def header_texts(self, r: int) -> list[str]:
        """The texts of row ``r`` as a header reads them: a merged cell's text in every
        column it covers (a group title over two columns of a two-row header)."""
        texts = self.texts(r)
        if r not in self._across_rows:
            return texts
        return [
            self.text(*self.across[(r, c)]) if (r, c) in self.across else t
            for c, t in enumerate(texts)
        ]

    def own(self, r: int) -> list[str]:
        """The texts of row ``r`` that are its own: merged cells covering it from above
        left out (a row holding only those is empty)."""
        texts = self.texts(r)
        if r not in self._merged_rows:
            return texts
        return [t if (r, c) not in self.anchor else "" for c, t in enumerate(texts)]

    def blank(self, r: int) -> bool:
        """Whether row ``r`` holds nothing of its own: no text, and no cell whose value
        cannot be read (an error value reads as '' but is not an empty cell)."""
        return not any(self.own(r)) and r not in self._suspect_rows

    def unreadable(self, rows: set[int]) -> frozenset[tuple[int, int]]:
        """1-based (row, column) of the cells in ``rows`` (1-based) whose value cannot be
        read: an error value, a formula without result."""
        return frozenset((r + 1, c + 1) for r, c in self.suspect if r + 1 in rows)

    def text(self, r: int, c: int) -> str:
        text = cell_text(self.raw(r, c))
        if len(text) > self.max_chars:
            self.too_long.append(self.anchor.get((r, c), (r, c)))
            text = text[: self.max_chars]
        return text

    def cell(self, r: int, c: int) -> Cell:
        """The cell at 0-based (r, c), pointing at the merged range's top-left if a merge
        fills it from above (a column a merge covers to the right is an empty cell)."""
        if (r, c) in self.across:
            return Cell("", "", r + 1, c + 1)
        anchor = self.anchor.get((r, c))
        ar, ac = anchor or (r, c)
        row = self.values[ar] if ar < self.height else ()
        return Cell(
            self.texts(r)[c] if c < self.width else "",
            row[ac] if ac < len(row) else "",
            ar + 1,
            ac + 1,
            anchor is not None,
        )

    def cells(self, r: int, columns: dict[str, int]) -> dict[str, Cell]:
        """The cells of row ``r`` under ``columns`` (key -> 0-based column), as :meth:`cell`
        gives them; a row without merged cells in one pass (every data row of a roster)."""
        if r in self._merged_rows:
            return {key: self.cell(r, c) for key, c in columns.items()}
        texts, width, number = self.texts(r), self.width, r + 1
        row = self.values[r] if r < self.height else ()
        size = len(row)
        return {
            key: Cell(
                texts[c] if c < width else "", row[c] if c < size else "", number, c + 1, False
            )
            for key, c in columns.items()
        }

    def is_merged_fill(self, r: int, c: int) -> bool:
        """Whether (r, c) is covered by a merged range and is not its top-left."""
        return (r, c) in self.anchor or (r, c) in self.across

    def merge_of(self, r: int, c: int) -> tuple[int, int] | None:
        """The top-left of the merged range covering (r, c) but starting elsewhere."""
        return self.anchor.get((r, c)) or self.across.get((r, c))

    def findings(
        self, catalog: Catalog, file: str, sheet: str, rows: set[int] | None = None
    ) -> list[Finding]:
        """Cells the reader had to cut short, and cells whose value it cannot trust — the
        latter only in ``rows`` (1-based) when given: a formula in a blank template row or
        in the notes is nobody's data (blank rows never produce findings)."""
        suspect = {
            at: Bilingual(*why)
            for at, why in self.suspect.items()
            if rows is None or at[0] + 1 in rows
        }
        reasons: dict[tuple[int, int], Bilingual | str] = dict.fromkeys(self.too_long, "too-long")
        reasons |= suspect
        return [
            catalog.make(
                "cell-unreadable",
                file=file,
                sheet=sheet,
                row=r + 1,
                col=c + 1,
                reason=reason,
                limit=self.max_chars,
            )  # fmt: skip
            for (r, c), reason in sorted(reasons.items())
        ]


class Unread(NamedTuple):
    """The cells of a reference table (the baseline, the city's list) that cannot be read
    where the tool reads them: what its refusal names."""

    count: int
    cells: list[str]  # the first few, then "…"
    first: str
    reason: Bilingual


def unread_cells(grid: Grid, rows: list[Row], keys: tuple[str, ...]) -> Unread | None:
    """The cells under ``keys`` in ``rows`` whose value cannot be read (an error value such
    as #N/A, a formula without result), for refusing a reference table: compared with a
    value nobody can know, the districts' rows would be judged wrongly, and the office
    keeps the file (decision 23)."""
    found = {  # a merged cell once, at its top-left
        cell.ref: grid.suspect[(cell.row - 1, cell.col - 1)]
        for row in rows
        for cell in map(row.cell, keys)
        if cell is not None and (cell.row - 1, cell.col - 1) in grid.suspect
    }
    if not found:
        return None
    cells = list(found)
    shown = cells[:_SHOWN] + (["…"] if len(cells) > _SHOWN else [])
    return Unread(len(cells), shown, cells[0], Bilingual(*found[cells[0]]))


_SHOWN = 5  # cells named in a refusal; its count says how many there are


def grid_of(
    sheet: object,
    limits: Limits,
    suspect: dict | None = None,
    hidden: frozenset[int] = frozenset(),
) -> Grid:
    # calamine has built its block already; checked again for .xls, which is not scanned.
    end = sheet.end or (-1, -1)  # type: ignore[attr-defined]
    check_extent(sheet.name, end[0] + 1, end[1] + 1, limits)  # type: ignore[attr-defined]
    values = sheet.to_python(skip_empty_area=False)  # type: ignore[attr-defined]
    merged = sheet.merged_cell_ranges or []  # type: ignore[attr-defined]
    return Grid(values, merged, limits.max_cell_chars, suspect, hidden=hidden)
