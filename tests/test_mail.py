"""Saved e-mails in the inbox or given to check: each spreadsheet or Word attachment is a
submission named <e-mail>/<attachment>, received on the e-mail's date (decision 22)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidate import api
from consolidate.cli import main
from consolidate.reading.inbox import discover, read_all
from consolidate.reading.mail import BODY, read_mail
from consolidate.writing.tables import manifest
from tests.helpers import CONFIG, a1_cells
from tests.mails import CST, annex_bytes, eml_bytes, msg_bytes, msg_message
from tests.recommend_files import CODES, cells, list_docx, new_row, write_list
from tests.wordfiles import annex_docx

OPEN = a1_cells(1, "开通", "无", "监管", "赵六", "13900000006")
A1 = annex_bytes(1, [OPEN])
NAME = "附件1 黄浦区账号调整（2026年9月）.xlsx"


def _read(path: Path, data: bytes, display: str = "黄浦区/申请.eml"):
    path.write_bytes(data)
    return read_mail(path, display, CONFIG)


@pytest.mark.parametrize("style", ["rfc2231", "rfc2231-gbk", "base64", "raw-gbk"])
def test_a_chinese_attachment_name_is_decoded_however_it_was_sent(tmp_path: Path, style: str):
    results = _read(tmp_path / "a.eml", eml_bytes([(NAME, A1)], style=style))
    assert [r.source.display for r in results] == [f"黄浦区/申请.eml/{NAME}"]
    assert [(f.annex, len(f.rows)) for f in results[0].forms] == [(1, 1)]
    assert results[0].findings == []


def test_the_e_mail_date_is_the_received_date_in_beijing_time(tmp_path: Path):
    # 23:30 UTC on 30 September is 07:30 on 1 October in Shanghai.
    sent = dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC)
    (result,) = _read(tmp_path / "a.eml", eml_bytes([(NAME, A1)], date=sent))
    assert result.source.received == dt.date(2026, 10, 1)
    assert result.source.received_from == "mail"
    assert result.source.mail.date == dt.datetime(2026, 10, 1, 7, 30, tzinfo=CST)
    assert result.source.mail.sender == "黄浦区市场监管局认证科 <hp@example.cn>"


def test_without_a_date_the_file_time_is_used(tmp_path: Path):
    (result,) = _read(tmp_path / "a.eml", eml_bytes([(NAME, A1)], date=None))
    assert result.source.mail.date is None
    assert result.source.received_from == "file"
    assert result.source.received == dt.date.fromtimestamp((tmp_path / "a.eml").stat().st_mtime)


def test_the_body_and_other_attachments_are_listed_not_read(tmp_path: Path):
    data = eml_bytes([(NAME, A1), ("扫描件.pdf", b"%PDF-1.4"), ("说明.txt", b"x")])
    (result,) = _read(tmp_path / "a.eml", data)
    assert result.source.mail.attachments == (NAME,)
    assert result.source.mail.ignored == (BODY, "扫描件.pdf", "说明.txt")


def test_a_word_attachment_goes_through_the_word_reader(tmp_path: Path):
    docx = annex_docx(tmp_path / "w.docx", 1, [OPEN]).read_bytes()
    (result,) = _read(tmp_path / "a.eml", eml_bytes([("附件1.docx", docx)]))
    assert [(f.annex, f.sheet, len(f.rows)) for f in result.forms] == [(1, "表格1", 1)]


def test_recommendation_lists_attached_in_excel_and_word_are_read_and_checked(tmp_path: Path):
    """A district e-mails its 推荐名单 like its annexes: the same readers, the same rules,
    findings at the list's cells under <e-mail>/<attachment>."""
    xlsx = write_list(tmp_path / "l.xlsx", [cells(new_row(1, uscc=CODES[0].lower()))])
    docx = list_docx(
        tmp_path / "l.docx", [cells(new_row(1, unit="上海丙丁电子有限公司", uscc=CODES[1]))]
    )
    path = tmp_path / "推荐.eml"
    path.write_bytes(
        eml_bytes(
            [("推荐名单.xlsx", xlsx.read_bytes()), ("推荐名单.docx", docx.read_bytes())],
            subject="黄浦区CCC免办便捷通道推荐名单",
        )
    )
    results = read_mail(path, "黄浦区/推荐.eml", CONFIG)
    assert [(f.annex, f.sheet, len(f.rows)) for r in results for f in r.forms] == [
        (3, "推荐名单", 1),
        (3, "表格1", 1),
    ]
    outcome = api.check([path], as_of=dt.date(2026, 5, 25), displays=["推荐.eml"])
    assert [(f.file, f.code, f.cell) for f in outcome.findings] == [
        ("推荐.eml/推荐名单.xlsx", "uscc-invalid", "D4")
    ]


def test_an_attached_e_mail_is_opened_one_level_deep(tmp_path: Path):
    innermost = eml_bytes([("最里层.xlsx", A1)], subject="第三层")
    inner = eml_bytes([("原件.xlsx", A1)], subject="原邮件", nested=[("第三层.eml", innermost)])
    results = _read(tmp_path / "a.eml", eml_bytes([], nested=[("原邮件.eml", inner)]))
    assert [r.source.display for r in results] == ["黄浦区/申请.eml/原邮件.eml/原件.xlsx"]
    assert "原邮件.eml/第三层.eml" in results[0].source.mail.ignored
    assert results[0].source.received == dt.date(2026, 9, 29)  # the outer e-mail's date


def test_two_attachments_of_one_name_are_both_read(tmp_path: Path):
    results = _read(tmp_path / "a.eml", eml_bytes([("附件1.xlsx", A1), ("附件1.xlsx", A1)]))
    assert [r.source.display.rsplit("/", 1)[1] for r in results] == [
        "附件1.xlsx",
        "附件1（2）.xlsx",
    ]


