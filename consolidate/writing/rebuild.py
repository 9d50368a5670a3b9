"""An ``.xls`` (or a workbook openpyxl cannot open) rebuilt as an ``.xlsx`` to annotate.

openpyxl cannot open an ``.xls``: the copy is a new workbook holding the values and merged
ranges calamine reads (the reader's own view of the file), dressed in the layout xlrd
reads from the ``.xls`` (column widths, row heights, hidden rows and columns, borders,
fonts, alignment), so that the copy looks, and prints, like the file the clerk sent.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from consolidate.support.errors import OutputError
from consolidate.writing.xlsx import column_widths, set_text, set_widths

log = logging.getLogger(__name__)

# BIFF line styles (xlrd's numbers) as openpyxl border styles.
LINE_STYLES = {
    1: "thin", 2: "medium", 3: "dashed", 4: "dotted", 5: "thick", 6: "double", 7: "hair",
    8: "mediumDashed", 9: "dashDot", 10: "mediumDashDot", 11: "dashDotDot",
    12: "mediumDashDotDot", 13: "slantDashDot",
}  # fmt: skip
HORIZONTAL = {1: "left", 2: "center", 3: "right", 4: "fill", 5: "justify", 6: "centerContinuous"}
VERTICAL = {0: "top", 1: "center", 2: "bottom", 3: "justify"}


def rebuild(data: bytes, source: Path) -> Workbook:
    """A new workbook holding the values, merged ranges and layout of ``data``."""
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        raise OutputError(
            "annotate-failed", name=source.name, reason=OutputError("unreadable")
        ) from exc
    workbook = Workbook()
    workbook.remove(workbook.active)
    for meta in book.sheets_metadata:
        if "WorkSheet" not in str(meta.typ):
            continue  # chart and macro sheets have no cells to mark
        sheet = workbook.create_sheet(meta.name)
        _copy_values(book.get_sheet_by_name(meta.name), sheet)
        visible = str(meta.visible)
        if "VeryHidden" in visible:
            sheet.sheet_state = "veryHidden"
        elif "Hidden" in visible:
            sheet.sheet_state = "hidden"
    if not workbook.worksheets:
        workbook.create_sheet("Sheet1")
    if not _copy_layout(data, workbook):
        for sheet in workbook.worksheets:
            _fit_widths(sheet)
    return workbook  # printed one page wide by the annotator (xlsx.fit_sheet)


def _copy_values(source: Any, sheet: Worksheet) -> None:
    """Values (at their real row and column) and merged ranges of one calamine sheet."""
    for r, row in enumerate(source.to_python(skip_empty_area=False), start=1):
        for c, value in enumerate(row, start=1):
            if value == "" or value is None:
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # .xls stores every number as a float
            set_text(sheet.cell(r, c), value)
    for (r0, c0), (r1, c1) in source.merged_cell_ranges or ():
        sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)


def _fit_widths(sheet: Worksheet) -> None:
    """Widths from the values, where the file's own layout could not be read."""
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    set_widths(sheet, [max(8.0, w) for w in column_widths(rows, cap=40)])


# ---------------------------------------------------------------- layout from xlrd
def _copy_layout(data: bytes, workbook: Workbook) -> bool:
    """Column widths, row heights and cell formats of the ``.xls``; False when unreadable."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as exc:  # noqa: BLE001 - not a BIFF8 file (or one xlrd refuses)
        log.info("no .xls layout: %s", type(exc).__name__)
        return False
    try:
        styles = _Styles(book)
        for name in book.sheet_names():
            if name in workbook.sheetnames:
                _sheet_layout(book.sheet_by_name(name), workbook[name], styles)
    except Exception as exc:  # noqa: BLE001 - the values are copied already; layout is a plus
        log.info("partial .xls layout: %s", type(exc).__name__)
    finally:
        book.release_resources()
    return True


def _sheet_layout(source: Any, sheet: Worksheet, styles: _Styles) -> None:
    for col, info in source.colinfo_map.items():
        dims = sheet.column_dimensions[get_column_letter(col + 1)]
        dims.width = info.width / 256  # BIFF widths are 1/256 of a character
        dims.hidden = bool(info.hidden)
    for row, info in source.rowinfo_map.items():
        dims = sheet.row_dimensions[row + 1]
        if info.height and not info.has_default_height:
            dims.height = info.height / 20  # twips
        dims.hidden = bool(info.hidden)
    for r in range(source.nrows):
        for c in range(source.row_len(r)):
            cell = sheet.cell(r + 1, c + 1)
            cell.font, cell.border, cell.alignment = styles.of(source.cell_xf_index(r, c))


class _Styles:
    """openpyxl styles for each XF record of the book, made once and shared by cells."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.cache: dict[int, tuple[Font, Border, Alignment]] = {}

    def of(self, index: int) -> tuple[Font, Border, Alignment]:
        if index not in self.cache:
            self.cache[index] = self._make(index)
        return self.cache[index]

    def _make(self, index: int) -> tuple[Font, Border, Alignment]:
        xf = self.book.xf_list[index]
        font = self.book.font_list[xf.font_index]
        edges = {
            side: _side(getattr(xf.border, f"{side}_line_style"))
            for side in ("left", "right", "top", "bottom")
        }
        align = xf.alignment
        alignment = Alignment(
            horizontal=HORIZONTAL.get(align.hor_align),
            vertical=VERTICAL.get(align.vert_align),
            wrap_text=bool(align.text_wrapped) or None,
        )
        return (
            Font(name=font.name, size=font.height / 20, bold=bool(font.bold),
                 italic=bool(font.italic), underline="single" if font.underlined else None),
            Border(**edges),
            alignment,
        )  # fmt: skip


def _side(style: int) -> Side:
    return Side(style=LINE_STYLES.get(style))
