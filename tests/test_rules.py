"""Each rule of the catalog: a row that breaks it, and a close look-alike that must pass."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidate.checks import run_rules
from consolidate.model.finding import sort_findings
from consolidate.values.phones import contact_phones
from tests.helpers import AS_OF, CONFIG, a1_row, a2_row, build_form, rule_cases


def found(forms, year=None, as_of=AS_OF) -> list[tuple[str, str | None]]:
    """Every finding of the run as (code, cell), as output (a merged cell judged once): a
    rule test sees all that its rows produce, not only the code it is about."""
    findings = sort_findings(run_rules(forms, CONFIG, as_of=as_of, year=year).findings)
    return sorted(((f.code, f.cell) for f in findings), key=lambda x: (x[0], x[1] or ""))


# ---------------------------------------------------------------- Annex 2 row rules
# Columns of Annex 2 in template order: A 序号 B 部门 C 姓名 D 职务 E 账号 F 功能 G 手机 H 备注.
A2_CASES = [
    ("phone-invalid", {"mobile": "1390000123"}, [("phone-invalid", "G5")]),
    ("phone-invalid", {"mobile": "021-63210000"}, [("phone-invalid", "G5")]),
    ("phone-invalid", {"mobile": "+86 139-0000-0001"}, []),
    ("phone-invalid", {"mobile": "13900000001.0"}, []),
    ("function-unknown", {"functions": "复核、监管"}, [("function-unknown", "F5")]),
    ("function-unknown", {"functions": "复审，监管"}, []),
    ("function-repeated", {"functions": "复审、监管、复审"}, [("function-repeated", "F5")]),
    ("function-repeated", {"functions": "复审、监管"}, []),
    ("rank-insufficient", {"post": "认证科科员"}, [("rank-insufficient", "D5")]),
    ("rank-insufficient", {"post": "认证科一级科员"}, [("rank-insufficient", "D5")]),
    ("rank-insufficient", {"post": "科长助理"}, [("rank-insufficient", "D5")]),
    ("rank-insufficient", {"post": "认证科科长（聘用）"}, [("rank-insufficient", "D5")]),
    ("rank-insufficient", {"post": "认证科四级主任科员"}, []),
    ("rank-insufficient", {"post": "认证科副科长"}, []),
    ("rank-insufficient", {"post": "认证科科员", "functions": "初审、监管"}, []),
    ("rank-unknown", {"post": "认证科"}, [("rank-unknown", "D5")]),
    ("rank-unknown", {"post": "认证科（事业编）"}, [("rank-insufficient", "D5")]),
    ("rank-unknown", {"post": "认证科", "functions": "监管"}, []),
    ("duties-conflict", {"functions": "初审、复审"}, [("duties-conflict", "F5")]),
    ("duties-conflict", {"functions": "初审、监管"}, []),
    ("former-staff-listed", {"post": "原认证科科长"}, [("former-staff-listed", "D5")]),
    ("former-staff-listed", {"post": "现认证科科长"}, []),
    ("name-suspicious", {"name": "王1"}, [("name-suspicious", "C5")]),
    ("name-suspicious", {"name": "Wang"}, [("name-suspicious", "C5")]),
    ("name-suspicious", {"name": "王"}, [("name-suspicious", "C5")]),
    ("name-suspicious", {"name": "欧阳建华建国建军"}, [("name-suspicious", "C5")]),
    ("name-suspicious", {"name": "王  伟"}, []),
    ("name-suspicious", {"name": "阿依古丽·买买提明"}, []),
    ("required-missing", {"account": ""}, [("required-missing", "E5")]),
    ("required-missing", {"functions": "无"}, [("required-missing", "F5")]),
    ("required-missing", {"account": "hp_w"}, []),
    (
        "placeholder-value",
        {"name": "吴XX", "mobile": "138XXXXXXXX"},
        [("placeholder-value", "C5"), ("placeholder-value", "G5")],
    ),
    ("placeholder-value", {"name": "吴晓"}, []),
]


@pytest.mark.parametrize(("code", "values", "expected"), rule_cases(A2_CASES))
def test_annex2_row_rule(code, values, expected):
    form = build_form(2, [a2_row(1, **values)])
    assert found([form]) == expected


def test_placeholder_row_gets_nothing_else_and_is_rejected():
    form = build_form(2, [a2_row(1, name="吴XX", mobile="138XXXXXXXX", post="XX科科员")])
    result = run_rules([form], CONFIG, as_of=AS_OF)
    assert sorted((f.code, f.cell) for f in result.findings) == [
        ("placeholder-value", "C5"),
        ("placeholder-value", "D5"),
        ("placeholder-value", "G5"),
    ]
    assert result.rejected == {(form.file, form.sheet, 5): ["placeholder-value"]}


# ---------------------------------------------------------------- Annex 1 row rules
# Columns of Annex 1: A 序号 B 方式 C 部门 D 原 E 当前 F 姓名 G 职务 H 手机 I 来函 J 联系人 K 备注.
A1_CASES = [
    ("adjustment-type-unknown", {"adjustment": "新增"}, [("adjustment-type-unknown", "B5")]),
    ("adjustment-type-unknown", {"adjustment": "增加功能"}, []),
    (
        "open-has-original",
        {"adjustment": "开通", "original": "初审", "current": "初审、监管"},
        [("open-has-original", "D5")],
    ),
    ("open-has-original", {"adjustment": "开通", "original": "无", "current": "监管"}, []),
    ("open-has-original", {"adjustment": "开通", "original": "", "current": "监管"}, []),
    (
        "cancel-has-current",
        {"adjustment": "注销", "original": "监管", "current": "监管"},
        [("cancel-has-current", "E5")],
    ),
    ("cancel-has-current", {"adjustment": "注销", "original": "监管", "current": "无"}, []),
    (
        "add-gains-nothing",
        {"adjustment": "增加功能", "original": "初审、监管", "current": "初审"},
        [("add-gains-nothing", "E5")],
    ),
    (
        "add-gains-nothing",
        {"adjustment": "增加功能", "original": "初审", "current": "初审、监管"},
        [],
    ),
    (
        "remove-loses-nothing",
        {"adjustment": "减少功能", "original": "初审", "current": "初审、监管"},
        [("remove-loses-nothing", "E5")],
    ),
    (
        "remove-loses-nothing",
        {"adjustment": "减少功能", "original": "初审、监管", "current": "监管"},
        [],
    ),
    (
        "adjustment-mixed",
        {"adjustment": "减少功能", "original": "初审、发证", "current": "监管、发证"},
        [("adjustment-mixed", "E5")],
    ),
    (
        "adjustment-mixed",
        {"adjustment": "减少功能", "original": "初审、发证", "current": "发证"},
        [],
    ),
    (
        "required-missing",
        {"adjustment": "增加功能", "original": "无"},
        [("required-missing", "D5")],
    ),
    (
        "required-missing",
        {"adjustment": "开通", "original": "无", "current": ""},
        [("required-missing", "E5")],
    ),
    ("required-missing", {"adjustment": "注销", "original": "监管", "current": ""}, []),
    (
        "rank-insufficient",
        {"current": "初审、复审", "post": "现认证科科员"},
        [("duties-conflict", "E5"), ("rank-insufficient", "G5")],
    ),
    (
        "rank-insufficient",
        {"adjustment": "注销", "original": "复审", "current": "无", "post": "原认证科科员"},
        [],
    ),
    (
        "docno-invalid",
        {"letter": "关于调整账号的函（黄市监[2026]12号）"},
        [("docno-invalid", "I5")],
    ),
    (
        "docno-invalid",
        {"letter": "关于调整账号的函（黄市监（2026）12号）"},
        [("docno-invalid", "I5")],
    ),
    ("docno-invalid", {"letter": "关于调整账号的函（黄市监〔2026〕12号）"}, []),
    ("docno-invalid", {"letter": "关于调整账号的函"}, []),
    ("contact-phone-invalid", {"contact": "张明 6321000"}, [("contact-phone-invalid", "J5")]),
    ("contact-phone-invalid", {"contact": "张明 64220000转2826"}, []),  # decision 17
    ("contact-phone-invalid", {"contact": "张明 021-64220000转2826"}, []),
    ("contact-phone-invalid", {"contact": "张明 13900001111"}, []),
    ("contact-missing", {"contact": "张明"}, [("contact-missing", None)]),
    # Any phone names a contact: an invalid one is contact-phone-invalid, not contact-missing.
    ("contact-missing", {"contact": "张明 021-1234"}, [("contact-phone-invalid", "J5")]),
    (
        "duties-conflict",
        {"original": "初审", "current": "初审、复审", "post": "现认证科科长"},
        [("duties-conflict", "E5")],
    ),
    ("duties-conflict", {"adjustment": "注销", "original": "初审、复审", "current": "无"}, []),
]


@pytest.mark.parametrize(("code", "values", "expected"), rule_cases(A1_CASES))
def test_annex1_row_rule(code, values, expected):
    form = build_form(1, [a1_row(1, **values)])
    assert found([form]) == expected


# ---------------------------------------------------------------- sheet rules
@pytest.mark.parametrize(
    ("numbers", "flagged"),
    rule_cases(
        [
            # Decision 25: each row's 序号 is one more than the row above's; the first is 1.
            (["1", "2", "2", "4"], ["A7", "A8"]),
            (["1", "3", "4", "5"], ["A6"]),
            (["2", "3", "4"], ["A5"]),
            (["1", "3", "3"], ["A6", "A7"]),
            (["1", "", "3"], ["A6"]),  # the empty one counts as the 2 it should have been
            (["1", "二", "3"], ["A6"]),
            (["1", "2", "3", "4"], []),
            (["1.", "02", "3、"], []),  # a trailing mark, a leading zero: the same numbers
        ],
        code="seq-invalid",
    ),
)
def test_seq_invalid_where_a_row_is_not_one_more_than_the_row_above(numbers, flagged):
    form = build_form(2, [a2_row(n, seq=seq) for n, seq in enumerate(numbers, start=1)])
    assert found([form]) == [("seq-invalid", cell) for cell in flagged]


@given(st.lists(st.integers(0, 12), min_size=1, max_size=8))
@settings(max_examples=60, deadline=None)
def test_seq_invalid_flags_exactly_the_rows_not_following_the_row_above(numbers):
    form = build_form(2, [a2_row(n, seq=str(seq)) for n, seq in enumerate(numbers, start=1)])
    expected = [
        f"A{5 + i}" for i, seq in enumerate(numbers) if seq != (numbers[i - 1] if i else 0) + 1
    ]
    assert [cell for code, cell in found([form]) if code == "seq-invalid"] == sorted(expected)


def test_seq_counts_rejected_template_rows():
    rows = [a2_row(1, name="吴XX"), a2_row(2)]
    assert found([build_form(2, rows)]) == [("placeholder-value", "C5")]


@pytest.mark.proves("person-duplicate")
def test_person_duplicate_on_second_row_only():
    form = build_form(2, [a2_row(1), a2_row(2, mobile="13900000001", account="x")])
    assert found([form]) == [("person-duplicate", "C6")]


def test_same_name_other_mobile_is_another_person():
    form = build_form(2, [a2_row(1), a2_row(2)])
    assert found([form]) == []


@pytest.mark.parametrize(
    ("meta", "expected"),
    rule_cases(
        [
            (
                {"unit": "", "filler": "张三", "department": "认证科", "date": "2026年11月20日"},
                [("metadata-missing", "A3")],
            ),
            (
                {
                    "unit": "上海市黄浦区市场监督管理局",
                    "filler": "张三",
                    "department": "认证科",
                    "date": "2026年11月20日",
                },
                [],
            ),
        ]
    ),
)
def test_metadata_missing(meta, expected):
    assert found([build_form(2, [a2_row()], meta=meta)]) == expected


def test_annex1_does_not_need_filler():
    meta = {"unit": "上海市黄浦区市场监督管理局", "date": "2026-11-20"}
    assert found([build_form(1, [a1_row()], meta=meta)]) == []


@pytest.mark.parametrize(
    ("date", "expected"),
    rule_cases(
        [
            ("2026年13月40日", [("date-invalid", "D3")]),
            ("2026-12-01", [("date-invalid", "D3")]),
            ("2026/11/20", []),
            ("202X年X月X日", [("placeholder-value", "D3")]),
        ]
    ),
)
def test_date_invalid(date, expected):
    meta = {
        "unit": "上海市黄浦区市场监督管理局",
        "filler": "张三",
        "department": "认证科",
        "date": date,
    }
    assert found([build_form(2, [a2_row()], meta=meta)]) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    rule_cases(
        [
            ("上海市东湖区市场监管局", [("district-unknown", "A3")]),
            ("黄浦区市场监管局", []),
            # The city office is a known unit: its own batch to SAMR is the same form.
            ("上海市市场监督管理局", []),
            ("上海市 市场监督管理局认证处", []),
            ("上海市场监督管理局", [("district-unknown", "A3")]),
        ]
    ),
)
def test_district_unknown(unit, expected):
    meta = {"unit": unit, "filler": "张三", "department": "认证科", "date": "2026-11-20"}
    assert found([build_form(2, [a2_row()], meta=meta)]) == expected


@pytest.mark.parametrize(
    ("bureau", "expected"),
    rule_cases(
        [("上海市徐汇区市场监督管理局", [("district-mismatch", "B5")]), ("黄浦区市场监管局", [])]
    ),
)
def test_district_mismatch(bureau, expected):
    assert found([build_form(2, [a2_row(bureau=bureau)])]) == expected


@pytest.mark.parametrize(("annex", "severity"), [(1, "info"), (2, "error")])
@pytest.mark.proves("annex-empty")
def test_annex_empty(annex, severity):
    findings = run_rules([build_form(annex, [])], CONFIG, as_of=AS_OF).findings
    assert [(f.code, f.severity, f.cell) for f in findings] == [("annex-empty", severity, None)]


@pytest.mark.proves("column-missing")
def test_column_missing_points_at_header_and_optional_is_warning():
    form = build_form(1, [a1_row()])
    form.missing_columns = ("mobile", "remarks")
    findings = run_rules([form], CONFIG, as_of=AS_OF).findings
    assert [(f.code, f.column, f.severity, f.row) for f in findings] == [
        ("column-missing", "手机号", "error", 4),
        ("column-missing", "备注", "warning", 4),
    ]


@pytest.mark.proves("template-outdated")
def test_template_outdated_once_per_form():
    form = build_form(2, [a2_row()])
    form.template_version = "2020.1"
    assert found([form]) == [("template-outdated", None)]
    form.template_version = CONFIG.settings.template.version
    assert found([form]) == []


# ---------------------------------------------------------------- across rows, files and districts
@pytest.mark.proves("phone-shared")
def test_phone_shared_on_every_row_across_districts():
    a = build_form(2, [a2_row(1, name="王建华")], file="a.xlsx")
    other = a2_row(1, name="李明", bureau="徐汇区", account="xh_user1")
    b = build_form(2, [other], file="b.xlsx", district="徐汇区")
    findings = sort_findings(run_rules([a, b], CONFIG, as_of=AS_OF).findings)
    assert [(f.code, f.file, f.cell) for f in findings] == [
        ("phone-shared", "a.xlsx", "G5"),
        ("phone-shared", "b.xlsx", "G5"),
    ]
    assert "b.xlsx" in findings[0].message


def test_phone_not_shared_by_one_person_in_both_annexes():
    a1 = build_form(1, [a1_row(1)])
    a2 = build_form(2, [a2_row(1, functions="初审、监管", post="认证科科员")])
    assert found([a1, a2]) == []


@pytest.mark.proves("account-name-duplicate", "person-multi-district")
def test_person_multi_district_and_account_duplicate():
    a = build_form(2, [a2_row(1)], file="a.xlsx")
    b = build_form(2, [a2_row(1, bureau="徐汇区")], file="b.xlsx", district="徐汇区")
    # The same person in two districts: person-multi-district, and no account-name-duplicate.
    assert found([a, b]) == [("person-multi-district", "C5")] * 2
    other = a2_row(1, mobile="13900000002", bureau="徐汇区", account="hp_user1")
    c = build_form(2, [other], file="c.xlsx", district="徐汇区")
    assert found([a, c]) == [
        ("account-name-duplicate", "E5"),
        ("account-name-duplicate", "E5"),
    ]


@pytest.mark.proves("cancel-still-listed", "functions-disagree", "open-not-listed")
def test_cross_annex_rules():
    requests = build_form(1, [
        a1_row(1, adjustment="注销", original="监管", current="无", name="赵敏", mobile="13900000001"),
        a1_row(2, adjustment="开通", original="无", current="监管", name="钱进", mobile="13900000002"),
        a1_row(3, adjustment="增加功能", original="初审", current="初审、监管", name="孙立", mobile="13900000003", post="现认证科科员"),
    ])  # fmt: skip
    roster = build_form(2, [
        a2_row(1, name="赵敏", mobile="13900000001"),
        a2_row(2, name="孙立", mobile="13900000003", functions="初审", post="认证科科员"),
    ])  # fmt: skip
    findings = run_rules([requests, roster], CONFIG, as_of=AS_OF).findings
    assert sorted((f.code, f.annex, f.cell) for f in findings) == [
        ("cancel-still-listed", 2, "C5"),
        ("functions-disagree", 2, "F6"),
        ("open-not-listed", 1, "F6"),
    ]


def test_cross_annex_rules_need_the_districts_annex2():
    requests = build_form(1, [a1_row(1, adjustment="开通", original="无", current="监管")])
    assert found([requests]) == []


@pytest.mark.proves("district-missing", "submission-late")
def test_rollup_missing_and_late():
    late = build_form(
        2,
        [a2_row()],
        meta={"unit": "黄浦区", "filler": "张三", "department": "认证科", "date": "2026-12-02"},
    )
    findings = run_rules([late], CONFIG, as_of=AS_OF.replace(month=12, day=5), year=2026).findings
    missing = [f.district for f in findings if f.code == "district-missing"]
    assert len(missing) == 15 and "黄浦区" not in missing
    assert [(f.code, f.cell) for f in findings if f.code != "district-missing"] == [
        ("submission-late", "D3")
    ]


@pytest.mark.parametrize(
    ("as_of", "severity", "zh", "en"),
    [
        (dt.date(2026, 11, 26), "info", "截止日期为2026年11月30日，还有4天。", "(due 2026-11-30; 4 day(s) left)"),
        (dt.date(2026, 11, 30), "info", "，今天截止。", "; due today)"),
        (dt.date(2026, 12, 1), "error", "，已过截止日期。", "; the deadline has passed)"),
    ],
)  # fmt: skip
def test_district_missing_is_info_with_the_days_left_until_the_deadline(
    as_of: dt.date, severity: str, zh: str, en: str
):
    findings = run_rules([build_form(2, [a2_row()])], CONFIG, as_of=as_of, year=2026).findings
    missing = [f for f in findings if f.code == "district-missing"]
    assert len(missing) == 15
    assert {f.severity for f in missing} == {severity}
    assert zh in missing[0].message and en in missing[0].message_en


@pytest.mark.parametrize(("date", "late"), [("2026-11-30", False), ("2026-12-01", True)])
def test_a_roster_dated_on_the_deadline_is_in_time(date: str, late: bool):
    # Decision 27: "11月30日前" is in time on 11-30 itself.
    form = build_form(
        2, [a2_row()],
        meta={"unit": "黄浦区", "filler": "张三", "department": "认证科", "date": date},
    )  # fmt: skip
    findings = run_rules([form], CONFIG, as_of=dt.date(2026, 12, 3), year=2026).findings
    assert [f.cell for f in findings if f.code == "submission-late"] == (["D3"] if late else [])


def test_future_date_is_only_date_invalid():
    future = build_form(
        2,
        [a2_row()],
        meta={"unit": "黄浦区", "filler": "张三", "department": "认证科", "date": "2026-12-02"},
    )
    findings = found([future], year=2026)
    assert [f for f in findings if f[0] != "district-missing"] == [("date-invalid", "D3")]


def test_merged_bureau_cell_is_judged_once_with_its_first_person():
    form = build_form(
        2, [a2_row(1, bureau="徐汇区", name="王建华"), a2_row(2, bureau="徐汇区", name="李明")]
    )
    first = form.rows[0].cells["bureau"]
    form.rows[1].cells["bureau"] = first._replace(merged=True)  # B6 is filled from B5
    findings = sort_findings(run_rules([form], CONFIG, as_of=AS_OF).findings)
    assert [(f.code, f.cell, f.person) for f in findings] == [("district-mismatch", "B5", "王建华")]


@pytest.mark.parametrize(
    ("seq", "expected"), [("1.", []), ("1、", []), ("一", [("seq-invalid", "A5")])]
)
def test_seq_written_with_a_trailing_mark(seq, expected):
    assert found([build_form(2, [a2_row(1, seq=seq)])]) == expected


@pytest.mark.parametrize(
    ("mobile", "suggestion"),
    [
        ("手机：139 0000 0001", "13900000001"),
        ("13900000001（办）", "13900000001"),
        ("1390000000", None),
        ("13900000001/13900000002", None),
    ],
)
def test_phone_invalid_proposes_the_mobile_written_inside(mobile, suggestion):
    findings = run_rules([build_form(2, [a2_row(1, mobile=mobile)])], CONFIG, as_of=AS_OF).findings
    assert [(f.code, f.cell, f.suggestion) for f in findings] == [
        ("phone-invalid", "G5", suggestion)
    ]


# ---------------------------------------------------------------- docs/rules.md decisions 17–20
def messages(forms, code: str) -> list[tuple[str, str]]:
    findings = run_rules(forms, CONFIG, as_of=AS_OF).findings
    return [(f.message, f.message_en) for f in findings if f.code == code]


# Decision 17: every way the office writes a contact phone.
CONTACTS_OK = [
    "张明 64220000",  # the 8 digits alone, as the notice writes its own line
    "张明 6422 0000",
    "张明 021-64220000",
    "张明 021 6422 0000",
    "张明 (021)64220000",
    "张明 （021）64220000",
    "张明 ０２１－６４２２００００",
    "张明 021-64220000转2826",
    "张明 021-64220000转2826分机",
    "张明 021-64220000-2826",
    "张明 021-64220000 ext 2826",
    "张明 64220000转2826",
    "张明（021-65116809转8012）",
    "上海市黄浦区市场监管局 张明 13900001111",
    "张明 139 0000 1111",
    "张明 021-64220000，13900001111",
]
CONTACTS_BAD = [
    ("张明 6321000", "6321000"),  # 7 digits
    ("张明 010-64220000", "010-64220000"),  # another city
    ("张明 021-6422000", "021-6422000"),
    ("张明 1390000111", "1390000111"),  # a mobile with a digit missing
    ("张明 021-64220000 李四 0216422", "0216422"),  # the valid one is not quoted
]


@pytest.mark.parametrize("contact", CONTACTS_OK)
def test_contact_phone_written_as_the_office_does_passes(contact):
    assert found([build_form(1, [a1_row(1, contact=contact)])]) == []


@pytest.mark.parametrize(("contact", "number"), CONTACTS_BAD)
def test_contact_phone_invalid_quotes_the_number_not_the_cell(contact, number):
    form = build_form(1, [a1_row(1, contact=contact)])
    assert found([form]) == [("contact-phone-invalid", "J5")]
    [(zh, en)] = messages([form], "contact-phone-invalid")
    assert f"“{number}”" in zh and f"“{number}”" in en and contact not in zh


_LOCAL = st.from_regex(r"[2-9][0-9]{7}", fullmatch=True)
_AREA = st.sampled_from(["", "021-", "021 ", "(021)", "（021）", "021"])
_EXTENSION = st.sampled_from(["", "转2826", "转2826分机", "-2826", " ext 2826", "分机12"])
_SPLIT = st.booleans()


@given(local=_LOCAL, area=_AREA, extension=_EXTENSION, split=_SPLIT, bracket=st.booleans())
@settings(max_examples=200, deadline=None)
def test_any_landline_of_the_city_is_a_valid_contact_phone(local, area, extension, split, bracket):
    number = f"{area}{local[:4]} {local[4:]}" if split else f"{area}{local}"
    number += extension
    text = f"张明（{number}）" if bracket else f"黄浦区市场监管局 张明 {number}"
    assert [(p.text, p.valid) for p in contact_phones(text, "021")] == [(number, True)]


@given(digits=st.from_regex(r"[2-9][0-9]{6}|[2-9][0-9]{8,9}", fullmatch=True))
@settings(max_examples=100, deadline=None)
def test_a_number_of_the_wrong_length_is_invalid_and_quoted(digits):
    assert [(p.text, p.valid) for p in contact_phones(f"张明 {digits}", "021")] == [(digits, False)]


# Document numbers: wrong brackets and two-digit years are malformed, spaces are not.
@pytest.mark.parametrize(
    ("letter", "reason", "suggestion"),
    [
        ("黄市监[2026]12号", "年份应使用六角括号〔〕（当前为“[2026]”）", "黄市监〔2026〕12号"),
        ("黄市监（2026）12号", "年份应使用六角括号〔〕（当前为“（2026）”）", "黄市监〔2026〕12号"),
        ("黄市监【2026】12号", "年份应使用六角括号〔〕（当前为“【2026】”）", "黄市监〔2026〕12号"),
        ("黄市监〔26〕12号", "年份应写全四位数字（当前为“〔26〕”）", "黄市监〔2026〕12号"),
        ("黄市监(26)12号", "年份应使用六角括号〔〕并写全四位数字", "黄市监〔2026〕12号"),
    ],
)
def test_docno_invalid_says_what_is_wrong(letter, reason, suggestion):
    form = build_form(1, [a1_row(1, letter=f"关于调整账号的函（{letter}）")])
    findings = run_rules([form], CONFIG, as_of=AS_OF).findings
    assert [(f.code, f.cell) for f in findings] == [("docno-invalid", "I5")]
    assert reason in findings[0].message
    # The number itself is quoted (not the letter's title) and its fix given.
    assert f"来函文号“{letter}”" in findings[0].message and "关于" not in findings[0].message
    assert f"应写作“{suggestion}”" in findings[0].message
    assert findings[0].suggestion == f"关于调整账号的函（{suggestion}）"


@pytest.mark.parametrize(
    "letter", ["黄市监〔2026〕 12 号", "黄市监〔 2026 〕12号", "黄市监〔2026〕12号"]
)
def test_docno_with_spaces_inside_is_well_formed(letter):
    assert found([build_form(1, [a1_row(1, letter=f"关于调整账号的函（{letter}）")])]) == []


# Decision 18: an Annex 1 whose only data row says 无 is an empty Annex 1.
@pytest.mark.parametrize(
    "values",
    [
        {"adjustment": "无", "original": "", "current": "", "name": "", "post": "", "mobile": ""},
        {"adjustment": "无", "original": "无", "current": "无", "name": "无", "post": "无", "mobile": "无"},
        {"adjustment": "/", "original": "/", "current": "/", "name": "/", "post": "/", "mobile": "/"},
    ],
)  # fmt: skip
def test_annex1_that_says_none_is_empty(values):
    form = build_form(1, [a1_row(1, **values)])
    result = run_rules([form], CONFIG, as_of=AS_OF)
    assert [(f.code, f.severity, f.cell) for f in result.findings] == [
        ("annex-empty", "info", None)
    ]
    assert result.rejected == {(form.file, form.sheet, 5): ["annex-empty"]}


def test_a_none_row_beside_a_real_request_is_judged():
    none = a1_row(1, adjustment="无", original="", current="", name="", post="", mobile="")
    assert found([build_form(1, [none, a1_row(2)])]) == [
        ("adjustment-type-unknown", "B5"),
        ("required-missing", "F5"),
        ("required-missing", "G5"),
        ("required-missing", "H5"),
    ]


# Decision 19: establishment words.
@pytest.mark.parametrize(
    ("post", "expected"),
    [
        ("认证科聘任制公务员科长", []),  # a civil servant: judged by the rank words
        ("认证科聘任制公务员科员", [("rank-insufficient", "D5")]),
        ("聘任制公务员", [("rank-unknown", "D5")]),
        ("认证科聘任制科长", [("rank-insufficient", "D5")]),  # 聘任制 alone is off it
        ("认证科工勤人员", [("rank-insufficient", "D5")]),
        ("认证科工勤", [("rank-insufficient", "D5")]),
        ("认证科雇员", [("rank-insufficient", "D5")]),
        ("认证科科长", []),
    ],
)
def test_establishment_words(post, expected):
    assert found([build_form(2, [a2_row(1, post=post)])]) == expected


# Decision 20: a filled functions cell never gets required-missing.
@pytest.mark.parametrize(
    ("functions", "expected"),
    [
        ("全部权限", [("function-unknown", "F5")]),
        ("复核", [("function-unknown", "F5")]),
        ("复核、监管", [("function-unknown", "F5")]),
        ("无", [("required-missing", "F5")]),  # no function (decision 7)
        ("", [("required-missing", "F5")]),
    ],
)
def test_filled_functions_cell_is_never_required_missing(functions, expected):
    assert found([build_form(2, [a2_row(1, functions=functions)])]) == expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [("全部权限", [("function-unknown", "E5")]), ("", [("required-missing", "E5")])],
)
def test_filled_current_functions_of_annex1_is_never_required_missing(current, expected):
    row = a1_row(1, adjustment="开通", original="无", current=current)
    assert found([build_form(1, [row])]) == expected


# placeholder-value on a metadata line says what to do there (no example row to delete).
def test_placeholder_message_fits_a_metadata_cell_and_a_row():
    meta = {
        "unit": "上海市黄浦区市场监督管理局",
        "filler": "XXX",
        "department": "认证科",
        "date": "2026-11-20",
    }
    form = build_form(2, [a2_row(1, name="吴XX")], meta=meta)
    by_cell = {f.cell: f for f in run_rules([form], CONFIG, as_of=AS_OF).findings}
    assert sorted(by_cell) == ["B3", "C5"]
    assert (
        "删除这一示例行" not in by_cell["B3"].message
        and "example row" not in by_cell["B3"].message_en
    )
    assert "删除这一示例行" in by_cell["C5"].message
