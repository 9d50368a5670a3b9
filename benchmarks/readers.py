#!/usr/bin/env python3
"""Issue 2: the chosen reader against openpyxl on the same files, in one warm process.

    python benchmarks/readers.py FILES.json RESULT.json

FILES.json is a list of [path, display]. Three passes over the files, imports done
before any clock starts:

* ``calamine``: python_calamine alone, every cell of every sheet (the raw reader);
* ``read_file``: ``consolidate.reading.read_file`` (calamine + recognising the forms:
  header, metadata, rows, merged cells, sha256), what the tool really does per file;
* ``openpyxl``: ``load_workbook(read_only=True, data_only=True)``, every cell of every
  sheet (.xlsx/.xlsm only: openpyxl cannot open .xls).

Each file is timed on its own, so the three compare on the same subset without a second pass.
"""

import contextlib
import json
import sys
import time
from pathlib import Path


def main() -> None:
    files = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    import openpyxl
    import python_calamine

    from consolidate.reading.workbook import read_file
    from consolidate.support.config import load_config

    config = load_config()
    xlsx = [(p, d) for p, d in files if p.lower().endswith((".xlsx", ".xlsm"))]
    result = {"files": len(files), "xlsx_files": len(xlsx), "cells": 0, "rows_read_file": 0}

    is_xlsx = [p.lower().endswith((".xlsx", ".xlsm")) for p, _ in files]

    def timed(read_one, subset):
        """Seconds per file and the count ``read_one`` returns, summed."""
        seconds, count = [], 0
        for path, display in subset:
            start = time.perf_counter()
            # The sample inbox has broken files on purpose: a reader that raises counts 0.
            with contextlib.suppress(Exception):
                count += read_one(path, display)
            seconds.append(time.perf_counter() - start)
        return seconds, count

    def calamine_one(path, display):
        cells = 0
        workbook = python_calamine.CalamineWorkbook.from_path(path)
        for name in workbook.sheet_names:
            for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False):
                cells += len(row)
        return cells

    def read_file_one(path, display):
        return sum(len(f.rows) for f in read_file(Path(path), display, config).forms)

    def openpyxl_one(path, display):
        cells = 0
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for sheet in workbook.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    cells += len(row)
        finally:
            workbook.close()
        return cells

    timed(read_file_one, files[:3])  # first-call costs (lazy imports, caches) out of the clock
    raw, result["cells"] = timed(calamine_one, files)
    forms, result["rows_read_file"] = timed(read_file_one, files)
    other, result["openpyxl_cells"] = timed(openpyxl_one, xlsx)
    result["calamine_all"], result["read_file_all"] = sum(raw), sum(forms)
    result["calamine_xlsx"] = sum(t for t, x in zip(raw, is_xlsx, strict=True) if x)
    result["read_file_xlsx"] = sum(t for t, x in zip(forms, is_xlsx, strict=True) if x)
    result["openpyxl_xlsx"] = sum(other)
    Path(sys.argv[2]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
