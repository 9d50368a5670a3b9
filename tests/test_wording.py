"""The program's own wording lives in schemas/labels.toml, in both languages, validated."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from consolidate.support import wording
from consolidate.support.wording import LABELS_FILE, label, labels, placeholders, problems_of

PACKAGE = Path(__file__).resolve().parent.parent / "consolidate"
WORDING = wording.wording()
# Helpers that word one section of labels.toml by key (their first argument).
WRAPPERS = {"_said": "config"}
# Chinese left in the package's code: recognition data (words matched in districts' files)
# that cannot sensibly live in configuration, and modules whose wording moves in a later pass.
CEILING = 41
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _calls() -> list[tuple[str, str, str | None, set[str] | None]]:
    """Every use of labels.toml in the code: (where, section, key or None, parameters)."""
    uses = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            params = {k.arg for k in node.keywords if k.arg}
            if any(k.arg is None for k in node.keywords):
                params = None  # **params: checked where they are built
            name = node.func.id
            if name in WRAPPERS and args and args[0]:
                uses.append((where, WRAPPERS[name], args[0], params))
            elif name in {"label", "both"} and len(args) >= 2 and args[0] and args[1]:
                uses.append((where, args[0], args[1], params))
            elif name == "labels" and args and args[0]:
                uses.append((where, args[0], None, None))
    return uses


def test_every_label_the_code_names_exists_with_its_parameters():
    uses = _calls()
    assert len(uses) > 30  # the scan finds the call sites
    for where, section, key, params in uses:
        assert section in WORDING, f"{where}: no [{section}] in labels.toml"
        if key is None:
            continue
        assert key in WORDING[section], f"{where}: no {section}.{key} in labels.toml"
        if params is not None:
            zh, en = WORDING[section][key]
            assert placeholders(zh) == placeholders(en) == params, f"{where}: {section}.{key}"


def test_every_section_is_used():
    used = {section for _, section, _, _ in _calls()}
    assert set(WORDING) - used == set()


def test_the_file_is_valid_and_worded_in_both_languages():
    data = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))
    assert problems_of(data) == []
    for section, entries in WORDING.items():
        for key, (zh, en) in entries.items():
            assert zh.strip() and en.strip(), f"{section}.{key}"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"zh": "附件{n}", "en": "Annex {number}"}, "a.b: zh ['n'] != en ['number']"),
        ({"zh": "附件{n}"}, "a.b: { zh = …, en = … } expected"),
        ({"zh": "附件{n", "en": "Annex {n"}, "a.b: unbalanced { }"),
        ({"zh": "附件", "en": 2}, "a.b: text expected"),
    ],
)
def test_a_mis_edited_entry_is_named(entry, problem):
    assert problems_of({"a": {"b": entry}}) == [problem]
    assert problems_of({"a": {"b": {"zh": "附件{n}", "en": "Annex {n}"}}}) == []


def test_labels_are_filled_per_language():
    assert label("forms", "annex", "zh", n=2) == "附件2"
    assert label("forms", "annex", "en", n=2) == "Annex 2"
    assert labels("forms", "en")["annex"] == "Annex {n}"


def _chinese_literals() -> dict[str, int]:
    """Chinese string constants per module, docstrings aside: a docstring quoting a form's
    header (``填报单位``) documents what the code reads; it is never shown to anyone."""
    counts: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node) for node in _docstrings(tree)}
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and CHINESE.search(text) and id(node) not in docstrings:
                where = str(path.relative_to(PACKAGE.parent))
                counts[where] = counts.get(where, 0) + 1
    return counts


def _docstrings(tree: ast.Module) -> list[ast.Constant]:
    owners = [tree, *(n for n in ast.walk(tree) if isinstance(n, DOCUMENTED))]
    firsts = [owner.body[0] for owner in owners if owner.body]
    return [
        first.value
        for first in firsts
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    ]


DOCUMENTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def test_chinese_in_code_stays_under_its_ceiling():
    """Wording belongs in schemas/; lower CEILING as modules move theirs there."""
    counts = _chinese_literals()
    most = sorted(counts.items(), key=lambda item: -item[1])[:10]
    assert sum(counts.values()) <= CEILING, most
