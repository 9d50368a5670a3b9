"""The reply drafts ``run`` writes to each district (README "安全 / Safety: what leaves the office" →
Reply drafts), read back with the standard library's ``email`` package as a mail program
reads them: headers, the Chinese body line by line, the attachments' names and bytes.

Dates are pinned: the e-mails' Date, --received, --as-of and the forward's --date.
"""

from __future__ import annotations

import datetime as dt
import json
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidate import api
from consolidate.cli import main
from consolidate.writing.replies import POLICY, addresses, attachment
from tests.helpers import a1_cells, write_annex
from tests.mails import CST
from tests.test_ledger import FAULTY_SUN, HOLIDAY_QIAN, HP, JA, OPEN_ZHAO, at, request_mail, run

MH = "上海市闵行区市场监督管理局"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A roster whose second mobile has 7 digits: phone-invalid, an error, so the file goes back.
ROSTER = [
    [1, HP, "王建华", "认证科科长", "hp1", "复审", "13900000001", None],
    [2, HP, "赵六", "认证科科员", "hp6", "监管", "1390000", None],
]


@pytest.fixture(autouse=True)
def _read_here(monkeypatch) -> None:
    """Read in this process: a reader forked late in a long test session inherits the
    session's address space and can hit its cap (reader_memory_mb) before reading a byte
    (MemoryError). What is tested here is the drafts and the ledger, not the isolation."""
    monkeypatch.setattr("consolidate.reading.inbox.ISOLATED", False)


def _inbox(tmp_path: Path) -> tuple[Path, Path]:
    """黄浦区: an e-mail with a request, a roster with an error (a plain file); 静安区: a
    faulty request as a plain file (no sender); 闵行区: a request in an Outlook .msg."""
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    request_mail(inbox / "黄浦区" / "申请.eml", OPEN_ZHAO, HP, at("2026-10-09"))
    write_annex(inbox / "黄浦区" / "附件2.xlsx", 2, ROSTER, unit=HP, date="2026年10月9日")
    write_annex(inbox / "静安区" / "附件1.xlsx", 1, [FAULTY_SUN], unit=JA, date="2026年10月9日")
    minhang = a1_cells(1, "开通", "无", "监管", "李四", "13900000009", MH)
    request_mail(inbox / "闵行区" / "申请.msg", minhang, MH, at("2026-10-09"), "msg")
    run(inbox, out, "2026-10-12", "--received", "2026-10-09")
    assert _unreadable(out) == []
    return inbox, out


def _unreadable(out: Path) -> list[str]:
    """Why a file could not be read: the drafts below would say less than they should."""
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
    return [f"{f['file']}: {f['message']}" for f in found if f["code"] == "file-unreadable"]


def _draft(out: Path, district: str) -> tuple[bytes, EmailMessage]:
    raw = (out / "回执" / f"{district}.eml").read_bytes()
    return raw, BytesParser(policy=policy.default).parsebytes(raw)


def _body(message: EmailMessage) -> list[str]:
    part = message.get_body(("plain",))
    assert part is not None and part["Content-Transfer-Encoding"] == "base64"
    assert part.get_content_charset() == "utf-8"
    return part.get_content().splitlines()


def _attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    return [
        (p.get_filename(), p.get_content_type(), p.get_content())
        for p in message.iter_attachments()
    ]


def _returned(out: Path, district: str) -> list[tuple[str, str, bytes]]:
    folder = out / "退回" / district
    return [(p.name, XLSX, p.read_bytes()) for p in sorted(folder.iterdir())]


def _message(out: Path, code: str, file: str) -> str:
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
    (finding,) = [f for f in found if f["code"] == code and f["file"] == file]
    return finding["message"]


