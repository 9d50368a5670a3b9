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
    # Before 11-30 the 15 districts that sent nothing yet are told the days left (info) …
    result = invoke("run", str(inbox), "--out", str(out), "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    names = {
        "register.xlsx",
        "adjustments.xlsx",
        "report.html",
        "findings.json",
        "findings.csv",
        "manifest.json",
        "ledger.sqlite",
    }
    assert names <= {p.name for p in out.iterdir()}
    assert "report.html" in result.output
    # … after it, district-missing is an error.
    result = invoke("run", str(inbox), "--out", str(out), "--as-of", "2026-12-01")
    assert result.exit_code == 1


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


# ---------------------------------------------------------------- argument errors
CLICK_ENGLISH = (
    "Usage:", "Error:", "Missing", "Invalid value", "No such", "Try ", "requires an argument",
    "is not one of", "Got unexpected", "File exists", "Aborted",
)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "收件箱"], "缺少选项 --out（输出文件夹）。"),
        (["chek", "x.xlsx"], "没有命令“chek”。可用的命令：check。"),
        (["template", "--annex", "3", "t.xlsx"], "--annex 的值“3”不正确：只能是 1、2。"),
        (
            ["check", "x.xlsx", "--format", "xml"],
            "--format 的值“xml”不正确：只能是 table、json、html。",
        ),
        (["check", "x.xlsx", "--bogus"], "没有选项 --bogus。"),
        (["run", "收件箱", "--out"], "选项 --out 后面要写一个值。"),
        (["check"], "缺少要检查的文件或文件夹（FILES）。"),
        (["run", "收件箱", "--out", "o", "--year", "明年"], "--year 的值“明年”不正确：应为整数。"),
        (["serve", "--port", "0"], "--port 的值“0”不正确：应在 1 到 65535 之间。"),
        (["template", "--annex", "1", "a.xlsx", "b.xlsx"], "多余的参数：b.xlsx。"),
        (
            ["check", "x.xlsx", "--as-of", "2026-13-45"],
            "--as-of 的值“2026-13-45”不正确：日期应写作",
        ),
    ],
)
def test_every_argument_error_is_chinese_with_exit_2(args: list[str], expected: str):
    result = invoke(*args)
    assert result.exit_code == 2
    assert f"错误：{expected}" in result.output
    assert "用法见 consolidate" in result.output
    assert not [word for word in CLICK_ENGLISH if word in result.output], result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "x.xlsx", "--format", "xml", "--lang", "en"],
         'Error: Invalid value "xml" for --format: must be one of table, json, html.'),
        (["run", "inbox", "--lang=en"], "Error: Missing option --out (output folder)."),
        (["template", "--annex", "1", "--lang", "en"], "Error: Missing the output file name (OUT)."),
    ],
)  # fmt: skip
def test_argument_errors_in_english_with_lang_en(args: list[str], expected: str):
    result = invoke(*args)
    assert result.exit_code == 2
    assert expected in result.output
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in result.output), result.output


def test_help_has_chinese_headings_and_examples():
    for args in (["--help"], ["check", "--help"], ["run", "--help"], ["template", "--help"]):
        result = invoke(*args)
        assert result.exit_code == 0
        assert "用法：consolidate" in result.output and "选项：" in result.output
        assert "示例：" in result.output
        assert not [w for w in ("Usage:", "Options:", "Show this message") if w in result.output]
    assert "[必填]" in invoke("run", "--help").output


def test_as_of_takes_the_dates_the_forms_accept(good: Path):
    for written in ("2026/11/27", "2026年11月27日", "2026-11-27"):
        result = invoke("check", str(good), "--format", "json", "--as-of", written)
        assert json.loads(result.output)["as_of"] == "2026-11-27"


# ---------------------------------------------------------------- outputs and folders
def test_check_output_and_template_create_a_missing_folder(bad: Path, tmp_path: Path):
    out = tmp_path / "新" / "结果" / "findings.json"
    result = invoke(
        "check", str(bad), "--format", "json", "--output", str(out), "--as-of", "2026-11-26"
    )
    assert result.exit_code == 1 and json.loads(out.read_text(encoding="utf-8"))["findings"]
    table = tmp_path / "另一个" / "问题.txt"
    assert invoke("check", str(bad), "--output", str(table), "--as-of", "2026-11-26").exit_code == 1
    assert "G5" in table.read_text(encoding="utf-8")
    form = tmp_path / "模板" / "附件2.xlsx"
    assert invoke("template", "--annex", "2", str(form)).exit_code == 0 and form.is_file()


def test_annotate_a_folder_gives_one_copy_per_input(tmp_path: Path):
    folder = tmp_path / "报送"
    write_annex(folder / "附件2.xlsx", 2, [BAD])
    xuhui = [GOOD[0], "上海市徐汇区市场监督管理局", *GOOD[2:]]
    write_annex(folder / "旧" / "附件2.xlsx", 2, [xuhui], unit="上海市徐汇区市场监督管理局")
    (folder / "坏.xlsx").write_bytes(b"not a workbook")
    copies = tmp_path / "标注" / "副本"
    result = invoke("check", str(folder), "--annotate", str(copies), "--as-of", "2026-11-26")
    assert result.exit_code == 1
    written = sorted(str(p.relative_to(copies)) for p in copies.rglob("*.xlsx"))
    assert written == ["旧/附件2（已标注）.xlsx", "附件2（已标注）.xlsx"]
    sheet = openpyxl.load_workbook(copies / "附件2（已标注）.xlsx")["附件2"]
    assert sheet["G5"].comment is not None
    assert "坏.xlsx：文件无法读取，未生成标注副本" in result.output


def test_annotate_one_name_for_a_folder_fails_before_checking(tmp_path: Path, monkeypatch):
    from consolidate import api

    folder = tmp_path / "报送"
    write_annex(folder / "附件2.xlsx", 2, [BAD])
    monkeypatch.setattr(api, "check", lambda *a, **k: pytest.fail("checked anyway"))
    result = invoke("check", str(folder), "--annotate", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2
    assert "请给一个文件夹，每个文件各写一份标注副本" in result.output


# ---------------------------------------------------------------- the terminal
def test_the_table_shows_the_suggestion(tmp_path: Path):
    row = [*GOOD[:5], "复核", *GOOD[6:]]
    path = write_annex(tmp_path / "黄浦区附件2.xlsx", 2, [row])
    for columns in ("160", "80"):  # a table when wide, one block per finding when narrow
        result = CliRunner(env={"COLUMNS": columns}).invoke(
            main, ["check", str(path), "--as-of", "2026-11-26"]
        )
        assert "建议改为" in result.output and "复审" in result.output
        assert all(len(line) <= int(columns) for line in result.output.splitlines())


def test_the_run_summary_never_wraps_inside_a_number(tmp_path: Path):
    from rich.cells import cell_len

    inbox = tmp_path / "inbox"
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, [BAD])
    result = CliRunner(env={"COLUMNS": "80"}).invoke(
        main, ["run", str(inbox), "--out", str(tmp_path / "out"), "--as-of", "2026-11-26"]
    )
    lines = result.output.splitlines()
    assert "文件：采用 1 个，被替代 0 个，无法读取 0 个，忽略 0 个" in lines
    assert "数据行：1 行" in lines
    # 15 districts missing, and the annex came without its stamped scan
    assert any(line.startswith("问题：错误 ") and line.endswith("提示 16") for line in lines)
    paths = ("  ", "报告：", "输出文件夹：")  # a path is never broken: it stays copyable
    assert all(cell_len(line) <= 80 for line in lines if not line.startswith(paths))
