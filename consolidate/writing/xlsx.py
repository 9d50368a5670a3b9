"""How every workbook this tool writes looks: text cells, widths, wrapping, page set-up.

One place for what the office sees in Excel/WPS and on paper:
- text that reaches a spreadsheet never runs as a formula (OWASP CSV injection): text
  cells are typed as strings (:func:`text_cell`, :func:`set_text`);
- column widths fit their text by display width (CJK counts twice, ``rich.cells``), within
  a cap; longer text wraps, and rows get the height of their wrapped lines, because
  neither LibreOffice nor Excel grows a row of a written file by itself;
- every sheet prints on A4, one page wide, its header repeated (:class:`Page`), and keeps
  its header and name columns in view while scrolling (:func:`freeze`).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from rich.cells import cell_len

EXCEL_MAX_CHARS = 32_767
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
LINK_FONT = Font(color="FF0563C1", underline="single")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DATE_FORMAT = "yyyy-mm-dd"
# Fill colours (ARGB) by severity: strong for the cell at fault, light for a whole row.
SEVERITY_FILLS = {"error": "FFFF7C80", "warning": "FFFFFF00", "info": "FFBDD7EE"}
ROW_FILLS = {"error": "FFFDE2E1", "warning": "FFFFF4C2", "info": "FFE3EEFB"}
# Column width cap (in half-width characters); texts of more characters than fit wrap.
WRAP_FROM = 30
# Points per line of 11-point text (CJK glyphs are taller than Latin ones), and the
# cell's top and bottom padding.
LINE_POINTS, ROW_PADDING = 15.0, 3.0


# ---------------------------------------------------------------- text cells
def xlsx_text(value: object) -> str:
    """Text an xlsx cell can hold: no control characters, within Excel's length limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    return text[:EXCEL_MAX_CHARS]


def text_cell(ws: Any, value: object, **style: Any) -> Cell:
    """A write-only cell typed as a string: openpyxl would store ``=…`` as a formula."""
    cell = WriteOnlyCell(ws, xlsx_text(value))
    cell.data_type = "s"  # set after the value: assigning a value re-infers the type
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def set_text(cell: Cell, value: object) -> None:
    """Write a value into a cell of an ordinary sheet; text stays text (``=``, ``+``)."""
    if isinstance(value, str):
        cell.value = xlsx_text(value)
        cell.data_type = "s"
    else:
        cell.value = value


@dataclass(frozen=True, slots=True)
class Link:
    """A cell's text that jumps to a place in the workbook (``'名册'!A7``)."""

    text: str
    sheet: str
    cell: str

    @property
    def location(self) -> str:
        quoted = self.sheet.replace("'", "''")
        return f"'{quoted}'!{self.cell}"


def styled_cell(ws: Any, value: object, *, fill: str | None = None, box: bool = False) -> Any:
    """A value for a write-only row: dates formatted, long text wrapped, links blue.

    Short text in an unstyled row stays a plain value, the cheapest to write (most cells
    of a large register); a styled cell takes a style made once per workbook.
    """
    if isinstance(value, Link):
        cell = text_cell(ws, value.text)
        _style(cell, ws, fill, box, link=True)
        cell.hyperlink = Hyperlink(ref="", location=value.location)
        return cell
    plain = not fill and not box
    if isinstance(value, str):
        if plain and "\n" not in value and len(value) <= WRAP_FROM // 2:
            return xlsx_value(ws, value)
        cell = text_cell(ws, value)
    elif isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value)
    elif plain:
        return value if value != "" else None
    else:
        cell = WriteOnlyCell(ws, value if value != "" else None)
    _style(cell, ws, fill, box, date=isinstance(value, dt.date))
    return cell


