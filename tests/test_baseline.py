"""Last year's register as the baseline: reading it, and each cross-year rule both ways."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from consolidate.api import consolidate_inbox
from consolidate.checks import run_rules
from consolidate.checks.crossyear import function_totals
from consolidate.model.baseline import Baseline, BaselinePerson
from consolidate.model.finding import sort_findings
from consolidate.model.outcome import Change
from consolidate.reading.baseline import read_baseline
from consolidate.support.config import DEFAULT_SCHEMAS, load_config
from consolidate.support.errors import InputError
from tests.helpers import AS_OF, CONFIG, a1_cells, a1_row, a2_row, build_form, write_annex

HP, XH = "上海市黄浦区市场监督管理局", "上海市徐汇区市场监督管理局"
BASELINE = "上年/register.xlsx"
CROSS_YEAR = (
    "unreported-new-account",
    "unreported-removal",
    "unreported-function-change",
    "original-disagrees-baseline",
)


def baseline_of(*people: tuple[str, str, str, str]) -> Baseline:
    """A baseline built in memory: (district, name, mobile, functions) from row 2, as 名册."""
    rows = [
        BaselinePerson(
            district=district, name=name, mobile=mobile, functions=tuple(functions.split("、")),
            account=f"acc{i}", post="认证科科长", row=i + 2, name_col=3, functions_col=6,
            name_text=name,
        )
        for i, (district, name, mobile, functions) in enumerate(people)
    ]  # fmt: skip
    return Baseline(
        path=Path(BASELINE), display=BASELINE, sha256="0" * 64, sheet="名册", header_row=1,
        columns={"bureau": 2, "name": 3, "functions": 6, "mobile": 7}, district_column=1,
        headers={"name": "账号使用人姓名"}, rows=rows,
    )  # fmt: skip


def judge(forms, baseline: Baseline):
    """Every finding of the run (not only the cross-year ones) and the changes."""
    result = run_rules(forms, CONFIG, as_of=AS_OF, baseline=baseline)
    found = sorted((f.code, f.file, f.cell) for f in sort_findings(result.findings))
    return found, result.changes


ROSTER = "黄浦区/附件2.xlsx"
REQUESTS = "黄浦区/附件1.xlsx"


def roster(*rows, district="黄浦区", file=ROSTER):
    return build_form(2, list(rows), file=file, district=district)


def requests(*rows, district="黄浦区", file=REQUESTS):
    return build_form(1, list(rows), file=file, district=district)


# ---------------------------------------------------------------- unreported-new-account
@pytest.mark.proves("unreported-new-account")
def test_new_account_without_request():
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审、监管"))
    forms = [roster(a2_row(1), a2_row(2, name="钱进", mobile="13900000002"))]
    found, changes = judge(forms, base)
    assert found == [("unreported-new-account", ROSTER, "C6")]
    assert [(c.kind, c.name, c.explained, c.request) for c in changes] == [
        ("added", "钱进", False, None)
    ]
    assert changes[0].after == ("复审", "监管") and changes[0].before == ()


def test_new_account_explained_by_open_request():
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审、监管"))
    opened = a1_row(
        1, adjustment="开通", original="无", current="复审、监管", name="钱进",
        mobile="13900000002", post="现认证科科长",
    )  # fmt: skip
    forms = [requests(opened), roster(a2_row(1), a2_row(2, name="钱进", mobile="13900000002"))]
    found, changes = judge(forms, base)
    assert found == []
    assert [(c.kind, c.explained, c.request) for c in changes] == [
        ("added", True, f"{REQUESTS}（Sheet1）第5行")
    ]


# ---------------------------------------------------------------- unreported-removal
@pytest.mark.proves("unreported-removal")
def test_removal_without_request_is_located_at_the_baseline_row():
    base = baseline_of(
        ("黄浦区", "王建华", "13900000001", "复审、监管"),
        ("黄浦区", "赵敏", "13900000009", "初审"),
    )
    found, changes = judge([roster(a2_row(1))], base)
    assert found == [("unreported-removal", BASELINE, "C3")]
    finding = next(
        f for f in run_rules([roster(a2_row(1))], CONFIG, as_of=AS_OF, baseline=base).findings
        if f.code == "unreported-removal"
    )  # fmt: skip
    assert (finding.sheet, finding.row, finding.district, finding.person) == (
        "名册", 3, "黄浦区", "赵敏",
    )  # fmt: skip
    assert "赵敏（黄浦区，功能：初审）" in finding.message
    assert "{" not in finding.message + finding.message_en
    assert [(c.kind, c.name, c.before, c.explained, c.location) for c in changes] == [
        ("removed", "赵敏", ("初审",), False, f"{BASELINE}（名册）第3行")
    ]


def test_removal_explained_by_cancel_request():
    base = baseline_of(
        ("黄浦区", "王建华", "13900000001", "复审、监管"),
        ("黄浦区", "赵敏", "13900000009", "初审"),
    )
    cancel = a1_row(
        1, adjustment="注销", original="初审", current="无", name="赵敏", mobile="13900000009"
    )
    found, changes = judge([requests(cancel), roster(a2_row(1))], base)
    assert found == []
    assert [(c.kind, c.explained) for c in changes] == [("removed", True)]


def test_removal_only_for_districts_that_sent_an_annex2():
    base = baseline_of(
        ("黄浦区", "王建华", "13900000001", "复审、监管"),
        ("徐汇区", "李明", "13900000005", "监管"),
    )
    found, changes = judge([roster(a2_row(1))], base)
    assert found == [] and changes == []


# ---------------------------------------------------------------- unreported-function-change
@pytest.mark.proves("unreported-function-change")
def test_function_change_without_request():
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审、监管"))
    found, changes = judge([roster(a2_row(1, functions="复审"))], base)
    assert found == [("unreported-function-change", ROSTER, "F5")]
    assert [(c.kind, c.before, c.after, c.explained) for c in changes] == [
        ("functions", ("复审", "监管"), ("复审",), False)
    ]


A1, A2 = "黄浦区/附件1.xlsx", ROSTER
UNEXPLAINED = ("unreported-function-change", A2, "F5")


@pytest.mark.parametrize(
    ("baseline", "now", "kind", "current", "expected"),
    [
        ("复审、监管", "复审", "减少功能", "复审", []),
        ("复审、监管", "复审", "增加功能", "复审", [("add-gains-nothing", A1, "E5"), UNEXPLAINED]),
        ("复审", "复审、监管", "增加功能", "复审、监管", []),
        # not the new functions
        ("复审", "复审、监管", "增加功能", "复审、发证、监管", [("functions-disagree", A2, "F5"), UNEXPLAINED]),
        # mixed: either type explains it
        ("初审、监管", "复审、监管", "增加功能", "复审、监管", [("adjustment-mixed", A1, "E5")]),
        ("初审、监管", "复审、监管", "减少功能", "复审、监管", [("adjustment-mixed", A1, "E5")]),
    ],
)  # fmt: skip
def test_function_change_explained_only_by_matching_request(baseline, now, kind, current, expected):
    base = baseline_of(("黄浦区", "王建华", "13900000001", baseline))
    request = a1_row(1, adjustment=kind, original=baseline, current=current, post="现认证科科长")
    found, changes = judge([requests(request), roster(a2_row(1, functions=now))], base)
    assert found == expected
    explained = UNEXPLAINED not in expected
    assert [(c.kind, c.explained) for c in changes] == [("functions", explained)]
    assert (changes[0].request is not None) is explained


def test_same_functions_in_another_order_is_no_change():
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审、监管"))
    found, changes = judge([roster(a2_row(1, functions="监管，复审"))], base)
    assert found == [] and changes == []


# ---------------------------------------------------------------- original-disagrees-baseline
@pytest.mark.parametrize(
    ("kind", "original", "current", "expected"),
    [
        ("增加功能", "初审", "初审、监管", [("original-disagrees-baseline", REQUESTS, "D5")]),
        ("增加功能", "复审", "复审、监管", []),
        ("注销", "初审", "无", [("original-disagrees-baseline", REQUESTS, "D5")]),
        ("注销", "复审", "无", []),
        # A 开通 (原 = 无) for someone the baseline lists with functions disagrees too.
        ("开通", "无", "复审", [("original-disagrees-baseline", REQUESTS, "D5")]),
        ("开通", "", "复审", [("original-disagrees-baseline", REQUESTS, "D5")]),
    ],
)
def test_original_against_baseline(kind, original, current, expected):
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审"))
    request = a1_row(1, adjustment=kind, original=original, current=current, post="现认证科科长")
    found, _ = judge([requests(request)], base)
    assert found == expected


def test_open_for_someone_new_or_reopened_after_a_cancel_agrees():
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审"))
    new = a1_row(
        1, adjustment="开通", original="无", current="监管", name="钱进", mobile="13900000002"
    )
    found, _ = judge([requests(new)], base)
    assert found == []
    cancel = a1_row(1, adjustment="注销", original="复审", current="无", post="现认证科科长")
    reopen = a1_row(1, adjustment="开通", original="无", current="复审", post="现认证科科长")
    found, _ = judge([requests(cancel), requests(reopen, file="黄浦区/附件1（补报）.xlsx")], base)
    assert found == []


@pytest.mark.proves("original-disagrees-baseline")
def test_original_message_names_both_function_sets():
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审"))
    request = a1_row(1, original="初审", current="初审、监管")
    findings = run_rules([requests(request)], CONFIG, as_of=AS_OF, baseline=base).findings
    finding = next(f for f in findings if f.code == "original-disagrees-baseline")
    assert "“初审”" in finding.message and "“复审”" in finding.message


# ---------------------------------------------------------------- people who moved or changed
def test_moved_district_is_removal_there_and_new_account_here_paired():
    base = baseline_of(
        ("黄浦区", "王建华", "13900000001", "复审、监管"),
        ("黄浦区", "赵敏", "13900000009", "初审"),
    )
    xuhui = roster(a2_row(1, bureau=XH, account="xh1"), district="徐汇区", file="徐汇区/附件2.xlsx")
    huangpu = roster(
        a2_row(1, name="赵敏", mobile="13900000009", functions="初审", post="认证科科员")
    )
    found, changes = judge([huangpu, xuhui], base)
    assert found == [
        ("unreported-new-account", "徐汇区/附件2.xlsx", "C5"),
        ("unreported-removal", BASELINE, "C2"),
    ]
    removed, added = changes  # 黄浦区 before 徐汇区 (configured order)
    assert (removed.kind, removed.district, added.kind, added.district) == (
        "removed", "黄浦区", "added", "徐汇区",
    )  # fmt: skip
    assert removed.pairing == added.pairing == "moved"
    assert removed.likely_same_as == added.location
    assert added.likely_same_as == removed.location


@pytest.mark.parametrize(
    ("values", "pairing"),
    [({"mobile": "13900000099"}, "mobile-changed"), ({"name": "王建"}, "name-changed")],
)
def test_changed_name_or_mobile_is_paired_as_likely_the_same(values, pairing):
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审、监管"))
    found, changes = judge([roster(a2_row(1, **values))], base)
    assert sorted(code for code, *_ in found) == ["unreported-new-account", "unreported-removal"]
    assert [(c.kind, c.pairing) for c in changes] == [("removed", pairing), ("added", pairing)]
    assert changes[0].likely_same_as == f"{ROSTER}（Sheet1）第5行"


def test_baseline_without_district_matches_anywhere():
    base = baseline_of((None, "王建华", "13900000001", "复审、监管"))
    found, changes = judge([roster(a2_row(1))], base)
    assert found == [] and changes == []


def test_changes_are_change_objects():
    base = baseline_of(("黄浦区", "赵敏", "13900000009", "初审"))
    _, changes = judge([roster(a2_row(1))], base)
    assert all(isinstance(c, Change) for c in changes)
    assert {c.kind for c in changes} == {"added", "removed"}


def test_function_totals():
    base = baseline_of(
        ("黄浦区", "王建华", "13900000001", "复审、监管"),
        ("黄浦区", "赵敏", "13900000009", "初审"),
    )
    form = roster(a2_row(1), a2_row(2, name="钱进", mobile="13900000002", functions="监管"))
    totals = function_totals(base, [form], CONFIG)
    assert list(totals) == list(CONFIG.functions)
    assert totals == {
        "初审": (1, 0),
        "复审": (1, 1),
        "发证": (0, 0),
        "监管": (1, 2),
        "管理员": (0, 0),
    }
    skipped = function_totals(base, [form], CONFIG, rejected=[(form.file, form.sheet, 6)])
    assert skipped["监管"] == (1, 1)
    assert function_totals(base, [(form, form.rows[0])], CONFIG)["监管"] == (1, 1)


# ---------------------------------------------------------------- reading a baseline
def write_table(
    path: Path, rows: list[list[object]], *, sheet: str = "Sheet1", before=None
) -> Path:
    """A workbook whose first sheet holds ``rows`` from row 1 (optionally a hidden sheet first)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if before is not None:
        ws.title = "隐藏"
        for row in before:
            ws.append(row)
        ws.sheet_state = "hidden"
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    for row in rows:
        ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_hand_kept_table_in_another_column_order(tmp_path: Path):
    header = ["手机号码", "姓名", "区", "账号功能", "账号名称", "职务"]
    path = write_table(
        tmp_path / "名单.xlsx",
        [
            header,
            [13900000001, "王  建华", "黄浦", "监管，复审", "hp1", "科长"],
            [None, None, None, None, None, None],
            ["13900000005", "李明", "徐汇区", "初审", "xh1", "科员"],
            ["合计", None, None, None, None, None],
        ],
        sheet="名单",
    )
    base = read_baseline(path, "名单.xlsx", CONFIG)
    assert (base.sheet, base.header_row, base.district_column) == ("名单", 1, 3)
    assert base.columns["name"] == 2 and base.columns["functions"] == 4
    assert [(p.district, p.name, p.mobile, p.functions, p.row) for p in base.rows] == [
        ("黄浦区", "王建华", "13900000001", ("复审", "监管"), 2),
        ("徐汇区", "李明", "13900000005", ("初审",), 4),
    ]
    first = base.rows[0]
    assert (first.name_col, first.functions_col, first.account, first.post) == (2, 4, "hp1", "科长")
    assert len(base.sha256) == 64


