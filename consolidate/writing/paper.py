"""How every workbook this tool writes prints: A4, one page wide, text at 9 points or more.

The header is repeated on every page, the cells boxed (README, the city's run).

- :class:`Page`: a sheet's page set-up, and :meth:`Page.fit`, which narrows the printed
  columns to the page where it costs the rows the fewest lines (codes, mobiles and dates
  kept whole); its first ``printed`` columns only go on paper (the sources, one flag per
  function stay on the screen), under a heading with the title and the as-of date;
- :func:`table_sheet`: a table as the office reads it on screen and on paper (header
  repeated, cells boxed and centred alike, a title above it where it has one);
- :func:`fit_sheet`: a district's sheet in an annotated copy, one page wide too, its own
  layout otherwise kept.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.page import PageMargins
from rich.cells import cell_len

from consolidate.support.wording import label, labels
from consolidate.writing.book import Book, Sheet, header_cells, new_book, text_cell
from consolidate.writing.xlsx import (
    LINE_POINTS,
    ROW_PADDING,
    TITLE_ALIGNMENT,
    TITLE_FONT,
    Link,
    line_count,
    shown,
    table_widths,
)

# ---------------------------------------------------------------- paper
# LibreOffice counts a column-width unit as the default font's digit: 7 points where
# Calibri falls back to DejaVu Sans (Excel's own Calibri: 5.25). The wider unit sets the
# room, so a sheet that prints at 9 points in LibreOffice prints larger in Excel and WPS.
UNIT_POINTS = 7.0
A4_POINTS = (595.3, 841.9)  # the short and the long side
POINTS_PER_INCH = 72
MARGIN = 0.4  # inches, left and right
# Fit-to-width may shrink the text to 9.7 points, no smaller (11 points: to 88 %). 9 points
# is the least a clerk reads; LibreOffice prints a long sheet some 3 % smaller again.
MIN_POINTS = 9.7
BODY_POINTS = 11.0  # openpyxl's default font, the body of every sheet this tool writes
# Narrowing stops here (a mobile, a date, a short name stay on one line).
NARROWEST = 10.0
TITLE_POINTS = 20.0  # a line of the 14-point title


def room(landscape: bool, margin: float = MARGIN, body: float = BODY_POINTS) -> float:
    """The width units that print one A4 page wide with ``body``-point text shrunk to
    ``MIN_POINTS`` at most (smaller text: not shrunk at all)."""
    paper = A4_POINTS[1] if landscape else A4_POINTS[0]
    scale = min(1.0, MIN_POINTS / body)
    return (paper - 2 * margin * POINTS_PER_INCH) / UNIT_POINTS / scale


def narrowed(
    widths: Sequence[float],
    space: float,
    solid: Collection[int] = frozenset(),
    floor: float = NARROWEST,
) -> list[float]:
    """``widths`` within ``space``: the widest columns narrowed alike (their text wraps),
    none of the ``solid`` ones (:func:`solid_columns`), none below ``floor``, none widened;
    unchanged when they fit already."""
    if sum(widths) <= space:
        return list(widths)
    free = [w for i, w in enumerate(widths) if i not in solid]
    space -= sum(widths) - sum(free)
    low, high = floor, max(free, default=floor)
    for _ in range(40):  # the common cap, to a hundredth of a unit
        cap = (low + high) / 2
        low, high = (cap, high) if sum(min(w, cap) for w in free) <= space else (low, cap)
    cap = max(math.floor(low * 2) / 2, floor)  # half units, as a person would set them
    return [w if i in solid else min(w, cap) for i, w in enumerate(widths)]


def fitted_widths(
    widths: Sequence[float],
    space: float,
    rows: Sequence[Sequence[object]] = (),
    solid: Collection[int] = frozenset(),
) -> list[float]:
    """``widths`` within ``space``, narrowed where it costs the rows the fewest lines: a
    column with a few long texts (problems) wraps before one whose texts are many just
    over its width (posts in a register). Without ``rows``, the widest columns are
    narrowed alike (:func:`narrowed`)."""
    if sum(widths) <= space or not rows:
        return narrowed(widths, space, solid)
    free = [i for i, w in enumerate(widths) if i not in solid and w > NARROWEST]
    if sum(widths) - sum(widths[i] - NARROWEST for i in free) > space:
        return narrowed(widths, space, solid)  # even at their narrowest: the page shrinks
    lines = _Lines(rows[:SHARE_SAMPLE], widths, free)
    excess = sum(widths) - space
    while excess > 0:
        column, width = lines.cheapest_cut(math.ceil(excess))
        excess -= lines.widths[column] - width
        lines.set(column, width)
    return [lines.widths.get(i, w) for i, w in enumerate(widths)]


SHARE_SAMPLE = 200  # rows weighed when narrowing the columns


class _Lines:
    """The lines each sampled row takes at the free columns' widths (:func:`fitted_widths`)."""

    def __init__(self, rows: Sequence[Sequence[object]], widths: Sequence[float], free: list[int]):
        self.rows = rows
        self.widths = {c: float(widths[c]) for c in free}
        fixed = [c for c in range(len(widths)) if c not in self.widths]
        self.base = [max([1, *(_cell_lines(row, c, widths[c]) for c in fixed)]) for row in rows]
        self.now = {c: self.lines(c, widths[c]) for c in free}

    def lines(self, column: int, width: float) -> list[int]:
        return [_cell_lines(row, column, width) for row in self.rows]

    def set(self, column: int, width: float) -> None:
        self.widths[column] = width
        self.now[column] = self.lines(column, width)

    def cheapest_cut(self, most: int) -> tuple[int, float]:
        """The column and narrower width (by ``most`` units at most) that add the fewest
        lines per unit taken; of equal ones, the larger cut."""
        best: tuple[float, float, int, float] | None = None
        for column, width in self.widths.items():
            others = [
                max([base, *(now[r] for c, now in self.now.items() if c != column)])
                for r, base in enumerate(self.base)
            ]
            total = sum(max(o, n) for o, n in zip(others, self.now[column], strict=True))
            for cut in range(1, min(most, math.floor(width - NARROWEST)) + 1):
                after = self.lines(column, width - cut)
                added = sum(max(o, n) for o, n in zip(others, after, strict=True)) - total
                key = (added / cut, -cut, column, width - cut)
                if best is None or key < best:
                    best = key
        if best is None:  # every free column at its narrowest: cannot happen (checked)
            raise ValueError("no column left to narrow")
        return best[2], best[3]


