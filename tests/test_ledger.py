"""The office's year on generated e-mails: requests received, held, corrected, forwarded,
overdue, and the roll-up explained by the ledger after the request files left the inbox.

Dates are 2026's: 国庆 is 1–8 October, with 20 September and 10 October worked instead.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidate import api
from consolidate.cli import main
from consolidate.ledger import open_ledger
from consolidate.ledger.store import APPLICATION_ID
from consolidate.support.errors import LedgerError, OutputError
from tests.helpers import a1_cells, write_annex
from tests.mails import CST, annex_bytes, eml_bytes, msg_bytes

ROOT = Path(__file__).resolve().parent.parent
HP = "上海市黄浦区市场监督管理局"
JA = "上海市静安区市场监督管理局"
# Every run of a test names its day: a test must not pass in November and fail in December.
AS_OF = ["--as-of", "2026-11-26"]
OUTPUTS = ("register.xlsx", "adjustments.xlsx", "report.html", "findings.json", "manifest.json")


def request_mail(path: Path, cells: list, unit: str, when: dt.datetime, kind: str = "eml") -> Path:
    """A district's e-mail with its Annex 1 attached."""
    data = annex_bytes(1, [cells], unit=unit, date=f"{when.year}年{when.month}月{when.day}日")
    path.parent.mkdir(parents=True, exist_ok=True)
    name = "附件1 账号调整申请.xlsx"
    if kind == "msg":
        path.write_bytes(msg_bytes([(name, data)], date=when))
    else:
        path.write_bytes(eml_bytes([(name, data)], date=when, subject=f"{unit}账号调整"))
    return path


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=CST)


def run(inbox: Path, out: Path, as_of: str, *more: str):
    result = CliRunner().invoke(
        main, ["run", str(inbox), "--out", str(out), "--as-of", as_of, *more]
    )
    assert result.exit_code in (0, 1), result.output
    return result


def forward(out: Path, day: str, *more: str):
    result = CliRunner().invoke(main, ["forward", str(out), "--date", day, *more])
    assert result.exit_code == 0, result.output
    return result


def sheet(out: Path, name: str) -> list[tuple]:
    book = openpyxl.load_workbook(out / "adjustments.xlsx", read_only=True)
    try:
        return [tuple(r) for r in book[name].iter_rows(values_only=True)]
    finally:
        book.close()


def table(rows: list[tuple], *columns: str) -> list[tuple]:
    """The data rows below the header that names 来源文件, reduced to ``columns``."""
    start = next(i for i, r in enumerate(rows) if "来源文件" in r)
    header = list(rows[start])
    picked = [header.index(c) for c in columns]
    source = header.index("来源文件")
    data = [r for r in rows[start + 1 :] if len(r) > source and r[source]]
    return [tuple(_plain(r[i]) for i in picked) for r in data]


