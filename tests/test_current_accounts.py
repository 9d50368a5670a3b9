"""The accounts on a day (register.xlsx → 当前账号) and ``consolidate find``, through a year
of the office on generated e-mails (README 日常工作: `find` and 当前账号).

The year (2026; every run pins --as-of, every forward --date, all on or before 11-10 so
that tests/test_today.py's fake todays accept them):

- last year's register: 黄浦区 王建华 (复审, hp1) and 钱七 (监管, hp7), 静安区 周九 (初审, ja9);
- 03-02 黄浦区: 开通 赵六 (监管) [1] and 增加功能 王建华 → 复审、监管 [2]; run 03-03, forward 03-05;
- 03-10 静安区: 新增 孙八 (no such type: held) [3] and 注销 吴十, whom nobody holds [4];
  run 03-11, forward 03-12 (吴十 only);
- 03-20 黄浦区 sends 开通 赵六 again: a duplicate [5]; run 03-21;
- 10-14 静安区 corrects 孙八 (开通 初审) [6]; 10-15 黄浦区: 减少功能 王建华 → 复审 [7] and
  注销 钱七 [8]; run 10-16, forward 10-20;
- 11-02 黄浦区: 增加功能 赵六 → 监管、发证 [9]; run 11-03, forward 11-04;
- the roll-up, run 11-27 with both districts' Annex 2; and 2027-01-15 a run on the 2026
  register as the new baseline.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidate.cli import main
from consolidate.ledger.holders import accounts_on
from consolidate.model.baseline import BaselinePerson
from consolidate.model.request import FORWARDED, HELD, PENDING, Request
from tests.helpers import CONFIG, a1_cells, write_annex
from tests.mails import annex_bytes, eml_bytes
from tests.test_ledger import HP, JA, at, forward, run

COLUMNS = ("区", "账号使用人姓名", "当前使用账号名称", "当前使用账号功能", "手机号", "依据", "待办")
NOTE = "注："


def mail(path: Path, rows: list[list], unit: str, day: str) -> None:
    """A district's e-mail of ``day`` with its Annex 1 (``rows``) attached."""
    when = at(day)
    data = annex_bytes(1, rows, unit=unit, date=f"{when.year}年{when.month}月{when.day}日")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(eml_bytes([("附件1.xlsx", data)], date=when, subject=f"{unit}账号调整"))


def baseline(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["区", "姓名", "手机号", "账号功能", "账号名称", "所在部门及职务"])
    book.active.append(["黄浦区", "王建华", "13900000001", "复审", "hp1", "认证科科长"])
    book.active.append(["黄浦区", "钱七", "13900000007", "监管", "hp7", "认证科科员"])
    book.active.append(["静安区", "周九", "13900000009", "初审", "ja9", "认证科科员"])
    book.save(path)
    return path


def accounts_sheet(out: Path) -> tuple[list[tuple], list[str]]:
    """当前账号's lines (``COLUMNS``, empty cells as '') and the notes below the table."""
    book = openpyxl.load_workbook(out / "register.xlsx", read_only=True)
    try:
        rows = [tuple(r) + (None,) * 10 for r in book["当前账号"].iter_rows(values_only=True)]
    finally:
        book.close()
    header = list(rows[0])
    picked = [header.index(c) for c in COLUMNS]
    lines = [r for r in rows[1:] if not str(r[0] or "").startswith(NOTE)]
    notes = [r[0] for r in rows[1:] if str(r[0] or "").startswith(NOTE)]
    return [tuple(r[i] or "" for i in picked) for r in lines], notes


def find(out: Path, *args: str):
    return CliRunner().invoke(main, ["find", *args, "--out", str(out)])


