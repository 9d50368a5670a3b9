"""schemas/ is checked at load: a mis-edit names the file, the key and the problem in Chinese."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from consolidate.support.config import DEFAULT_SCHEMAS, Config, Limits, Rule, load_config
from consolidate.support.errors import ConfigError


def edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of schemas/ with one text replaced in ``name``.toml (it must occur once)."""
    folder = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS, folder)
    path = folder / f"{name}.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


MIS_EDITS = [
    # (file, old text, new text, what the message must say)
    ("settings", "max_sheets = 50\n", "", ["settings.toml", "limits.max_sheets", "缺少此项"]),
    ("settings", "max_sheets = 50", 'max_sheets = "50个"', ["limits.max_sheets", "应为整数", "'50个'"]),
    ("settings", "max_sheets = 50", "max_sheet = 50", ["limits.max_sheet", "不认识此项"]),
    ("settings", 'rollup_month_day = "11-30"', 'rollup_month_day = "11月30日"', ["rollup_month_day", "月-日"]),
    ("rules", 'severity = "info"\nscope = "file"\nsource = "city"', 'severity = "notice"\nscope = "file"\nsource = "city"',
     ["rules.toml", "rules.submission-superseded.severity", "'error', 'warning', 'info'", "'notice'"]),
    ("rules", 'en = "{annex_title} has no data rows."\n', "", ["rules.annex-empty.en", "缺少此项"]),
    ("rules", 'source = "tool"\nzh = "文件无法读取', 'source = "tools"\nzh = "文件无法读取',
     ["rules.file-unreadable.source", "“tools”不在已配置的范围内"]),
    ("rules", "“{column}”未填写。{hint}", "“{column未填写。{hint}", ["rules.required-missing.zh", "花括号"]),
    ("rules", 'warning = { zh = "警告", en = "warning" }\n', "", ["severities.warning", "缺少此项"]),
    ("vocabularies", 'patterns = ["XX", ', 'patterns = ["XX(", ',
     ["vocabularies.toml", "placeholders.patterns（第1个）", "不是有效的正则表达式"]),
    ("vocabularies", '"复核" = "复审"', '"复核" = "复查"', ["functions.suggest.复核", "“复查”不在已配置的范围内"]),
    ("forms", 'name = "填报单位"\n', "", ["forms.toml", "meta.unit.name", "缺少此项"]),
    ("forms", '[[annex1.columns]]\nkey = "seq"', "[[annex1.columns]]\nkey = 1", ["annex1.columns（第1个）.key", "应为文字"]),
    ("posts", '"复审" = "section_level_civil_servant"', '"复审" = "section_level"',
     ["posts.toml", "requirements.复审", "“section_level”不在已配置的范围内"]),
    ("districts", 'name = "黄浦区"\naliases = ["黄浦"]\nrollup = true',
     'name = "黄浦区"\naliases = "黄浦"\nrollup = true', ["district（第1个）.aliases", "应为列表"]),
    ("vocabularies", 'conflicting = [["初审", "复审"]]', 'conflicting = [["初审", "复核"]]',
     ["functions.conflicting（第1个）", "“复核”不在已配置的范围内"]),
    ("vocabularies", 'remove = "减少功能"', 'remove = "增加功能"', ["adjustments", "不能相同"]),
    ("vocabularies", 'remove = "减少功能"\n', "", ["adjustments.remove", "缺少此项"]),
    ("districts", 'area_code = "021"', 'area_code = "021-"', ["city.area_code", "应只含数字"]),
    ("forms", 'required = ["name", "mobile", "functions"]', 'required = ["name", "mobile", "function"]',
     ["baseline.required", "“function”不在已配置的范围内"]),
    ("posts", 'accepts = ["section_or_above"]', 'accepts = ["section"]', ["levels.section_level_civil_servant.accepts"]),
    ("forms", 'required_cells = ["name", "post", "mobile", "account", "functions"]',
     'required_cells = ["name", "post", "mobile", "acount", "functions"]', ["annex2.required_cells", "“acount”"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "old", "new", "said"), MIS_EDITS)
def test_a_mis_edit_is_a_config_error_naming_file_key_and_problem(tmp_path, name, old, new, said):
    folder = edited(tmp_path, name, old, new)
    with pytest.raises(ConfigError) as caught:
        load_config(folder)
    message = str(caught.value)
    assert str(folder) in message
    for words in said:
        assert words in message


def test_an_unchanged_copy_loads(tmp_path):
    folder = edited(tmp_path, "settings", "max_sheets = 50", "max_sheets = 50")
    config = load_config(folder)
    assert isinstance(config, Config) and config.root == folder.resolve()


def test_broken_toml_and_missing_file_name_the_file(tmp_path):
    folder = edited(tmp_path, "posts", "[ranks]", "[ranks")
    with pytest.raises(ConfigError, match="posts.toml"):
        load_config(folder)
    (folder / "posts.toml").unlink()
    with pytest.raises(ConfigError, match="配置文件缺失.*posts.toml"):
        load_config(folder)


def test_the_configuration_is_typed_and_frozen():
    config = load_config()
    assert isinstance(config.limits, Limits) and config.limits.max_sheets == 50
    assert isinstance(config.rules["phone-invalid"], Rule)
    assert config.rules["annex-empty"].severity_by_annex == {1: "info", 2: "error"}
    assert config.severity_label("warning") == "警告"
    assert config.severity_label("warning", "en") == "warning"
    with pytest.raises(AttributeError):
        config.limits.max_sheets = 1  # type: ignore[misc]