def form_rows(rows: list[tuple], *columns: str) -> list[tuple]:
    """The rows of a form (the forwarded batch) between its header and its notes."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    header = list(rows[start])
    picked = [header.index(c) for c in columns]
    data = []
    for r in rows[start + 1 :]:
        if isinstance(r[0], str) and r[0].startswith("备注"):
            break
        data.append(tuple(_plain(r[i]) for i in picked))
    return data


def _plain(value: object) -> object:
    return value.date() if isinstance(value, dt.datetime) else value


def findings(out: Path, code: str) -> list[dict]:
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return [f for f in document["findings"] if f["code"] == code]


def ledger_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT id, person, status, received, forward_by, superseded_by, batch FROM requests"
        ).fetchall()


OPEN_ZHAO = a1_cells(1, "开通", "无", "监管", "赵六", "13900000006", HP)
HOLIDAY_QIAN = a1_cells(1, "注销", "监管", "无", "钱七", "13900000007", HP)
FAULTY_SUN = a1_cells(1, "新增", "无", "初审", "孙八", "13900000008", JA)
FIXED_SUN = a1_cells(1, "开通", "无", "初审", "孙八", "13900000008", JA)


# ---------------------------------------------------------------- the year
@pytest.mark.proves("forward-overdue")
def test_the_office_year(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    # 28 September, before 国庆: forward by 10 October (a Saturday worked instead).
    request_mail(inbox / "黄浦区" / "0928 赵六.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    # 30 September, a faulty request: 新增 is no adjustment type.
    request_mail(inbox / "静安区" / "0930 孙八.msg", FAULTY_SUN, JA, at("2026-09-30"), "msg")
    run(inbox, out, "2026-09-30")
    assert table(sheet(out, "报送总局"), "账号使用人姓名", "收到日期", "转报截止日期") == [
        ("赵六", dt.date(2026, 9, 28), dt.date(2026, 10, 10))
    ]
    returned = table(sheet(out, "退回区局"), "账号使用人姓名", "区", "问题")
    assert [r[:2] for r in returned] == [("孙八", "静安区")]
    assert "“新增”" in returned[0][2]
    assert findings(out, "forward-overdue") == []
    # The faulty request's file goes back to 静安区 annotated, as it can be mailed.
    copy = "静安区/附件1 账号调整申请（已标注）.xlsx"
    assert _returns(out) == [copy]
    assert any("新增" in note for note in _comments(out / "退回" / copy))

    # 3 October, in the holiday: the clock starts on the first working day, 9 October.
    request_mail(inbox / "黄浦区" / "1003 钱七.eml", HOLIDAY_QIAN, HP, at("2026-10-03"))
    run(inbox, out, "2026-10-12")
    assert table(sheet(out, "报送总局"), "账号使用人姓名", "转报截止日期") == [
        ("赵六", dt.date(2026, 10, 10)), ("钱七", dt.date(2026, 10, 13))
    ]  # fmt: skip
    (overdue,) = findings(out, "forward-overdue")
    assert (overdue["file"], overdue["row"], overdue["person"], overdue["severity"]) == (
        "黄浦区/0928 赵六.eml/附件1 账号调整申请.xlsx",
        5,
        "赵六",
        "warning",
    )
    assert "2026年10月10日" in overdue["message"] and "已逾期2天" in overdue["message"]
    report = (out / "report.html").read_text(encoding="utf-8")
    section = report[
        report.index('id="todo"') : report.index("</section>", report.index('id="todo"'))
    ]
    assert report.index('id="todo"') < report.index('id="findings"')
    assert "已逾期未报送总局的申请（1条）" in section and "赵六" in section
    assert "7天内（至2026-10-19）到期的申请（1条）" in section and "钱七" in section

    # Forward on 12 October: both go, once; the batch file is Annex 1 as sent.
    result = forward(out, "2026-10-12")
    assert "已标记报送 2 条" in result.output
    batch = out / "forwarded" / "2026-10-12-1.xlsx"
    assert form_rows(_rows(batch), "序号", "账号使用人姓名") == [(1, "赵六"), (2, "钱七")]
    again = forward(out, "2026-10-12")
    assert (
        "已标记报送 0 条" in again.output and not (out / "forwarded" / "2026-10-12-2.xlsx").exists()
    )

    # After forwarding nothing is overdue; 静安区 sends the corrected request.
    request_mail(inbox / "静安区" / "1014 孙八（更正）.eml", FIXED_SUN, JA, at("2026-10-14"))
    run(inbox, out, "2026-10-16")
    assert findings(out, "forward-overdue") == []
    assert table(sheet(out, "报送总局"), "账号使用人姓名") == [("孙八",)]
    assert table(sheet(out, "退回区局"), "账号使用人姓名") == []
    assert _returns(out) == []  # settled: the faulty file is not sent back twice
    year = table(
        sheet(out, "全年台账"), "台账编号", "账号使用人姓名", "状态", "报送日期", "报送批次"
    )
    assert year == [
        (2, "赵六", "已报送", dt.date(2026, 10, 12), "2026-10-12-1"),
        (1, "孙八", "退回（已重新报送，见台账编号4）", None, None),
        (3, "钱七", "已报送", dt.date(2026, 10, 12), "2026-10-12-1"),
        (4, "孙八", "待报送", None, None),
    ]
    # Overdue again before it is forwarded (received 14 October: due 21 October) …
    run(inbox, out, "2026-10-22")
    assert [f["person"] for f in findings(out, "forward-overdue")] == ["孙八"]
    # … and not after.
    forward(out, "2026-10-22")
    run(inbox, out, "2026-10-23")
    assert findings(out, "forward-overdue") == []
    assert [r[2] for r in ledger_rows(out / "ledger.sqlite")] == [
        "held", "forwarded", "forwarded", "forwarded"
    ]  # fmt: skip


def _returns(out: Path) -> list[str]:
    folder = out / "退回"
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _comments(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [c.comment.text for ws in book for row in ws.iter_rows() for c in row if c.comment]


def _rows(path: Path) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def test_the_roll_up_explains_changes_after_the_request_files_left_the_inbox(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    baseline = tmp_path / "上年名册.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["区", "姓名", "手机号", "账号功能", "账号名称", "所在部门及职务"])
    book.active.append(["黄浦区", "钱七", "13900000007", "监管", "hp7", "认证科科长"])
    book.active.append(["黄浦区", "王建华", "13900000001", "复审", "hp1", "认证科科长"])
    book.save(baseline)
    mail = request_mail(inbox / "黄浦区" / "0928 赵六.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    request_mail(inbox / "黄浦区" / "1003 钱七.eml", HOLIDAY_QIAN, HP, at("2026-10-03"))
    roster = [
        [1, HP, "王建华", "认证科科长", "hp1", "复审", "13900000001", None],
        [2, HP, "赵六", "认证科科员", "hp6", "监管", "13900000006", None],
    ]
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, roster, unit=HP, date="2026年11月20日")
    with_files = _changes(inbox, out, baseline, "2026-11-20")
    # The request files are archived out of the inbox (folders starting with _ are skipped).
    archive = inbox / "_归档"
    archive.mkdir()
    for path in inbox.rglob("*.eml"):
        path.rename(archive / path.name)
    assert _changes(inbox, out, baseline, "2026-11-21") == with_files
    assert sorted(with_files) == [
        ("added", "赵六", f"黄浦区/{mail.name}/附件1 账号调整申请.xlsx（附件1）第5行"),
        ("removed", "钱七", "黄浦区/1003 钱七.eml/附件1 账号调整申请.xlsx（附件1）第5行"),
    ]
    assert findings(out, "unreported-new-account") == findings(out, "unreported-removal") == []


def _changes(inbox: Path, out: Path, baseline: Path, as_of: str) -> list[tuple]:
    outcome, _ = api.run_inbox(
        inbox, out, as_of=dt.date.fromisoformat(as_of), year=2026, baseline_path=baseline
    )
    return [(c.kind, c.name, c.request) for c in outcome.changes if c.explained]


BAD_ROSTER = [1, HP, "王建华", "认证科科长", "hp1", "复审", "1390000000", None]


def test_returns_hold_each_faulty_file_per_district_and_name_those_not_copied(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, [BAD_ROSTER], unit=HP, date="2026年9月30日")
    (inbox / "黄浦区" / "附件1.xlsx").write_bytes(b"not a workbook")
    request_mail(inbox / "静安区" / "a.eml", OPEN_ZHAO, JA, at("2026-09-28"))  # clean
    run(inbox, out, "2026-09-30")
    assert _returns(out) == ["黄浦区/未标注的文件.txt", "黄浦区/附件2（已标注）.xlsx"]
    assert any("1390000000" in note for note in _comments(out / "退回/黄浦区/附件2（已标注）.xlsx"))
    note = (out / "退回" / "黄浦区" / "未标注的文件.txt").read_text(encoding="utf-8-sig")
    assert note.startswith("附件1.xlsx：文件无法读取，未生成标注副本\n")  # said plainly
    # The district corrects both: the next run's returns are empty, the folder gone.
    fixed = [[*BAD_ROSTER[:6], "13900000001", None]]
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, fixed, unit=HP, date="2026年10月9日")
    (inbox / "黄浦区" / "附件1.xlsx").unlink()
    run(inbox, out, "2026-10-09")
    assert not (out / "退回").exists()


def test_many_returned_copies_are_made_in_workers_as_they_are_in_series(tmp_path, monkeypatch):
    # Eight or more copies go to the reading workers (issue 18): the same files and marks.
    inbox = tmp_path / "收件箱"
    for district in (
        "黄浦区",
        "徐汇区",
        "长宁区",
        "静安区",
        "普陀区",
        "虹口区",
        "杨浦区",
        "闵行区",
    ):
        unit = f"上海市{district}市场监督管理局"
        write_annex(
            inbox / district / "附件2.xlsx", 2, [BAD_ROSTER], unit=unit, date="2026年9月30日"
        )
    run(inbox, tmp_path / "workers", "2026-09-30")
    monkeypatch.setattr("consolidate.reading.inbox.ISOLATED", False)  # all in this process
    run(inbox, tmp_path / "series", "2026-09-30")
    copies = _returns(tmp_path / "series")
    assert len(copies) == 8 and _returns(tmp_path / "workers") == copies
    for copy in copies:
        marks = _comments(tmp_path / "series" / "退回" / copy)
        assert marks and _comments(tmp_path / "workers" / "退回" / copy) == marks


def test_a_copy_that_cannot_be_made_is_named_and_the_run_goes_on(
    tmp_path: Path, monkeypatch, caplog
):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, [BAD_ROSTER], unit=HP, date="2026年9月30日")

    def refused(*args, **kwargs):
        raise ValueError(f"Invalid character / found in sheet title of {tmp_path}")

    monkeypatch.setattr("consolidate.writing.annotate.annotate", refused)
    run(inbox, out, "2026-09-30")
    assert _returns(out) == ["黄浦区/未标注的文件.txt"]
    note = (out / "退回" / "黄浦区" / "未标注的文件.txt").read_text(encoding="utf-8-sig")
    # The district reads a plain reason; the office's terminal the program's own words.
    assert note.startswith("附件2.xlsx：未能生成标注副本（制作副本时程序出错）\n")
    _nothing_of_the_office(note, tmp_path)
    assert "ValueError: Invalid character" in caplog.text


def _nothing_of_the_office(note: str, tmp_path: Path) -> None:
    for inside in (str(tmp_path), "/tmp", "收件箱", "Errno", "Error", "Exception", ".tmp"):
        assert inside not in note


def test_a_copy_whose_name_would_be_too_long_is_made_under_a_shorter_name(tmp_path: Path):
    """The tester's case: the copy's name (…（已标注）.xlsx) over the system's limit."""
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    name = "黄浦区账号使用人信息汇总表" + "（修改稿）" * 14 + ".xlsx"
    assert 240 < len(name.encode("utf-8")) <= 255  # the original fits, its copy would not
    write_annex(inbox / "黄浦区" / name, 2, [BAD_ROSTER], unit=HP, date="2026年9月30日")
    run(inbox, out, "2026-09-30")
    [copy] = _returns(out)
    assert copy.startswith("黄浦区/黄浦区账号使用人信息汇总表（修改稿）") and copy.endswith(
        "…（已标注）.xlsx"
    )
    assert len(copy.split("/")[1].encode()) <= 255 - 14  # room for its temporary's name
    assert any("1390000000" in note for note in _comments(out / "退回" / copy))  # marked


