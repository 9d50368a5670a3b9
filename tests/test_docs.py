"""The README stays true: its rule table is current and every CLI command is documented."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from consolidate.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _rule_table_module():
    spec = importlib.util.spec_from_file_location("readme", ROOT / "scripts" / "readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_rule_table_and_module_map_are_generated():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _rule_table_module().updated_readme(readme) == readme, "run scripts/readme.py"


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, name
        assert f"consolidate {name}" in readme, name


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:600]
    assert "make consolidate" in head and "make test" in head
