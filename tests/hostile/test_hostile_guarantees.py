"""The guarantees of issue 6: inputs untouched, atomic outputs, deterministic outputs, no
tracebacks (every failure a Chinese message and exit 2, or a finding), and a reader that
never raises on random bytes or random valid-but-weird workbooks.

"Nothing lost" (every row in an output or rejected with a reason, the report's accounting
adding up) is checked by ``conftest.run_inbox`` on every inbox of this suite.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import (
    AS_OF,
    OUTPUTS,
    UNIT,
    Raw,
    a1_values,
    a2_values,
    annex_grid,
    annex_xlsx,
    big_roster,
    cli,
    district_inbox,
    run_inbox,
    sheet_xml,
    snapshot,
    write,
    xlsx_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolidate.checks import evaluate
from consolidate.reading.workbook import read_bytes
from consolidate.support.config import load_config

CONFIG = load_config()
CJK = re.compile(r"[\u4e00-\u9fff]")
SCRIPT = Path(sys.executable).parent / "consolidate"


# ---------------------------------------------------------------- inputs untouched
def _check_file(inbox: Path) -> Path:
    rows = [a2_values(1), a2_values(2, name="张伟2", mobile="1381234567", post="=科员")]
    return write(inbox / "黄浦区" / "附件2.xlsx", annex_xlsx(2, rows))


@pytest.mark.parametrize("fmt", ["table", "json", "html"])
def test_check_with_annotate_leaves_the_input_untouched(tmp_path: Path, fmt: str) -> None:
    inbox = tmp_path / "inbox"
    path = _check_file(inbox)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = snapshot(inbox)
    annotated = tmp_path / "标注.xlsx"
    ran = cli("check", path, "--format", fmt, "--annotate", annotated, "--as-of", AS_OF)
    assert ran.code == 1, ran.output
    assert snapshot(inbox) == before
    assert annotated.is_file()
    openpyxl.load_workbook(annotated).close()


def test_annotate_onto_the_input_itself_is_refused(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    path = _check_file(inbox)
    before = snapshot(inbox)
    ran = cli("check", path, "--annotate", path, "--as-of", AS_OF)
    assert snapshot(inbox) == before, "--annotate overwrote the district's file"
    assert ran.code == 2 and CJK.search(ran.output)


def test_run_with_out_inside_the_inbox_leaves_the_inputs_untouched(tmp_path: Path) -> None:
    """Outputs written into the inbox (a folder starting with _) are not read back."""
    inbox = district_inbox(tmp_path / "inbox")
    before = snapshot(inbox)
    for _ in range(2):
        ran = cli("run", inbox, "--out", inbox / "_输出", "--as-of", AS_OF)
        assert ran.code in (0, 1), ran.output
        inputs = {k: v for k, v in snapshot(inbox).items() if not bytes.fromhex(k).startswith(b"_")}
        assert inputs == before
    manifest = json.loads((inbox / "_输出" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["file"] for e in manifest["files"]) == [
        "黄浦区/附件1.xlsx",
        "黄浦区/附件2.xlsx",
    ]


# ---------------------------------------------------------------- atomic outputs
def _complete(out: Path) -> dict[str, bytes]:
    """Every output, each checked to be a whole file."""
    found = {}
    for name in OUTPUTS:
        data = (out / name).read_bytes()
        if name.endswith(".json"):
            json.loads(data)
        elif name.endswith(".csv"):
            data.decode("utf-8-sig")
        elif name.endswith(".html"):
            assert data.rstrip().endswith(b"</html>")
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                assert archive.testzip() is None
        found[name] = data
    return found


def test_a_run_killed_while_writing_leaves_whole_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small = district_inbox(tmp_path / "small")
    run_inbox(small, out)
    previous = _complete(out)
    big = tmp_path / "big"
    for i, district in enumerate(("黄浦区", "静安区", "徐汇区", "长宁区")):
        write(big / district / "附件2.xlsx", big_roster(3000 + i))
    killed = False
    for _attempt in range(3):
        process = subprocess.Popen(
            [str(SCRIPT), "run", str(big), "--out", str(out), "--as-of", AS_OF],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if any(p.name.endswith(".tmp") for p in out.iterdir()):
                process.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.002)
        process.wait(timeout=60)
        if killed:
            break
    assert killed, "the run finished before it could be killed while writing"
    now = _complete(out)
    assert set(now) == set(OUTPUTS)
    kept = [name for name in OUTPUTS if now[name] == previous[name]]
    assert kept, "no previous output survived the kill"
    for name in OUTPUTS:  # each file is the previous one or the new one, never partial
        assert now[name] == previous[name] or name not in kept
    # The ledger (and SQLite's journal, which rolls the killed run back) are no outputs;
    # the reply drafts' folder, when the small run wrote one, is whole (a folder's swap).
    ledger = {"ledger.sqlite", "ledger.sqlite-journal", "回执"}
    leftovers = [p.name for p in out.iterdir() if p.name not in OUTPUTS and p.name not in ledger]
    # A killed process cannot remove its temporary files; they are hidden (.name.tmp).
    assert all(p.startswith(".") and p.endswith(".tmp") for p in leftovers), leftovers
    rerun = run_inbox(small, out)
    assert rerun.ran.code in (0, 1)


# ---------------------------------------------------------------- deterministic outputs
def test_same_inputs_give_byte_identical_json_and_csv(tmp_path: Path) -> None:
    inbox = district_inbox(tmp_path / "inbox", people=4)
    write(inbox / "静安区" / "附件2.xlsx", annex_xlsx(2, [a2_values(1, name="李四")]))
    write(inbox / "坏" / "截断.xlsx", annex_xlsx(2, [a2_values(1)])[:500])
    copy = tmp_path / "elsewhere" / "收件箱"
    shutil.copytree(inbox, copy)
    runs = [
        run_inbox(inbox, tmp_path / "out1", "--year", "2026"),
        run_inbox(inbox, tmp_path / "out2", "--year", "2026"),
        run_inbox(copy, tmp_path / "out3", "--year", "2026"),
    ]
    for name in ("findings.json", "findings.csv", "manifest.json"):
        contents = {(r.out / name).read_bytes() for r in runs}
        assert len(contents) == 1, name
    assert str(tmp_path) not in (runs[0].out / "manifest.json").read_text(encoding="utf-8")


# ---------------------------------------------------------------- no tracebacks
FAILURES = {
    "missing inbox": ["run", "{tmp}/没有这个文件夹", "--out", "{tmp}/out"],
    "out is a file": ["run", "{inbox}", "--out", "{inbox}/黄浦区/附件2.xlsx"],
    "out below a file": ["run", "{inbox}", "--out", "{inbox}/黄浦区/附件2.xlsx/out"],
    "missing baseline": ["run", "{inbox}", "--out", "{tmp}/out", "--baseline", "{tmp}/无.xlsx"],
    "baseline not a workbook": ["run", "{inbox}", "--out", "{tmp}/out", "--baseline", "{tmp}/假.xlsx"],
    "missing file": ["check", "{tmp}/没有.xlsx"],
    "bad date": ["check", "{inbox}/黄浦区/附件2.xlsx", "--as-of", "2026-13-45"],
    "annotate two files": ["check", "{inbox}/黄浦区/附件2.xlsx", "{inbox}/黄浦区/附件1.xlsx", "--annotate", "{tmp}/a.xlsx"],
    "output below a file": ["check", "{inbox}/黄浦区/附件2.xlsx", "--format", "json", "--output", "{inbox}/黄浦区/附件1.xlsx/x.json"],
    "run without --out": ["run", "{inbox}"],
    "unknown annex": ["template", "--annex", "3", "{tmp}/t.xlsx"],
    "unknown district": ["template", "--annex", "2", "--district", "火星区", "{tmp}/t.xlsx"],
}  # fmt: skip


@pytest.mark.parametrize("case", list(FAILURES))
def test_every_failure_is_a_chinese_message_and_exit_2(case: str, tmp_path: Path) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    write(tmp_path / "假.xlsx", b"not a workbook")
    args = [a.format(tmp=tmp_path, inbox=inbox) for a in FAILURES[case]]
    before = snapshot(inbox)
    ran = cli(*args)
    assert ran.code == 2, ran.output
    assert CJK.search(ran.output), ran.output
    assert "Traceback" not in ran.output
    assert snapshot(inbox) == before


# ---------------------------------------------------------------- the reader never raises
SUFFIXES = st.sampled_from([*CONFIG.settings.inbox.spreadsheet_suffixes, ".txt", ""])
HOSTILE = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _assert_read(data: bytes, suffix: str):
    """Whatever the bytes, the file is accounted for: unreadable with the one finding that
    says why, or read into forms, sheets it ignores and findings on this file only."""
    name = f"黄浦区/附件{suffix}"
    result = read_bytes(data, name)
    codes = [f.code for f in result.findings]
    assert set(codes) <= set(CONFIG.rules), codes
    assert {f.file for f in result.findings} <= {name}, result.findings
    if result.unreadable:
        assert codes == ["file-unreadable"] and result.forms == [], codes
    else:
        assert "file-unreadable" not in codes
        # Nothing read and nothing said is a file dropped in silence.
        assert result.forms or result.ignored_sheets or "annex-unrecognized" in codes, codes
    return result


@HOSTILE
@given(
    st.one_of(
        st.binary(max_size=4096),
        st.binary(max_size=2048).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=2048).map(lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b),
    ),
    SUFFIXES,
)
def test_random_bytes_never_raise(data: bytes, suffix: str) -> None:
    _assert_read(data, suffix)


_VALID = annex_xlsx(2, [a2_values(i) for i in range(1, 6)])


@HOSTILE
@given(st.lists(st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)), max_size=8))
def test_damaged_workbooks_never_raise(flips: list[tuple[int, int]]) -> None:
    data = bytearray(_VALID)
    for at, value in flips:
        data[at] = value
    _assert_read(bytes(data), ".xlsx")


TEXT = st.text(st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFFF), max_size=40).map(
    lambda s: "".join(c for c in s if c in "\t\n\r" or ord(c) >= 0x20)
)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(
        ["王建华", "复审、监管", "13900000001", "初审\n复审", "=1+1", "XX", "202X年X月X日"]
    ),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.sampled_from(
        [
            Raw('<c r="REF" t="e"><v>#N/A</v></c>'),
            Raw('<c r="REF" t="e"><v>#SPILL!</v></c>'),
            Raw('<c r="REF"><f>A1</f></c>'),
            Raw('<c r="REF" t="str"><f>A1</f><v>x</v></c>'),
            Raw('<c r="REF" t="s"><v>0</v></c>'),
            Raw('<c r="REF" t="s"><v>99</v></c>'),
            Raw('<c r="REF" t="d"><v>2026-11-20T00:00:00</v></c>'),
            Raw('<c r="REF" s="1"><v>46346</v></c>'),
            Raw('<c r="REF" t="n"><v>1e308</v></c>'),
            Raw('<c r="REF" t="b"><v>2</v></c>'),
            Raw('<c r="REF" t="inlineStr"><is><r><t>王</t></r><r><t>建华</t></r></is></c>'),
            Raw('<c r="REF" s="1"/>'),
        ]
    ),
)
ROWS = st.lists(st.lists(CELL, max_size=12), max_size=12)
MERGE = st.tuples(st.integers(1, 30), st.integers(1, 12), st.integers(0, 4), st.integers(0, 3)).map(
    lambda m: f"{chr(64 + m[1])}{m[0]}:{chr(64 + min(26, m[1] + m[3]))}{m[0] + m[2]}"
)
SHEET_NAME = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="[]:*?/\\"),
    min_size=1,
    max_size=31,
)


@st.composite
def weird_workbooks(draw) -> bytes:
    sheets = []
    names = draw(st.lists(SHEET_NAME, min_size=1, max_size=3, unique_by=str.casefold))
    for name in names:
        annex = draw(st.sampled_from([None, 1, 2]))
        rows = draw(ROWS)
        if annex == 1:
            rows = annex_grid(1, [a1_values(1), *rows], unit=UNIT, date=draw(CELL))
        elif annex == 2:
            rows = annex_grid(2, [a2_values(1), *rows], unit=UNIT, date=draw(CELL))
        first = draw(st.integers(1, 3))
        merges = draw(st.lists(MERGE, max_size=4))
        dimension = draw(st.sampled_from([None, "A1", "A1:XFD1048576", "B2:A1", "junk"]))
        sheets.append((name, sheet_xml(rows, first_row=first, merges=merges, dimension=dimension)))
    hidden = draw(st.lists(st.sampled_from(names), max_size=1))
    return xlsx_bytes(sheets, shared=draw(st.sampled_from([None, ["王建华"], []])), hidden=hidden)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weird_workbooks())
def test_weird_valid_workbooks_never_raise(data: bytes) -> None:
    result = _assert_read(data, ".xlsx")
    for form in result.forms:
        assert all(row.number > form.header_row for row in form.rows)
    # The rules must survive whatever the reader lets through.
    evaluate([result], config=CONFIG, as_of=dt.date.fromisoformat(AS_OF))
