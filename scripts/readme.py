"""Regenerate the generated blocks of README.md and docs/rules.md from the tree.

Usage: .venv/bin/python scripts/readme.py  (rewrites the blocks between the markers)

README.md:
- ``rules``: every code of the catalog in ``schemas/rules.toml``;
- ``modules``: every stage package of ``consolidate/`` and its modules, with the first
  line of each docstring, in the order data flows.

docs/rules.md (the rule reference; the text around the blocks is written by hand):
- ``severities`` and ``sources``: the words of ``schemas/rules.toml`` for them;
- ``fields``: the fields of a finding in ``findings.json``;
- ``catalog``: every code with its severity, where it points, its source, its message in
  both languages and the wordings of its parameters, grouped as ``rules.toml`` is.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The package's checks register every code with the columns it may point at.
from consolidate.checks.registry import ANY, REGISTRY  # noqa: E402
from consolidate.model.finding import JSON_FIELDS  # noqa: E402
from consolidate.support.config import Config, Rule, load_config  # noqa: E402

# The stages in the order data flows, as the import-linter contract of pyproject.toml has them.
STAGES = ("support", "model", "values", "reading", "checks", "ledger", "writing", "ui")
TOP_LEVEL = ("api.py", "cli.py", "__main__.py")


def rule_table() -> str:
    """The markdown table of every code: severity, source, Chinese message template."""
    config = load_config()
    lines = ["| 代码 code | 级别 severity | 依据 source | 提示 message (zh) |", "|---|---|---|---|"]
    for code, rule in config.rules.items():
        severity = rule.severity
        if rule.severity_by_annex:
            severity = " / ".join(f"附件{k}: {v}" for k, v in rule.severity_by_annex.items())
        elif rule.severity_optional:
            severity = f"{severity}（可选列: {rule.severity_optional}）"
        source = config.sources[rule.source].zh
        message = rule.zh.replace("|", "\\|")
        lines.append(f"| `{code}` | {severity} | {source} | {message} |")
    return "\n".join(lines)


def _summary(path: Path) -> str:
    """The first line of a module's docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().split("\n")[0].replace("|", "\\|")


