"""The docs stay true: README's rule table and module map and docs/rules.md are generated
from the tree as it is, and every CLI command is documented."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from consolidate.cli import main
from tests.helpers import CONFIG

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("readme", ROOT / "scripts" / "readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_rule_table_and_module_map_are_generated():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _generator().updated_readme(readme) == readme, "run scripts/readme.py"


def test_the_rule_reference_is_generated_from_the_catalog():
    """docs/rules.md: one entry per code of rules.toml, in its order, as the catalog says."""
    generator = _generator()
    text = generator.RULES_DOC.read_text(encoding="utf-8")
    assert generator.updated(text, generator.BLOCKS[generator.RULES_DOC]) == text, (
        "run scripts/readme.py"
    )
    assert re.findall(r"^#### `([a-z0-9-]+)`$", text, re.MULTILINE) == list(CONFIG.rules)
    assert all(f"- 提示 / message: {rule.zh}" in text for rule in CONFIG.rules.values())


def test_code_points_at_the_projects_own_docs_not_beside_it():
    """Comments cite docs/rules.md or the README, never the spec outside the repository
    (test_catalog.py keeps the CI-only guard against it; this test names the pattern)."""
    cited = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("consolidate", "scripts", "schemas", "tests")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".toml", ".j2")
        and path.name not in ("test_catalog.py", "test_docs.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\b(RULES|CLI|FORMS)\.md\b|shared/spec", line)
    ]
    assert cited == []


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, name
        assert f"consolidate {name}" in readme, name


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:600]
    assert "make consolidate" in head and "make test" in head