def _cell_lines(row: Sequence[object], column: int, width: float) -> int:
    value = row[column] if column < len(row) else None
    return line_count(value, width) if isinstance(value, str) and value else 1


@dataclass(frozen=True, slots=True)
class Page:
    """How a sheet prints: A4, one page wide (``tall=1``: the whole sheet on one page).

    ``printed``: the first columns on paper (None: all); the others stay on the screen
    only (sources, one flag per function). ``heading``: a line printed at the top of every
    page, for a sheet that has no title of its own (its header must stay in row 1);
    ``numbered``: 第 n 页，共 N 页 at the foot.
    """

    landscape: bool = True
    tall: int = 0  # pages high; 0: as many as needed
    title_rows: str | None = None  # ``"1:1"``: repeated at the top of every page
    centered: bool = False
    margin: float = MARGIN  # left and right, in inches
    vertical_margin: float | None = None  # top and bottom, in inches
    printed: int | None = None
    heading: str | None = None
    numbered: bool = False
    lang: str = "zh"

    def fit(
        self,
        widths: Sequence[float],
        rows: Sequence[Sequence[object]] = (),
        solid: Collection[int] | None = None,
    ) -> list[float]:
        """``widths`` with the printed columns narrowed to fit the page at 9 points, shared
        out by the ``rows`` they show (:func:`fitted_widths`); the ``solid`` ones (by
        default :func:`solid_columns` of the rows) kept whole."""
        count = len(widths) if self.printed is None else self.printed
        keep = solid_columns(rows) if solid is None else solid
        printed = [row[:count] for row in rows]
        on_paper = fitted_widths(widths[:count], room(self.landscape, self.margin), printed, keep)
        return [*on_paper, *widths[count:]]

    def apply(self, ws: Any) -> None:
        """Set this page set-up on a sheet: openpyxl's (ordinary or write-only), or a
        :class:`~.book.Sheet` (XlsxWriter's)."""
        if isinstance(ws, Sheet):
            self._set_up(ws.worksheet)
            return
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.orientation = "landscape" if self.landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = self.tall
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if self.title_rows:
            ws.print_title_rows = self.title_rows
        if self.centered:
            ws.print_options.horizontalCentered = True
        margins = self._margins(ws.page_margins)
        ws.page_margins.left, ws.page_margins.right = margins.left, margins.right
        ws.page_margins.top, ws.page_margins.bottom = margins.top, margins.bottom
        ws.page_margins.header, ws.page_margins.footer = margins.header, margins.footer
        self._heading(ws.oddHeader, ws.oddFooter)

    def _set_up(self, worksheet: Any) -> None:
        """The same on an XlsxWriter worksheet."""
        worksheet.set_paper(9)  # A4
        if self.landscape:
            worksheet.set_landscape()
        else:
            worksheet.set_portrait()
        worksheet.fit_to_pages(1, self.tall)
        if self.title_rows:
            first, _, last = self.title_rows.partition(":")
            worksheet.repeat_rows(int(first) - 1, int(last or first) - 1)
        if self.centered:
            worksheet.center_horizontally()
        margins = self._margins(PageMargins())  # openpyxl's defaults, where none is set
        worksheet.set_margins(margins.left, margins.right, margins.top, margins.bottom)
        header, footer = HeaderFooterItem(), HeaderFooterItem()
        self._heading(header, footer)
        worksheet.set_header(str(header), {"margin": margins.header})
        worksheet.set_footer(str(footer), {"margin": margins.footer})

    def _margins(self, margins: PageMargins) -> PageMargins:
        """``margins`` with this page's: its sides, and room for a heading and page number."""
        margins = copy.copy(margins)
        margins.left = margins.right = self.margin
        if self.heading or self.numbered:  # the heading and the page number in the margins
            margins.header = margins.footer = HEADER_MARGIN
            margins.top = margins.bottom = HEADED_MARGIN
        if self.vertical_margin is not None:
            margins.top = margins.bottom = self.vertical_margin
        return margins

    def _heading(self, header: HeaderFooterItem, footer: HeaderFooterItem) -> None:
        if self.heading:
            header.center.text = self.heading.replace("&", "&&")  # & starts a code
            header.center.size = 12
            header.center.font = "-,Bold"
        if self.numbered:
            footer.center.text = PAGE_NUMBERS.get(self.lang, PAGE_NUMBERS["zh"])


