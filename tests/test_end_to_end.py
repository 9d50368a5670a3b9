"""The main job over sample_inputs/, every output read back (issue 4's definition of done)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidate.cli import main

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "sample_inputs"
BASELINE = INBOX / "_baseline" / "register-2025.xlsx"
FASTLIST = INBOX / "_便捷通道" / "使用单位名单.xlsx"
# Findings on the reference files carry their path as given on the command line.
REFERENCES = {"_baseline/": str(BASELINE), "_便捷通道/": str(FASTLIST)}


def as_given(file: str | None) -> str | None:
    """A planted finding's file as the run names it (the reference files by their path)."""
    for folder, path in REFERENCES.items():
        if file and file.startswith(folder):
            return path
    return file


AS_OF_DATE = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    # A checkout's file times are arbitrary: the received date is given, as the golden
    # files do, so that no request is overdue by the clock of the machine.
    args = [
        "run",
        str(INBOX),
        "--out",
        str(out),
        "--as-of",
        "2026-11-26",
        "--received",
        "2026-11-23",
        "--baseline",
        str(BASELINE),
        "--fastlist",
        str(FASTLIST),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output  # the sample inbox has planted errors
    assert "Traceback" not in result.output
    return out


def test_every_planted_problem_is_found_at_its_cell(run):
    findings = json.loads((run / "findings.json").read_text(encoding="utf-8"))["findings"]
    found = {(f["file"], f["code"], f["cell"]) for f in findings}
    for planted in json.loads((INBOX / "expected_findings.json").read_text(encoding="utf-8")):
        assert (as_given(planted["file"]), planted["code"], planted["cell"]) in found, planted


def test_no_finding_beyond_the_planted_ones(run):
    findings = json.loads((run / "findings.json").read_text(encoding="utf-8"))["findings"]
    planted = {
        (as_given(p["file"]), p["code"])
        for p in json.loads((INBOX / "expected_findings.json").read_text(encoding="utf-8"))
    }
    extra = [
        (f["file"], f["code"]) for f in findings
        if f["code"] != "district-missing" and (f["file"], f["code"]) not in planted and not (f["file"] or "").endswith("register-2025.xlsx")
    ]  # fmt: skip
    assert extra == []
    assert [f["district"] for f in findings if f["code"] == "district-missing"] == ["崇明区"]


def test_superseded_file_problems_are_not_open(run):
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    superseded = [e["file"] for e in manifest["files"] if e["status"] == "superseded"]
    assert superseded == ["静安区/静安区附件2.xlsx"]
    findings = json.loads((run / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert {f["code"] for f in findings if f["file"] == superseded[0]} == {"submission-superseded"}


def test_the_e_mailed_request_is_read_and_the_rest_of_the_e_mail_listed(run):
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    mail = "奉贤区/关于奉贤区CCC免办系统账号调整的函.eml"
    status = {e["file"]: e["status"] for e in manifest["files"] if e["file"].startswith(mail)}
    assert status == {
        f"{mail}/奉贤区附件1.xlsx": "used",
        f"{mail}/（邮件正文）": "ignored",
        f"{mail}/账号调整申请（盖章扫描件）.pdf": "ignored",
    }


def test_register_rows_are_the_used_annex2_rows_minus_rejected(run):
    data = json.loads((run / "findings.json").read_text(encoding="utf-8"))
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    used = sum(
        s["rows"]
        for e in data["files"]
        if e["status"] == "used"
        for s in e["sheets"]
        if s["annex"] == 2
    )
    rejected = sum(
        s.get("rejected", 0)
        for e in manifest["files"]
        if e["status"] == "used"
        for s in e["sheets"]
        if s["annex"] == 2
    )
    sheet = openpyxl.load_workbook(run / "register.xlsx")["名册"]
    assert sheet.max_row - 1 == used - rejected and rejected == 1


def test_adjustments_carry_forward_by_dates(run):
    sheet = openpyxl.load_workbook(run / "adjustments.xlsx", read_only=True).worksheets[0]
    header = next(r for r in sheet.iter_rows(values_only=True) if r and "转报截止日期" in r)
    assert "收到日期" in header


def test_two_runs_are_byte_identical(run, tmp_path):
    args = [
        "run",
        str(INBOX),
        "--out",
        str(tmp_path),
        "--as-of",
        "2026-11-26",
        "--received",
        "2026-11-23",
        "--baseline",
        str(BASELINE),
        "--fastlist",
        str(FASTLIST),
    ]
    CliRunner().invoke(main, args)
    for name in ("findings.json", "manifest.json", "findings.csv"):
        assert (tmp_path / name).read_bytes() == (run / name).read_bytes(), name


CITY_CODES = {
    "phone-shared",
    "account-name-duplicate",
    "person-multi-district",
    "submission-superseded",
}
# Found only against the city's list of fast-channel users (run --fastlist).
FASTLIST_CODES = {"extension-not-listed", "new-already-listed", "permission-expiring"}
# Found only on an inbox, where what came with a file is known (a scan beside it).
INBOX_CODES = {"stamped-copy-missing"}
BASELINE_CODES = {
    "unreported-new-account",
    "unreported-removal",
    "unreported-function-change",
    "original-disagrees-baseline",
}
SAMPLE_FILES = sorted(
    p.relative_to(INBOX).as_posix()
    for p in INBOX.rglob("*.xls*")
    if not any(part.startswith("_") for part in p.relative_to(INBOX).parts)  # reference files
    and p.name != "静安区附件2.xlsx"  # the superseded one
)


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_check_each_sample_file_gives_its_planted_problems(name):
    """What a district sees before sending: its own planted problems, nothing on clean files."""
    from consolidate.api import check

    planted = json.loads((INBOX / "expected_findings.json").read_text(encoding="utf-8"))
    expected = sorted(
        (p["code"], p["cell"]) for p in planted
        if p["file"] == name
        and p["code"] not in CITY_CODES | BASELINE_CODES | FASTLIST_CODES | INBOX_CODES
    )  # fmt: skip
    outcome = check([INBOX / name], as_of=AS_OF_DATE, displays=[name])
    assert sorted((f.code, f.cell) for f in outcome.findings) == expected
