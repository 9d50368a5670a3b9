#!/usr/bin/env python3
"""How long writing a register takes, by the tool's writer and by openpyxl's public API.

    .venv/bin/python benchmarks/writers.py [--repeat N] [--no-big] [--no-openpyxl]

The register (``名册``, ``汇总``, ``问题清单``) of the sample inbox and of a 50,000-row
roster (``form50k.xlsx`` of ``benchmarks/generate.py``) is built once; then the same
tables are written, in this one process, by:

- ``tool``: ``paper.save_tables``, what ``run`` writes ``register.xlsx`` with (run on an
  older checkout, the writer of that checkout);
- ``openpyxl``: openpyxl's write-only mode through its public API only, the alternative
  issue 27 asked to measure: a styled ``WriteOnlyCell`` per cell (each look made once,
  and copied), the same widths, heights, links, merges, filter and page set-up.

CPU seconds (``time.process_time``), the best of ``--repeat`` runs (default 3; one for
the 50,000 rows), and the size of the file written.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = dt.date(2026, 11, 27)


def register_tables(outcome: Any) -> list[Any]:
    """The tables ``write_register`` saves for ``outcome`` (caught on their way out)."""
    from consolidate.writing import register

    caught: list[Any] = []
    saved = register.save_tables
    register.save_tables = lambda path, tables: caught.extend(tables)
    try:
        register.write_register(outcome, Path(tempfile.gettempdir()) / "unused.xlsx")
    finally:
        register.save_tables = saved
    return caught


def sample_outcome() -> Any:
    from consolidate.api import consolidate_inbox

    sample = ROOT / "sample_inputs"
    return consolidate_inbox(
        sample, as_of=AS_OF, baseline_path=sample / "_baseline" / "register-2025.xlsx",
        fastlist_path=sample / "_便捷通道" / "使用单位名单.xlsx",
    )  # fmt: skip


def big_outcome() -> Any:
    from consolidate.api import consolidate_inbox

    sys.path.insert(0, str(HERE))
    from generate import ensure_inputs

    form = ensure_inputs(log=lambda *_: None).big
    inbox = Path(tempfile.mkdtemp(prefix="writers."))
    shutil.copy2(form, inbox / form.name)  # a copy: the inbox skips links
    return consolidate_inbox(inbox, as_of=AS_OF)


# ---------------------------------------------------------------- openpyxl, public API only
def openpyxl_tables(path: Path, tables: Sequence[Any]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for table in tables:
        _openpyxl_table(wb, table)
    wb.save(path)


def _openpyxl_table(wb: Any, table: Any) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    from consolidate.writing import xlsx

    page = table.page
    widths = table.widths or xlsx.table_widths(table.header, table.rows, printed=page.printed)
    widths = page.fit(widths, table.rows)
    ws = wb.create_sheet(table.title)
    xlsx.set_widths(ws, widths)
    top = len(table.lines) + 1
    replace(page, title_rows=f"{top}:{top}").apply(ws)
    xlsx.freeze(ws, top, table.frozen_columns)
    printed = len(table.header) if page.printed is None else page.printed
    looks: dict[tuple, Any] = {}

    def styled(value: object, fill: str | None, kind: str) -> Any:
        look = looks.get((fill, kind))
        if look is None:  # each look set once through the public setters, then copied
            look = looks[(fill, kind)] = WriteOnlyCell(ws)
            look.alignment, look.border = xlsx.WRAP, xlsx.BOX
            if fill:
                look.fill = PatternFill("solid", fgColor=fill)
            if kind == "date":
                look.number_format = xlsx.DATE_FORMAT
            if kind == "link":
                look.font = xlsx.LINK_FONT
        cell = copy.copy(look)
        if isinstance(value, xlsx.Link):
            cell.value = value.text
            cell.hyperlink = Hyperlink(ref="A1", location=value.location)
        else:
            cell.value = value
        if isinstance(cell.value, str):
            cell.data_type = "s"
        return cell

    count = 0

    def line(text: str, font: Any = None) -> None:
        nonlocal count
        count += 1
        if printed > 1:
            ws.merged_cells.add(f"A{count}:{get_column_letter(printed)}{count}")
        cell = WriteOnlyCell(ws, xlsx.xlsx_text(text))
        cell.data_type, cell.alignment = "s", xlsx.TITLE_ALIGNMENT
        if font is not None:
            cell.font = font
        ws.row_dimensions[count].height = 2 * xlsx.LINE_POINTS + xlsx.ROW_PADDING
        ws.append([cell])

    for number, text in enumerate(table.lines):
        if text:
            line(text, xlsx.TITLE_FONT if number == 0 else None)
    header = []
    for label in table.header:
        cell = WriteOnlyCell(ws, label)
        cell.font, cell.fill = xlsx.HEADER_FONT, xlsx.HEADER_FILL
        cell.alignment, cell.border = xlsx.HEADER_ALIGNMENT, xlsx.BOX
        header.append(cell)
    count += 1
    ws.append(header)
    for row, fill in zip(table.rows, table.fills or [None] * len(table.rows), strict=True):
        if len(row) == 1 < len(table.header):
            line(str(row[0]))
            continue
        count += 1
        height = xlsx.row_height(row, widths)
        if height:
            ws.row_dimensions[count].height = height
        kinds = [
            "link" if isinstance(v, xlsx.Link) else "date" if isinstance(v, dt.date) else ""
            for v in row
        ]
        ws.append([styled(v, fill, k) for v, k in zip(row, kinds, strict=True)])
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(table.header))}{count}"
    if printed < len(table.header):
        ws.print_area = f"A1:{get_column_letter(printed)}{count}"


# ---------------------------------------------------------------- timing
def best(write: Callable[[Path, Sequence[Any]], None], tables: list[Any], repeat: int):
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.xlsx"
        for _ in range(repeat):
            start = time.process_time()
            write(path, tables)
            times.append(time.process_time() - start)
        size = path.stat().st_size
    return min(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-big", action="store_true", help="the sample's register only")
    parser.add_argument("--no-openpyxl", action="store_true", help="the tool's writer only")
    opts = parser.parse_args()

    import consolidate
    from consolidate.writing.paper import save_tables

    print(f"consolidate from {Path(consolidate.__file__).parent.parent}")
    cases = [("sample inbox", sample_outcome, opts.repeat)]
    if not opts.no_big:
        cases.append(("50,000-row roster", big_outcome, 1))
    writers = [("tool", save_tables)]
    if not opts.no_openpyxl:
        writers.append(("openpyxl write-only, public API", openpyxl_tables))
    print(f"{'register of':20} {'writer':32} {'rows':>7} {'CPU s':>7} {'KiB':>7}")
    for label, make, repeat in cases:
        tables = register_tables(make())
        rows = sum(len(t.rows) for t in tables)
        for name, write in writers:
            seconds, size = best(write, tables, repeat)
            print(f"{label:20} {name:32} {rows:7,} {seconds:7.2f} {size // 1024:7,}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
