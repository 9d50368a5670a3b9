"""The command line as a district clerk and the city office use it: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidate.cli import main
from tests.helpers import write_annex

GOOD = [
    1,
    "上海市黄浦区市场监督管理局",
    "王建华",
    "认证科科长",
    "hp_wjh",
    "复审、监管",
    "13900000001",
    "",
]
BAD = [
    1,
    "上海市黄浦区市场监督管理局",
    "王建华",
    "认证科科长",
    "hp_wjh",
    "复审、监管",
    "1390000000",
    "",
]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_annex(tmp_path / "黄浦区附件2.xlsx", 2, [GOOD])


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return write_annex(tmp_path / "黄浦区附件2-错.xlsx", 2, [BAD])


def test_check_clean_file_exits_0_and_says_so(good: Path):
    result = invoke("check", str(good), "--as-of", "2026-11-26")
    assert result.exit_code == 0
    assert "未发现问题，可以报送" in result.output


def test_check_faulty_file_exits_1_with_the_cell_and_the_fix(bad: Path):
    result = invoke("check", str(bad), "--as-of", "2026-11-26")
    assert result.exit_code == 1
    assert "G5" in result.output and "需要修改后再报送" in result.output


def test_check_json_is_the_contract(bad: Path):
    result = invoke("check", str(bad), "--format", "json", "--as-of", "2026-11-26", "--lang", "en")
    data = json.loads(result.output)
    assert [(f["code"], f["cell"]) for f in data["findings"]] == [("phone-invalid", "G5")]
    assert data["findings"][0]["message"].startswith("The mobile")
    assert result.exit_code == 1


def test_check_annotate_writes_a_marked_copy_and_leaves_the_input(bad: Path, tmp_path: Path):
    before = bad.read_bytes()
    out = tmp_path / "标注.xlsx"
    result = invoke("check", str(bad), "--annotate", str(out), "--as-of", "2026-11-26")
    assert result.exit_code == 1 and bad.read_bytes() == before
    sheet = openpyxl.load_workbook(out)["附件2"]
    assert sheet["G5"].comment is not None


def test_template_command_writes_a_form(tmp_path: Path):
    out = tmp_path / "附件1.xlsx"
    result = invoke("template", "--annex", "1", "--district", "黄浦", str(out))
    assert result.exit_code == 0 and out.is_file()
    assert invoke("template", "--annex", "1", "--district", "东湖区", str(out)).exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["run", "/nonexistent-inbox", "--out", "/tmp/x"],
        ["check", "/nonexistent.xlsx"],
        ["check", "x.xlsx", "--as-of", "26/11/2026"],
    ],
)
def test_failures_are_chinese_and_exit_2(args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output)
    assert "Traceback" not in result.output


def test_run_writes_every_output(tmp_path: Path):
    inbox = tmp_path / "inbox"
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, [GOOD])
    out = tmp_path / "out"
    result = invoke("run", str(inbox), "--out", str(out), "--as-of", "2026-11-26")
    assert result.exit_code == 1  # 15 districts sent nothing: district-missing is an error
    names = {
        "register.xlsx",
        "adjustments.xlsx",
        "report.html",
        "findings.json",
        "findings.csv",
        "manifest.json",
    }
    assert names <= {p.name for p in out.iterdir()}
    assert "report.html" in result.output


def test_a_gbk_console_gets_the_table_not_a_traceback(good: Path, bad: Path):
    """Office PCs run cmd.exe in GBK: every character printed must survive it."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    for path, code, expected in ((good, 0, "√ 未发现问题"), (bad, 1, "G5")):
        command = [
            sys.executable,
            "-m",
            "consolidate.cli",
            "check",
            str(path),
            "--as-of",
            "2026-11-26",
        ]
        done = subprocess.run(command, env=env, capture_output=True, timeout=120)
        output = done.stdout.decode("gbk") + done.stderr.decode("gbk")
        assert done.returncode == code and "Traceback" not in output
        assert expected in output


def test_check_a_folder_checks_every_workbook_in_it(tmp_path: Path):
    folder = tmp_path / "报送"
    write_annex(folder / "附件2.xlsx", 2, [BAD])
    (folder / "来函.pdf").write_bytes(b"%PDF-1.4")
    result = invoke("check", str(folder), "--format", "json", "--as-of", "2026-11-26")
    data = json.loads(result.output)
    assert [f["file"] for f in data["files"]] == [f"{folder}/附件2.xlsx"]
    assert [(f["code"], f["cell"]) for f in data["findings"]] == [("phone-invalid", "G5")]
