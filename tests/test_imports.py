"""Cold start: a command imports only what it uses (issue 18).

``consolidate --help`` and the check of a small file start in a fraction of a second
because they import neither the writers, the web page, jinja2, nor pandas and pandera
(a few rows are judged in plain Python). Timings are measured in benchmarks/; here the
import set is asserted, so that a module-level import cannot bring them back unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import a2_row, keys, write_annex

# Run the CLI in a fresh interpreter and list, at exit, every module it imported.
PROBE = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
from consolidate.cli import main
sys.argv = ["consolidate", *sys.argv[1:]]
main()
"""
HEAVY = ["pandas", "pandera", "numpy", "jinja2", "openpyxl", "flask", "werkzeug", "docx", "lxml"]
OURS = [
    "consolidate.writing.outputs", "consolidate.writing.register",
    "consolidate.writing.adjustments", "consolidate.writing.report",
    "consolidate.writing.annotate", "consolidate.ui.server", "consolidate.ledger",
]  # fmt: skip


def imported(*args: str, cwd) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def unwanted(modules: set[str], names: list[str]) -> list[str]:
    return sorted(m for m in modules for n in names if m == n or m.startswith(n + "."))


def test_help_imports_nothing_it_does_not_show(tmp_path):
    modules = imported("--help", cwd=tmp_path)
    assert "consolidate.cli" in modules
    assert unwanted(modules, [*HEAVY, *OURS, "consolidate.api", "consolidate.checks"]) == []


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_check_of_a_small_file_imports_no_writer_and_no_pandas(tmp_path, fmt):
    path = tmp_path / "附件2.xlsx"
    write_annex(path, 2, [[a2_row(n)[k] for k in keys(2)] for n in range(1, 21)])
    modules = imported("check", str(path), "--format", fmt, "--as-of", "2026-11-26", cwd=tmp_path)
    assert "consolidate.checks.rows" in modules  # the rules did run
    assert unwanted(modules, [*HEAVY, *OURS]) == []


@pytest.mark.parametrize("big", [False, True])
def test_pandas_is_imported_ahead_only_for_an_input_big_enough_to_need_it(tmp_path, big):
    # what api.check runs while the workers read: the import then costs no time
    code = f"""
import json, sys
from consolidate.checks.rows import VECTOR_LIKELY_BYTES, prepare
prepare(VECTOR_LIKELY_BYTES - {0 if big else 1})
print(json.dumps([m for m in ("pandas", "pandera") if m in sys.modules]))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == (["pandas", "pandera"] if big else [])
