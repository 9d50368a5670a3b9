"""The tool's own failures (exit 2) are worded in schemas/messages.toml, in both languages."""

from __future__ import annotations

import ast
import pickle
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from consolidate.cli import main
from consolidate.support.config import DEFAULT_SCHEMAS, SCHEMAS_ENV, load_config
from consolidate.support.errors import ConfigError, ConsolidateError, InputError, LedgerError
from consolidate.support.messages import tool_message

PACKAGE = Path(__file__).resolve().parent.parent / "consolidate"
MESSAGES = load_config(DEFAULT_SCHEMAS).messages


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _raisers() -> set[str]:
    """ConsolidateError and every subclass of it defined in the package."""
    names = {"ConsolidateError"}
    classes = [
        node
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    for _ in range(3):  # subclasses of subclasses
        names |= {c.name for c in classes if {_name(b) for b in c.bases} & names}
    return names


RAISERS = _raisers()
NAMERS = RAISERS | {"refuse", "say"}  # the CLI prints a message by its key


def _uses() -> list[tuple[str, str, set[str]]]:
    """Every message the code names: (where, key, the parameters it passes)."""
    uses = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name, key = _name(node.func), node.args[0]
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            if name in NAMERS:
                assert isinstance(key, ast.Constant), f"{where}: a message key, not a sentence"
                params = {k.arg for k in node.keywords if k.arg and k.arg != "err"}  # say's
                uses.append((where, key.value, params))
            elif name == "tool_message" and isinstance(key, ast.Constant):
                given = node.args[2]
                assert isinstance(given, ast.Dict), f"{where}: parameters as a dict literal"
                uses.append((where, key.value, {k.value for k in given.keys}))  # type: ignore[union-attr]
    return uses


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_the_code_names_exists_in_both_languages_with_its_parameters():
    assert {"ConfigError", "OutputError", "InputError", "LedgerError", "LedgerLocked"} < RAISERS
    uses = _uses()
    assert len(uses) > 40  # the scan finds the raise sites
    for where, key, params in uses:
        assert key in MESSAGES, f"{where}: {key} is not in schemas/messages.toml"
        entry = MESSAGES[key]
        assert _fields(entry.zh) == _fields(entry.en) == params, f"{where}: {key}"


def test_every_message_is_used_by_the_code():
    used = {key for _, key, _ in _uses()}
    assert set(MESSAGES) - used == set()


def test_no_failure_is_worded_in_python():
    """A raise with a sentence instead of a key would print Chinese under --lang en."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in RAISERS and node.args:
                key = node.args[0]
                assert isinstance(key, ast.Constant) and key.value.isascii(), (path, node.lineno)


def test_languages_differing_in_parameters_is_a_config_error(tmp_path: Path):
    shutil.copytree(DEFAULT_SCHEMAS, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "messages.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("找不到文件：{path}", "找不到文件：{file}"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "messages.toml 中 messages.file-missing" in str(caught.value)
    assert "两种语言的参数应相同" in str(caught.value)
    assert caught.value.text("en").startswith(f"the configuration in {tmp_path} is wrong")


def test_parameters_are_worded_per_language():
    error = InputError("baseline-no-header", path="名册.xlsx", rows=10, names=["姓名", "手机号码"])
    assert "包含附件2的列（至少姓名、手机号码" in str(error)
    assert "(at least 姓名, 手机号码, and" in error.text("en")
    quoted = ConsolidateError("annotation-failed", reason=LedgerError("ledger-foreign", path="x"))
    assert quoted.text("en") == (
        "no annotated copy (x is not this tool's ledger (it is another SQLite database);"
        " it was neither used nor changed)"
    )


def test_a_failure_survives_a_workers_pipe():
    error = pickle.loads(pickle.dumps(InputError("file-missing", path="a.xlsx")))
    assert type(error) is InputError and error.text("en") == "file not found: a.xlsx"


def test_a_key_missing_everywhere_still_says_something():
    assert tool_message("no-such-key", "en", {"path": "a"}) == "no-such-key: {'path': 'a'}"


def test_a_configuration_without_messages_is_reported_from_the_defaults(tmp_path, monkeypatch):
    """An older exported schemas/ folder lacks messages.toml: still a worded failure."""
    shutil.copytree(DEFAULT_SCHEMAS, tmp_path, dirs_exist_ok=True)
    (tmp_path / "messages.toml").unlink()
    monkeypatch.setenv(SCHEMAS_ENV, str(tmp_path))
    result = CliRunner().invoke(main, ["check", "nothere.xlsx", "--lang", "en"])
    assert result.exit_code == 2
    assert (
        result.output == f"Error: a configuration file is missing: {tmp_path / 'messages.toml'}\n"
    )


# ---------------------------------------------------------------- the command line
@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["check", "nothere.xlsx"], "错误：找不到文件：nothere.xlsx", "Error: file not found: nothere.xlsx"),
        (["run", "{tmp}/nonexist", "--out", "{tmp}/o"], "错误：找不到收件文件夹：{tmp}/nonexist",
         "Error: inbox folder not found: {tmp}/nonexist"),
        (["forward", "{tmp}"], "错误：找不到台账文件：{tmp}/ledger.sqlite（请先用 consolidate run 汇总收件）",
         "Error: ledger file not found: {tmp}/ledger.sqlite (run consolidate run on the inbox first)"),
        (["template", "{tmp}/a.xlsx"], "错误：请用 --annex 1|2 或 --form recommend 指定一种表格",
         "Error: name one form: --annex 1|2 or --form recommend"),
        (["template", "--annex", "1", "--district", "东湖区", "{tmp}/a.xlsx"], "错误：“东湖区”不是已配置的区（可选：黄浦区、",
         'Error: "东湖区" is not a configured district (one of 黄浦区, '),
    ],
)  # fmt: skip
def test_the_tools_failures_speak_the_users_language(tmp_path: Path, args, zh: str, en: str):
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    for lang, expected in (("zh", zh), ("en", en)):
        result = CliRunner().invoke(main, [*args, "--lang", lang])
        assert result.exit_code == 2, result.output
        assert result.output.startswith(expected.replace("{tmp}", str(tmp_path)))
        assert "Traceback" not in result.output
        if lang == "en":  # the only Chinese left is what the user typed or configured
            assert "错误" not in result.output and "找不到" not in result.output


def test_the_english_table_has_ascii_punctuation(tmp_path: Path):
    from tests.helpers import write_annex
    from tests.test_cli import BAD

    bad = write_annex(tmp_path / "黄浦区附件2-错.xlsx", 2, [BAD])
    lines = {}
    for lang in ("zh", "en"):
        out = tmp_path / f"table-{lang}.txt"
        args = ["check", str(bad), "--as-of", "2026-11-26", "--output", str(out)]
        assert CliRunner().invoke(main, [*args, "--lang", lang]).exit_code == 1
        lines[lang] = out.read_text(encoding="utf-8").splitlines()
    assert f"{bad}  (data rows 1)" in lines["en"]
    assert "  must be corrected before sending: error 1, warning 0, info 0" in lines["en"]
    assert f"{bad}  （数据行 1）" in lines["zh"]
    assert "  需要修改后再报送：错误 1，警告 0，提示 0" in lines["zh"]


def test_forward_says_what_it_did_in_the_users_language(tmp_path: Path):
    (tmp_path / "inbox").mkdir()
    out = str(tmp_path / "out")
    ran = CliRunner().invoke(
        main, ["run", str(tmp_path / "inbox"), "--out", out, "--as-of", "2026-11-26"]
    )
    assert ran.exit_code == 0, ran.output
    said = {
        # A past day: no batch is dated after today (the guarded todays start 2026-11-10).
        lang: CliRunner().invoke(main, ["forward", out, "--date", "2026-11-09", "--lang", lang])
        for lang in ("zh", "en")
    }
    assert said["zh"].output == (
        "已标记报送 0 条申请（报送日期 2026-11-09）。\n没有待报送的申请（已报送的不会重复报送）。\n"
    )
    assert said["en"].output == (
        "Forwarded 0 request(s) on 2026-11-09.\n"
        "Nothing to forward (requests already forwarded are not sent again).\n"
    )
