#!/usr/bin/env python3
"""`make bench`: the tool against the physical floor, measured side by side (issue #7).

    .venv/bin/python benchmarks/run.py [--only 1,3] [--repeat N] [--no-peer] [--no-profile]

For each scenario the tool runs as a cold process (the installed ``consolidate`` script),
and so does its floor: ``benchmarks/floor.py``, which imports only what the job needs,
reads every cell once with python-calamine and writes the rows once (JSON for a check,
one write-only .xlsx for a run). Both are measured in this run, on this machine, so the
ratio tool/floor means the same on any machine. ``frictionless validate`` runs on the
same files as the peer a data engineer would reach for.

Wall time: median of ``--repeat`` runs (default 5) for the short scenarios, one run for
the big ones. Peak memory: ``ru_maxrss`` of that very child (``os.wait4``). Inputs come
from benchmarks/generate.py (cached under $TMPDIR). Scenario (3) runs under the
sampling profiler of benchmarks/sampler.py (< 1 % overhead); its top entries are printed
and written to benchmarks/last_profile.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
BIN = Path(PY).parent
CONSOLIDATE = str(BIN / "consolidate")
FRICTIONLESS = BIN / "frictionless"
AS_OF = "2026-11-26"
SAMPLE = ROOT / "sample_inputs"
BUDGET_S = 300
GIB = 1024

sys.path.insert(0, str(HERE))
from generate import ensure_inputs  # noqa: E402


# ---------------------------------------------------------------- measuring a cold process
@dataclass
class Run:
    wall: float  # median seconds
    rss: float  # peak MiB (max over the repeats)
    code: int
    stderr: str = ""
    walls: list[float] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.code not in (0, 1)


def _once(
    cmd: list[str], env: dict[str, str] | None, cwd: Path | None
) -> tuple[float, float, int, str]:
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return wall, usage.ru_maxrss / 1024, proc.returncode, text


def measure(
    commands: dict[str, list[str] | None], repeat: int = 1, env=None, cwd=None
) -> dict[str, Run]:
    """Run each command ``repeat`` times, interleaved (tool, floor, peer, tool, …)."""
    samples: dict[str, list] = {name: [] for name, cmd in commands.items() if cmd}
    for _ in range(repeat):
        for name, cmd in commands.items():
            if cmd:
                samples[name].append(_once(cmd, env, cwd))
    runs = {}
    for name, got in samples.items():
        walls = [g[0] for g in got]
        runs[name] = Run(
            statistics.median(walls), max(g[1] for g in got), got[-1][2], got[-1][3], walls
        )
    return runs


def env_with(**extra: str) -> dict[str, str]:
    """This environment without a stray $CONSOLIDATE_SCHEMAS, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "CONSOLIDATE_SCHEMAS"}
    env.update(extra)
    return env


# ---------------------------------------------------------------- the peer
def peer_available() -> bool:
    return FRICTIONLESS.is_file()


def frictionless_cmd(files: list[Path], workdir: Path, name: str) -> list[str] | None:
    """``frictionless validate`` of the files: one file directly, many as one data package."""
    if not peer_available():
        return None
    xlsx = [f for f in files if f.suffix.lower() in (".xlsx", ".xlsm")]
    if len(xlsx) == 1:
        return [str(FRICTIONLESS), "validate", "--trusted", "--header-rows", "4", str(xlsx[0])]
    descriptor = workdir / f"{name}.datapackage.json"
    resources = [
        {"name": f"r{i:05d}", "path": str(f), "format": "xlsx", "dialect": {"headerRows": [4]}}
        for i, f in enumerate(xlsx)
    ]
    descriptor.write_text(
        json.dumps({"name": name, "resources": resources}, ensure_ascii=False), encoding="utf-8"
    )
    return [str(FRICTIONLESS), "validate", "--trusted", str(descriptor)]


# ---------------------------------------------------------------- scenarios
@dataclass
class Row:
    label: str
    tool: Run | None = None
    floor: Run | None = None
    peer: Run | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.tool and self.floor and self.floor.wall > 0:
            return self.tool.wall / self.floor.wall
        return None

    @property
    def peer_ratio(self) -> float | None:
        if self.tool and self.peer and self.tool.wall > 0:
            return self.peer.wall / self.tool.wall
        return None