@pytest.mark.parametrize("lines_above", [0, 12, 39])
def test_the_header_is_searched_as_deep_as_a_submission_s(tmp_path: Path, lines_above: int):
    # The office's register may carry a cover block above its table: the baseline's header is
    # searched as far down as a submission's (forms.toml layout.header_search_rows), not less.
    above = [[f"说明第{i + 1}行"] for i in range(lines_above)]
    path = write_table(
        tmp_path / "名册.xlsx",
        [
            *above,
            ["区", "姓名", "手机号码", "账号功能"],
            ["黄浦区", "王建华", "13900000001", "初审"],
        ],
    )
    base = read_baseline(path, "名册.xlsx", CONFIG)
    assert base.header_row == lines_above + 1
    assert [(p.name, p.row) for p in base.rows] == [("王建华", lines_above + 2)]


def test_a_header_below_the_search_is_refused_with_the_depth_searched(tmp_path: Path):
    rows = CONFIG.layout.header_search_rows
    above = [[f"说明第{i + 1}行"] for i in range(rows)]
    path = write_table(
        tmp_path / "名册.xlsx",
        [
            *above,
            ["区", "姓名", "手机号码", "账号功能"],
            ["黄浦区", "王建华", "13900000001", "初审"],
        ],
    )
    with pytest.raises(InputError) as refused:
        read_baseline(path, "名册.xlsx", CONFIG)
    assert f"前{rows}行" in str(refused.value)


