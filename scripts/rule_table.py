"""Regenerate the rule table of README.md from the catalog in schemas/rules.toml.

Usage: .venv/bin/python scripts/rule_table.py  (rewrites the block between the markers)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consolidate.config import load_config  # noqa: E402

START, END = "<!-- rules:start -->", "<!-- rules:end -->"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def rule_table() -> str:
    """The markdown table of every code: severity, source, Chinese message template."""
    config = load_config()
    lines = ["| 代码 code | 级别 severity | 依据 source | 提示 message (zh) |", "|---|---|---|---|"]
    for code, rule in config.rules.items():
        severity = rule["severity"]
        if "severity_by_annex" in rule:
            severity = " / ".join(f"附件{k}: {v}" for k, v in rule["severity_by_annex"].items())
        elif "severity_optional" in rule:
            severity = f"{severity}（可选列: {rule['severity_optional']}）"
        source = config.sources[rule["source"]]["zh"]
        message = rule["zh"].replace("|", "\\|")
        lines.append(f"| `{code}` | {severity} | {source} | {message} |")
    return "\n".join(lines)


def updated_readme(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{rule_table()}\n{END}{tail}"


if __name__ == "__main__":
    readme = ROOT / "README.md"
    readme.write_text(updated_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