def test_attachments_beyond_the_limit_are_listed(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("consolidate.reading.mail._max_parts", lambda config: 2)
    files = [(f"附件{n}.xlsx", A1) for n in range(1, 4)]
    path = tmp_path / "a.eml"
    path.write_bytes(eml_bytes(files))
    results = read_mail(path, "a.eml", CONFIG)
    assert [r.source.display for r in results] == ["a.eml/附件1.xlsx", "a.eml/附件2.xlsx"]
    assert "附件3.xlsx" in results[0].source.mail.ignored


def test_an_outlook_msg_gives_its_attachments_and_delivery_time(tmp_path: Path):
    delivered = dt.datetime(2026, 9, 30, 9, 15, tzinfo=CST)
    data = msg_bytes(
        [(NAME, A1), ("说明.txt", b"x")], date=delivered,
        nested=msg_message([("转发件.xlsx", A1)], body="转发"),
    )  # fmt: skip
    results = _read(tmp_path / "a.msg", data, "黄浦区/申请.msg")
    assert [r.source.display for r in results] == [
        f"黄浦区/申请.msg/{NAME}",
        "黄浦区/申请.msg/转发的邮件.msg/转发件.xlsx",
    ]
    assert all(len(r.forms) == 1 for r in results)
    mail = results[0].source.mail
    assert (mail.date, mail.received, mail.sender) == (
        delivered,
        dt.date(2026, 9, 30),
        "黄浦区市场监管局认证科 <hp@example.cn>",  # the address too: the reply draft's To
    )
    assert "说明.txt" in mail.ignored


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.eml", b"\x00\x01\x02 not a mail at all", "这不是邮件文件"),
        ("a.eml", b"", "这不是邮件文件"),
        ("a.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".msg）已损坏"),
        ("a.msg", b"just text", ".msg）已损坏"),
    ],
)
def test_a_broken_e_mail_is_file_unreadable_with_what_to_do(
    tmp_path: Path, name: str, data: bytes, reason: str
):
    (result,) = _read(tmp_path / name, data, name)
    assert result.unreadable
    (finding,) = result.findings
    assert finding.code == "file-unreadable" and reason in finding.message
    assert "邮件" in finding.message.split("。", 1)[1]  # the advice speaks of the e-mail


def test_an_e_mail_with_nothing_to_read_is_listed_as_ignored(tmp_path: Path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "问候.eml").write_bytes(eml_bytes([("照片.jpg", b"\xff\xd8")]))
    outcome = api.consolidate_inbox(tmp_path / "inbox", as_of=dt.date(2026, 10, 9))
    files = {e["file"]: e["status"] for e in manifest(outcome)["files"]}
    assert files == {
        "问候.eml": "ignored",
        f"问候.eml/{BODY}": "ignored",
        "问候.eml/照片.jpg": "ignored",
    }


def test_the_inbox_reads_e_mails_and_the_manifest_names_the_sender(tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / "黄浦区").mkdir(parents=True)
    (inbox / "黄浦区" / "申请.eml").write_bytes(eml_bytes([(NAME, A1), ("扫描件.pdf", b"%PDF")]))
    other = annex_bytes(1, [a1_cells(1, "注销", "监管", "无", "钱七", "13900000007")])
    (inbox / "黄浦区" / "申请.msg").write_bytes(msg_bytes([("附件1.xlsx", other)]))
    found, _ = discover(inbox, config=CONFIG)
    assert [d for _, d in found] == ["黄浦区/申请.eml", "黄浦区/申请.msg"]
    outcome = api.consolidate_inbox(inbox, as_of=dt.date(2026, 10, 9))
    document = manifest(outcome)
    used = {e["file"]: e["mail"] for e in document["files"] if e["status"] == "used"}
    assert used == {
        f"黄浦区/申请.eml/{NAME}": "黄浦区/申请.eml",
        "黄浦区/申请.msg/附件1.xlsx": "黄浦区/申请.msg",
    }
    mails = {m["file"]: m for m in document["mails"]}
    assert mails["黄浦区/申请.eml"]["sender"] == "黄浦区市场监管局认证科 <hp@example.cn>"
    assert mails["黄浦区/申请.eml"]["received"] == "2026-09-29"
    assert mails["黄浦区/申请.eml"]["ignored"] == [
        f"黄浦区/申请.eml/{BODY}",
        "黄浦区/申请.eml/扫描件.pdf",
    ]
    # The same reading in worker processes (a large inbox), under spawn as on Windows.
    assert [r.source.display for r in read_all(found * 40, CONFIG)][:2] == list(used)


def test_check_takes_an_e_mail_and_annotates_its_attachment(tmp_path: Path):
    faulty = annex_bytes(1, [a1_cells(1, "新增", "无", "监管", "赵六", "1390000000")])
    path = tmp_path / "申请.eml"
    path.write_bytes(eml_bytes([(NAME, faulty)]))
    result = CliRunner().invoke(
        main, ["check", str(path), "--format", "json", "--as-of", "2026-10-09"]
    )
    assert result.exit_code == 1, result.output
    codes = {(f["file"], f["code"]) for f in json.loads(result.output)["findings"]}
    assert (f"{path}/{NAME}", "phone-invalid") in codes
    out = tmp_path / "标注"
    result = CliRunner().invoke(main, ["check", str(path), "--annotate", str(out)])
    (copy,) = out.rglob("*.xlsx")
    assert copy.name == "附件1 黄浦区账号调整（2026年9月）（已标注）.xlsx"
    assert "问题清单" in openpyxl.load_workbook(copy).sheetnames