def test_the_district_column_words_come_from_the_schemas(tmp_path: Path):
    rows = [["属地", "姓名", "账号功能", "手机号", "市场监管部门"],
            ["黄浦", "王建华", "复审", "13900000001", XH]]  # fmt: skip
    path = write_table(tmp_path / "名单.xlsx", rows)
    assert read_baseline(path, "名单.xlsx", CONFIG).district_column is None  # 属地 is no word
    schemas = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS, schemas)
    forms = schemas / "forms.toml"
    text = forms.read_text(encoding="utf-8")
    forms.write_text(text.replace('variants = ["区", "区名",', 'variants = ["属地", "区", "区名",'),
                     encoding="utf-8")  # fmt: skip
    base = read_baseline(path, "名单.xlsx", load_config(schemas))
    assert base.district_column == 1 and [p.district for p in base.rows] == ["黄浦区"]


@pytest.mark.parametrize(
    ("below", "outside"),
    [
        (["赵六", "黄浦区", "复审", "13900000009"], [("赵六", 6)]),  # a person below the 合计
        (["备注：赵六已调离", None, None, None], []),  # a note below it is a closing line
        ([None, None, None, "填报人：赵六"], []),
    ],
)
def test_a_person_below_the_end_of_the_baseline_is_reported(tmp_path: Path, below, outside):
    rows = [["姓名", "区", "账号功能", "手机号"],
            ["王建华", "黄浦区", "复审", "13900000001"],
            ["李明", "黄浦区", "监管", "13900000005"],
            ["合计", None, None, None],
            [],
            below]  # fmt: skip
    base = read_baseline(write_table(tmp_path / "名单.xlsx", rows), "名单.xlsx", CONFIG)
    assert [p.name for p in base.rows] == ["王建华", "李明"]
    assert [(p.name, p.row) for p in base.outside] == outside
    assert base.counts.exact and base.counts.outside == len(outside)
    found, _ = judge(
        [roster(a2_row(1, name="王建华", mobile="13900000001", functions="复审"))], base
    )
    reported = [(file, cell) for code, file, cell in found if code == "row-outside-table"]
    assert reported == [("名单.xlsx", f"A{row}") for _, row in outside]
    if outside:
        [finding] = [
            f for f in run_rules([], CONFIG, as_of=AS_OF, baseline=base).findings
            if f.code == "row-outside-table"
        ]  # fmt: skip
        assert "第4行" in finding.message and "赵六" in finding.message


