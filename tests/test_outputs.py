"""The outputs of a run: atomic writing, inert text, findings JSON/CSV, the manifest."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import sys
import types
from pathlib import Path

import pytest

import consolidate.writing.files as files_module
import consolidate.writing.outputs as outputs_module
from consolidate.api import consolidate_inbox
from consolidate.model.catalog import Catalog
from consolidate.model.finding import JSON_FIELDS, sort_findings
from consolidate.model.outcome import Outcome
from consolidate.support.errors import OutputError
from consolidate.writing import tables
from consolidate.writing.files import atomic_path, atomic_write_bytes
from consolidate.writing.outputs import OUTPUT_FILES, write_outputs
from consolidate.writing.tables import (
    findings_csv,
    findings_document,
    safe_text,
    write_findings_csv,
    write_findings_json,
    write_manifest,
)
from tests.helpers import AS_OF, CONFIG, HEADER_ROW, write_annex

ROOT_SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"

FIRST = HEADER_ROW + 1
HP, XH = "上海市黄浦区市场监督管理局", "上海市徐汇区市场监督管理局"


def a2(n: int, name: str, mobile: str, bureau: str = HP) -> list[object]:
    return [n, bureau, name, "认证科科长", f"user{n}_{mobile}", "复审、监管", mobile, None]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """A used roster, an older superseded one, an unreadable file and two ignored ones."""
    root = tmp_path / "inbox"
    write_annex(
        root / "黄浦区/附件2（旧）.xlsx", 2, [a2(1, "旧人", "13900000099")], date="2026年11月10日"
    )
    write_annex(
        root / "黄浦区/附件2.xlsx", 2, [a2(1, "张三", "13912340001"), a2(2, "李四", "1391234")]
    )
    write_annex(root / "徐汇区/附件2.xlsx", 2, [a2(1, "赵六", "13912340004", XH)], unit=XH)
    (root / "徐汇区/损坏.xlsx").write_bytes(b"not a workbook")
    (root / "徐汇区/~$附件2.xlsx").write_bytes(b"lock")
    (root / "徐汇区/来函.pdf").write_bytes(b"%PDF-1.4")
    return root


@pytest.fixture
def fake_report(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Stand in for consolidate.report (written separately) and record its calls."""
    calls: list[dict] = []

    def render_report(
        outcome: Outcome, *, lang: str = "zh", show_phones: bool = False, received=None
    ) -> str:
        calls.append({"lang": lang, "show_phones": show_phones})
        return "<!doctype html><html><body>报告</body></html>"

    module = types.ModuleType("consolidate.writing.report")
    module.render_report = render_report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "consolidate.writing.report", module)
    return calls


def run(inbox: Path) -> Outcome:
    return consolidate_inbox(inbox, as_of=AS_OF)


def with_findings(outcome: Outcome, *findings) -> Outcome:
    return dataclasses.replace(outcome, findings=sort_findings([*outcome.findings, *findings]))


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ---------------------------------------------------------------- atomic writing
def test_atomic_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert temp_files(tmp_path) == []


def test_a_writer_failing_midway_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "register.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half of the new")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"previous"
    assert temp_files(tmp_path) == []


