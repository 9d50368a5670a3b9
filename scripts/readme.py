"""Regenerate the generated blocks of README.md: the rule table and the module map.

Usage: .venv/bin/python scripts/readme.py  (rewrites the blocks between the markers)

- ``rules``: every code of the catalog in ``schemas/rules.toml``;
- ``modules``: every stage package of ``consolidate/`` and its modules, with the first
  line of each docstring, in the order data flows.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consolidate.support.config import load_config  # noqa: E402

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


BLOCKS = {"rules": rule_table, "modules": module_map}


def updated_readme(text: str) -> str:
    """README text with every generated block rewritten."""
    for name, build in BLOCKS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{build()}\n{end}{tail}"
    return text


if __name__ == "__main__":
    readme = ROOT / "README.md"
    readme.write_text(updated_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
