"""How every workbook this tool writes looks on screen: text cells, styles, widths, wrapping.

One place for what the office sees in Excel/WPS (:mod:`.paper`: how it prints):
- text that reaches a spreadsheet never runs as a formula (OWASP CSV injection): text
  cells are typed as strings (:func:`set_text`, :func:`.book.text_cell`);
- column widths fit their text by display width (CJK counts twice, ``rich.cells``), within
  a cap; longer text wraps, and rows get the height of their wrapped lines, because
  neither LibreOffice nor Excel grows a row of a written file by itself;
- every cell of a table is boxed and centred vertically like the others of its row;
- a sheet keeps its header and name columns in view while scrolling (:func:`freeze`).

The house style is openpyxl's objects (fonts, fills, borders), for the copies openpyxl
writes; the workbooks written from scratch take the same through :class:`.book.Look`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from rich.cells import cell_len

EXCEL_MAX_CHARS = 32_767
# Named as the body is (openpyxl's default): a font without a name prints its Latin
# letters and digits in LibreOffice's serif default.
BODY_FONT = "Calibri"
HEADER_FONT = Font(name=BODY_FONT, bold=True)
TITLE_FONT = Font(name=BODY_FONT, bold=True, size=14)
LINK_FONT = Font(color="FF0563C1", underline="single")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# Every cell of a row is centred vertically: a two-line cell (上海市黄浦区 / 市场监督管理局)
# beside one-line cells that sat at the bottom made its first line seem the row above's.
WRAP = Alignment(wrap_text=True, vertical="center")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
TITLE_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DATE_FORMAT = "yyyy-mm-dd"
# Fill colours (ARGB) by severity: strong for the cell at fault, light for a whole row.
SEVERITY_FILLS = {"error": "FFFF7C80", "warning": "FFFFFF00", "info": "FFBDD7EE"}
ROW_FILLS = {"error": "FFFDE2E1", "warning": "FFFFF4C2", "info": "FFE3EEFB"}
# Column width cap (in half-width characters); texts of more characters than fit wrap.
WRAP_FROM = 30
SCREEN_CAP = 60  # a column on the screen only: wider, so that it never wraps
# Points per line of 11-point text (CJK glyphs are taller than Latin ones), and the
# cell's top and bottom padding.
LINE_POINTS, ROW_PADDING = 15.0, 3.0


# ---------------------------------------------------------------- text cells
def xlsx_text(value: object) -> str:
    """Text an xlsx cell can hold: no control characters, within Excel's length limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    return text[:EXCEL_MAX_CHARS]


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


def table_widths(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    cap: float = WRAP_FROM,
    printed: int | None = None,
) -> list[float]:
    """Widths that fit the rows' text (within ``cap``) and the header on two lines at most:
    a header is no reason for a column twice as wide as its values. A column after the
    first ``printed`` is on the screen only: as wide as its text up to ``SCREEN_CAP``, so
    that its text (a long file name) never makes a printed row two lines tall."""
    count = len(header) if printed is None else printed
    widths = column_widths(rows, SCREEN_CAP) if rows else []
    widths += [4.0] * (len(header) - len(widths))
    widths = [min(w, cap) if i < count else w for i, w in enumerate(widths)]
    return [max(width, header_width(label)) for width, label in zip(widths, header, strict=False)]


def header_width(label: str) -> float:
    """The width that shows ``label`` on two lines: half its text (a whole Chinese
    character or the longest word of an English one), and the cell's padding."""
    half = math.ceil(cell_len(label) / 2)
    if cell_len(label) != len(label):
        half += half % 2  # a Chinese character takes two: never half of one on a line
    words = label.split()
    longest = max(cell_len(word) for word in words) if len(words) > 1 else 0
    return max(half, longest) + 2


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


# ---------------------------------------------------------------- freezing
def freeze(ws: Any, rows: int, columns: int = 0) -> None:
    """Keep the first ``rows`` rows and ``columns`` columns in view while scrolling."""
    ws.freeze_panes = f"{get_column_letter(columns + 1)}{rows + 1}"
