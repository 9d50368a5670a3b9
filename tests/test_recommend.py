"""The fast-channel recommendation rules: a row that breaks each, and a look-alike that
must pass; the rules against the city's list; what does not apply to these lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from consolidate.checks import run_rules
from consolidate.model.fastlist import FastList, ListedUnit
from tests.helpers import build_form, rule_cases
from tests.recommend_files import CODES, extension_row, new_row

AS_OF = dt.date(2026, 6, 10)
LIST_META = {"unit": "上海市黄浦区市场监督管理局", "date": "2026年5月20日"}


def recommend_form(rows, *, date="2026年5月20日", district="黄浦区", file=None, row_type=None):
    form = build_form(
        3, rows, district=district, meta={**LIST_META, "unit": f"上海市{district}市场监督管理局",
        "date": date}, file=file or f"{district}/推荐名单.xlsx",
    )  # fmt: skip
    form.row_type = row_type
    return form


def fastlist(*units: tuple[str, str | None, str | None]) -> FastList:
    """The city's list: (code, 开通日期, 有效期至) per unit, rows from 2."""
    listed = FastList(
        Path("名单.xlsx"), "_便捷通道/名单.xlsx", "0" * 64, "使用单位名单", 1, {"unit": 3}
    )
    for n, (code, opened, expires) in enumerate(units, start=2):
        listed.units.append(
            ListedUnit(
                "黄浦区", f"上海单位{n}有限公司", code,
                dt.date.fromisoformat(opened) if opened else None,
                dt.date.fromisoformat(expires) if expires else None, n,
            )
        )  # fmt: skip
    return listed


def found(forms, *, as_of=AS_OF, listed=None, code=None):
    findings = run_rules(forms, _config(), as_of=as_of, fastlist=listed).findings
    return sorted((f.code, f.file, f.cell) for f in findings if code is None or f.code == code)


def _config():
    from tests.helpers import CONFIG

    return CONFIG


def at(code, cell, file="黄浦区/推荐名单.xlsx"):
    return (code, file, cell)


# ---------------------------------------------------------------- one row
# Columns: A 序号 B 推荐类型 C 单位名称 D 统一社会信用代码 E 联系人 F 联系电话
# G 现权限有效期至 H 免办申请次数 I 后续监管情况 J 初审意见 K 备注; data from row 5.
ROW_CASES = [
    ("uscc-invalid", new_row(uscc="91310101MA1FL0000B"), [at("uscc-invalid", "D5")]),
    ("uscc-invalid", new_row(uscc="91310101MA1FL000A"), [at("uscc-invalid", "D5")]),
    ("uscc-invalid", new_row(uscc="91310101MI1FL0000A"), [at("uscc-invalid", "D5")]),
    ("uscc-invalid", new_row(uscc="91310101ma1fl0000a"), [at("uscc-invalid", "D5")]),
    ("uscc-invalid", new_row(uscc="91310101MA1FL0000A"), []),
    ("uscc-invalid", new_row(uscc="91310101000000024X"), []),  # X, and no placeholder
    ("uscc-invalid", new_row(uscc="913101010000000150"), []),  # check character 0
    ("recommend-type-unknown", new_row(type="新增"), [at("recommend-type-unknown", "B5")]),
    ("recommend-type-unknown", new_row(type="其他"), [at("recommend-type-unknown", "B5")]),
    ("recommend-type-unknown", new_row(type="新 申 请"), []),
    ("recommend-type-unknown", extension_row(type="延用"), []),
    (
        "extension-fields-missing",
        extension_row(until="", supervision=""),
        [at("extension-fields-missing", "G5"), at("extension-fields-missing", "I5")],
    ),
    (
        "extension-fields-missing",
        extension_row(applications=""),
        [at("extension-fields-missing", "H5")],
    ),
    ("extension-fields-missing", extension_row(applications="0"), []),
    ("extension-fields-missing", new_row(until="", applications="", supervision=""), []),
    ("review-not-passed", new_row(review="不符合（材料不全）"), [at("review-not-passed", "J5")]),
    ("review-not-passed", new_row(review="暂缓推荐"), [at("review-not-passed", "J5")]),
    ("review-not-passed", new_row(review="符合，同意推荐"), []),
    ("review-not-passed", new_row(review="同意推荐"), []),
    ("required-missing", new_row(unit=""), [at("required-missing", "C5")]),
    ("required-missing", new_row(uscc=""), [at("required-missing", "D5")]),
    ("required-missing", new_row(type=""), [at("required-missing", "B5")]),
    ("required-missing", new_row(contact="", phone="", remarks=""), []),
    ("placeholder-value", new_row(unit="上海XX有限公司"), [at("placeholder-value", "C5")]),
    ("placeholder-value", new_row(uscc="91310XXXXXXXXXXXXX"), [at("placeholder-value", "D5")]),
    ("placeholder-value", new_row(uscc="91310101000000024X"), []),
]