def test_a_copy_the_system_refuses_says_why_plainly(tmp_path: Path, monkeypatch, caplog):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, [BAD_ROSTER], unit=HP, date="2026年9月30日")

    def too_long(source, findings, target, **kwargs):
        raise OSError(errno.ENAMETOOLONG, "File name too long", str(target))

    monkeypatch.setattr("consolidate.writing.annotate.annotate", too_long)
    run(inbox, out, "2026-09-30")
    note = (out / "退回" / "黄浦区" / "未标注的文件.txt").read_text(encoding="utf-8-sig")
    assert note.startswith("附件2.xlsx：未能生成标注副本（读写文件时出错：文件名太长）\n")
    assert "1390000000" in note  # the errors follow, for the district to correct
    _nothing_of_the_office(note, tmp_path)


def test_a_returned_copy_open_in_excel_stops_the_run_before_anything_changes(
    tmp_path: Path, monkeypatch
):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "静安区" / "a.eml", FAULTY_SUN, JA, at("2026-09-28"))
    run(inbox, out, "2026-09-30")
    ledger = ledger_rows(out / "ledger.sqlite")
    request_mail(inbox / "静安区" / "b.eml", FIXED_SUN, JA, at("2026-10-09"))
    real_open = os.open

    def sharing_violation(path, flags, *args, **kwargs):
        # Windows: a workbook open in Excel cannot be opened for writing, nor moved.
        if "退回" in str(path) and flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", sharing_violation)
    result = CliRunner().invoke(main, ["run", str(inbox), "--out", str(out), *AS_OF])
    assert result.exit_code == 2 and "请先关闭" in result.output, result.output
    assert _returns(out) == ["静安区/附件1 账号调整申请（已标注）.xlsx"]
    assert ledger_rows(out / "ledger.sqlite") == ledger