def test_baseline_without_district_column_uses_the_bureau(tmp_path: Path):
    header = ["序号", "市场监管部门", "账号使用人姓名", "所在部门及职务", "当前使用账号名称",
              "当前使用账号功能", "手机号", "备注"]  # fmt: skip
    path = write_table(
        tmp_path / "last.xlsx",
        [
            ["2025年账号使用人名册"],
            [],
            header,
            [1, HP, "王建华", "科长", "hp1", "复审", "13900000001", None],
            [2, XH, "李明", "科员", "xh1", "监管", "13900000005", None],
            [3, HP, "吴XX", "XX科科员", "XX", "复审", "138XXXXXXXX", None],
            ["备注：当前账号功能填写：初审、复审、发证、监管、管理员。"],
        ],
    )
    base = read_baseline(path, "last.xlsx", CONFIG)
    assert base.district_column is None and base.header_row == 3
    assert [(p.district, p.name, p.row) for p in base.rows] == [
        ("黄浦区", "王建华", 4),
        ("徐汇区", "李明", 5),
    ]


def test_first_visible_sheet_with_the_header_wins(tmp_path: Path):
    header = ["区", "姓名", "账号功能", "手机号"]
    path = write_table(
        tmp_path / "b.xlsx",
        [["说明：本表为上年名册"], header, ["黄浦区", "王建华", "复审", "13900000001"]],
        before=[header, ["徐汇区", "隐藏人", "复审", "13900000002"]],
    )
    base = read_baseline(path, "b.xlsx", CONFIG)
    assert base.sheet == "Sheet1" and [p.name for p in base.rows] == ["王建华"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "找不到"),
        (b"not a workbook at all", "无法读取"),
        ("no-header", "没有找到名册表头"),
    ],
)
def test_unusable_baseline_is_an_input_error(tmp_path: Path, content, message):
    path = tmp_path / "bad.xlsx"
    if content == "no-header":
        write_table(path, [["区", "人数"], ["黄浦区", 3]])
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_baseline(path, "bad.xlsx", CONFIG)