def xlsx_value(ws: Any, value: object) -> object:
    """A value for ``ws.append``: text as an inert string cell, numbers and dates as is."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # Plain strings are cheap to write; only "=…" would become a formula in openpyxl.
        clean = value if value.isprintable() and len(value) <= EXCEL_MAX_CHARS else xlsx_text(value)
        return text_cell(ws, clean) if clean.startswith("=") else clean
    return value


def _style(
    cell: Any, ws: Any, fill: str | None, box: bool, *, date: bool = False, link: bool = False
) -> None:
    """Wrap (and fill, box, date format, link font) a cell; each combination made once.

    Setting a style attribute makes openpyxl look the style up in the workbook's lists;
    for tens of thousands of cells the finished style array is copied instead.
    """
    cache = ws.parent.__dict__.setdefault("_consolidate_styles", {})
    key = (fill, box, date, link)
    if key in cache:
        cell._style = copy.copy(cache[key])  # noqa: SLF001 - openpyxl's own way (NamedStyle)
        return
    cell.alignment = WRAP
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    if box:
        cell.border = BOX
    if date:
        cell.number_format = DATE_FORMAT
    if link:
        cell.font = LINK_FONT
    cache[key] = copy.copy(cell._style)  # noqa: SLF001


def header_cells(ws: Any, labels: Sequence[str], *, box: bool = False) -> list[Any]:
    """Bold, shaded, wrapped header cells."""
    extra = {"border": BOX} if box else {}
    return [
        text_cell(ws, label, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP, **extra)
        for label in labels
    ]


# ---------------------------------------------------------------- widths and wrapping
def display_width(text: object) -> int:
    """How many columns ``text`` takes at its longest line (CJK and full-width count 2)."""
    return max((cell_len(line) for line in shown(text).split("\n")), default=0)


def shown(value: object) -> str:
    """A value as a cell shows it (dates as ``2026-11-27``)."""
    if value is None:
        return ""
    if isinstance(value, Link):
        return value.text
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def column_widths(
    rows: Sequence[Sequence[object]], cap: float = WRAP_FROM, sample: int = 500
) -> list[float]:
    """A width per column that fits its longest line, within ``cap`` (first rows only)."""
    widths: list[float] = []
    for row in rows[:sample]:
        for i, value in enumerate(row):
            if i >= len(widths):
                widths.append(4)
            if value is not None:
                widths[i] = max(widths[i], display_width(value) + 2)
    return [min(w, cap) for w in widths]


def line_count(value: object, width: float) -> int:
    """Lines a wrapped cell of ``width`` needs for ``value`` (each of its lines wraps)."""
    return _line_count(value if isinstance(value, str) else shown(value), width)


@functools.lru_cache(maxsize=4096)  # a column repeats its texts (bureaus, posts, functions)
def _line_count(text: str, width: float) -> int:
    room = max(width - 1.5, 1.0)  # the cell's own padding takes about a character
    if "\n" not in text and 2 * len(text) <= room:
        return 1  # fits even if every character is a wide one: no need to measure
    return sum(max(1, math.ceil(cell_len(line) / room)) for line in text.split("\n"))


def row_height(values: Sequence[object], widths: Sequence[float]) -> float | None:
    """The height (points) that shows every line of every cell; None: one line is enough."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str) and value:  # numbers and dates fit their fitted column
            lines = max(lines, _line_count(value, width))
    return lines * LINE_POINTS + ROW_PADDING if lines > 1 else None


def set_widths(ws: Any, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


# ---------------------------------------------------------------- page set-up and freezing
@dataclass(frozen=True, slots=True)
class Page:
    """How a sheet prints: A4, one page wide (``tall=1``: the whole sheet on one page)."""

    landscape: bool = True
    tall: int = 0  # pages high; 0: as many as needed
    title_rows: str | None = None  # ``"1:1"``: repeated at the top of every page
    centered: bool = False
    margin: float | None = None  # left and right, in inches
    vertical_margin: float | None = None  # top and bottom, in inches

    def apply(self, ws: Any) -> None:
        """Set this page set-up on a sheet (ordinary or write-only)."""
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.orientation = "landscape" if self.landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = self.tall
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if self.title_rows:
            ws.print_title_rows = self.title_rows
        if self.centered:
            ws.print_options.horizontalCentered = True
        if self.margin is not None:
            ws.page_margins.left = ws.page_margins.right = self.margin
        if self.vertical_margin is not None:
            ws.page_margins.top = ws.page_margins.bottom = self.vertical_margin


def freeze(ws: Any, rows: int, columns: int = 0) -> None:
    """Keep the first ``rows`` rows and ``columns`` columns in view while scrolling."""
    ws.freeze_panes = f"{get_column_letter(columns + 1)}{rows + 1}"


# ---------------------------------------------------------------- a table sheet
@dataclass
class Table:
    """A sheet whose row 1 is the header, and what is special about its rows."""

    title: str
    header: list[str]
    rows: list[list[object]]
    widths: list[float] | None = None  # None: fitted to the text, within WRAP_FROM
    frozen_columns: int = 0
    fills: list[str | None] | None = None  # a fill per row (ARGB), e.g. rows with problems
    page: Page = Page(title_rows="1:1")


def table_sheet(wb: Workbook, table: Table) -> Any:
    """A write-only sheet: header frozen, filtered and repeated, rows as tall as their text."""
    ws = wb.create_sheet(table.title)
    widths = table.widths or column_widths([table.header, *table.rows])
    set_widths(ws, widths)
    table.page.apply(ws)
    freeze(ws, 1, table.frozen_columns)
    rows = Rows(ws, widths)
    rows.append(header_cells(ws, table.header), table.header)
    fills = table.fills or [None] * len(table.rows)
    for row, fill in zip(table.rows, fills, strict=True):
        rows.append([styled_cell(ws, v, fill=fill) for v in row], row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.header))}{len(table.rows) + 1}"
    return ws


class Rows:
    """Appends rows to a write-only sheet, each as tall as its wrapped text."""

    def __init__(self, ws: Any, widths: Sequence[float]) -> None:
        self.ws, self.widths, self.count = ws, widths, 0

    def append(
        self, cells: list[Any], values: Sequence[object] = (), height: float | None = None
    ) -> int:
        """Append ``cells`` (``values``: their texts, for the height); returns the row number."""
        self.count += 1
        height = height or row_height(values, self.widths)
        if height is not None:
            # A write-only sheet reads a row's height when it writes the row: set it first.
            self.ws.row_dimensions[self.count].height = height
        self.ws.append(cells)
        return self.count