def spreadsheets(folder: Path) -> list[Path]:
    """The workbooks the tool would read (any depth), in path order, like api.discover."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.lower().endswith((".xlsx", ".xlsm", ".xls")) and not name.startswith(
                ("~$", ".")
            ):
                found.append(Path(dirpath) / name)
    return found


def judge(
    row: Row, *, floor_at_most: float | None = None, peer_at_least: float | None = None
) -> None:
    """Met when within ``floor_at_most`` x the floor, ``peer_at_least`` x faster than
    frictionless (when it ran) and under 1 GiB; the note names what failed."""
    failed = []
    if floor_at_most is not None and (row.ratio is None or row.ratio > floor_at_most):
        failed.append("time")
    slow = row.peer is not None and (row.peer_ratio or 0) < (peer_at_least or 0)
    if peer_at_least is not None and slow:
        failed.append("vs frictionless")
    if row.tool is None or row.tool.rss >= GIB:
        failed.append("memory")
    row.met = not failed
    if failed:
        row.note = "fails: " + ", ".join(failed) + row.note
    fail_note(row)


def fail_note(row: Row) -> None:
    for who in ("tool", "floor"):
        run = getattr(row, who)
        if run and run.failed:
            tail = run.stderr.strip().splitlines()[-3:]
            row.note += f" {who} exited {run.code}: {' | '.join(tail)}"
            row.met = False


def check_commands(form: Path, work: Path, tag: str, peer: bool) -> dict[str, list[str] | None]:
    """`consolidate check` of one workbook, its floor and its peer, as commands."""
    tool = [CONSOLIDATE, "check", str(form), "--format", "json"]
    tool += ["--output", str(work / f"check{tag}.json"), "--as-of", AS_OF]
    floor = [PY, str(HERE / "floor.py"), "check", str(form), str(work / f"floor{tag}.json")]
    return {
        "tool": tool,
        "floor": floor,
        "peer": frictionless_cmd([form], work, f"form{tag}") if peer else None,
    }


def scenario_check_small(inputs, work: Path, repeat: int, peer: bool) -> list[Row]:
    cmds = check_commands(inputs.small, work, "20", peer)
    runs = measure(cmds, repeat, env=env_with())
    row = Row(
        "(1) check 20-row file, cold, --format json",
        runs["tool"],
        runs["floor"],
        runs.get("peer"),
        "no slower than frictionless, < 1 GiB",
    )
    judge(row, peer_at_least=1.0)
    table = measure(
        {"tool": [CONSOLIDATE, "check", str(inputs.small), "--as-of", AS_OF]},
        min(repeat, 3),
        env=env_with(),
    )
    info = Row("(1b) same, default table output", table["tool"], runs["floor"], None, "(info)")
    fail_note(info)
    return [row, info]


def scenario_sample(work: Path, repeat: int, peer: bool) -> list[Row]:
    files = spreadsheets(SAMPLE) if SAMPLE.is_dir() else []
    if not files:
        return [
            Row(
                "(2) run 16-district sample inbox",
                target="(info)",
                note="skipped: sample_inputs/ has no workbooks yet (scripts/make_sample_inputs.py)",
            )
        ]
    out = work / "out-sample"
    cmd = [CONSOLIDATE, "run", str(SAMPLE), "--out", str(out), "--as-of", AS_OF]
    baseline = SAMPLE / "_baseline" / "register-2025.xlsx"
    if baseline.is_file():
        cmd += ["--baseline", str(baseline)]
    cmds = {
        "tool": cmd,
        "floor": [PY, str(HERE / "floor.py"), "run", str(SAMPLE), str(work / "floor-sample")],
        "peer": frictionless_cmd(files, work, "sample") if peer else None,
    }
    runs = measure(cmds, max(1, min(repeat, 3)), env=env_with())
    # Issue 28: `check` validates as frictionless does; measured against it on the same
    # .xlsx/.xlsm files (frictionless reads no .xls), `run` beside it for information.
    books = [f for f in files if f.suffix.lower() != ".xls"]
    check = [CONSOLIDATE, "check", *map(str, books), "--format", "json"]
    check += ["--output", str(work / "check-sample.json"), "--as-of", AS_OF]
    checks = measure(
        {"tool": check, "peer": frictionless_cmd(books, work, "sample-check") if peer else None},
        max(1, min(repeat, 3)),
        env=env_with(),
    )
    checked = Row(
        "(2) check the sample inbox's .xlsx/.xlsm",
        checks["tool"],
        None,
        checks.get("peer"),
        "no slower than frictionless, < 1 GiB",
        note=f"; {len(books)} workbooks",
    )
    judge(checked, peer_at_least=1.0)
    xls = sum(1 for f in files if f.suffix.lower() == ".xls")
    note = f"{len(files)} workbooks" + (
        f"; frictionless on the {len(files) - xls} .xlsx/.xlsm only" if xls and peer else ""
    )
    row = Row(
        "(2b) run 16-district sample inbox",
        runs["tool"],
        runs["floor"],
        runs.get("peer"),
        "(info: run writes every output)",
        None,
        note,
    )
    fail_note(row)
    return [checked, row]


def _require_everything_read(manifest: Path) -> None:
    """A run that could not read its inputs would look fast: refuse to report it."""
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    unreadable = [f["file"] for f in files if f["status"] == "unreadable"]
    if unreadable:
        raise SystemExit(
            f"bench: {len(unreadable)} national workbooks were unreadable, e.g. {unreadable[0]}"
        )


def scenario_national(
    inputs, work: Path, peer: bool, profile: bool
) -> tuple[list[Row], Path | None]:
    out = work / "out-national"  # fresh: a run keeps its request ledger in its folder
    args = ["run", str(inputs.inbox), "--out", str(out), "--as-of", AS_OF]
    prof = work / "profile-national.json"
    tool = [PY, str(HERE / "sampler.py"), str(prof), *args] if profile else [CONSOLIDATE, *args]
    env = env_with(CONSOLIDATE_SCHEMAS=str(inputs.schemas))
    runs = measure(
        {
            "tool": tool,
            "floor": [
                PY,
                str(HERE / "floor.py"),
                "run",
                str(inputs.inbox),
                str(work / "floor-national"),
            ],
        },
        1,
        env=env,
    )
    _require_everything_read(out / "manifest.json")
    peer_run = None
    if peer:
        files = spreadsheets(inputs.inbox)
        peer_run = measure({"peer": frictionless_cmd(files, work, "national")}, 1)["peer"]
    row = Row(
        f"(3) run national inbox ({inputs.national_files:,} wb, {inputs.national_rows:,} rows)",
        runs["tool"],
        runs["floor"],
        peer_run,
        "<= 3x floor, >= 3x faster than frictionless, < 1 GiB",
    )
    judge(row, floor_at_most=3.0, peer_at_least=3.0)
    if profile:
        row.note += " (ran under the 200 Hz sampler)"
    return [row], (prof if profile and prof.is_file() else None)


def scenario_big(inputs, work: Path, peer: bool) -> list[Row]:
    cmds = check_commands(inputs.big, work, "50k", peer)
    runs = measure(cmds, 1, env=env_with())
    row = Row(
        "(4) check one 50,000-row workbook, --format json",
        runs["tool"],
        runs["floor"],
        runs.get("peer"),
        "<= 3x floor, >= 1.5x faster than frictionless, < 1 GiB",
    )
    judge(row, floor_at_most=3.0, peer_at_least=1.5)
    return [row]


def scenario_city(inputs, work: Path) -> list[Row]:
    """(6) A city's year: 16 rosters x 4,000 people and 2,000 Annex 1 files (stock schemas/)."""
    out = work / "out-city"  # fresh: a run keeps its request ledger in its folder
    runs = measure(
        {
            "tool": [CONSOLIDATE, "run", str(inputs.city), "--out", str(out), "--as-of", AS_OF],
            "floor": [
                PY,
                str(HERE / "floor.py"),
                "run",
                str(inputs.city),
                str(work / "floor-city"),
            ],
        },
        1,
        env=env_with(),
    )
    _require_everything_read(out / "manifest.json")
    # No frictionless here: the issue sets no target against it, and it would add minutes.
    row = Row(
        f"(6) run a city ({inputs.city_files:,} wb, {inputs.city_rows:,} rows)",
        runs["tool"],
        runs["floor"],
        None,
        "<= 3x floor, < 1 GiB",
    )
    judge(row, floor_at_most=3.0)
    return [row]