def test_a_district_s_draft_says_what_came_what_goes_and_what_is_held(tmp_path: Path):
    _, out = _inbox(tmp_path)
    assert sorted(p.name for p in (out / "回执").iterdir()) == [
        "闵行区.eml", "静安区.eml", "黄浦区.eml"
    ]  # fmt: skip
    raw, draft = _draft(out, "黄浦区")
    # As Outlook and Foxmail expect a saved e-mail: CRLF only, MIME, dated, unsent.
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert draft["MIME-Version"] == "1.0" and draft["X-Unsent"] == "1"
    assert draft["Date"].datetime == dt.datetime(2026, 10, 12, 12, tzinfo=CST)
    assert draft["Subject"] == "关于黄浦区报送材料的核对回执（2026年10月12日）"
    assert [a.addr_spec for a in draft["To"].addresses] == ["hp@example.cn"]
    assert draft["From"] is None  # no office address configured: the mail program's own
    body = _body(draft)
    assert body[0] == "黄浦区市场监管局："
    assert body[body.index("一、收到的材料") + 1 :][:2] == [
        "1. 附件1 账号调整申请.xlsx（邮件“上海市黄浦区市场监督管理局账号调整”的附件，2026年10月9日收到）",
        "2. 附件2.xlsx（2026年10月9日收到）",
    ]
    assert body[body.index("二、报送总局的账号调整申请") + 1] == (
        "1. 赵六（开通）：2026年10月9日收到，将于2026年10月15日前报送市场监管总局"
    )  # 10 October (a Saturday) is worked in 2026
    held = body[body.index("三、需要修改后重新报送的材料") + 1 :]
    assert held[1] == "1. 附件2.xlsx"
    assert held[2] == (
        f"   - 【错误】工作表“附件2”第6行“手机号”（G6）（赵六）：{_message(out, 'phone-invalid', '黄浦区/附件2.xlsx')}"
    )
    # One line per problem, and only this file's; a warning elsewhere is a point to check.
    notes = held[held.index("四、请核对的提示（不影响报送）") :]
    assert held[3] == "" and notes[1:3] == [
        "1. 附件1 账号调整申请.xlsx",
        "   - 【警告】工作表“附件1”第5行“账号使用人姓名”（F5）（赵六）："
        + _message(out, "open-not-listed", "黄浦区/申请.eml/附件1 账号调整申请.xlsx"),
    ]
    assert body[-2:] == ["上海市市场监督管理局认证处", "2026年10月12日"]
    # The annotated copy of 退回/黄浦区/ attached, its name in both encodings.
    assert _attachments(draft) == _returned(out, "黄浦区")
    assert b"filename*=utf-8''%E9%99%84%E4%BB%B62" in raw  # RFC 2231: 附件2…
    assert b'name="=?utf-8?b?' in raw  # RFC 2047, for mail programs that read only that


def test_a_district_with_no_e_mail_gets_a_draft_with_no_recipient(tmp_path: Path):
    inbox, out = _inbox(tmp_path)
    raw, draft = _draft(out, "静安区")
    assert draft["To"] is None
    body = _body(draft)
    assert "1. 附件1.xlsx（2026年10月9日收到）" in body
    assert body[body.index("二、报送总局的账号调整申请") + 1] == "本次没有报送总局的账号调整申请。"
    problem = next(line for line in body if line.startswith("   - 【错误】"))
    assert problem.startswith("   - 【错误】工作表“附件1”第5行“账号调整方式”（B5）（孙八）：")
    assert "是否应为“开通”？" in problem  # the suggestion, as the message words it
    assert _attachments(draft) == _returned(out, "静安区")
    # An Outlook .msg names its sender too.
    _, minhang = _draft(out, "闵行区")
    assert [a.addr_spec for a in minhang["To"].addresses] == ["hp@example.cn"]
    assert _attachments(minhang) == []  # nothing held: nothing attached
    assert "本次报送的材料没有需要修改的错误。" in _body(minhang)
    # Nothing of the office's PC: no path of the inbox or the outputs, in any draft.
    for path in (out / "回执").iterdir():
        text = "\n".join(_body(_draft(out, path.stem)[1]))
        assert str(tmp_path) not in text and "收件箱" not in text and "输出" not in text

    # Forwarded, the next draft says so; a district whose file left the inbox has none; a
    # file sent again under the same name is answered for what it holds now.
    assert CliRunner().invoke(main, ["forward", str(out), "--date", "2026-10-12"]).exit_code == 0
    (inbox / "静安区" / "附件1.xlsx").unlink()
    request_mail(inbox / "黄浦区" / "申请.eml", HOLIDAY_QIAN, HP, at("2026-10-09"))
    run(inbox, out, "2026-10-13", "--received", "2026-10-09")
    assert sorted(p.name for p in (out / "回执").iterdir()) == ["闵行区.eml", "黄浦区.eml"]
    assert not [p for p in out.iterdir() if p.name.startswith(".回执")]
    body = _body(_draft(out, "闵行区")[1])
    assert "1. 李四（开通）：已于2026年10月12日报送市场监管总局" in body
    body = _body(_draft(out, "黄浦区")[1])
    assert body[body.index("二、报送总局的账号调整申请") + 1 :][:2] == [
        "1. 钱七（注销）：2026年10月9日收到，将于2026年10月15日前报送市场监管总局", ""
    ]  # fmt: skip