def module_map() -> str:
    """The package tree as a table: stage, module, what it does."""
    package = ROOT / "consolidate"
    lines = ["| stage | module | what it does |", "|---|---|---|"]
    for stage in STAGES:
        folder = package / stage
        lines.append(f"| **{stage}/** | | {_summary(folder / '__init__.py')} |")
        for path in sorted(folder.rglob("*.py")):
            if path.name == "__init__.py" and path.parent == folder:
                continue
            name = path.relative_to(folder).as_posix()
            if path.name == "__init__.py":
                name = path.parent.relative_to(folder).as_posix() + "/"
            lines.append(f"| | `{name}` | {_summary(path)} |")
    for name in TOP_LEVEL:
        lines.append(f"| | `{name}` | {_summary(package / name)} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- docs/rules.md
RULES_TOML = ROOT / "schemas" / "rules.toml"
# Where a finding points (rules.toml ``scope``), in both languages.
SCOPES = {
    "none": "无文件（全市） / no file (the city)",
    "file": "文件 / the file",
    "sheet": "工作表 / the sheet",
    "column": "列 / a column",
    "header": "表头行 / the header row",
    "metadata": "表头上方的填报信息 / the metadata above the table",
    "row": "行 / a row",
    "cell": "单元格 / a cell",
}
# The section comments of rules.toml (``# ---- name``), in Chinese.
GROUPS = {
    "file and form structure": "文件和表格结构",
    "any data row": "任一数据行",
    "Annex 1 consistency": "附件1 调整方式的一致性",
    "across forms, years, city": "两表之间、与上年、全市",
    "cells the reader cannot trust": "无法读取的单元格",
    "rows the table leaves out or hides": "表格外和隐藏的行",
    "fast-channel recommendations (推荐名单)": "便捷通道推荐名单",
}


def severity_table() -> str:
    config = load_config()
    lines = ["| 级别 severity | 中文 | English |", "|---|---|---|"]
    lines += [f"| `{key}` | {w.zh} | {w.en} |" for key, w in config.severities.items()]
    return "\n".join(lines)


def source_table() -> str:
    config = load_config()
    lines = ["| 依据 source | 中文 | English |", "|---|---|---|"]
    lines += [f"| `{key}` | {w.zh} | {w.en} |" for key, w in config.sources.items()]
    return "\n".join(lines)


def catalog() -> str:
    """Every code of rules.toml, under the group its section comment names."""
    config = load_config()
    parts = []
    for group, codes in _groups().items():
        parts.append(f"### {GROUPS.get(group, group)} / {group}")
        parts += [_rule_entry(code, config.rules[code], config) for code in codes]
    return "\n\n".join(parts)


def _groups() -> dict[str, list[str]]:
    """The codes of rules.toml under its section comments, in the file's order."""
    groups: dict[str, list[str]] = {}
    group = ""
    for line in RULES_TOML.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ---"):
            group = line.lstrip("# -").strip()
        elif line.startswith("[rules.") and line.count(".") == 1:
            groups.setdefault(group, []).append(line[len("[rules.") : -1])
    return groups


def _rule_entry(code: str, rule: Rule, config: Config) -> str:
    source = config.sources[rule.source]
    lines = [
        f"#### `{code}`",
        "",
        f"- 级别 / severity: {_severity(rule)}",
        f"- 位置 / points at: {SCOPES[rule.scope]}",
        f"- 依据 / source: {source.zh} / {source.en}",
        f"- 提示 / message: {_md(rule.zh)}",
        f"- message (en): {_md(rule.en)}",
    ]
    if columns := _columns(code, config):
        lines.insert(4, f"- 表格列 / form columns: {columns}")
    for name, phrases in rule.phrases.items():
        worded = " · ".join(f"`{k}` {_md(p.zh)} / {_md(p.en)}" for k, p in phrases.items())
        lines.append(f"- `{{{name}}}`: {worded}")
    return "\n".join(lines)


def _severity(rule: Rule) -> str:
    text = f"**{rule.severity}**"
    if rule.severity_by_annex:
        text = " / ".join(f"附件{k} Annex {k}: **{v}**" for k, v in rule.severity_by_annex.items())
    if rule.severity_optional:
        text += f"（可选列 optional column: **{rule.severity_optional}**）"
    if rule.severity_before_deadline:
        text += f"（截止日期前 before the deadline: **{rule.severity_before_deadline}**）"
    return text


def _columns(code: str, config: Config) -> str:
    """The form columns a finding of ``code`` may point at, as the checks register them
    (besides those, a rule may point at a metadata cell, the header or a sheet)."""
    keys = REGISTRY[code].columns
    return "、".join("任一列 / any column" if key == ANY else _column(key, config) for key in keys)


def _column(key: str, config: Config) -> str:
    """The header of a column key in the forms that have it (附件1 / 附件2 / 推荐名单 / 名单)."""
    columns = [c for spec in config.annexes.values() for c in spec.columns]
    names = dict.fromkeys(c.name for c in (*columns, *config.fastlist.columns) if c.key == key)
    return "/".join(names) or key


def _md(text: str) -> str:
    """A message template as markdown shows it: line breaks kept, no emphasis by accident."""
    return text.replace("*", "\\*").replace("\n", " ")


# What each field of a finding in findings.json says (model/finding.py JSON_FIELDS).
FIELDS = {
    "code": "规则代码 / the rule's code",
    "severity": "级别：error、warning、info / the severity",
    "file": "文件（`run` 中相对收件文件夹；全市问题为 null）/ the file (null: the city)",
    "sheet": "工作表，Word 为 `表格N` 或 `正文` / the sheet; in Word `表格N` or `正文`",
    "row": "报送文件中的行号 / the row as the submitted file numbers it",
    "cell": "单元格，如 `G7`（Word 为网格列）/ the cell, e.g. `G7`",
    "column": "该列的表头 / the column's header",
    "value": "单元格的内容 / what the cell holds",
    "district": "区的简称，如 `黄浦区` / the district's short name",
    "annex": "1、2，推荐名单为 3 / the form: 1, 2, or 3 for a recommendation list",
    "person": "所涉人员或单位 / the person or enterprise concerned",
    "message": "提示（`--lang en` 为英文），末尾注明依据 / the message, its source at the end",
    "suggestion": "建议改为的内容 / what to write instead",
}


def finding_fields() -> str:
    """The fields of a finding in findings.json, in their order."""
    lines = ["| 字段 field | 含义 meaning |", "|---|---|"]
    lines += [f"| `{name}` | {FIELDS[name]} |" for name in JSON_FIELDS]
    return "\n".join(lines)


# ---------------------------------------------------------------- the files
README = ROOT / "README.md"
RULES_DOC = ROOT / "docs" / "rules.md"
BLOCKS = {
    README: {"rules": rule_table, "modules": module_map},
    RULES_DOC: {
        "severities": severity_table,
        "sources": source_table,
        "fields": finding_fields,
        "catalog": catalog,
    },
}


def updated(text: str, blocks: dict) -> str:
    """``text`` with every generated block rewritten."""
    for name, build in blocks.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{build()}\n{end}{tail}"
    return text


def updated_readme(text: str) -> str:
    """README text with every generated block rewritten."""
    return updated(text, BLOCKS[README])


if __name__ == "__main__":
    for path, blocks in BLOCKS.items():
        path.write_text(updated(path.read_text(encoding="utf-8"), blocks), encoding="utf-8")