FAULTY_ROWS, FAULTY_SECONDS, FAULTY_MIB = 50_000, 30.0, 600


def scenario_faulty(work: Path) -> list[Row]:
    """(7) Issue 28: the hostile budget's roster (tests/hostile: 50,000 rows, a mobile one
    digit short on every row) checked in <= 30 s and <= 600 MB, command and workers."""
    sys.path.insert(0, str(ROOT / "tests" / "hostile"))
    sys.path.insert(0, str(ROOT))
    from conftest import big_roster  # the hostile tests' own generator

    form = work / "附件2.xlsx"
    form.write_bytes(big_roster(FAULTY_ROWS, faulty=True))
    out = work / "check-faulty.json"
    tool = [CONSOLIDATE, "check", str(form), "--format", "json", "--output", str(out)]
    run = measure({"tool": [*tool, "--as-of", AS_OF]}, 1, env=env_with())["tool"]
    found = len(json.loads(out.read_text(encoding="utf-8"))["findings"]) if out.is_file() else 0
    row = Row(
        f"(7) check a {FAULTY_ROWS:,}-row roster with {found:,} findings",
        run,
        None,
        None,
        f"<= {FAULTY_SECONDS:.0f} s, <= {FAULTY_MIB} MiB",
    )
    row.met = run.wall <= FAULTY_SECONDS and run.rss <= FAULTY_MIB
    fail_note(row)
    return [row]


