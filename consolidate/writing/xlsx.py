"""What every workbook this tool writes shares: inert text cells, widths, page set-up.

Text that reaches a spreadsheet can never run as a formula (OWASP CSV injection): xlsx
cells are typed as strings (:func:`text_cell`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

EXCEL_MAX_CHARS = 32_767
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"


def xlsx_text(value: object) -> str:
    """Text an xlsx cell can hold: no control characters, within Excel's length limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    return text[:EXCEL_MAX_CHARS]


def text_cell(ws: Any, value: object, **style: Any) -> Cell:
    """A cell typed as a string: openpyxl would store ``=…`` as a formula otherwise."""
    cell = WriteOnlyCell(ws, xlsx_text(value))
    cell.data_type = "s"  # set after the value: assigning a value re-infers the type
    for name, setting in style.items():
        setattr(cell, name, setting)
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


def display_width(text: str) -> int:
    """How many columns ``text`` takes: CJK and full-width characters count as 2."""
    lines = str(text).split("\n") or [""]
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines
    )


def column_widths(rows: list[list[object]], cap: int = 50, sample: int = 500) -> list[float]:
    """A width per column that fits its longest line, within ``cap`` (first rows only)."""
    widths: list[int] = []
    for row in rows[:sample]:
        for i, value in enumerate(row):
            if i >= len(widths):
                widths.append(4)
            if value is not None:
                widths[i] = max(widths[i], display_width(_shown(value)))
    return [min(w + 2, cap) for w in widths]


def _shown(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def new_sheet(wb: Workbook, title: str, widths: list[float]) -> Any:
    """A write-only sheet, A4 landscape, fitted to the page width, with column widths."""
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


# Column width cap (in half-width characters); texts of more CJK characters than fit wrap.
WRAP_FROM = 30


def styled_cell(ws: Any, value: object) -> Any:
    """A value for ``ws.append``: dates formatted, multi-line text wrapped, text inert."""
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str) and ("\n" in value or len(value) > WRAP_FROM // 2):
        return text_cell(ws, value, alignment=WRAP)
    return xlsx_value(ws, value)


def header_cells(ws: Any, labels: list[str]) -> list[Any]:
    return [
        text_cell(ws, label, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP) for label in labels
    ]


def table_sheet(wb: Workbook, title: str, header: list[str], rows: list[list[object]]) -> Any:
    """A sheet whose row 1 is the header: frozen, filtered, repeated on every page."""
    # Narrow enough to print legibly on A4 landscape; longer texts wrap (see _cell).
    ws = new_sheet(wb, title, column_widths([header, *rows], cap=WRAP_FROM))
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.append(header_cells(ws, header))
    for row in rows:
        ws.append([styled_cell(ws, value) for value in row])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    return ws
