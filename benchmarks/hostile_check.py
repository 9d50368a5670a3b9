#!/usr/bin/env python3
"""``consolidate check`` against every hostile shape of ``tests/hostile/`` (issue 13).

    .venv/bin/python benchmarks/hostile_check.py

Each shape (far cells in ten sheets as .xlsx and .xls, the shared-string bomb, long
strings in many .xls cells, broken compound files, a valid 50 000-row form with a finding
on every row) is written to a temporary folder and checked by a cold
``consolidate check FILE --format json``. Printed per shape: its size, the exit code, the
wall time and the peak resident memory of the command and its reading workers
(``ru_maxrss`` from ``os.wait4``: the largest of the process and the children it waited
for). The target: every input up to 10 MB under 600 MB and 30 s, exit 0 or 1 with JSON.
Exits 1 when a shape misses it. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
sys.path.insert(0, str(ROOT))

MAX_MB, MAX_SECONDS = 600, 30


def shapes() -> dict[str, tuple[str, bytes]]:
    import test_hostile_budget as budget  # the generators of the hostile tests
    from conftest import big_roster

    return {
        "far cells, 10 sheets (.xlsx)": ("远.xlsx", budget.far_cells_xlsx()),
        "far cells, 10 sheets (.xls)": ("远.xls", budget.far_cells_xls()),
        "shared-string bomb (.xlsx)": ("串.xlsx", budget.shared_string_bomb()),
        "long string in many cells (.xls)": ("串.xls", budget.xls_string_bomb()),
        **{
            f"compound file: {k}": (f"{i}.xls", make())
            for i, (k, make) in enumerate(budget.COMPOUND.items())
        },
        "50 000 rows, an error on every row": ("附件2.xlsx", big_roster(50_000, faulty=True)),
    }


def measure(path: Path) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak MB, stdout) of one cold ``consolidate check``."""
    command = [str(ROOT / ".venv" / "bin" / "consolidate"), "check", str(path), "--format", "json"]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024, text


def main() -> int:
    missed = []
    with tempfile.TemporaryDirectory(prefix="consolidate-hostile-") as tmp:
        for label, (name, data) in shapes().items():
            path = Path(tmp) / name
            path.write_bytes(data)
            code, seconds, peak, text = measure(path)
            try:
                json.loads(text)
                valid = True
            except ValueError:
                valid = False
            ok = code in (0, 1) and valid and peak < MAX_MB and seconds < MAX_SECONDS
            print(
                f"{'ok  ' if ok else 'MISS'} {label:<48} {len(data) / 1e3:>8.1f} KB  exit {code}"
                f"  {seconds:5.1f} s  {peak:6.0f} MB"
            )
            if not ok:
                missed.append(label)
    print(
        f"target: exit 0/1 with JSON, under {MAX_MB} MB and {MAX_SECONDS} s; missed: {len(missed)}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