@pytest.mark.parametrize(("code", "values", "expected"), rule_cases(ROW_CASES))
def test_recommendation_row_rule(code, values, expected):
    assert found([recommend_form([values])]) == expected


def test_an_empty_review_is_missing_and_not_passed():
    codes = found([recommend_form([new_row(review="")])])
    assert codes == [at("required-missing", "J5"), at("review-not-passed", "J5")]


def test_case_or_width_alone_gets_the_fixed_code_suggested():
    form = recommend_form([new_row(uscc="９１３１０１０１ｍａ１ｆｌ００００ａ")])
    (finding,) = run_rules([form], _config(), as_of=AS_OF).findings
    assert finding.code == "uscc-invalid" and finding.suggestion == "91310101MA1FL0000A"
    assert "91310101MA1FL0000A" in finding.message and finding.person == "上海甲乙1电子有限公司"


def test_a_wrong_check_character_gets_no_guess():
    (finding,) = run_rules(
        [recommend_form([new_row(uscc="91310101MA1FL0000B")])], _config(), as_of=AS_OF
    ).findings
    assert finding.suggestion is None and "校验码" in finding.message


def test_an_unknown_type_gets_the_closest_suggested():
    findings = run_rules([recommend_form([new_row(type="续期")])], _config(), as_of=AS_OF).findings
    (finding,) = [f for f in findings if f.code == "recommend-type-unknown"]
    assert finding.suggestion == "延用"
    # Judged as what it likely means: an extension, whose fields are missing.
    assert {f.code for f in findings} == {"recommend-type-unknown", "extension-fields-missing"}


def test_a_sheet_of_one_type_needs_no_type_column_cell():
    form = recommend_form([extension_row(type="")], row_type="延用")
    assert found([form]) == []
    broken = recommend_form([extension_row(type="", until="")], row_type="延用")
    assert found([broken]) == [at("extension-fields-missing", "G5")]


def test_an_unparsable_permission_end_is_date_invalid():
    form = recommend_form([extension_row(until="明年八月")])
    assert found([form], code="date-invalid") == [at("date-invalid", "G5")]
    assert found([recommend_form([extension_row(until="2026/8/1")])], code="date-invalid") == []


def test_account_rules_do_not_judge_recommendations():
    """Two districts name the same contact and phone: no phone-shared, person-multi-district,
    phone-invalid or name-suspicious (the account rules)."""
    forms = [
        recommend_form([new_row(1, contact="Tom", phone="0216321")], district="黄浦区"),
        recommend_form([new_row(2, seq="1", contact="Tom", phone="0216321")], district="徐汇区"),
    ]
    assert found(forms) == []


# ---------------------------------------------------------------- across rows and districts
@pytest.mark.proves("unit-duplicate")
def test_unit_duplicate_in_one_list_marks_every_row_naming_the_others():
    # Decision 26: every row involved, each naming the other(s), as across districts.
    rows = [new_row(1), new_row(2, uscc=CODES[0].lower()), new_row(3, uscc=CODES[1])]
    rows.append(new_row(4, uscc=CODES[0]))
    findings = run_rules([recommend_form(rows)], _config(), as_of=AS_OF).findings
    duplicates = sorted((f.cell, f.message) for f in findings if f.code == "unit-duplicate")
    assert [cell for cell, _ in duplicates] == ["C5", "C6", "C8"]
    named = {cell: re.findall(r"第(\d+)行", message) for cell, message in duplicates}
    assert named == {"C5": ["6", "8"], "C6": ["5", "8"], "C8": ["5", "6"]}


def test_one_unit_recommended_once_is_no_duplicate():
    form = recommend_form([new_row(1), new_row(2, uscc=CODES[1])])
    assert found([form], code="unit-duplicate") == []


def test_unit_duplicate_by_two_districts_marks_both():
    forms = [
        recommend_form([new_row(1)], district="黄浦区"),
        recommend_form([new_row(2, seq="1", uscc=CODES[0])], district="徐汇区"),
    ]
    assert found(forms, code="unit-duplicate") == [
        at("unit-duplicate", "C5", "徐汇区/推荐名单.xlsx"),
        at("unit-duplicate", "C5"),
    ]


def test_different_codes_are_no_duplicate():
    forms = [
        recommend_form([new_row(1), new_row(2)]),
        recommend_form([new_row(3, seq="1")], district="徐汇区"),
    ]
    assert found(forms, code="unit-duplicate") == []


