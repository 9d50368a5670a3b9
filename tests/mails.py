"""Saved e-mails as districts send them: .eml written as raw MIME (every way mail programs
encode a Chinese attachment name), .msg written by aspose-email-foss (read back by the
project's extract-msg, a different library)."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import itertools
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from tests.helpers import write_annex

_BOUNDARIES = itertools.count()
CST = dt.timezone(dt.timedelta(hours=8))


def annex_bytes(annex: int, rows: list[list[Any]], **kwargs: Any) -> bytes:
    """A real .xlsx of one annex (tests.helpers.write_annex), as bytes to attach."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_annex(Path(folder) / "a.xlsx", annex, rows, **kwargs)
        return path.read_bytes()


def _encoded_word(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset.upper()}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def _filename(name: str, style: str) -> bytes:
    """The Content-Disposition parameter as each mail program writes it."""
    if style == "rfc2231":  # the standard (Thunderbird, Apple Mail, Python)
        return f"filename*=utf-8''{urllib.parse.quote(name)}".encode()
    if style == "rfc2231-gbk":
        return f"filename*=GBK''{urllib.parse.quote(name.encode('gbk'))}".encode()
    if style == "base64":  # Outlook, Foxmail, most web mail in China
        return f'filename="{_encoded_word(name, "gbk")}"'.encode()
    if style == "raw-gbk":  # an old client: undeclared 8-bit GBK
        return b'filename="' + name.encode("gbk") + b'"'
    if style == "ascii":
        return f'filename="{name}"'.encode()
    raise ValueError(style)


def eml_bytes(
    attachments: list[tuple[str, bytes]],
    *,
    date: dt.datetime | None = dt.datetime(2026, 9, 29, 17, 5, tzinfo=CST),
    sender: str = "黄浦区市场监管局认证科 <hp@example.cn>",
    subject: str = "黄浦区CCC免办系统账号调整申请",
    body: str = "市局认证处：\n附件为我区账号调整申请，请审核。\n",
    style: str = "base64",
    nested: list[tuple[str, bytes]] | None = None,
) -> bytes:
    """A multipart e-mail: a body, each attachment base64, and e-mails attached
    (``nested``: (name, bytes of an .eml)) as message/rfc822 parts."""
    name, address = email.utils.parseaddr(sender)
    boundary = f"----=_Part_{next(_BOUNDARIES)}_district"  # unique: e-mails nest
    lines = [
        f"From: {_encoded_word(name)} <{address}>".encode(),
        b"To: rzc@example.cn",
        f"Subject: {_encoded_word(subject)}".encode(),
    ]
    if date is not None:
        lines.append(f"Date: {email.utils.format_datetime(date)}".encode())
    lines += [
        b"MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"'.encode(),
        b"",
        f"--{boundary}".encode(),
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: base64",
        b"",
        base64.encodebytes(body.encode()).rstrip(),
    ]
    for filename, data in attachments:
        lines += [
            f"--{boundary}".encode(),
            b"Content-Type: application/octet-stream",
            b"Content-Disposition: attachment; " + _filename(filename, style),
            b"Content-Transfer-Encoding: base64",
            b"",
            base64.encodebytes(data).rstrip(),
        ]
    for filename, inner in nested or []:
        lines += [
            f"--{boundary}".encode(),
            b"Content-Type: message/rfc822",
            b"Content-Disposition: attachment; " + _filename(filename, "rfc2231"),
            b"",
            inner,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines)


def msg_bytes(
    attachments: list[tuple[str, bytes]],
    *,
    date: dt.datetime = dt.datetime(2026, 9, 29, 17, 5, tzinfo=CST),
    sender: str = "黄浦区市场监管局认证科",
    address: str = "hp@example.cn",
    subject: str = "黄浦区CCC免办系统账号调整申请",
    body: str = "市局认证处：附件为我区账号调整申请，请审核。",
    nested: Any = None,
) -> bytes:
    """An Outlook .msg (delivery time ``date``); ``nested``: a MapiMessage to attach."""

    message = msg_message(attachments, date=date, sender=sender, address=address,
                          subject=subject, body=body)  # fmt: skip
    if nested is not None:
        message.add_embedded_message_attachment(nested, filename="转发的邮件.msg")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.msg"
        message.save(path)
        return path.read_bytes()


def msg_message(
    attachments: list[tuple[str, bytes]],
    *,
    date: dt.datetime = dt.datetime(2026, 9, 29, 17, 5, tzinfo=CST),
    sender: str = "黄浦区市场监管局认证科",
    address: str = "hp@example.cn",
    subject: str = "转发：账号调整",
    body: str = "",
) -> Any:
    from aspose.email_foss import msg

    message = msg.MapiMessage.create(subject, body)
    message.set_property(msg.PropertyId.SENDER_NAME, sender)
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, address)
    message.set_property(msg.PropertyId.MESSAGE_DELIVERY_TIME, date.astimezone(dt.UTC))
    for filename, data in attachments:
        message.add_attachment(filename, data, mime_type="application/octet-stream")
    return message