# ---------------------------------------------------------------- end to end
def a2(n: int, name: str, functions: str, mobile: str, bureau: str = HP) -> list[object]:
    return [n, bureau, name, "认证科科长", f"user{n}_{name}", functions, mobile, None]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    root = tmp_path / "inbox"
    write_annex(
        root / "黄浦区/附件2.xlsx",
        2,
        [
            a2(1, "张  三", "复审，监管", "13912340001"),
            a2(2, "李四", "初审、发证", "139 1234 0002"),
        ],
    )
    write_annex(
        root / "徐汇区/附件2.xlsx", 2, [a2(1, "赵六", "管理员", "13912340004", XH)], unit=XH
    )
    return root


def test_round_trip_register_is_its_own_baseline(inbox: Path, tmp_path: Path):
    register = pytest.importorskip("consolidate.writing.register")
    first = consolidate_inbox(inbox, as_of=AS_OF)
    path = tmp_path / "out" / "register.xlsx"
    path.parent.mkdir()
    register.write_register(first, path)
    base = read_baseline(path, "out/register.xlsx", CONFIG)
    assert base.sheet == "名册" and base.header_row == 1 and base.district_column == 1
    assert sorted((p.district, p.name, p.mobile, p.functions) for p in base.rows) == [
        ("徐汇区", "赵六", "13912340004", ("管理员",)),
        ("黄浦区", "张三", "13912340001", ("复审", "监管")),
        ("黄浦区", "李四", "13912340002", ("初审", "发证")),
    ]
    again = consolidate_inbox(inbox, as_of=AS_OF, baseline_path=path)
    assert [f for f in again.findings if f.code in CROSS_YEAR] == []
    assert again.changes == [] and again.baseline.sha256 == base.sha256