def test_a_register_failing_midway_leaves_the_previous_file(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consolidate.writing import register

    target = tmp_path / "register.xlsx"
    target.write_bytes(b"previous")

    def boom(*args, **kwargs):
        raise RuntimeError("crash while building the rows")

    monkeypatch.setattr(register, "findings_rows", boom)
    with pytest.raises(RuntimeError):
        register.write_register(run(inbox), target)
    assert target.read_bytes() == b"previous"
    assert temp_files(tmp_path) == []


def test_a_full_disk_is_an_output_error_and_keeps_the_previous_file(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consolidate.writing.register import write_register

    target = tmp_path / "register.xlsx"
    target.write_bytes(b"previous")

    def full(path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files_module, "_flush_to_disk", full)  # after the workbook was saved
    with pytest.raises(OutputError, match="无法写入输出文件"):
        write_register(run(inbox), target)
    assert target.read_bytes() == b"previous"
    assert temp_files(tmp_path) == []


def test_write_outputs_all_or_nothing(
    inbox: Path, tmp_path: Path, fake_report: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    outcome = run(inbox)
    write_outputs(outcome, out)
    before = {name: (out / name).read_bytes() for name in OUTPUT_FILES}

    def boom(*args, **kwargs):
        raise RuntimeError("crash")

    monkeypatch.setattr(outputs_module, "findings_csv", boom)  # after register, report and JSON
    with pytest.raises(OutputError, match="findings.csv"):
        write_outputs(with_findings(outcome, _finding()), out)
    assert {name: (out / name).read_bytes() for name in OUTPUT_FILES} == before
    assert temp_files(out) == []


def test_write_outputs_writes_every_file(inbox: Path, tmp_path: Path, fake_report: list) -> None:
    out = tmp_path / "new" / "out"
    written = write_outputs(run(inbox), out, lang="en", show_phones=True)
    assert sorted(written) == sorted(OUTPUT_FILES)
    assert all(path.parent == out and path.stat().st_size > 0 for path in written.values())
    assert fake_report == [{"lang": "en", "show_phones": True}]
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert temp_files(out) == []


def test_unwritable_out_dir_is_an_output_error(inbox: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="无法创建输出文件夹"):
        write_outputs(run(inbox), blocker / "out")
    with pytest.raises(OutputError, match="无法写入输出文件"):
        write_findings_json(run(inbox), blocker / "findings.json")


def test_with_the_real_report(inbox: Path, tmp_path: Path) -> None:
    pytest.importorskip("consolidate.writing.report")
    written = write_outputs(run(inbox), tmp_path / "out")
    assert "<html" in written["report.html"].read_text(encoding="utf-8").lower()


# ---------------------------------------------------------------- inert text
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张三", "张三"),
        ("13912340001", "13912340001"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_text(value: object, expected: str) -> None:
    assert safe_text(value) == expected


def _finding(value: str = '=HYPERLINK("http://x","y")', row: int = FIRST):
    return Catalog(CONFIG).make(
        "name-suspicious", file="黄浦区/附件2.xlsx", sheet="附件2", row=row, col=3,
        column="账号使用人姓名", value=value, person=value, district="黄浦区", annex=2,
        reason="letters",
    )  # fmt: skip


def test_csv_cells_never_start_a_formula(inbox: Path, tmp_path: Path) -> None:
    texts = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]
    outcome = with_findings(run(inbox), *(_finding(t, FIRST + i) for i, t in enumerate(texts)))
    path = tmp_path / "findings.csv"
    write_findings_csv(outcome, path)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    ours = [r for r in rows if r[0] == "name-suspicious"]
    assert sorted(r[7] for r in ours) == sorted("'" + t for t in texts)  # 填写内容
    assert sorted(r[10] for r in ours) == sorted("'" + t for t in texts)  # 账号使用人
    assert all(not cell.startswith(tables.FORMULA_STARTS) for r in rows for cell in r)


# ---------------------------------------------------------------- findings JSON and CSV
def test_findings_json_is_the_contract_and_byte_identical(inbox: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    write_findings_json(with_findings(run(inbox), _finding()), first)
    write_findings_json(with_findings(run(inbox), _finding()), second)
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(findings_document(with_findings(run(inbox), _finding()))))
    assert data["tool"] == "consolidate" and data["as_of"] == "2026-11-26"
    assert first.read_bytes().endswith(b"}\n") and "张三".encode() not in b"\\u"


def test_findings_csv_matches_the_json(inbox: Path, tmp_path: Path) -> None:
    outcome = with_findings(run(inbox), _finding("李四", FIRST + 1))
    path = tmp_path / "findings.csv"
    write_findings_csv(outcome, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(tables.FINDING_HEADERS["zh"].values())
    assert rows[0][:3] == ["规则代码", "严重程度", "文件"]
    labels = {"error": "错误", "warning": "警告", "info": "提示"}
    expected = [
        ["" if v is None else str(v) for v in (f[k] for k in JSON_FIELDS)]
        for f in findings_document(outcome)["findings"]
    ]
    for row in expected:  # the severity in Chinese under Chinese headers
        row[1] = labels[row[1]]
    assert rows[1:] == expected


def test_findings_csv_in_english(inbox: Path) -> None:
    outcome = with_findings(run(inbox), _finding("李四"))
    rows = list(csv.reader(io.StringIO(findings_csv(outcome, "en").decode("utf-8-sig"))))
    assert rows[0] == list(JSON_FIELDS)
    ours = next(r for r in rows if r[0] == "name-suspicious")
    assert ours[1] == "warning"
    assert (
        ours[11]
        == outcome.findings[[f.code for f in outcome.findings].index("name-suspicious")].message_en
    )


# ---------------------------------------------------------------- manifest
def test_manifest_lists_every_input(inbox: Path, tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_manifest(run(inbox), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    files = {f["file"]: f for f in data["files"]}
    assert {name: f["status"] for name, f in files.items()} == {
        "黄浦区/附件2.xlsx": "used",
        "黄浦区/附件2（旧）.xlsx": "superseded",
        "徐汇区/附件2.xlsx": "used",
        "徐汇区/损坏.xlsx": "unreadable",
        "徐汇区/~$附件2.xlsx": "ignored",
        "徐汇区/来函.pdf": "ignored",
    }
    old = files["黄浦区/附件2（旧）.xlsx"]
    assert old["superseded_by"] == "黄浦区/附件2.xlsx"
    assert old["sheets"] == [
        {"sheet": "附件2", "annex": 2, "district": "黄浦区", "rows": 1, "rejected": 0,
         "nonempty_rows": 2, "other_rows": 1, "outside_rows": 0,  # the notes line
         "status": "superseded", "superseded_by": "黄浦区/附件2.xlsx"},
    ]  # fmt: skip
    used = files["黄浦区/附件2.xlsx"]
    source = inbox / "黄浦区/附件2.xlsx"
    assert used["size"] == source.stat().st_size and len(used["sha256"]) == 64
    assert used["sheets"][0]["rows"] == 2 and used["superseded_by"] is None
    assert files["徐汇区/损坏.xlsx"]["sheets"] == []
    assert data["summary"] == {
        "files": 6, "used": 2, "superseded": 1, "unreadable": 1, "ignored": 2,
        "rows": 4, "rows_used": 3, "rows_rejected": 0, "rows_outside": 0,
    }  # fmt: skip


def test_manifest_is_deterministic_and_holds_no_local_paths(inbox: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "m1.json", tmp_path / "m2.json"
    write_manifest(run(inbox), first)
    write_manifest(run(inbox), second)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert str(tmp_path) not in text and str(Path.home()) + "/" not in text
    assert json.loads(text)["as_of"] == "2026-11-26"


def test_two_runs_give_identical_json_outputs(
    inbox: Path, tmp_path: Path, fake_report: list
) -> None:
    one = write_outputs(run(inbox), tmp_path / "one")
    two = write_outputs(run(inbox), tmp_path / "two")
    for name in ("findings.json", "manifest.json", "findings.csv"):
        assert one[name].read_bytes() == two[name].read_bytes(), name


def test_a_failing_writer_is_an_output_error_and_keeps_the_old_outputs(tmp_path, monkeypatch):
    import consolidate.writing.adjustments as register_module
    import consolidate.writing.outputs as outputs_module
    from consolidate.api import consolidate_inbox
    from consolidate.support.errors import OutputError

    outcome = consolidate_inbox(ROOT_SAMPLE, as_of=AS_OF)
    out = tmp_path / "out"
    outputs_module.write_outputs(outcome, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(register_module, "write_adjustments", broken)
    with pytest.raises(OutputError, match="adjustments.xlsx.*disk gone"):
        outputs_module.write_outputs(outcome, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_output_open_in_excel_stops_the_run_before_anything_is_replaced(tmp_path, monkeypatch):
    """Windows cannot replace a workbook open in Excel/WPS: found at the end, half the
    outputs would be new. Simulated: opening register.xlsx for writing is refused."""
    import consolidate.writing.outputs as outputs_module
    from consolidate.api import consolidate_inbox

    outcome = consolidate_inbox(ROOT_SAMPLE, as_of=AS_OF)
    out = tmp_path / "out"
    outputs_module.write_outputs(outcome, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_open = os.open

    def locked(path, flags, *args, **kwargs):
        if Path(path).name == "register.xlsx" and flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(outputs_module.os, "open", locked)
    with pytest.raises(OutputError, match="register.xlsx.*Excel/WPS"):
        outputs_module.write_outputs(outcome, out)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
