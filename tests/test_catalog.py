"""The catalog is the contract: every code in RULES.md is configured, emitted and tested."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from consolidate.checks import run_rules
from consolidate.checks.common import Reporter
from consolidate.checks.registry import REGISTRY, Check, Rule, Stage
from consolidate.model.catalog import Catalog
from consolidate.model.finding import SEVERITIES
from consolidate.support.config import Bilingual
from tests.helpers import CONFIG, a2_row, build_form

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "spec" / "RULES.md"
# Codes the spec gained this round, with the issue that builds them: the test below fails
# as soon as one reaches the catalog without being taken off this list.
PENDING: set[str] = set()


def spec_codes() -> set[str]:
    # The spec lives beside the repository (../shared), not in it: a clone with nothing
    # beside it cannot compare and says why (pytest -rs); CI has it and must compare.
    if not SPEC.exists():
        reason = f"the rule catalog spec is not beside this clone: {SPEC}"
        if os.environ.get("CONSOLIDATE_REQUIRE_SPEC"):
            pytest.fail(f"{reason} (CI sets CONSOLIDATE_REQUIRE_SPEC: it must be there)")
        pytest.skip(reason)
    text = SPEC.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z0-9-]+)`", text, re.MULTILINE))


def test_catalog_matches_the_spec():
    assert set(CONFIG.rules) == spec_codes() - set(PENDING)
    assert set(CONFIG.rules) & set(PENDING) == set(), "take built codes off PENDING"


def test_every_catalog_entry_is_complete():
    for code, rule in CONFIG.rules.items():
        assert rule.severity in SEVERITIES, code
        assert rule.zh and rule.en, code
        assert rule.source in CONFIG.sources, code
        for phrases in rule.phrases.values():
            assert all(p.zh and p.en for p in phrases.values()), code


def test_every_catalog_code_is_a_registered_rule_with_the_code_that_emits_it():
    assert sorted(REGISTRY) == sorted(CONFIG.rules)
    for code, entry in REGISTRY.items():
        assert entry.entry(CONFIG) is CONFIG.rules[code]
        assert entry.checks, code
        for check in entry.checks:  # a real module or function of the package
            assert _resolve(check.emitter) is not None, (code, check.emitter)
            if check.stage not in (Stage.READER, Stage.LEDGER):
                assert check.run is _resolve(check.emitter), (code, check.emitter)
            assert bool(check.tests) == (check.stage is Stage.ROW), code


def _resolve(dotted: str) -> object:
    """``consolidate.checks.sheets.seq_invalid`` -> the function (or the module)."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:n]))
        except ImportError:
            continue
        for name in parts[n:]:
            found = getattr(found, name)
        return found
    return None


def mismatched(rules: Iterable[Rule]) -> dict[str, tuple[list[str], list[str]]]:
    """Each rule whose declared message parameters are not those its templates take:
    (declared, taken). Static: read from the registry and rules.toml, nothing runs."""
    catalog = Catalog(CONFIG)
    return {
        rule.code: (sorted(rule.says), sorted(catalog.parameters(rule.code)))
        for rule in rules
        if rule.says != catalog.parameters(rule.code)
    }


def test_every_rule_declares_exactly_the_parameters_its_messages_take():
    assert mismatched(REGISTRY.values()) == {}


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("phone-invalid", {"reason"}),  # forgets {length}, which a phrase takes
        ("district-mismatch", {"row_district", "unit_district", "bureau"}),  # one too many
        ("open-not-listed", set()),  # forgets {name}
    ],
)
def test_a_rule_declaring_other_parameters_than_its_messages_take_is_caught(code, says):
    wrong = replace(REGISTRY[code], says=frozenset(says))
    assert set(mismatched([wrong])) == {code}


def test_a_rule_cannot_give_a_parameter_it_does_not_declare():
    reporter = Reporter(CONFIG)
    form = build_form(2, [a2_row()])
    with pytest.raises(ValueError, match=r"name-suspicious gives \['length'\]"):
        reporter.at_cell("name-suspicious", form, form.rows[0], "name", reason="short", length=3)
    with pytest.raises(ValueError, match="district-missing gives"):
        reporter.make("district-missing", district="黄浦区", year=2026, month=11)


def test_a_rule_runs_from_the_registry_at_its_stage(monkeypatch):
    """Adding a rule is one function: registered at its stage, the runner runs it."""
    seen = []

    def every_sheet(scope):
        seen.append((scope.form.sheet, len(scope.rows)))
        yield scope.reporter.make(
            "template-outdated", file=scope.form.file, found="2020", current="2026"
        )

    entry = REGISTRY["template-outdated"]
    added = Check(Stage.FORM, every_sheet, "tests.every_sheet")
    monkeypatch.setitem(
        REGISTRY, "template-outdated", replace(entry, checks=(*entry.checks, added))
    )
    form = build_form(2, [a2_row(1), a2_row(2, mobile="138XXXXXXXX")])
    findings = run_rules([form], CONFIG, as_of=dt.date(2026, 11, 26)).findings
    assert seen == [(form.sheet, 1)]  # after the SHEET stage kept the template row out
    assert [f.code for f in findings].count("template-outdated") == 1


