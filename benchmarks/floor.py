#!/usr/bin/env python3
"""The physical floor of a job: read every cell once with the fastest reader, write once.

Run as its own cold process by benchmarks/run.py, beside the tool, in the same run:

    python benchmarks/floor.py check FILE... OUT.json   # python_calamine + json
    python benchmarks/floor.py run INBOX OUTDIR         # python_calamine + openpyxl write-only

``check`` reads every cell of every sheet of the files and writes the rows as JSON
(the least a check that reports in JSON must do). ``run`` walks the inbox as the tool does
(every .xlsx/.xlsm/.xls below it, in path order), reads every cell of every sheet and
writes all rows once into one write-only .xlsx plus a small JSON manifest (the least a
run that writes a register must do). Nothing is validated, merged or formatted.
Only the imports the job needs are made, and nothing else.
"""

import sys


def read_all(path):
    """Every cell of every sheet of ``path`` as Python values (calamine)."""
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = []
    for name in workbook.sheet_names:
        rows.extend(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return rows


def _cell(value):
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def check(files, out):
    import json

    data = {str(path): [[_cell(v) for v in row] for row in read_all(path)] for path in files}
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)


def run(inbox, out_dir):
    import json
    import os

    from openpyxl import Workbook

    suffixes = (".xlsx", ".xlsm", ".xls")
    files = []
    for dirpath, dirnames, filenames in os.walk(inbox):
        dirnames.sort()
        files += [
            os.path.join(dirpath, n) for n in sorted(filenames) if n.lower().endswith(suffixes)
        ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("rows")
    manifest = []
    for path in files:
        rows = read_all(path)
        for row in rows:
            sheet.append([_cell(v) if v != "" else None for v in row])
        manifest.append({"file": os.path.relpath(path, inbox), "rows": len(rows)})
    os.makedirs(out_dir, exist_ok=True)
    workbook.save(os.path.join(out_dir, "rows.xlsx"))
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "check":
        check(args[:-1], args[-1])
    elif mode == "run":
        run(args[0], args[1])
    else:
        sys.exit(f"unknown mode {mode!r}")