PAGE_NUMBERS = {lang: labels("places", lang)["page-numbers"] for lang in ("zh", "en")}
HEADER_MARGIN, HEADED_MARGIN = 0.3, 0.75  # inches: the heading's, and the table's below it


def written_date(day: dt.date, lang: str = "zh") -> str:
    """A date in a title: in Chinese words, or ISO in English."""
    if lang == "en":
        return day.isoformat()
    return label("places", "date", year=day.year, month=day.month, day=day.day)


def fit_sheet(ws: Any, *, narrow: bool = True) -> bool:
    """A district's sheet (an annotated copy) on A4, one page wide at 9 points or more.

    Its own layout is kept: its margins, print area, repeated rows and fonts; portrait
    stays portrait while the table fits it. A table wider than a landscape page at 9
    points gets its printed columns narrowed where it costs the fewest lines (codes and
    mobiles kept whole), their text wrapped and their rows made as tall as the wrapped
    text: legible on one page rather than cut in two (the title across two pages) or
    shrunk below 9 points. ``narrow=False``: such a table is left as it is (False
    returned) for the caller to fit another way.
    """
    margin = min(ws.page_margins.left or MARGIN, ws.page_margins.right or MARGIN)
    letters = _printed_columns(ws)
    default = ws.sheet_format.defaultColWidth or 8.43
    widths = {c: ws.column_dimensions[c].width or default for c in letters}
    body = _body_points(ws)
    landscape = ws.page_setup.orientation == "landscape"
    if sum(widths.values()) > room(False, margin, body):
        landscape = True
    if sum(widths.values()) > room(True, margin, body):
        if not narrow:
            return False
        margin = min(margin, MARGIN)
        ws.page_margins.left = ws.page_margins.right = margin
        _narrow_columns(ws, widths, room(True, margin, body))
    ws.page_setup.paperSize = "9"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return True