def scenario_help(repeat: int) -> list[Row]:
    runs = measure(
        {"tool": [CONSOLIDATE, "--help"], "floor": [PY, "-c", "pass"]},
        max(repeat, 5),
        env=env_with(),
    )
    row = Row(
        "(5) consolidate --help (floor: bare python)",
        runs["tool"],
        runs["floor"],
        None,
        "< 0.1 s absolute",
    )
    row.met = runs["tool"].wall < 0.1 and runs["tool"].code == 0
    fail_note(row)
    return [row]


# ---------------------------------------------------------------- cold imports (reference)
IMPORTS = [
    ("bare python", "pass", 12),
    ("python_calamine", "import python_calamine", 11),
    ("jinja2", "import jinja2", 57),
    ("openpyxl", "import openpyxl", 220),
    ("pandas", "import pandas", 400),
    ("pandera.pandas", "import pandera.pandas", 620),
    ("consolidate.cli (--help path)", "import consolidate.cli", None),
    ("check path: api + rules", "import consolidate.api, consolidate.checks", None),
    ("run path: + outputs, register, report, terminal",
     "import consolidate.api, consolidate.checks, consolidate.writing.outputs, consolidate.writing.register, consolidate.writing.report, consolidate.ui.terminal", None),
]  # fmt: skip


def cold_imports(repeat: int) -> list[tuple[str, float, int | None]]:
    rows = []
    for label, stmt, ref in IMPORTS:
        run = measure({"x": [PY, "-c", stmt]}, min(repeat, 3), env=env_with())["x"]
        rows.append((label, run.wall * 1000 if not run.failed else float("nan"), ref))
    return rows


# ---------------------------------------------------------------- issue 2: readers
def reader_comparison(files: list[Path], root: Path, work: Path, label: str, env=None) -> str:
    listing = work / f"readers-{label}.json"
    listing.write_text(
        json.dumps([[str(f), f.relative_to(root).as_posix()] for f in files]), encoding="utf-8"
    )
    result_path = work / f"readers-{label}-result.json"
    run = measure(
        {"x": [PY, str(HERE / "readers.py"), str(listing), str(result_path)]},
        1,
        env=env or env_with(),
    )["x"]
    if run.failed or not result_path.is_file():
        return f"  {label}: readers.py failed ({run.stderr.strip().splitlines()[-1:]})"
    r = json.loads(result_path.read_text())
    speed = r["openpyxl_xlsx"] / r["read_file_xlsx"] if r["read_file_xlsx"] else float("nan")
    raw = r["openpyxl_xlsx"] / r["calamine_xlsx"] if r["calamine_xlsx"] else float("nan")
    return (
        f"  {label}: {r['files']} files ({r['xlsx_files']} .xlsx/.xlsm), {r['cells']:,} cells, {r['rows_read_file']:,} form rows\n"
        f"    all files : read_file (calamine + forms) {r['read_file_all']:.3f} s | raw python_calamine {r['calamine_all']:.3f} s\n"
        f"    .xlsx/.xlsm: read_file {r['read_file_xlsx']:.3f} s | raw calamine {r['calamine_xlsx']:.3f} s | "
        f"openpyxl read-only {r['openpyxl_xlsx']:.3f} s  -> openpyxl is {speed:.1f}x read_file, {raw:.1f}x raw calamine"
    )