def find_json(out: Path, text: str, as_of: str) -> dict:
    result = find(out, text, "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> dict[str, object]:
    """The year run once; what each test looks at is kept as it was on its day."""
    root = tmp_path_factory.mktemp("year")
    inbox, out, kept = root / "收件箱", root / "输出", {}
    register = baseline(root / "上年名册.xlsx")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("consolidate.reading.inbox.ISOLATED", False)  # read here: faster
        _the_year(inbox, out, register, root, kept)
    return kept


def _the_year(inbox: Path, out: Path, register: Path, root: Path, kept: dict) -> None:
    def run_on(day: str, *more: str) -> None:
        run(inbox, out, day, "--baseline", str(register), "--year", day[:4], *more)
        kept[f"sheet {day}"] = accounts_sheet(out)

    hp, ja = inbox / "黄浦区", inbox / "静安区"
    mail(hp / "0302.eml", [
        a1_cells(1, "开通", "无", "监管", "赵六", "13900000006", HP),
        a1_cells(2, "增加功能", "复审", "复审、监管", "王建华", "13900000001", HP),
    ], HP, "2026-03-02")  # fmt: skip
    run_on("2026-03-03")
    forward(out, "2026-03-05")
    mail(ja / "0310.eml", [
        a1_cells(1, "新增", "无", "初审", "孙八", "13900000008", JA),
        a1_cells(2, "注销", "监管", "无", "吴十", "13900000010", JA),
    ], JA, "2026-03-10")  # fmt: skip
    run_on("2026-03-11")
    kept["find held"] = find(out, "孙八", "--as-of", "2026-03-11")
    forward(out, "2026-03-12")
    mail(hp / "0320 重发.eml", [a1_cells(1, "开通", "无", "监管", "赵六", "13900000006", HP)], HP, "2026-03-20")  # fmt: skip
    run_on("2026-03-21")
    mail(ja / "1014 更正.eml", [a1_cells(1, "开通", "无", "初审", "孙八", "13900000008", JA)], JA, "2026-10-14")  # fmt: skip
    mail(hp / "1015.eml", [
        a1_cells(1, "减少功能", "复审、监管", "复审", "王建华", "13900000001", HP),
        a1_cells(2, "注销", "监管", "无", "钱七", "13900000007", HP),
    ], HP, "2026-10-15")  # fmt: skip
    run_on("2026-10-16")
    forward(out, "2026-10-20")
    mail(hp / "1102.eml", [a1_cells(1, "增加功能", "监管", "监管、发证", "赵六", "13900000006", HP)], HP, "2026-11-02")  # fmt: skip
    run_on("2026-11-03")
    kept["json pending"] = find_json(out, "赵六", "2026-11-03")
    kept["table pending"] = find(out, "赵六", "--as-of", "2026-11-03")
    forward(out, "2026-11-04")
    # After the forward, before any run: find brings the run's accounts up to the day.
    for day in ("2026-11-03", "2026-11-04", "2026-11-10"):
        kept[f"json 赵六 {day}"] = find_json(out, "赵六", day)
    kept["json mobile"] = find_json(out, "139 0000 0006", "2026-11-10")
    kept["json account"] = find_json(out, "HP1", "2026-11-10")
    kept["json duplicate"] = find_json(out, "赵六", "2026-11-10")
    kept["table forwarded"] = find(out, "赵六", "--as-of", "2026-11-10")
    kept["none"] = find(out, "郑十一", "--as-of", "2026-11-10")
    kept["before run"] = find(out, "赵六", "--as-of", "2026-11-02")
    kept["json en"] = json.loads(
        find(out, "孙八", "--as-of", "2026-11-10", "--format", "json", "--lang", "en").output
    )
    # The roll-up: both districts' Annex 2.
    write_annex(hp / "附件2.xlsx", 2, [
        [1, HP, "王建华", "认证科科长", "hp1", "复审", "13900000001", None],
        [2, HP, "赵六", "认证科科员", "hp6", "监管、发证", "13900000006", None],
    ], unit=HP, date="2026年11月20日")  # fmt: skip
    write_annex(ja / "附件2.xlsx", 2, [
        [1, JA, "周九", "认证科科员", "ja9", "初审", "13900000009", None],
        [2, JA, "孙八", "认证科科员", "ja8", "初审", "13900000008", None],
    ], unit=JA, date="2026年11月20日")  # fmt: skip
    run_on("2026-11-27")
    kept["json roll-up"] = find_json(out, "赵六", "2026-11-27")
    # Next year: the 2026 register is the baseline; 2026's requests are in it already.
    last = shutil.copy(out / "register.xlsx", root / "register-2026.xlsx")
    register = Path(last)
    run_on("2027-01-15")
    empty = root / "空"
    empty.mkdir()
    kept["no run"] = find(empty, "赵六", "--as-of", "2026-11-10")
    (out / "ledger.sqlite").rename(root / "ledger-elsewhere.sqlite")
    kept["no ledger"] = find(out, "赵六", "--as-of", "2027-01-15")
    kept["ledger given"] = find(
        out, "赵六", "--as-of", "2027-01-15", "--ledger", str(root / "ledger-elsewhere.sqlite")
    )


# ---------------------------------------------------------------- 当前账号, day by day
BASE = "上年名册"
WANG, QIAN, ZHOU = ("黄浦区", "王建华", "hp1"), ("黄浦区", "钱七", "hp7"), ("静安区", "周九", "ja9")
# By hand: (区, 姓名, 账号名称, 功能, 手机号, 依据, 待办) on each day a run was made.
ON_THE_DAY = {
    "2026-03-03": [
        (*WANG, "复审", "13900000001", BASE, "台账编号2 待报送（增加功能：复审、监管）"),
        (*QIAN, "监管", "13900000007", BASE, ""),
        (*ZHOU, "初审", "13900000009", BASE, ""),
    ],
    "2026-03-11": [
        (*WANG, "复审、监管", "13900000001", "台账编号2，2026年3月5日报送", ""),
        (*QIAN, "监管", "13900000007", BASE, ""),
        ("黄浦区", "赵六", "", "监管", "13900000006", "台账编号1，2026年3月5日报送", ""),
        (*ZHOU, "初审", "13900000009", BASE, ""),
    ],
    "2026-10-16": [
        (*WANG, "复审、监管", "13900000001", "台账编号2，2026年3月5日报送",
         "台账编号7 待报送（减少功能：复审）"),
        (*QIAN, "监管", "13900000007", BASE, "台账编号8 待报送（注销）"),
        ("黄浦区", "赵六", "", "监管", "13900000006", "台账编号1，2026年3月5日报送", ""),
        (*ZHOU, "初审", "13900000009", BASE, ""),
    ],
    "2026-11-03": [
        (*WANG, "复审", "13900000001", "台账编号7，2026年10月20日报送", ""),
        ("黄浦区", "赵六", "", "监管", "13900000006", "台账编号1，2026年3月5日报送",
         "台账编号9 待报送（增加功能：发证、监管）"),
        (*ZHOU, "初审", "13900000009", BASE, ""),
        ("静安区", "孙八", "", "初审", "13900000008", "台账编号6，2026年10月20日报送", ""),
    ],
    "2026-11-27": [
        (*WANG, "复审", "13900000001", "台账编号7，2026年10月20日报送", ""),
        ("黄浦区", "赵六", "", "发证、监管", "13900000006", "台账编号9，2026年11月4日报送", ""),
        (*ZHOU, "初审", "13900000009", BASE, ""),
        ("静安区", "孙八", "", "初审", "13900000008", "台账编号6，2026年10月20日报送", ""),
    ],
    # The 2026 register as the baseline: every line as it lists it, nothing applied twice.
    "2027-01-15": [
        (*WANG, "复审", "13900000001", BASE, ""),
        ("黄浦区", "赵六", "hp6", "发证、监管", "13900000006", BASE, ""),
        (*ZHOU, "初审", "13900000009", BASE, ""),
        ("静安区", "孙八", "ja8", "初审", "13900000008", BASE, ""),
    ],
}  # fmt: skip
UNKNOWN_WU = "注：台账编号4（静安区 吴十 13900000010，注销，2026年3月12日报送）：当前账号中没有此人，未计入。"
NOTES = {
    "2026-03-03": ["注：黄浦区 赵六 13900000006：台账编号1 待报送（开通：监管），不计入当前账号。"],
    "2026-03-11": [
        "注：静安区 孙八 13900000008：台账编号3 退回（新增：初审），不计入当前账号。",
        "注：静安区 吴十 13900000010：台账编号4 待报送（注销），不计入当前账号。",
    ],
    "2026-10-16": [
        UNKNOWN_WU,
        "注：静安区 孙八 13900000008：台账编号6 待报送（开通：初审），不计入当前账号。",
    ],
    "2026-11-03": [UNKNOWN_WU],
    "2026-11-27": [UNKNOWN_WU],
    "2027-01-15": [],
}


@pytest.mark.parametrize("day", list(ON_THE_DAY))
def test_the_accounts_on_each_day_line_by_line(year, day: str) -> None:
    lines, notes = year[f"sheet {day}"]
    assert lines == ON_THE_DAY[day]
    register = "register-2026.xlsx" if day.startswith("2027") else "上年名册.xlsx"
    since = "2026年11月30日" if day.startswith("2027") else "2025年11月30日"
    assert notes[0].startswith(
        f"注：{int(day[:4])}年{int(day[5:7])}月{int(day[8:])}日的账号 = 上年名册（"
    )
    assert register in notes[0] and f"加上{since}以后报送总局的申请" in notes[0]
    assert notes[1:] == NOTES[day]


def test_without_a_baseline_the_accounts_are_the_forwarded_requests_alone(tmp_path: Path) -> None:
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    mail(inbox / "黄浦区" / "0302.eml", [
        a1_cells(1, "开通", "无", "监管", "赵六", "13900000006", HP),
        a1_cells(2, "增加功能", "复审", "复审、监管", "王建华", "13900000001", HP),
    ], HP, "2026-03-02")  # fmt: skip
    run(inbox, out, "2026-03-03")
    forward(out, "2026-03-05")
    run(inbox, out, "2026-03-06")
    lines, notes = accounts_sheet(out)
    assert lines == [
        ("黄浦区", "赵六", "", "监管", "13900000006", "台账编号1，2026年3月5日报送", "")
    ]
    assert notes == [
        "注：未给出上年名册（--baseline），2026年3月6日的账号只由台账中已报送总局的申请得出："
        "上年已有、此后未调整的账号不在其中。",
        "注：台账编号2（黄浦区 王建华 13900000001，增加功能：复审、监管，2026年3月5日报送）："
        "当前账号中没有此人，未计入。",
    ]


# ---------------------------------------------------------------- the rules, in memory
def _request(
    n: int,
    kind: str,
    original: str,
    current: str,
    *,
    status: str = FORWARDED,
    sent: str | None = "2026-03-05",
    district: str = "黄浦区",
    **more,
) -> Request:
    day = dt.date(2026, 3, n)
    return Request(
        sha256=f"{n}", sheet="附件1", row=5, file=f"{n}.eml", district=district, person="张三",
        mobile="13900000003", adjustment=kind, original=original, current=current, cells={},
        received=day, received_from="mail", forward_by=day, forward_by_exact=True,
        status=status, id=n, forwarded_on=dt.date.fromisoformat(sent) if sent else None, **more,
    )  # fmt: skip


ZHANG = BaselinePerson("黄浦区", "张三", "13900000003", ("初审",), "hp3", "科长", 2, 2, 4)


@pytest.mark.parametrize(
    ("requests", "functions", "basis"),
    [
        ([], ("初审",), None),  # the register as it is
        ([_request(1, "增加功能", "初审", "初审、监管")], ("初审", "监管"), 1),
        ([_request(1, "注销", "初审", "")], None, None),  # removed
        ([_request(1, "注销", "初审", ""), _request(2, "开通", "", "发证")], ("发证",), 2),
        # received order decides, not the ledger's number
        ([_request(2, "减少功能", "初审、监管", "监管"), _request(1, "增加功能", "初审", "初审、监管")],
         ("监管",), 2),
        # not forwarded, forwarded after the day, forwarded before the register: not applied
        ([_request(1, "增加功能", "初审", "初审、监管", status=PENDING, sent=None)], ("初审",), None),
        ([_request(1, "增加功能", "初审", "初审、监管", sent="2026-04-02")], ("初审",), None),
        ([_request(1, "增加功能", "初审", "初审、监管", sent="2025-11-30")], ("初审",), None),
        ([_request(1, "增加功能", "初审", "初审、监管", status=HELD, sent=None)], ("初审",), None),
        ([_request(1, "增加功能", "初审", "初审、监管", repeat_of=7)], ("初审",), None),
        # another district's person of the same name and mobile is another line
        ([_request(1, "注销", "初审", "", district="静安区")], ("初审",), None),
    ],
)  # fmt: skip
def test_each_request_applies_as_the_contract_says(requests, functions, basis) -> None:
    accounts = accounts_on([ZHANG], requests, dt.date(2026, 4, 1), dt.date(2025, 11, 30), CONFIG)
    lines = accounts.of("张三", "13900000003")
    if functions is None:
        assert lines == []
        return
    (line,) = lines
    assert (line.functions, line.basis.id if line.basis else None) == (functions, basis)


def test_a_request_that_reaches_no_line_is_a_note_never_dropped() -> None:
    cancel = _request(1, "注销", "初审", "", district="静安区")
    accounts = accounts_on([ZHANG], [cancel], dt.date(2026, 4, 1), dt.date(2025, 11, 30), CONFIG)
    assert [(n.kind, n.request.id) for n in accounts.notes] == [("unknown-person", 1)]
    pending = _request(2, "开通", "", "监管", status=PENDING, sent=None, district="静安区")
    accounts = accounts_on([ZHANG], [pending], dt.date(2026, 4, 1), None, CONFIG)
    assert [(n.kind, n.standing, n.request.id) for n in accounts.notes] == [
        ("waiting", "pending", 2)
    ]
    assert accounts.based is True


# ---------------------------------------------------------------- find
def test_find_a_pending_request_by_name(year) -> None:
    found = year["json pending"]
    assert found["query"] == "赵六" and found["as_of"] == "2026-11-03"
    assert [(r["id"], r["status"], r["status_text"], r["forwarded_on"], r["batch_file"])
            for r in found["requests"]] == [
        (1, "forwarded", "已报送", "2026-03-05", "forwarded/2026-03-05-1.xlsx"),
        (5, "duplicate", "重复（同台账编号1，不再报送）", None, None),
        (9, "pending", "待报送", None, None),
    ]  # fmt: skip
    first = found["requests"][0]
    assert (first["received"], first["district"], first["adjustment"], first["original"],
            first["current"]) == ("2026-03-02", "黄浦区", "开通", "无", "监管")  # fmt: skip
    current = found["current"]
    assert (current["functions"], current["basis_request"]) == (["监管"], 1)
    assert current["pending"] == [
        {"id": 9, "status": "pending", "text": "台账编号9 待报送（增加功能：发证、监管）"}
    ]
    assert found["register"] is None  # no Annex 2 had come in yet
    text = year["table pending"]
    assert text.exit_code == 0
    assert text.output.splitlines()[:4] == [
        "赵六（手机号 13900000006）",
        "  台账中的申请 3 条（由早到晚）：",
        "    台账编号1  2026年3月2日收到  黄浦区  开通  无 → 监管",
        "      状态：已报送",
    ]
    assert "    待办：台账编号9 待报送（增加功能：发证、监管）" in text.output.splitlines()


def test_find_brings_the_runs_accounts_up_to_the_day(year) -> None:
    """Forwarded on 11-04 after the run of 11-03: on 11-03 still to do, from 11-04 applied."""
    on = {
        day: year[f"json 赵六 {day}"]["current"]
        for day in ("2026-11-03", "2026-11-04", "2026-11-10")
    }
    assert on["2026-11-03"]["functions"] == ["监管"] and on["2026-11-03"]["pending"]
    for day in ("2026-11-04", "2026-11-10"):
        assert (on[day]["functions"], on[day]["basis"], on[day]["pending"]) == (
            ["发证", "监管"],
            "台账编号9，2026年11月4日报送",
            [],
        )
    last = year["json 赵六 2026-11-10"]["requests"][-1]
    assert (last["status"], last["forwarded_on"], last["batch_file"]) == (
        "forwarded",
        "2026-11-04",
        "forwarded/2026-11-04-1.xlsx",
    )
    text = year["table forwarded"].output.splitlines()
    assert "      报送：2026年11月4日，批次 forwarded/2026-11-04-1.xlsx" in text
    assert all(line == line.rstrip() for line in text)  # no trailing spaces


def test_find_a_held_request_and_its_correction(year) -> None:
    held = year["find held"]
    assert held.exit_code == 0
    lines = held.output.splitlines()
    assert "    台账编号3  2026年3月10日收到  静安区  新增  无 → 初审" in lines
    assert "      状态：退回" in lines
    assert any("“新增”" in line for line in lines)  # the problem, why it was held
    assert "  当前账号（2026年3月11日）：没有此人的账号。" in lines
    later = year["json en"]
    assert [(r["id"], r["status"], r["status_text"]) for r in later["requests"]] == [
        (3, "held", "returned (sent again corrected: ledger no. 6)"),
        (6, "forwarded", "forwarded"),
    ]
    assert later["current"]["basis"] == "ledger no. 6, forwarded 2026-10-20"


def test_find_by_mobile_and_by_account_name(year) -> None:
    by_mobile = year["json mobile"]
    assert [p["name"] for p in by_mobile["people"]] == ["赵六"]
    assert [r["id"] for r in by_mobile["requests"]] == [1, 5, 9]
    by_account = year["json account"]  # HP1: case and width aside, 王建华's hp1
    assert [(p["name"], p["mobile"]) for p in by_account["people"]] == [("王建华", "13900000001")]
    assert [r["id"] for r in by_account["requests"]] == [2, 7]
    assert by_account["current"]["account"] == "hp1"
    assert by_account["current"]["functions"] == ["复审"]


def test_find_shows_the_line_in_the_last_register(year) -> None:
    found = year["json roll-up"]
    assert found["register"] == {
        "district": "黄浦区", "name": "赵六", "mobile": "13900000006",
        "bureau": "上海市黄浦区市场监督管理局", "post": "认证科科员", "account": "hp6",
        "functions": ["发证", "监管"], "file": "register.xlsx", "sheet": "名册", "row": 3,
    }  # fmt: skip
    assert found["current"]["functions"] == ["发证", "监管"]


def test_find_exit_codes_and_messages(year) -> None:
    none = year["none"]
    assert none.exit_code == 1
    assert none.output.strip() == (
        "没有找到“郑十一”：台账、当前账号和名册中都没有这个姓名、手机号或账号名称。"
    )
    for key in ("no run", "before run", "no ledger"):
        assert year[key].exit_code == 2, key
    assert "请先用 consolidate run 汇总收件" in year["no run"].output
    assert "早于上次运行的日期 2026-11-03" in year["before run"].output
    assert "找不到台账文件" in year["no ledger"].output
    assert "Traceback" not in "".join(year[k].output for k in ("no run", "before run", "no ledger"))
    assert year["ledger given"].exit_code == 0


def test_find_json_lists_each_person_a_name_names(tmp_path: Path) -> None:
    """王伟 with two mobiles is two people: the top-level lines are left null."""
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    mail(inbox / "黄浦区" / "0302.eml", [
        a1_cells(1, "开通", "无", "监管", "王伟", "13900000021", HP),
        a1_cells(2, "开通", "无", "初审", "王伟", "13900000022", HP),
    ], HP, "2026-03-02")  # fmt: skip
    run(inbox, out, "2026-03-03")
    found = find_json(out, "王伟", "2026-03-03")
    assert [(p["mobile"], [r["id"] for r in p["requests"]]) for p in found["people"]] == [
        ("13900000021", [1]), ("13900000022", [2])
    ]  # fmt: skip
    assert found["current"] is None and found["register"] is None
    assert [r["id"] for r in found["requests"]] == [1, 2]
    with contextlib.chdir(out):  # --out defaults to the current folder
        assert (
            CliRunner().invoke(main, ["find", "13900000022", "--as-of", "2026-03-03"]).exit_code
            == 0
        )
