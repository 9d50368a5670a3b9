"""How every workbook this tool writes looks on screen: text cells, styles, widths, wrapping.

One place for what the office sees in Excel/WPS (:mod:`.paper`: how it prints):
- text that reaches a spreadsheet never runs as a formula (OWASP CSV injection): text
  cells are typed as strings (:func:`text_cell`, :func:`set_text`);
- column widths fit their text by display width (CJK counts twice, ``rich.cells``), within
  a cap; longer text wraps, and rows get the height of their wrapped lines, because
  neither LibreOffice nor Excel grows a row of a written file by itself;
- every cell of a table is boxed and centred vertically like the others of its row;
- a sheet keeps its header and name columns in view while scrolling (:func:`freeze`);
- the rows of a large sheet are written as XML directly (:class:`Rows`).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.hyperlink import Hyperlink
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
        text_cell(
            ws, label, font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGNMENT, **extra
        )
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


class Rows:
    """The rows of a write-only sheet, serialised here into the sheet's XML.

    openpyxl builds a cell object and an lxml element for every cell it writes: two thirds
    of the time of writing a large register (the city scenario of ``make bench``). Here a
    row becomes one string of the XML openpyxl writes (inline strings, the style ids of
    the workbook's own style list, row heights), spliced into the sheet openpyxl writes
    around it (its head, and on :meth:`close` its tail: filter, links, merges, page set-up).
    Every style is still made by openpyxl, once per workbook (:func:`_style`).
    """

    def __init__(self, ws: Any, widths: Sequence[float]) -> None:
        self.ws, self.widths, self.count = ws, widths, 0
        ws._get_writer()  # noqa: SLF001 - writes the head; links are collected from here on
        self._xml: list[str] = []
        self._ids: dict[tuple, str] = {}  # a style -> its id attribute in the workbook
        self._heights: dict[float, str] = {}  # a row height -> its attributes
        self._letters: list[str] = []

    def append(
        self, cells: Sequence[Any], values: Sequence[object] = (), height: float | None = None
    ) -> int:
        """Append ``cells`` (plain values or openpyxl cells; ``values``: their texts, for
        the height); returns the row number."""
        self.count += 1
        number = self.count
        parts = [self._row_tag(number, height or row_height(values, self.widths))]
        for col, cell in enumerate(cells):
            if isinstance(cell, Cell):
                parts.append(self._openpyxl_cell(cell, col, number))
            elif cell is not None and cell != "":
                parts.append(_cell_xml(f"{self._letters_for(col + 1)[col]}{number}", "", cell))
        parts.append("</row>")
        self._xml.append("".join(parts))
        return number

    def values(self, values: Sequence[object], *, fill: str | None = None, box: bool = True) -> int:
        """Append a row of values: dates formatted, text wrapped, links blue, each cell
        filled and boxed as asked and centred vertically like the others of its row (a
        plain cell would sit at the bottom beside a wrapped one). A style is made once."""
        self.count += 1
        number = self.count
        parts = [self._row_tag(number, row_height(values, self.widths))]
        letters = self._letters_for(len(values))
        style = self._style_attr(fill, box)
        for col, value in enumerate(values):
            ref = f"{letters[col]}{number}"
            if isinstance(value, Link):
                parts.append(_cell_xml(ref, self._style_attr(fill, box, link=True), value.text))
                self.ws._hyperlinks.append(Hyperlink(ref=ref, location=value.location))  # noqa: SLF001
            elif isinstance(value, dt.date):
                parts.append(_cell_xml(ref, self._style_attr(fill, box, date=True), value))
            else:  # an empty cell keeps its box
                parts.append(_cell_xml(ref, style, value))
        parts.append("</row>")
        self._xml.append("".join(parts))
        return number

    def close(self) -> None:
        """Finish the sheet: openpyxl writes its tail, the rows go in between."""
        self.ws.close()
        path = Path(self.ws._writer.out)  # noqa: SLF001 - the sheet's spool file
        head, tail = _split_sheet_data(path.read_bytes())
        with path.open("wb") as out:
            out.write(head)
            out.write(b"<sheetData>")
            for chunk in range(0, len(self._xml), 4096):
                out.write("".join(self._xml[chunk : chunk + 4096]).encode("utf-8"))
            out.write(b"</sheetData>")
            out.write(tail)
        self._xml = []

    # ------------------------------------------------------------ one cell's XML
    def _letters_for(self, count: int) -> list[str]:
        while len(self._letters) < count:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters

    def _row_tag(self, number: int, height: float | None) -> str:
        if height is None:
            return f'<row r="{number}">'
        attrs = self._heights.get(height)
        if attrs is None:  # the attributes openpyxl writes for this height
            dims = RowDimension(self.ws, index=number, ht=height)
            attrs = self._heights[height] = "".join(f' {k}="{v}"' for k, v in dict(dims).items())
        return f'<row r="{number}"{attrs}>'

    def _style_attr(
        self, fill: str | None, box: bool, *, date: bool = False, link: bool = False
    ) -> str:
        """`` s="7"``: the workbook's id of this style, made once (:func:`_style`)."""
        key = (fill, box, date, link)
        found = self._ids.get(key)
        if found is None:
            cell = WriteOnlyCell(self.ws)
            _style(cell, self.ws, fill, box, date=date, link=link)
            found = self._ids[key] = f' s="{cell.style_id}"'
        return found

    def _openpyxl_cell(self, cell: Cell, col: int, number: int) -> str:
        """A cell made with openpyxl (headers, title lines): its own style and type."""
        style = f' s="{cell.style_id}"' if cell.has_style else ""
        ref = f"{self._letters_for(col + 1)[col]}{number}"
        if cell.hyperlink is not None:
            cell.hyperlink.ref = ref
            self.ws._hyperlinks.append(cell.hyperlink)  # noqa: SLF001
        value = cell._value  # noqa: SLF001
        if cell.data_type == "s" and value is None:
            value = ""
        return _cell_xml(ref, style, value)


def _cell_xml(ref: str, style: str, value: object) -> str:
    """The ``<c>`` element openpyxl writes for ``value`` (text as an inline string)."""
    if isinstance(value, str):
        if not value:  # an empty styled cell keeps openpyxl's type
            return f'<c r="{ref}"{style} t="inlineStr"/>' if style else ""
        text = value if value.isprintable() and len(value) <= EXCEL_MAX_CHARS else xlsx_text(value)
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'
    if value is None:
        return f'<c r="{ref}"{style} t="n"/>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{safe_string(value)}</v></c>'
    if isinstance(value, dt.date):
        value = _serial(value)
    return f'<c r="{ref}"{style} t="n"><v>{safe_string(value)}</v></c>'


@functools.lru_cache(maxsize=4096)  # a register repeats its dates (received, as-of)
def _serial(value: dt.date) -> float:
    """Excel's serial number of a date, as openpyxl writes it (the 1900 date system)."""
    return to_excel(value)


def _escape(text: str) -> str:
    """XML text as lxml writes it (``&``, ``<``, ``>``; a carriage return as ``&#13;``)."""
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        return escape(text, {"\r": "&#13;"})
    return text


def _split_sheet_data(xml: bytes) -> tuple[bytes, bytes]:
    """The sheet openpyxl wrote without rows, split where its rows belong."""
    for empty in (b"<sheetData/>", b"<sheetData></sheetData>"):
        head, found, tail = xml.partition(empty)
        if found:
            return head, tail
    raise ValueError("openpyxl wrote no empty sheetData")  # an openpyxl we do not know