@pytest.mark.parametrize(
    ("date", "row", "expected"),
    rule_cases(
        [
            ("2026年6月1日", new_row(), [("recommend-late", "黄浦区/推荐名单.xlsx", "A3")]),
            ("2026年5月31日", new_row(), []),
            ("2026年7月1日", extension_row(), [("recommend-late", "黄浦区/推荐名单.xlsx", "A3")]),
            ("2026年6月30日", extension_row(), []),
        ]
    ),
)
def test_recommend_late(date, row, expected):
    # build_form puts the metadata on row 3, 填报日期 in the second metadata cell.
    findings = run_rules(
        [recommend_form([row], date=date)], _config(), as_of=AS_OF.replace(month=7, day=20)
    ).findings
    late = [
        (f.code, f.file, f.cell.replace("B", "A")) for f in findings if f.code == "recommend-late"
    ]
    assert late == expected


def test_a_future_date_is_date_invalid_not_late():
    form = recommend_form([new_row()], date="2026年6月20日")
    codes = {f.code for f in run_rules([form], _config(), as_of=AS_OF).findings}
    assert "date-invalid" in codes and "recommend-late" not in codes


# ---------------------------------------------------------------- against the city's list
@pytest.mark.proves("extension-not-listed")
def test_extension_not_listed():
    listed = fastlist((CODES[5], "2024-08-01", None))
    assert found(
        [recommend_form([extension_row(1)])], listed=listed, code="extension-not-listed"
    ) == [at("extension-not-listed", "C5")]
    assert (
        found([recommend_form([extension_row(6)])], listed=listed, code="extension-not-listed")
        == []
    )


def test_extension_not_listed_names_the_list_not_where_the_office_keeps_it():
    """The message goes back to the district in its annotated copy."""
    listed = fastlist((CODES[5], "2024-08-01", None))
    listed = dataclasses.replace(listed, display="D:\\市局认证处\\便捷通道\\使用单位名单.xlsx")
    findings = run_rules(
        [recommend_form([extension_row(1)])], _config(), as_of=AS_OF, fastlist=listed
    ).findings
    [message] = [f.message for f in findings if f.code == "extension-not-listed"]
    assert "（使用单位名单.xlsx）" in message and "市局认证处" not in message


def test_no_list_no_listing_rules():
    form = recommend_form([extension_row(1), new_row(2)])
    assert found([form]) == []


@pytest.mark.proves("new-already-listed")
def test_new_already_listed_while_the_permission_is_valid():
    listed = fastlist(
        (CODES[0], "2025-03-01", "2027-03-01"), (CODES[1], "2024-01-05", "2026-01-05")
    )
    form = recommend_form([new_row(1), new_row(2)])
    assert found([form], listed=listed, code="new-already-listed") == [
        at("new-already-listed", "C5")
    ]


@pytest.mark.proves("extension-lapsed")
def test_extension_lapsed_by_the_list():
    listed = fastlist((CODES[0], "2024-03-01", "2026-03-01"))  # before 5-20
    form = recommend_form([extension_row(1, until="2026年8月1日")])
    assert found([form], listed=listed, code="extension-lapsed") == [at("extension-lapsed", "G5")]
    still = fastlist((CODES[0], "2024-08-01", "2026-08-01"))
    assert found([form], listed=still, code="extension-lapsed") == []


def test_extension_lapsed_as_written_without_a_list():
    form = recommend_form([extension_row(1, until="2026年3月1日")])
    assert found([form], code="extension-lapsed") == [at("extension-lapsed", "G5")]
    assert found([recommend_form([extension_row(1)])], code="extension-lapsed") == []


@pytest.mark.proves("permission-expiring")
def test_permission_expiring_without_an_extension():
    listed = fastlist(
        (CODES[0], "2024-08-01", "2026-08-01"),  # within 3 months of 6-10
        (CODES[1], "2024-07-15", "2026-07-15"),  # within, but its 延用 arrived
        (CODES[2], "2024-10-01", "2026-10-01"),  # beyond 3 months
        (CODES[3], "2024-01-01", "2026-01-01"),  # ended already: expired, no reminder
    )
    form = recommend_form([extension_row(2)])
    findings = [
        f
        for f in run_rules([form], _config(), as_of=AS_OF, fastlist=listed).findings
        if f.code == "permission-expiring"
    ]
    assert [(f.file, f.sheet, f.row, f.cell, f.district) for f in findings] == [
        ("_便捷通道/名单.xlsx", "使用单位名单", 2, "C2", "黄浦区")
    ]
    assert findings[0].severity == "info" and "2026年8月1日" in findings[0].message