# ---------------------------------------------------------------- the profile
def format_profile(path: Path, command: str, top: int = 15) -> tuple[str, str]:
    """(the top ``top`` cumulative consolidate entries, the full text for last_profile.txt)."""
    data = json.loads(path.read_text())
    cpu = data["cpu"] or 1e-9
    pkg = str(ROOT / "consolidate")

    def name(entry) -> str:
        filename, line, func = entry[0], entry[1], entry[2]
        if filename.startswith(str(ROOT)):
            filename = os.path.relpath(filename, ROOT)
        elif "site-packages/" in filename:
            filename = filename.split("site-packages/", 1)[1]
        return f"{filename}:{func} (l.{line})"

    def table(entries, count, title) -> list[str]:
        lines = [title, f"  {'cum s':>7} {'%cpu':>6}  function"]
        for entry in entries[:count]:
            lines.append(f"  {entry[3]:7.2f} {100 * entry[3] / cpu:5.1f}%  {name(entry)}")
        return lines

    own = [e for e in data["inclusive"] if e[0].startswith(pkg)]
    self_by = {(e[0], e[1], e[2]): e[3] for e in data["self"]}
    ours = table(own, top, f"Top {top} cumulative entries of the consolidate package (scenario 3):")
    head = [
        f"Profile of: {command}",
        f"wall {data['wall']:.2f} s, CPU {data['cpu']:.2f} s, {data['samples']} samples every {data['interval'] * 1000:.0f} ms of CPU "
        "(benchmarks/sampler.py: inclusive = CPU time with the function on the stack)",
        "",
    ]
    full = head + table(own, 40, "Top 40 cumulative, consolidate package:")
    full += ["", "  (self time of the same entries)"]
    full += [f"  {self_by.get((e[0], e[1], e[2]), 0.0):7.2f}  {name(e)}" for e in own[:40]]
    full += [""] + table(
        data["self"], 40, "Top 40 self time, all modules (where the CPU actually is):"
    )
    full += [""] + table(data["inclusive"], 60, "Top 60 cumulative, all modules:")
    return "\n".join(ours), "\n".join(full) + "\n"


# ---------------------------------------------------------------- printing
def fmt_s(run: Run | None) -> str:
    if run is None:
        return "-"
    return f"{run.wall:.3f}" if run.wall < 10 else f"{run.wall:.1f}"


def print_table(rows: list[Row]) -> None:
    head = [
        "scenario",
        "tool s",
        "floor s",
        "ratio",
        "peak MiB",
        "target",
        "met?",
        "frictionless s",
        "tool faster",
    ]
    cells = []
    for r in rows:
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        cells.append([
            r.label, fmt_s(r.tool), fmt_s(r.floor), f"{r.ratio:.2f}x" if r.ratio else "-",
            f"{r.tool.rss:.0f}" if r.tool else "-", r.target, met, fmt_s(r.peer),
            f"{r.peer_ratio:.1f}x" if r.peer_ratio else "-",
        ])  # fmt: skip
    widths = [max(len(str(c[i])) for c in [head, *cells]) for i in range(len(head))]
    line = " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    print(line)
    print("-" * len(line))
    for c in cells:
        print(" | ".join(str(v).ljust(w) for v, w in zip(c, widths, strict=True)))
    notes = [(r.label.split(")")[0] + ")", r.note.strip()) for r in rows if r.note.strip()]
    for label, note in notes:
        print(f"  {label} {note}")
    floors = [(r.label.split(")")[0] + ")", r.floor.rss) for r in rows if r.floor and r.tool]
    print("  floor peak MiB: " + ", ".join(f"{k} {v:.0f}" for k, v in floors))
    spreads = [
        f"{r.label.split(')')[0]})  tool {min(r.tool.walls):.3f}-{max(r.tool.walls):.3f}"
        + (f", floor {min(r.floor.walls):.3f}-{max(r.floor.walls):.3f}" if r.floor else "")
        for r in rows
        if r.tool and len(r.tool.walls) > 1
    ]
    if spreads:
        print("  spread of the repeated runs (min-max s): " + "; ".join(spreads))