def test_the_office_address_is_the_drafts_from_when_configured(tmp_path: Path):
    schemas = tmp_path / "配置"
    api.export_schemas(schemas)
    settings_file = schemas / "settings.toml"
    text = settings_file.read_text(encoding="utf-8")
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    write_annex(inbox / "黄浦区" / "附件1.xlsx", 1, [OPEN_ZHAO], unit=HP, date="2026年10月9日")
    args = [
        "run",
        str(inbox),
        "--out",
        str(out),
        "--as-of",
        "2026-10-12",
        "--received",
        "2026-10-09",
        "--lang",
        "en",  # findings in English: an unreadable file's exception named
    ]
    # A From that is no address is refused as configuration (exit 2), never written.
    settings_file.write_text(text.replace('from_address = ""', 'from_address = "认证处"'), "utf-8")
    refused = CliRunner().invoke(main, ["--schemas", str(schemas), *args])
    assert refused.exit_code == 2 and "from_address" in refused.output
    settings_file.write_text(
        text.replace('from_address = ""', 'from_address = "rzc@example.cn"'), "utf-8"
    )
    ran = CliRunner().invoke(main, ["--schemas", str(schemas), *args])
    assert ran.exit_code == 0, "\n".join(_unreadable(out))
    _, draft = _draft(out, "黄浦区")
    (sender,) = draft["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "上海市市场监督管理局认证处",
        "rzc@example.cn",
    )
    assert draft["To"] is None  # a plain file: no sender known


# Names as districts write them: Chinese, full-width brackets, spaces, quotes, long.
NAMES = st.text(
    st.sampled_from(list("附件账号调整汇总表（已标注）终稿黄浦区 -_.,;'\"()[]12abcXYZ〔〕、")),
    min_size=1, max_size=120,
).map(lambda s: s.strip() + ".xlsx")  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(name=NAMES, data=st.binary(max_size=300))
def test_an_attachment_keeps_its_name_and_bytes(name: str, data: bytes):
    message = EmailMessage(policy=POLICY)
    message.set_content("正文", charset="utf-8", cte="base64")
    message.make_mixed()
    message.attach(attachment(name, data))
    raw = message.as_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    (part,) = BytesParser(policy=policy.default).parsebytes(raw).iter_attachments()
    assert part.get_filename() == name  # RFC 2231 (Content-Disposition)
    assert part.get_param("name") == name  # RFC 2047 encoded words (Content-Type)
    assert (part.get_content_type(), part.get_content()) == (XLSX, data)


def test_only_senders_with_an_address_are_written_to():
    found = addresses([
        "黄浦区认证科 <hp@example.cn>", "HP@EXAMPLE.CN", "张三", "/O=EXCHANGE/CN=ZHANG",
        '"静安, 认证科" <ja@example.cn>',
    ])  # fmt: skip
    assert [(a.display_name, a.addr_spec) for a in found] == [
        ("黄浦区认证科", "hp@example.cn"), ("静安, 认证科", "ja@example.cn"),
    ]  # fmt: skip
