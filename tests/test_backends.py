"""The two backends judge alike: pandera and pandas (every run, a large check) and plain
Python (the check of a few rows, the web page) — the row tests, the views across
districts, and whole runs of generated forms with last year's register."""

from __future__ import annotations

import re
from pathlib import Path

import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolidate import api
from consolidate.checks import rows, run_rules
from consolidate.checks.registry import Stage, checks_at
from consolidate.checks.rows import pandera_failures, plain_failures
from consolidate.checks.views import FrameViews, People, PlainViews
from consolidate.model.baseline import Baseline, BaselinePerson
from consolidate.model.finding import sort_findings
from tests.helpers import AS_OF, CONFIG, a1_row, a2_row, build_form, keys, write_annex
from tests.test_rules import A1_CASES, A2_CASES

ROW = {1: a1_row, 2: a2_row}
CASES = {1: A1_CASES, 2: A2_CASES}


def _records(annex: int, cells: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[str]]:
    form = build_form(annex, [ROW[annex](n, **c) for n, c in enumerate(cells, start=1)])
    keys = [c.key for c in CONFIG.annexes[annex].columns]
    return [{k: row.text(k) for k in keys if k in form.columns} for row in form.rows], keys


# ---------------------------------------------------------------- the row tests
@pytest.mark.parametrize("annex", [1, 2])
def test_every_rule_case_fails_alike_on_both_paths(annex):
    # Every case of the rule tests, each a row, and each row twice (distinct texts).
    cells = [values for _, values, _ in CASES[annex]] * 2
    records, keys = _records(annex, cells)
    plain = sorted(plain_failures(records, annex, CONFIG))
    assert plain, "the cases break rules: both paths must see them"
    assert sorted(pandera_failures(records, keys, annex, CONFIG)) == plain


texts = st.text(st.sampled_from("王李张三1３８ａA·.、，无复审初审监管发证科长员-+ 　\n0123456789"))
adjustments = st.sampled_from(["开通", "注销", "增加功能", "减少功能", "新增", "", "无"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"name": texts, "mobile": texts, "functions": texts,
                                       "post": texts}), min_size=1, max_size=12))  # fmt: skip
def test_any_annex2_rows_fail_alike_on_both_paths(cells):
    records, keys = _records(2, cells)
    plain = sorted(plain_failures(records, 2, CONFIG))
    assert sorted(pandera_failures(records, keys, 2, CONFIG)) == plain


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"adjustment": adjustments, "original": texts,
                                       "current": texts, "post": texts, "name": texts}),
                min_size=1, max_size=12))  # fmt: skip
def test_any_annex1_rows_fail_alike_on_both_paths(cells):
    records, keys = _records(1, cells)
    plain = sorted(plain_failures(records, 1, CONFIG))
    assert sorted(pandera_failures(records, keys, 1, CONFIG)) == plain


def _cell_tests():
    return [
        (e.code, t) for e, c in checks_at(Stage.ROW) for t in c.tests if getattr(t, "shape", None)
    ]


@pytest.mark.parametrize(("code", "test"), _cell_tests(), ids=lambda x: getattr(x, "code", ""))
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_value_of_the_common_shape_passes_its_rule(code, test, data):
    # The vectorised pass accepts these without the element test: it must never accept
    # a value the element test would reject.
    text = data.draw(st.from_regex(re.compile(test.shape), fullmatch=True))
    assert test.passes(text, CONFIG), code


def test_a_check_of_a_few_rows_stays_in_plain_python_and_many_go_through_pandera(monkeypatch):
    calls = []
    real = rows.pandera_failures
    monkeypatch.setattr(rows, "pandera_failures", lambda *a: calls.append(len(a[0])) or real(*a))
    form = build_form(2, [a2_row(n, name="王1") for n in range(1, 4)])
    few = rows.row_findings([(form, r) for r in form.rows], 2, CONFIG)
    monkeypatch.setattr(rows, "VECTOR_FROM", 3)
    many = rows.row_findings([(form, r) for r in form.rows], 2, CONFIG)
    forced = rows.row_findings([(form, r) for r in form.rows[:1]], 2, CONFIG, vectorized=True)
    assert calls == [3, 1]
    assert [f.to_dict() for f in few] == [f.to_dict() for f in many]
    assert {f.code for f in many} == {f.code for f in forced} == {"name-suspicious"}


# ---------------------------------------------------------------- the views across districts
DISTRICTS = ["黄浦区", "徐汇区", None]
names = st.sampled_from(["王芳", "李强", "", "张伟"])
mobiles = st.sampled_from(["13900000001", "13900000002", "1390000000", ""])
person_rows = st.lists(
    st.tuples(st.sampled_from([1, 2]), st.sampled_from(DISTRICTS), names, mobiles,
              st.sampled_from(["a", "A", "无", "", "b"])),
    max_size=14,
)  # fmt: skip
listed = st.lists(st.tuples(st.sampled_from(DISTRICTS), names, mobiles), max_size=8)


