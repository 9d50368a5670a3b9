"""The row rules judge alike in plain Python (a few rows) and as pandera checks (many)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidate.checks import rows as row_rules
from consolidate.checks.rows import SURELY_VALID, _failures, _pandera_failures
from tests.helpers import CONFIG, a1_row, a2_row, build_form
from tests.test_rules import A1_CASES, A2_CASES

ROW = {1: a1_row, 2: a2_row}
CASES = {1: A1_CASES, 2: A2_CASES}


def _records(annex: int, cells: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[str]]:
    form = build_form(annex, [ROW[annex](n, **c) for n, c in enumerate(cells, start=1)])
    keys = [c.key for c in CONFIG.annexes[annex].columns]
    return [{k: row.text(k) for k in keys if k in form.columns} for row in form.rows], keys


@pytest.mark.parametrize("annex", [1, 2])
def test_every_rule_case_fails_alike_on_both_paths(annex):
    # Every case of the rule tests, each a row, and each row twice (distinct texts).
    cells = [values for _, values, _ in CASES[annex]] * 2
    records, keys = _records(annex, cells)
    plain = sorted(_failures(records, annex, CONFIG))
    assert plain, "the cases break rules: both paths must see them"
    assert sorted(_pandera_failures(records, keys, annex, CONFIG)) == plain


texts = st.text(st.sampled_from("王李张三1３８ａA·.、，无复审初审监管发证科长员-+ 　\n0123456789"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"name": texts, "mobile": texts, "functions": texts,
                                       "post": texts}), min_size=1, max_size=12))  # fmt: skip
def test_any_annex2_rows_fail_alike_on_both_paths(cells):
    records, keys = _records(2, cells)
    plain = sorted(_failures(records, 2, CONFIG))
    assert sorted(_pandera_failures(records, keys, 2, CONFIG)) == plain


@pytest.mark.parametrize("code", sorted(SURELY_VALID))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_value_of_the_common_shape_passes_its_rule(code, data):
    # The vectorised pass accepts these without the element test: it must never accept
    # a value the element test would reject.
    text = data.draw(st.from_regex(re.compile(SURELY_VALID[code]), fullmatch=True))
    test = next(r for r in row_rules.row_rules(2, CONFIG)[0] if r.code == code)
    assert test.passes(text)


def test_many_rows_go_through_pandera_and_a_few_do_not(monkeypatch):
    calls = []
    real = row_rules._pandera_failures
    monkeypatch.setattr(
        row_rules, "_pandera_failures", lambda *a: calls.append(len(a[0])) or real(*a)
    )
    cells = [{"name": "王1"}]
    form = build_form(2, [a2_row(n, **cells[0]) for n in range(1, 4)])
    few = row_rules.row_findings([(form, r) for r in form.rows], 2, CONFIG)
    monkeypatch.setattr(row_rules, "VECTOR_FROM", 3)
    many = row_rules.row_findings([(form, r) for r in form.rows], 2, CONFIG)
    assert calls == [3]
    assert [f.to_dict() for f in few] == [f.to_dict() for f in many]
    assert {f.code for f in many} == {"name-suspicious"}
