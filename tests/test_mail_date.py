"""An e-mail's Date is not believed when it is later than the run that first records it,
or cannot be read (docs/rules.md decision 29): the e-mail file's time is the received date,
the forward-by date counts from it, and the e-mail gets mail-date-invalid.

The file times are set with os.utime; the wall clock only decides between 2100 and the
past, and --as-of is pinned everywhere.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from consolidate import api
from consolidate.checks import evaluate
from consolidate.cli import main
from consolidate.reading.mail import read_mail
from tests.helpers import CONFIG, a1_cells
from tests.mails import CST, annex_bytes, eml_bytes, msg_bytes

HP = "上海市黄浦区市场监督管理局"
JA = "上海市静安区市场监督管理局"
NAME = "附件1 账号调整申请.xlsx"
ZHAO = a1_cells(1, "开通", "无", "监管", "赵六", "13900000006", HP)
A1 = annex_bytes(1, [ZHAO], unit=HP, date="2026年10月8日")
FUTURE = dt.datetime(2100, 1, 1, 8, 0, tzinfo=CST)
# Friday 9 October 2026, in the machine's local time: the tool reads file times so.
FILE_TIME = dt.datetime(2026, 10, 9, 15, 0)
CODE = "mail-date-invalid"


def dated(path: Path, data: bytes, when: dt.datetime = FILE_TIME) -> Path:
    """``data`` saved at ``path`` with the file time ``when``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def with_date_line(line: str) -> bytes:
    """An e-mail whose Date header says ``line`` (as a mail program may write it)."""
    data = eml_bytes([(NAME, A1)], date=None)
    to = b"To: rzc@example.cn"
    return data.replace(to, to + b"\r\nDate: " + line.encode(), 1)


# what the message says the Date was, for each e-mail not believed
NOT_BELIEVED = {
    "将来.eml": (lambda: eml_bytes([(NAME, A1)], date=FUTURE), "2100年1月1日 08:00"),
    "将来.msg": (lambda: msg_bytes([(NAME, A1)], date=FUTURE), "2100年1月1日 08:00"),
    "无日期.eml": (lambda: eml_bytes([(NAME, A1)], date=None), "邮件没有日期（Date）"),
    "乱码.eml": (lambda: with_date_line("2026年9月28日 上午"), "日期“2026年9月28日 上午”无法识别"),
}


@pytest.mark.parametrize("name", NOT_BELIEVED)
@pytest.mark.proves("mail-date-invalid")
def test_an_e_mail_dated_in_the_future_or_unreadably_is_received_on_its_file_time(
    tmp_path: Path, name: str
):
    build, said = NOT_BELIEVED[name]
    path = dated(tmp_path / name, build())
    outcome = api.check([path], as_of=dt.date(2026, 10, 12), displays=[f"黄浦区/{name}"])
    (finding,) = [f for f in outcome.findings if f.code == CODE]
    # On the e-mail itself, row-less: not on the attachment it brought.
    assert (finding.file, finding.sheet, finding.row, finding.cell, finding.severity) == (
        f"黄浦区/{name}", None, None, None, "warning"
    )  # fmt: skip
    assert said in finding.message
    assert "收到日期改按邮件文件的时间2026年10月9日计算" in finding.message
    assert "the e-mail file's time, 2026-10-09" in finding.message_en
    (result,) = outcome.results
    assert (result.source.received, result.source.received_from) == (FILE_TIME.date(), "file")
    assert outcome.mails[0].believed is False


def test_an_e_mail_with_a_past_date_is_received_on_it_in_beijing_time(tmp_path: Path):
    """The look-alike: a Date before the run is believed, silently; the received day is
    the Date's day in Beijing time (23:30 UTC on 8 October is 07:30 on the 9th)."""
    sent = dt.datetime(2026, 10, 8, 23, 30, tzinfo=dt.UTC)
    path = dated(tmp_path / "a.eml", eml_bytes([(NAME, A1)], date=sent), dt.datetime(2026, 10, 11))
    outcome = api.check([path], as_of=dt.date(2026, 10, 12))
    assert [f for f in outcome.findings if f.code == CODE] == []
    (result,) = outcome.results
    assert (result.source.received, result.source.received_from) == (dt.date(2026, 10, 9), "mail")


NOW = dt.datetime(2026, 11, 10, 10, 0, tzinfo=CST)
BEFORE = dt.date(2026, 11, 1)  # an as-of in the past: the run stands at the clock


@pytest.mark.parametrize(
    ("date", "as_of", "believed"),
    [
        (NOW + dt.timedelta(hours=23), BEFORE, True),  # a clock or time zone a little off
        (NOW + dt.timedelta(hours=25), BEFORE, False),  # beyond the day allowed
        # a run dated ahead stands at the end of its as-of day …
        (dt.datetime(2026, 11, 24, 9, 18, tzinfo=CST), dt.date(2026, 11, 26), True),
        # … and one dated back still at the clock: a past as-of makes no date future
        (NOW - dt.timedelta(days=3), BEFORE, True),
        (dt.datetime(2026, 11, 24, 9, 18, tzinfo=CST), BEFORE, False),
    ],
)
def test_how_far_ahead_of_the_run_a_date_may_be(
    tmp_path: Path, date: dt.datetime, as_of: dt.date, believed: bool
):
    path = dated(tmp_path / "a.eml", eml_bytes([(NAME, A1)], date=date))
    outcome = evaluate(read_mail(path, "a.eml", CONFIG), config=CONFIG, as_of=as_of, now=NOW)
    assert outcome.mails[0].believed is believed
    assert [f.code for f in outcome.findings if f.code == CODE] == ([] if believed else [CODE])
    received = date.astimezone(CST).date() if believed else FILE_TIME.date()
    assert outcome.results[0].source.received == received