def _forms(people: list[tuple]) -> list:
    """One single-row form per generated row: (annex, district, name, mobile, account)."""
    forms = []
    for n, (annex, district, name, mobile, account) in enumerate(people, start=1):
        values = {"name": name, "mobile": mobile}
        row = a2_row(n, account=account, **values) if annex == 2 else a1_row(n, **values)
        file = f"{district or '未知'}/附件{annex}-{n}.xlsx"
        forms.append(build_form(annex, [row], file=file, district=district))
    return forms


def _baseline(people: list[tuple]) -> Baseline:
    rows = [
        BaselinePerson(district, name, mobile, ("复审",), "acc", "科长", i + 2, 3, 6, name)
        for i, (district, name, mobile) in enumerate(people)
    ]
    return Baseline(Path("上年.xlsx"), "上年.xlsx", "0" * 64, "名册", 1, {"name": 3}, 1, rows=rows)


@settings(max_examples=80, deadline=None)
@given(person_rows, listed)
def test_the_views_group_and_match_alike_in_pandas_and_plain_python(people, last_year):
    from consolidate.checks.common import Reporter

    forms = _forms(people)
    judged = {1: [], 2: [], 3: []}
    for form in forms:
        judged[form.annex] += [(form, row) for row in form.rows]
    built = People.of(judged, Reporter(CONFIG))
    plain, frame = PlainViews(built), FrameViews(built)
    assert frame.shared_mobiles() == plain.shared_mobiles()
    assert frame.several_districts() == plain.several_districts()
    assert frame.shared_accounts() == plain.shared_accounts()
    baseline = _baseline(last_year)
    assert frame.matched(baseline) == plain.matched(baseline)


functions = st.sampled_from(["复审", "初审、监管", "复审、监管", "无", "", "发证"])
request_rows = st.lists(st.tuples(st.sampled_from(DISTRICTS[:2]), names, mobiles, adjustments,
                                  functions, functions), max_size=6)  # fmt: skip
roster_rows = st.lists(st.tuples(st.sampled_from(DISTRICTS), names, mobiles,
                                 st.sampled_from(["a", "b", ""]), functions), max_size=8)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(request_rows, roster_rows, listed)
def test_a_run_finds_the_same_in_pandas_and_plain_python(requests, rosters, last_year):
    forms = []
    for district in DISTRICTS:
        asked = [
            a1_row(n, name=name, mobile=mobile, adjustment=kind, original=before, current=after)
            for n, (d, name, mobile, kind, before, after) in enumerate(requests, start=1)
            if d == district
        ]
        listed_rows = [
            a2_row(n, name=name, mobile=mobile, account=account, functions=held)
            for n, (d, name, mobile, account, held) in enumerate(rosters, start=1)
            if d == district
        ]
        for annex, rows_ in ((1, asked), (2, listed_rows)):
            if rows_:
                file = f"{district or '未知'}/附件{annex}.xlsx"
                forms.append(build_form(annex, rows_, file=file, district=district))
    baseline = _baseline(last_year)
    results = [
        run_rules(forms, CONFIG, as_of=AS_OF, year=2026, baseline=baseline, vectorized=v)
        for v in (False, True)
    ]
    plain, frame = ([f.to_dict() for f in sort_findings(r.findings)] for r in results)
    assert frame == plain
    assert results[1].changes == results[0].changes
    assert results[1].rejected == results[0].rejected


# ---------------------------------------------------------------- which backend runs when
def test_a_run_validates_every_form_through_pandera_however_small(tmp_path, monkeypatch):
    validated = []
    real = pa.DataFrameSchema.validate

    def validate(schema, frame, **options):
        if "name" in frame:  # a form's rows (not the warm-up of a single cell)
            validated.append(len(frame))
        return real(schema, frame, **options)

    monkeypatch.setattr(pa.DataFrameSchema, "validate", validate)
    inbox = tmp_path / "收件"
    (inbox / "黄浦区").mkdir(parents=True)
    write_annex(
        inbox / "黄浦区" / "附件2.xlsx", 2, [[a2_row(n)[k] for k in keys(2)] for n in (1, 2, 3)]
    )
    write_annex(inbox / "黄浦区" / "附件1.xlsx", 1, [[a1_row(1)[k] for k in keys(1)]])
    outcome = api.consolidate_inbox(inbox, as_of=AS_OF)
    assert len(outcome.selection.forms) == 2
    assert sorted(validated) == [1, 3]  # every row of both annexes, in one validation each