def test_a_rule_on_form_columns_is_located_at_a_cell_or_row_in_the_catalog():
    for code, entry in REGISTRY.items():
        if entry.columns:
            assert CONFIG.rules[code].scope in ("cell", "row"), code


def test_every_code_has_a_test_that_proves_it(proofs):
    """Each code of the catalog has a test marked ``proves(code)``: a case that breaks the
    rule, whose finding the test asserts (conftest.py fails a marked test that makes no
    finding of its code). A code merely quoted somewhere does not count."""
    modules = {p.resolve() for p in (ROOT / "tests").rglob("test_*.py")}
    if not modules <= {p.resolve() for p in proofs.modules}:
        pytest.skip("the proofs are counted over the whole suite: run it whole (make test)")
    assert sorted(set(proofs.by_code) - set(CONFIG.rules)) == [], "a mark names no code"
    assert sorted(set(CONFIG.rules) - set(proofs.by_code)) == []


MARKED = """
import pytest
from consolidate.model.catalog import Catalog
from consolidate.support.config import load_config

@pytest.mark.proves("seq-invalid")
def test_makes_it():
    Catalog(load_config()).make("seq-invalid", file="a.xlsx", row=3, col=1, reason="not-a-number")

@pytest.mark.proves("seq-invalid")
def test_only_quotes_it():
    assert "seq-invalid" in load_config().rules
"""


def test_a_test_marked_as_proving_a_code_fails_unless_it_makes_one(tmp_path: Path):
    (tmp_path / "conftest.py").write_text(
        (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "test_marked.py").write_text(MARKED, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    proves\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-2000:]
    assert "FAILED test_marked.py::test_only_quotes_it" in done.stdout
    assert "marked as proving ['seq-invalid'], but no such finding was made" in done.stdout


def test_a_rule_cannot_emit_an_unregistered_code_or_point_elsewhere():
    reporter = Reporter(CONFIG)
    form = build_form(2, [a2_row()])
    row = form.rows[0]
    with pytest.raises(KeyError, match="not registered"):
        reporter.at_cell("made-up-code", form, row, "name")
    with pytest.raises(ValueError, match="does not point at the column mobile"):
        reporter.at_cell("name-suspicious", form, row, "mobile")
    assert reporter.at_cell("name-suspicious", form, row, "name", reason="short").cell


def test_messages_render_in_both_languages_without_leftover_fields():
    catalog = Catalog(CONFIG)
    finding = catalog.make(
        "phone-invalid", file="a.xlsx", sheet="S", row=7, col=7, value="1381234567",
        reason="length", length=10,
    )  # fmt: skip
    assert (
        finding.cell == "G7" and "当前为10位" in finding.message and "沪市监" not in finding.message
    )
    assert finding.message_en.startswith("The mobile") and "it has 10 digits" in finding.message_en
    assert "{" not in finding.message + finding.message_en


def test_phrases_render_in_the_message_language():
    finding = Catalog(CONFIG).make(
        "seq-invalid", file="a.xlsx", row=3, col=1, value="x", reason="not-a-number", expected=3
    )
    assert "不是数字" in finding.message and "is not a number" in finding.message_en
    assert "不是数字" not in finding.message_en


def test_bilingual_parameters_and_dates_render_per_language():
    catalog = Catalog(CONFIG)
    reason = Bilingual("文件已加密", "the file is encrypted")
    finding = catalog.make("file-unreadable", file="a.xlsx", reason=reason)
    assert "文件已加密" in finding.message and "the file is encrypted" in finding.message_en
    late = catalog.make(
        "district-missing", district="黄浦区", year=2026, deadline=dt.date(2026, 11, 30)
    )
    assert "截止日期为2026年11月30日" in late.message and "(due 2026-11-30)" in late.message_en


@pytest.mark.parametrize(
    ("code", "location"),
    [
        ("phone-invalid", {"file": "a.xlsx", "sheet": "S"}),  # a cell rule without a row
        ("submission-superseded", {"file": "a.xlsx", "row": 3}),  # a file rule with one
        ("district-missing", {"file": "a.xlsx"}),  # located at no file
    ],
)
def test_a_finding_must_point_where_its_scope_says(code, location):
    with pytest.raises(ValueError, match=code):
        Catalog(CONFIG).make(code, **location)


def test_location_fields_are_not_message_parameters():
    """``district`` is where the finding is; the message shows it, nothing overrides it."""
    finding = Catalog(CONFIG).make("district-missing", district="黄浦区", year=2026)
    assert finding.district == "黄浦区" and finding.message.startswith("黄浦区未报送")