# ---------------------------------------------------------------- through run and its ledger
def run(inbox: Path, out: Path, as_of: str) -> None:
    result = CliRunner().invoke(main, ["run", str(inbox), "--out", str(out), "--as-of", as_of])
    assert result.exit_code in (0, 1), result.output


def found(out: Path, code: str) -> list[dict]:
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return [f for f in document["findings"] if f["code"] == code]


def recorded(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "ledger.sqlite") as connection:
        return connection.execute(
            "SELECT file, received, received_from, forward_by FROM requests ORDER BY file DESC"
        ).fetchall()


@pytest.mark.parametrize("kind", ["eml", "msg"])
def test_run_records_a_future_dated_e_mail_on_its_file_time_for_good(tmp_path: Path, kind: str):
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    build = msg_bytes if kind == "msg" else eml_bytes
    future = dated(inbox / "黄浦区" / f"赵六.{kind}", build([(NAME, A1)], date=FUTURE))
    # The look-alike: a Date in the past, on another day than its file time, believed.
    sun = a1_cells(1, "开通", "无", "初审", "孙八", "13900000008", JA)
    past = annex_bytes(1, [sun], unit=JA, date="2026年10月8日")
    sent = dt.datetime(2026, 10, 8, 9, 30, tzinfo=CST)
    dated(inbox / "静安区" / "孙八.eml", eml_bytes([(NAME, past)], date=sent))

    run(inbox, out, "2026-10-12")
    (finding,) = found(out, CODE)
    assert (finding["file"], finding["row"], finding["cell"], finding["severity"]) == (
        f"黄浦区/赵六.{kind}", None, None, "warning"
    )  # fmt: skip
    assert "2100年1月1日 08:00" in finding["message"] and "2026年10月9日" in finding["message"]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert finding["message"] in html.unescape(re.sub(r"<[^>]+>", "", report))  # as shown
    # Received on the file's day, Friday 9 October (10 October, a Saturday, is worked
    # after 国庆 2026): due on the 15th; the look-alike on its Date, due the 14th.
    assert recorded(out) == [
        (f"黄浦区/赵六.{kind}/{NAME}", "2026-10-09", "file", "2026-10-15"),
        (f"静安区/孙八.eml/{NAME}", "2026-10-08", "mail", "2026-10-14"),
    ]
    assert found(out, "forward-overdue") == []

    # A later run: the file was touched (copied, re-saved); the date recorded stays, the
    # forward-by passes and the request is overdue like any other.
    os.utime(future, (dt.datetime(2026, 10, 14, 9).timestamp(),) * 2)
    run(inbox, out, "2026-10-16")
    assert recorded(out)[0][1:] == ("2026-10-09", "file", "2026-10-15")
    overdue = found(out, "forward-overdue")
    assert {f["person"] for f in overdue} == {"赵六", "孙八"}
    assert [f["message"] for f in found(out, CODE)] == [finding["message"]]


def test_the_verdict_of_the_run_that_first_recorded_an_e_mail_stands(tmp_path: Path):
    """Once the clock passes the Date, the e-mail is still not believed: its Date was
    later than the moment the ledger first recorded it."""
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    dated(inbox / "黄浦区" / "赵六.eml", eml_bytes([(NAME, A1)], date=FUTURE))
    run(inbox, out, "2026-10-12")
    run(inbox, out, "2100-01-05")  # the Date (2100-01-01) is now in the past
    assert recorded(out)[0][1:3] == ("2026-10-09", "file")
    (finding,) = found(out, CODE)
    assert "2100年1月1日 08:00" in finding["message"] and "2026年10月9日" in finding["message"]


def test_a_future_date_a_ledger_recorded_before_this_rule_is_replaced(tmp_path: Path):
    """A ledger written when every Date was believed holds 2100-01-01 (forward by
    2100-01-08, never overdue): the next run finds that date later than itself and
    receives the request on the file's time after all."""
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    dated(inbox / "黄浦区" / "赵六.eml", eml_bytes([(NAME, A1)], date=FUTURE))
    run(inbox, out, "2026-10-12")
    with sqlite3.connect(out / "ledger.sqlite") as connection:
        connection.execute(
            "UPDATE requests SET received = '2100-01-01', received_from = 'mail',"
            " forward_by = '2100-01-08'"
        )
    run(inbox, out, "2026-10-16")
    assert recorded(out)[0][1:] == ("2026-10-09", "file", "2026-10-15")
    assert [f["person"] for f in found(out, "forward-overdue")] == ["赵六"]
    assert len(found(out, CODE)) == 1