def _body_points(ws: Any, sample: int = 200) -> float:
    """The size of most of a sheet's text (its body, not its title)."""
    sizes = Counter(
        float(cell.font.sz or BODY_POINTS)
        for row in ws.iter_rows(max_row=sample)
        for cell in row
        if cell.value is not None and cell.value != ""
    )
    return sizes.most_common(1)[0][0] if sizes else BODY_POINTS


def _printed_columns(ws: Any) -> list[str]:
    """The letters of the visible columns within the sheet's print area (or its cells)."""
    first, last = 1, ws.max_column
    area = ws.print_area
    if area:
        # The first range of the area: openpyxl gives ``'Sheet1'!$A$1:$K$30,…``.
        ref = area.split(",")[0].split("!")[-1].replace("$", "")
        if ":" in ref:
            start, _, end = ref.partition(":")
            first = column_index_from_string(start.rstrip("0123456789") or "A")
            last = column_index_from_string(end.rstrip("0123456789") or "A")
    letters = [get_column_letter(c) for c in range(first, last + 1)]
    return [c for c in letters if not ws.column_dimensions[c].hidden]


def _narrow_columns(ws: Any, widths: dict[str, float], space: float) -> None:
    """Narrow the widest of ``widths`` into ``space``; wrap their cells, grow their rows."""
    numbers = [column_index_from_string(c) for c in widths]
    sample = [
        [row[n - 1] if n <= len(row) else None for n in numbers]
        for row in ws.iter_rows(max_row=500, max_col=max(numbers), values_only=True)
    ]
    solid = solid_columns(sample)
    shared = fitted_widths(list(widths.values()), space, sample, solid)
    fitted = dict(zip(widths, shared, strict=True))
    changed = {c for c in widths if fitted[c] < widths[c]}
    if not changed:
        return
    for letter in changed:
        ws.column_dimensions[letter].width = fitted[letter]
    columns = {column_index_from_string(c): fitted[c] for c in changed}
    merged = {cell for merge in ws.merged_cells.ranges for cell in _cells_of(merge)}
    for row in ws.iter_rows(min_col=min(columns), max_col=max(columns)):
        lines = 1
        for cell in row:
            width = columns.get(cell.column)
            if width is None or cell.value is None or cell.coordinate in merged:
                continue  # a merged title spans other columns: its width is theirs too
            alignment = copy.copy(cell.alignment)
            alignment.wrap_text = True
            cell.alignment = alignment
            lines = max(lines, line_count(cell.value, width))
        if lines > 1:
            dims = ws.row_dimensions[row[0].row]
            size = max((c.font.sz or 11 for c in row if c.value is not None), default=11)
            dims.height = max(dims.height or 0, size / 11 * LINE_POINTS * lines + ROW_PADDING)