def test_run_against_a_baseline_end_to_end(inbox: Path):
    baseline = write_table(
        inbox / "上年名册.xlsx",  # inside the inbox: read as the baseline, not as a submission
        [
            ["账号使用人姓名", "市场监管部门", "当前使用账号功能", "手机号", "当前使用账号名称"],
            ["张三", HP, "复审", "13912340001", "u1"],
            ["李四", HP, "初审、发证", "13912340002", "u2"],
            ["周九", HP, "监管", "13912340006", "u9"],
            ["赵六", XH, "管理员", "13912340004", "x1"],
            ["孙八", "上海市长宁区市场监督管理局", "监管", "13912340008", "c1"],
        ],
    )
    write_annex(
        inbox / "黄浦区/附件1.xlsx",
        1,
        [a1_cells(1, "增加功能", "复审", "复审、监管", "张三", "13912340001")],
    )
    outcome = consolidate_inbox(inbox, as_of=AS_OF, baseline_path=baseline)
    got = sorted((f.code, f.file, f.cell) for f in outcome.findings if f.code in CROSS_YEAR)
    assert got == [("unreported-removal", str(baseline), "A4")]  # 周九; 长宁区 sent no Annex 2
    assert "上年名册.xlsx" not in {r.source.display for r in outcome.results}
    kinds = sorted((c.kind, c.name, c.explained) for c in outcome.changes)
    assert kinds == [("functions", "张三", True), ("removed", "周九", False)]


# ---------------------------------------------------------------- several requests in one year
def test_a_chain_of_requests_explains_the_change_and_its_originals():
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审"))
    chain = requests(
        a1_row(1, original="复审", current="复审、发证、监管", post="现认证科科长"),
        a1_row(2, adjustment="减少功能", original="复审、发证、监管", current="复审、监管", post="现认证科科长", mobile="13900000001"),
    )  # fmt: skip
    found, changes = judge([chain, roster(a2_row(1, functions="复审、监管"))], base)
    # Two requests of one person in one sheet are a duplicate; no cross-year finding.
    assert found == [("person-duplicate", REQUESTS, "F6")]
    assert [(c.kind, c.explained, c.request) for c in changes] == [
        ("functions", True, f"{REQUESTS}（Sheet1）第6行")
    ]


def test_rows_without_mobile_or_district():
    base = baseline_of(("黄浦区", "王建华", "13900000001", "复审、监管"))
    found, _ = judge([roster(a2_row(1), a2_row(2, name="钱进", mobile=""))], base)
    assert found == [("required-missing", ROSTER, "G6")]  # no cross-year finding for it
    found, changes = judge([roster(a2_row(1), district=None)], base)  # unit names no district
    assert found == [("district-unknown", ROSTER, "A3")] and changes == []


def test_baseline_as_xls_with_numbered_header(tmp_path: Path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("名册")
    rows = [
        ["序号", "区", "姓名", "功能", "手机"],
        [1, 2, 3, 4, 5],
        [1, "黄浦区", "王建华", "复审/监管", 13900000001.0],
    ]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            ws.write(r, c, value)
    path = tmp_path / "last.xls"
    wb.save(str(path))
    base = read_baseline(path, "last.xls", CONFIG)
    assert [(p.district, p.name, p.mobile, p.functions, p.row) for p in base.rows] == [
        ("黄浦区", "王建华", "13900000001", ("复审", "监管"), 3)
    ]


def test_baseline_table_ends_where_a_submission_would(tmp_path: Path):
    """The submissions' recogniser: blank rows do not end it, 共计 does; a person below is
    outside the table (counted apart, not read as last year's)."""
    header = ["区", "姓名", "账号功能", "手机号", "备注"]
    path = write_table(
        tmp_path / "last.xlsx",
        [
            header,
            ["黄浦区", "王建华", "复审", "13900000001", "2025年账号调整后新增复审"],
            [],
            ["徐汇区", "李明", "监管", "13900000005", "填报人：本人"],
            ["共计 2人"],
            ["黄浦区", "周九", "监管", "13900000009", None],
        ],
    )
    base = read_baseline(path, "last.xlsx", CONFIG)
    assert [(p.name, p.row) for p in base.rows] == [("王建华", 2), ("李明", 4)]
    assert (base.counts.data, base.counts.closing, base.counts.outside) == (2, 1, 1)
    assert base.counts.exact