# ---------------------------------------------------------------- the ledger file
def test_a_corrupt_ledger_is_refused_and_left_alone(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "a.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    out.mkdir()
    ledger = out / "ledger.sqlite"
    for damaged in (b"not a database at all", b"", b"SQLite format 3\x00" + b"\xff" * 200):
        ledger.write_bytes(damaged)
        result = CliRunner().invoke(main, ["run", str(inbox), "--out", str(out), *AS_OF])
        assert result.exit_code == 2, result.output
        assert "台账文件" in result.output and "已损坏" in result.output
        assert ledger.read_bytes() == damaged
        assert not (out / "adjustments.xlsx").exists()


def test_another_tools_database_is_not_taken_for_a_ledger(tmp_path: Path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(LedgerError, match="不是本工具的台账"):
        open_ledger(other)
    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as connection:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(LedgerError, match="更新版本"):
        open_ledger(newer)


def test_a_locked_ledger_stops_a_second_run(tmp_path: Path, monkeypatch):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "a.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    run(inbox, out, "2026-09-30")
    before = ledger_rows(out / "ledger.sqlite")
    # Another run holds the ledger: a separate process inside its transaction.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out / "ledger.sqlite")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr("consolidate.ledger.store.BUSY_SECONDS", 0.3)
        started = time.monotonic()
        result = CliRunner().invoke(main, ["run", str(inbox), "--out", str(out), *AS_OF])
        assert result.exit_code == 2
        assert "正被另一次运行使用" in result.output
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()
    assert ledger_rows(out / "ledger.sqlite") == before


def test_two_first_runs_at_once_keep_the_first_ones_ledger(tmp_path: Path, monkeypatch):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "a.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    out.mkdir()
    ledger = out / "ledger.sqlite"
    # The first run has created the ledger and holds it, nothing committed yet.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_NEW, str(ledger)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert ledger.stat().st_size == 0  # SQLite fills the file at the commit
        monkeypatch.setattr("consolidate.ledger.store.BUSY_SECONDS", 0.3)
        result = CliRunner().invoke(main, ["run", str(inbox), "--out", str(out), *AS_OF])
        assert result.exit_code == 2, result.output
        assert "正被另一次运行使用" in result.output and "已损坏" not in result.output
        assert ledger.exists()  # the second run did not remove the first one's file
    finally:
        holder.kill()
        holder.wait()
    # That first run was killed before its commit: the next run begins the ledger anew.
    run(inbox, out, "2026-09-30")
    assert [r[1] for r in ledger_rows(ledger)] == ["赵六"]


HOLD_NEW = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("CREATE TABLE first_run (x)")
print("holding", flush=True)
time.sleep(60)
"""


HOLD = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(60)
"""


def test_a_failed_run_leaves_the_ledger_and_the_outputs_as_they_were(tmp_path: Path, monkeypatch):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "a.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    request_mail(inbox / "静安区" / "a.eml", FAULTY_SUN, JA, at("2026-09-28"))
    run(inbox, out, "2026-09-30")
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    ledger = ledger_rows(out / "ledger.sqlite")
    returns, listing = _returns(out), sorted(p.name for p in out.iterdir())
    assert returns == ["静安区/附件1 账号调整申请（已标注）.xlsx"]
    request_mail(inbox / "黄浦区" / "b.eml", HOLIDAY_QIAN, HP, at("2026-10-03"))
    request_mail(inbox / "静安区" / "b.eml", FIXED_SUN, JA, at("2026-10-03"))

    def broken(*args, **kwargs):
        raise OSError("disk gone")  # after the ledger's writes, before its commit

    monkeypatch.setattr("consolidate.writing.register.write_register", broken)
    with pytest.raises(OutputError):
        api.run_inbox(inbox, out, as_of=dt.date(2026, 10, 12))
    assert ledger_rows(out / "ledger.sqlite") == ledger
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert _returns(out) == returns and sorted(p.name for p in out.iterdir()) == listing


def test_a_first_run_that_fails_leaves_no_ledger(tmp_path: Path, monkeypatch):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "a.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    monkeypatch.setattr("consolidate.writing.register.write_register", _raise)
    with pytest.raises(OutputError):
        api.run_inbox(inbox, out, as_of=dt.date(2026, 10, 12))
    assert not (out / "ledger.sqlite").exists()


def _raise(*args, **kwargs):
    raise OSError("disk gone")


KILL = """
import os, signal, sys
import consolidate.writing.register as register
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # the ledger is written, not committed
register.write_register = killed
from consolidate.cli import main
sys.argv = ["consolidate", *sys.argv[1:]]
main()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_run_killed_mid_way_loses_nothing(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "a.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    run(inbox, out, "2026-09-30")
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    ledger = ledger_rows(out / "ledger.sqlite")
    request_mail(inbox / "黄浦区" / "b.eml", HOLIDAY_QIAN, HP, at("2026-10-03"))
    killed = subprocess.run(
        [sys.executable, "-c", KILL, "run", str(inbox), "--out", str(out), "--as-of", "2026-10-12"],
        capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert ledger_rows(out / "ledger.sqlite") == ledger  # the journal rolled it back
    run(inbox, out, "2026-10-12")  # and the next run records both
    assert [r[1] for r in ledger_rows(out / "ledger.sqlite")] == ["赵六", "钱七"]


# A run (or forward) that pauses, or is killed, inside the output swap: after its commit,
# once the previous 退回 was moved aside, every new output still under its temporary name.
SWAP = """
import os, signal, sys
import consolidate.writing.files as files
mode, args = sys.argv[1], sys.argv[2:]
def stop():
    print("swapping", flush=True)
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.readline()
replace = os.replace
def replaced(src, dst, **kwargs):
    replace(src, dst, **kwargs)
    if str(dst).endswith(".tmp.old"):
        stop()
os.replace = replaced
if mode == "kill-forward":  # the batch written, not yet in place nor recorded
    files._flush_to_disk = lambda path: os.kill(os.getpid(), signal.SIGKILL)
from consolidate.cli import main
sys.argv = ["consolidate", *args]
main()
"""


def _swapping(mode: str, *args: object, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SWAP, mode, *map(str, args)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs,
    )  # fmt: skip


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


# A person's own files beside the outputs, named like them: never removed.
LOOK_ALIKES = (
    ".notes.tmp", "register-old.xlsx", ".register.xlsx.tmp", ".register.xlsx.notes.tmp",
    ".草稿.xlsx.abcd1234.tmp", ".退回.old", "forwarded/.2026-10-12-1.xlsx.tmp",
    "forwarded/.名单.xlsx.abcd1234.tmp",
)  # fmt: skip


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_run_killed_while_replacing_its_outputs_leaves_nothing_behind(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "a.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    request_mail(inbox / "静安区" / "a.eml", FAULTY_SUN, JA, at("2026-09-28"))  # 退回/静安区
    run(inbox, out, "2026-09-30")
    forward(out, "2026-09-30")
    request_mail(inbox / "黄浦区" / "b.eml", HOLIDAY_QIAN, HP, at("2026-10-03"))
    killed = _swapping("kill", "run", inbox, "--out", out, "--as-of", "2026-10-12")
    assert killed.wait(60) == -signal.SIGKILL, killed.stderr.read()
    left = _temporaries(out)
    # What the issue found: whole workbooks with mobiles, the returned copies.
    assert any(re.fullmatch(r"\.register\.xlsx\.\w{8}\.tmp", name) for name in left), left
    assert any(name.startswith(".退回.") and name.endswith(".tmp.old") for name in left), left
    adjustments = out / next(n for n in left if n.startswith(".adjustments.xlsx"))
    with zipfile.ZipFile(adjustments) as book:
        assert any(b"13900000006" in book.read(name) for name in book.namelist())
    killed = _swapping("kill-forward", "forward", out, "--date", "2026-10-12")
    assert killed.wait(60) == -signal.SIGKILL, killed.stderr.read()
    assert len(_temporaries(out / "forwarded")) == 1
    for name in LOOK_ALIKES:
        (out / name).write_text("a person's own file", encoding="utf-8")
    (out / ".退回.abcd1234.tmp.old.mine").mkdir()  # a folder named like none of ours

    run(inbox, out, "2026-10-12")
    assert _temporaries(out) == sorted(
        [n for n in LOOK_ALIKES if n.startswith(".") and ".tmp" in n]
        + [".退回.abcd1234.tmp.old.mine"]
    )
    assert sorted(r[1] for r in ledger_rows(out / "ledger.sqlite")) == ["孙八", "赵六", "钱七"]
    assert _returns(out) == ["静安区/附件1 账号调整申请（已标注）.xlsx"]
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0
    forward(out, "2026-10-12")
    assert _temporaries(out / "forwarded") == [".2026-10-12-1.xlsx.tmp", ".名单.xlsx.abcd1234.tmp"]
    assert sorted(p.name for p in (out / "forwarded").glob("*.xlsx")) == [
        "2026-09-30-1.xlsx", "2026-10-12-1.xlsx",
    ]  # fmt: skip
    for name in LOOK_ALIKES:
        assert (out / name).read_text(encoding="utf-8") == "a person's own file"


def test_a_run_waits_for_another_to_replace_its_outputs(tmp_path: Path, monkeypatch):
    """The ledger stays locked after a run's commit until its outputs are in place: the
    next run, which removes stale temporaries, cannot take them from under it."""
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "静安区" / "a.eml", FAULTY_SUN, JA, at("2026-09-28"))
    run(inbox, out, "2026-09-30")
    request_mail(inbox / "黄浦区" / "b.eml", HOLIDAY_QIAN, HP, at("2026-10-03"))
    first = _swapping("pause", "run", inbox, "--out", out, "--as-of", "2026-10-12")
    try:
        assert first.stdout.readline().strip() == "swapping"
        paused = _temporaries(out)
        monkeypatch.setattr("consolidate.ledger.store.BUSY_SECONDS", 0.3)
        second = CliRunner().invoke(main, ["run", str(inbox), "--out", str(out), *AS_OF])
        assert second.exit_code == 2 and "正被另一次运行使用" in second.output
        assert _temporaries(out) == paused
        first.stdin.write("\n")
        first.stdin.close()
        assert first.wait(60) == 1, first.stderr.read()  # 1: the error to return
    finally:
        first.kill()
        first.wait()
    assert _temporaries(out) == []
    assert [r[1] for r in ledger_rows(out / "ledger.sqlite")] == ["孙八", "钱七"]


def test_the_ledger_can_live_elsewhere_and_forward_needs_one(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "a.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    kept = tmp_path / "台账" / "2026.sqlite"
    run(inbox, out, "2026-09-30", "--ledger", str(kept))
    assert kept.exists() and not (out / "ledger.sqlite").exists()
    result = CliRunner().invoke(main, ["forward", str(out), "--date", "2026-09-30"])
    assert result.exit_code == 2 and "找不到台账文件" in result.output
    result = forward(out, "2026-09-30", "--ledger", str(kept))
    assert "已标记报送 1 条" in result.output


def test_a_request_seen_again_keeps_its_received_date(tmp_path: Path):
    """The file time is kept from the first run: a later copy does not change it."""
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    path = write_annex(inbox / "黄浦区" / "附件1.xlsx", 1, [OPEN_ZHAO], unit=HP)
    first = dt.datetime(2026, 9, 28, 12).timestamp()
    os.utime(path, (first, first))
    run(inbox, out, "2026-09-30")
    later = dt.datetime(2026, 10, 20, 12).timestamp()
    os.utime(path, (later, later))  # copied again: a new modification time
    run(inbox, out, "2026-10-20")
    assert [r[3] for r in ledger_rows(out / "ledger.sqlite")] == ["2026-09-28"]
    # --received applies to requests not yet recorded.
    write_annex(inbox / "黄浦区" / "附件1（二）.xlsx", 1, [HOLIDAY_QIAN], unit=HP)
    run(inbox, out, "2026-10-20", "--received", "2026-10-19")
    assert [r[3] for r in ledger_rows(out / "ledger.sqlite")] == ["2026-09-28", "2026-10-19"]


def test_the_same_request_sent_again_is_not_forwarded_twice(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "0928.eml", OPEN_ZHAO, HP, at("2026-09-28"))
    run(inbox, out, "2026-09-30")
    forward(out, "2026-09-30")
    # The district sends the same request again, in a re-saved file (other bytes).
    again = a1_cells(1, "开通", "无", "监管", "赵六", "13900000006", HP)
    again[8] = "关于调整账号的函（沪市监〔2026〕12号） "
    request_mail(inbox / "黄浦区" / "1009.eml", again, HP, at("2026-10-09"))
    run(inbox, out, "2026-10-09")
    assert table(sheet(out, "报送总局"), "账号使用人姓名") == []
    statuses = table(sheet(out, "全年台账"), "账号使用人姓名", "状态")
    assert statuses == [("赵六", "已报送"), ("赵六", "重复（同台账编号1，不再报送）")]


def test_an_e_mail_is_received_on_its_day_in_beijing(tmp_path: Path):
    # Sent at 12:30 in New York on Thursday 19 November: 17:30 UTC, still the 19th, but
    # 01:30 on Friday the 20th in Beijing. The 5th working day after Friday: 27 November.
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    new_york = dt.timezone(dt.timedelta(hours=-5))
    sent = dt.datetime(2026, 11, 19, 12, 30, tzinfo=new_york)
    request_mail(inbox / "黄浦区" / "申请.eml", OPEN_ZHAO, HP, sent)
    run(inbox, out, "2026-11-26")
    assert table(sheet(out, "报送总局"), "账号使用人姓名", "收到日期", "转报截止日期") == [
        ("赵六", dt.date(2026, 11, 20), dt.date(2026, 11, 27))
    ]


def test_a_held_request_leaves_the_returns_only_for_a_request_of_its_type(tmp_path: Path):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    held = a1_cells(1, "开通", "无", "复审", "孙八", "13900000008", JA)
    held[6] = "现认证科科员"  # 复审 needs 科级以上: rank-insufficient, an error
    request_mail(inbox / "静安区" / "1012.eml", held, JA, at("2026-10-12"))
    cancel = a1_cells(1, "注销", "初审", "无", "孙八", "13900000008", JA)
    request_mail(inbox / "静安区" / "1014.eml", cancel, JA, at("2026-10-14"))
    run(inbox, out, "2026-10-16")
    # A request of the same person but another type is no correction of the held one.
    assert table(sheet(out, "退回区局"), "账号使用人姓名", "账号调整方式") == [("孙八", "开通")]
    fixed = a1_cells(1, "开通", "无", "复审", "孙八", "13900000008", JA)
    request_mail(inbox / "静安区" / "1015.eml", fixed, JA, at("2026-10-15"))
    run(inbox, out, "2026-10-16")
    assert table(sheet(out, "退回区局"), "账号使用人姓名") == []
    year = table(sheet(out, "全年台账"), "台账编号", "账号调整方式", "状态")
    assert (1, "开通", "退回（已重新报送，见台账编号3）") in year
    assert (2, "注销", "待报送") in year and (3, "开通", "待报送") in year