def _cells_of(merge: Any) -> list[str]:
    return [
        f"{get_column_letter(c)}{r}"
        for r in range(merge.min_row, merge.max_row + 1)
        for c in range(merge.min_col, merge.max_col + 1)
    ]


def solid_columns(rows: Sequence[Sequence[object]], sample: int = 500) -> frozenset[int]:
    """The columns a line break would spoil: numbers, dates and words without a space or
    a Chinese character (a mobile, a credit code, an account name) in most of their rows
    (a district's sheet has its title and header above them)."""
    solid: Counter[int] = Counter()
    breakable: Counter[int] = Counter()
    for row in rows[:sample]:
        for i, value in enumerate(row):
            if value is None or value == "":
                continue
            text = shown(value)
            if isinstance(value, (str, Link)) and (
                " " in text.strip() or "\n" in text or cell_len(text) != len(text)
            ):
                breakable[i] += 1
            else:
                solid[i] += 1
    return frozenset(i for i, n in solid.items() if n > breakable[i])


# ---------------------------------------------------------------- a table sheet
@dataclass
class Table:
    """A sheet whose header is row 1 (below its ``lines``), and what is special about its rows.

    ``page.printed`` keeps the columns after the first ones off the paper (sources, flags);
    ``lines``: a title and what it is about, above the header on the screen and on paper;
    ``notes``: lines below the table (outside its filter), across the printed columns.
    """

    title: str
    header: list[str]
    rows: list[list[object]]
    widths: list[float] | None = None  # None: fitted to the text, within WRAP_FROM
    frozen_columns: int = 0
    fills: list[str | None] | None = None  # a fill per row (ARGB), e.g. rows with problems
    page: Page = Page()
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def save_tables(path: Path, tables: Sequence[Table]) -> None:
    """A workbook of ``tables``, one sheet each, written atomically to ``path``."""
    with new_book(path) as book:
        for table in tables:
            table_sheet(book, table)


def table_sheet(book: Book, table: Table) -> Sheet:
    """A sheet written row by row: header frozen, filtered and repeated, cells boxed and
    centred alike, rows as tall as their text, the printed columns one page wide at 9 points."""
    page = table.page
    widths = table.widths or table_widths(table.header, table.rows, printed=page.printed)
    widths = page.fit(widths, table.rows)
    sheet = book.sheet(table.title, widths)
    top = len(table.lines) + 1  # the header row
    replace(page, title_rows=f"{top}:{top}").apply(sheet)
    sheet.freeze(top, table.frozen_columns)
    printed = len(table.header) if page.printed is None else page.printed
    title_lines(sheet, table.lines, sum(widths[:printed]), printed)
    sheet.append(header_cells(sheet, table.header, box=True), table.header)
    fills = table.fills or [None] * len(table.rows)
    for row, fill in zip(table.rows, fills, strict=True):
        if len(row) == 1 < len(table.header):  # a line saying why the table is empty
            title_lines(sheet, ["", *row], sum(widths[:printed]), printed)
        else:
            sheet.values(row, fill=fill)
    sheet.autofilter(top, len(table.header))
    if table.notes:  # after the filter: sorting the table leaves them below it
        title_lines(sheet, ["", *table.notes], sum(widths[:printed]), printed)
    if printed < len(table.header):
        sheet.print_area(printed)
    return sheet


def title_lines(sheet: Sheet, lines: Sequence[str], width: float, span: int) -> None:
    """A bold title and the lines under it, each across the ``span`` printed columns
    (an empty title: the lines alone)."""
    for number, line in enumerate(lines):
        if number == 0 and not line:
            continue
        style = {"font": TITLE_FONT} if number == 0 else {}
        points = TITLE_POINTS if number == 0 else LINE_POINTS
        height = line_count(line, width * (11 / 14 if number == 0 else 1)) * points + ROW_PADDING
        cell = text_cell(sheet, line, alignment=TITLE_ALIGNMENT, **style)
        sheet.append([cell], height=height, span=span)