def load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="1,2,3,4,5,6,7", help="scenarios to run, e.g. 1,5")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of the short scenarios (median)"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip frictionless")
    parser.add_argument(
        "--no-profile", action="store_true", help="run scenario 3 without the sampler"
    )
    parser.add_argument(
        "--no-extras", action="store_true", help="skip the import table and the reader comparison"
    )
    opts = parser.parse_args()
    only = {s.strip() for s in opts.only.split(",")}
    start = time.perf_counter()
    peer = not opts.no_peer and peer_available()
    if not opts.no_peer and not peer:
        print(
            "note: frictionless is not installed in this venv (pip install frictionless): the peer column is skipped"
        )

    inputs = ensure_inputs()
    print(
        f"inputs: {inputs.root} (national: {inputs.national_files:,} workbooks, {inputs.national_rows:,} rows)"
    )
    # Warm the page cache and the .pyc files so that no measured process pays for them.
    for path in [
        inputs.small,
        inputs.big,
        *spreadsheets(inputs.inbox),
        *spreadsheets(inputs.city),
        *(spreadsheets(SAMPLE) if SAMPLE.is_dir() else []),
    ]:
        path.read_bytes()
    subprocess.run(
        [PY, "-c", IMPORTS[-1][1] + ", python_calamine, openpyxl, click"],
        check=False,
        env=env_with(),
    )
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; as-of {AS_OF}; {load()}\n")

    work = Path(tempfile.mkdtemp(prefix="consolidate-bench-run."))
    rows: list[Row] = []
    profile_text = ""
    try:
        if not opts.no_extras:
            print(
                "Cold imports (median of 3 fresh `python -c 'import …'`, ms; issue's reference in brackets):"
            )
            for label, ms, ref in cold_imports(opts.repeat):
                print(f"  {label:<52} {ms:7.0f}" + (f"   [{ref}]" if ref else ""))
            print()
        if "1" in only:
            rows += scenario_check_small(inputs, work, opts.repeat, peer)
        if "2" in only:
            rows += scenario_sample(work, opts.repeat, peer)
        if "3" in only:
            national, prof = scenario_national(inputs, work, peer, not opts.no_profile)
            rows += national
            if prof:
                command = f"consolidate run <national inbox> --out DIR --as-of {AS_OF}"
                profile_text, full = format_profile(prof, command)
                (HERE / "last_profile.txt").write_text(full, encoding="utf-8")
        if "4" in only:
            rows += scenario_big(inputs, work, peer)
        if "5" in only:
            rows += scenario_help(opts.repeat)
        if "6" in only:
            rows += scenario_city(inputs, work)
        if "7" in only:
            rows += scenario_faulty(work)

        print(
            "Scenarios (tool and floor are cold processes measured in this run; ratio = tool / floor):"
        )
        print_table(rows)
        if not opts.no_extras:
            print(
                "\nReading the inputs (issue 2): the chosen reader against openpyxl, same files, one warm process:"
            )
            sample_files = spreadsheets(SAMPLE) if SAMPLE.is_dir() else []
            if sample_files:
                print(reader_comparison(sample_files, SAMPLE, work, "sample inbox"))
            else:
                print("  sample inbox: skipped (sample_inputs/ has no workbooks yet)")
            subset = spreadsheets(inputs.inbox)[::10]
            national_env = env_with(CONSOLIDATE_SCHEMAS=str(inputs.schemas))
            print(
                reader_comparison(
                    subset, inputs.inbox, work, "national inbox, every 10th workbook", national_env
                )
            )
        if profile_text:
            print()
            print(profile_text)
            print(f"  (full profile: {os.path.relpath(HERE / 'last_profile.txt', Path.cwd())})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - start
    failed = [r.label.split(")")[0] + ")" for r in rows if r.met is False]
    print(f"\nTargets not met: {', '.join(failed) if failed else 'none'}")
    print(f"{load()} at the end (other processes on this machine make every figure noisier)")
    print(f"bench took {total:.0f} s ({'within' if total <= BUDGET_S else 'OVER'} the {BUDGET_S} s budget"
          f"{f'; inputs generated in {inputs.seconds:.0f} s' if inputs.seconds else ''})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
