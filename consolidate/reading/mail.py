"""Saved e-mails (.eml, .msg): each spreadsheet or Word attachment is a submission.

Districts send their forms by e-mail; the office saves the e-mails into the inbox (or
drags the attachments out, which loses the date the 5-working-day clock starts from).
An attachment is read by the same reader as any file of the inbox
(:func:`consolidate.reading.workbook.read_bytes`) and named ``<e-mail>/<attachment>``;
the e-mail's ``Date`` is its received date (docs/rules.md decision 22) unless the checks do not
believe it (decision 29: :mod:`consolidate.checks.mails`). The body and other
attachments are listed, not read. Bounded like every input: the e-mail's size (the
file limit), the number of attachments, and nesting (an e-mail attached to an e-mail
is opened one level deep; deeper ones are listed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path, PurePosixPath
from typing import Any

from consolidate.model.form import Mail, ReadResult, SourceFile
from consolidate.reading.errors import OLE_MAGIC, Unreadable
from consolidate.reading.workbook import read_bytes, read_stable, unreadable_result
from consolidate.support.config import Config, load_config

MAIL_SUFFIXES = (".eml", ".msg")
BODY = "（邮件正文）"  # how the body is listed among what was not read
# Nesting: the e-mail itself is level 0, an e-mail attached to it level 1.
MAX_DEPTH = 1


@dataclass
class Attachment:
    name: str  # as shown: the attachment's file name, below a nested e-mail's name
    data: bytes


@dataclass
class Parsed:
    """What an e-mail holds, before any attachment is read."""

    sender: str = ""
    subject: str = ""
    date: dt.datetime | None = None
    date_text: str = ""  # the Date as written, quoted when it cannot be read
    attachments: list[Attachment] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- entry points
def is_mail(path: Path | str) -> bool:
    """Whether the file is a saved e-mail, by its ending."""
    return str(path).lower().endswith(MAIL_SUFFIXES)


def read_mail(path: Path, display: str, config: Config | None = None) -> list[ReadResult]:
    """Every submission attached to one saved e-mail; never raises for a bad file.

    An e-mail with nothing to read gives one result, marked ignored (listed in the
    manifest with what it held); an e-mail that cannot be opened, one unreadable result.
    """
    config = config or load_config()
    try:
        data, info = read_stable(path, config.limits.max_file_bytes)
    except Unreadable as why:
        return [unreadable_result(SourceFile(display, path, "", 0, 0.0), config, why)]
    return read_mail_bytes(data, display, path=path, mtime=info.st_mtime, config=config)


def read_mail_bytes(
    data: bytes, display: str, *, path: Path, mtime: float = 0.0, config: Config | None = None
) -> list[ReadResult]:
    """:func:`read_mail` on bytes already read."""
    config = config or load_config()
    sha = hashlib.sha256(data).hexdigest()
    source = SourceFile(display, path, sha, len(data), mtime)
    try:
        parsed = parse_mail(data, path.suffix.lower(), config)
    except Unreadable as why:
        return [unreadable_result(source, config, why)]
    except Exception as exc:  # noqa: BLE001 - a bad e-mail is a finding, never a traceback
        why = Unreadable(
            "邮件内容异常，无法读取",
            f"unexpected e-mail content ({type(exc).__name__})",
        )
        return [unreadable_result(source, config, why)]
    mail = Mail(
        display, sha, len(data), parsed.sender, parsed.subject, parsed.date,
        tuple(a.name for a in parsed.attachments), tuple(parsed.ignored), path,
        date_text=parsed.date_text,
    )  # fmt: skip
    source = SourceFile(display, path, sha, len(data), mtime, mail)
    # An attachment's path is below the e-mail's: its ending says how to read it.
    results = [
        read_bytes(
            a.data, f"{display}/{a.name}", path=path / a.name, mtime=mtime, config=config, mail=mail
        )
        for a in parsed.attachments
    ]
    return results or [ReadResult(source, ignored=True)]


def attachment_bytes(path: Path, name: str, config: Config | None = None) -> bytes:
    """The bytes of one attachment (``name`` as :class:`Mail` lists it), for a copy of it."""
    config = config or load_config()
    data, _ = read_stable(path, config.limits.max_file_bytes)
    for attachment in parse_mail(data, path.suffix.lower(), config).attachments:
        if attachment.name == name:
            return attachment.data
    raise Unreadable(f"邮件中没有附件“{name}”", f"the e-mail has no attachment {name!r}")


def parse_mail(data: bytes, suffix: str, config: Config) -> Parsed:
    """The sender, subject, date and attachments of an e-mail's bytes."""
    parsed = Parsed()
    if suffix == ".msg" or data.startswith(OLE_MAGIC):
        _from_msg(_open_msg(data), parsed, "", 0, config)
    else:
        _from_eml(_parse_eml(data), parsed, "", 0, config)
    return parsed


# ---------------------------------------------------------------- .eml (stdlib email)
def _parse_eml(data: bytes) -> EmailMessage:
    if not data.strip() or b":" not in data[:4096]:
        raise Unreadable("这不是邮件文件（没有邮件头）", "not an e-mail (no header lines)")
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not any(message.get(h) for h in ("From", "Date", "Subject", "Content-Type")):
        raise Unreadable(
            "这不是邮件文件（没有发件人、日期或主题）", "not an e-mail (no From, Date or Subject)"
        )
    return message  # type: ignore[return-value]


def _from_eml(
    message: EmailMessage, parsed: Parsed, prefix: str, depth: int, config: Config
) -> None:
    if depth == 0:
        parsed.sender = _header(message, "From")
        parsed.subject = _header(message, "Subject")
        parsed.date = _office_time(_eml_date(message), config)
        parsed.date_text = _quoted(_header(message, "Date"))
    for part in _leaves(message, config):
        name = _part_name(part)
        content = part.get_content_type()
        if content == "message/rfc822" or name.lower().endswith(MAIL_SUFFIXES):
            _nested(
                part,
                name or f"{_header(part, 'Subject') or '附件邮件'}.eml",
                parsed,
                prefix,
                depth,
                config,
            )
        elif name:
            _attachment(name, part.get_payload(decode=True) or b"", parsed, prefix, config)
        elif content.startswith("text/") and prefix + BODY not in parsed.ignored:
            parsed.ignored.append(prefix + BODY)


def _leaves(message: EmailMessage, config: Config) -> Iterator[EmailMessage]:
    """The parts below ``message`` that are not containers (multipart/*), bounded in number."""
    limit = 4 * _max_parts(config)  # attachments beyond the limit are listed, not read
    stack, seen = [message], 0
    while stack:
        part = stack.pop(0)
        if part.get_content_maintype() == "multipart":
            payload = part.get_payload()
            stack[:0] = payload if isinstance(payload, list) else []
            continue
        seen += 1
        if seen > limit:
            raise Unreadable(
                f"邮件的组成部分超过{limit}个，未读取", f"the e-mail has more than {limit} parts"
            )
        yield part


def _nested(part: Any, name: str, parsed: Parsed, prefix: str, depth: int, config: Config) -> None:
    """An e-mail attached to the e-mail (a forwarded one): opened one level deep."""
    shown = prefix + _safe_name(name)
    if depth >= MAX_DEPTH:
        parsed.ignored.append(shown)
        return
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(inner, EmailMessage):
            _from_eml(inner, parsed, shown + "/", depth + 1, config)
            return
        data = part.get_payload(decode=True) or b""
    else:
        data = part.get_payload(decode=True) or b""
    try:
        if data.startswith(OLE_MAGIC):
            _from_msg(_open_msg(data), parsed, shown + "/", depth + 1, config)
        else:
            _from_eml(_parse_eml(data), parsed, shown + "/", depth + 1, config)
    except Exception:  # noqa: BLE001 - an attached e-mail that cannot be opened is listed
        parsed.ignored.append(shown)


def _eml_date(message: EmailMessage) -> dt.datetime | None:
    try:
        header = message["Date"]
        return header.datetime if header is not None else None  # type: ignore[union-attr]
    except (AttributeError, ValueError, TypeError, IndexError):
        return None  # a malformed Date: the file time is used instead


def _header(message: Any, name: str) -> str:
    try:
        return _repair(str(message.get(name) or "")).strip()
    except Exception:  # noqa: BLE001 - a malformed header is shown empty, never a crash
        return ""


def _part_name(part: EmailMessage) -> str:
    """The attachment's file name: RFC 2231 and encoded words decoded; raw GBK repaired."""
    for header, raw in part.raw_items():
        # Undeclared 8-bit text (an old client's raw GBK) reaches us as surrogate escapes,
        # which the header parser would turn into U+FFFD: repair it before parsing.
        if header.lower() in ("content-disposition", "content-type") and _repair(raw) != raw:
            part.replace_header(header, _repair(raw))
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001 - a malformed parameter: treat as unnamed
        name = ""
    return _repair(name)


def _repair(text: str) -> str:
    """Undo undeclared 8-bit text (a GBK or UTF-8 name sent raw): the parser keeps it as
    surrogate escapes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


# ---------------------------------------------------------------- .msg (extract-msg)
def _open_msg(data: bytes) -> Any:
    import extract_msg

    # extract-msg logs what it finds odd; the reason reaches the clerk as a finding.
    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)
    try:
        return extract_msg.openMsg(data, delayAttachments=False)
    except Exception as exc:
        raise Unreadable(
            "Outlook邮件（.msg）已损坏或不是邮件文件",
            f"a corrupt Outlook message, or not one at all ({type(exc).__name__})",
        ) from exc


def _from_msg(message: Any, parsed: Parsed, prefix: str, depth: int, config: Config) -> None:
    from extract_msg.enums import AttachmentType

    try:
        if depth == 0:
            parsed.sender = _repair(_msg_sender(message))
            parsed.subject = _repair(message.subject or "")
            parsed.date = _office_time(message.receivedTime or message.date, config)
        if (getattr(message, "body", None) or "").strip():
            parsed.ignored.append(prefix + BODY)
        attachments = list(message.attachments)
        if len(attachments) > _max_parts(config):
            limit = _max_parts(config)
            raise Unreadable(f"邮件的附件超过{limit}个，未读取", f"more than {limit} attachments")
        for attachment in attachments:
            name = _repair(attachment.getFilename() or "")
            if attachment.type == AttachmentType.MSG:
                _nested_msg(attachment.data, name or "附件邮件.msg", parsed, prefix, depth, config)
            elif isinstance(attachment.data, bytes):
                _attachment(name, attachment.data, parsed, prefix, config)
            else:
                parsed.ignored.append(prefix + _safe_name(name or "（无法读取的附件）"))
    finally:
        if depth == 0:
            message.close()


# PR_SENDER_EMAIL_ADDRESS: an internet sender's address, where extract-msg found no From
# header and no SMTP address (a .msg saved by some clients carries only these).
SENDER_ADDRESS_STREAM = "__substg1.0_0C1F"


def _msg_sender(message: Any) -> str:
    """``Name <address>`` as far as the .msg says: the reply draft is addressed to it."""
    sender = message.sender or ""
    if "@" in sender:
        return sender
    address = message.getStringStream(SENDER_ADDRESS_STREAM) or ""
    if "@" not in address:  # an Exchange address (/O=…) is no address to write to
        return sender
    return f"{sender} <{address}>" if sender else address


def _nested_msg(
    inner: Any, name: str, parsed: Parsed, prefix: str, depth: int, config: Config
) -> None:
    shown = prefix + _safe_name(name)
    if depth >= MAX_DEPTH:
        parsed.ignored.append(shown)
        return
    _from_msg(inner, parsed, shown + "/", depth + 1, config)


# ---------------------------------------------------------------- shared
def _attachment(name: str, data: bytes, parsed: Parsed, prefix: str, config: Config) -> None:
    """A submission when it is a spreadsheet or Word document, else listed."""
    shown = prefix + _safe_name(name)
    suffixes = config.settings.inbox.spreadsheet_suffixes + config.settings.inbox.word_suffixes
    readable = PurePosixPath(shown).suffix.lower() in suffixes and not name.startswith("~$")
    if not readable or len(parsed.attachments) >= _max_parts(config):
        parsed.ignored.append(shown)
        return
    taken = {a.name for a in parsed.attachments}
    unique, n = shown, 1
    while unique in taken:  # two attachments of one name: both read, told apart
        n += 1
        stem, dot, ext = shown.rpartition(".")
        unique = f"{stem}（{n}）.{ext}" if dot else f"{shown}（{n}）"
    parsed.attachments.append(Attachment(unique, data))


def _safe_name(name: str) -> str:
    """An attachment name as one path part: no folders, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name or "（无名附件）"


def _quoted(text: str, limit: int = 60) -> str:
    """A header as a message may quote it: printable, and short (it is the sender's text)."""
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _office_time(when: dt.datetime | None, config: Config) -> dt.datetime | None:
    """``when`` in the office's time zone (a time without zone is taken as the office's)."""
    if when is None:
        return None
    office = dt.timezone(dt.timedelta(hours=_utc_offset(config)))
    if when.tzinfo is None:
        return when.replace(tzinfo=office)
    return when.astimezone(office)


def _utc_offset(config: Config) -> float:
    return config.settings.mail.utc_offset_hours


def _max_parts(config: Config) -> int:
    return config.limits.max_mail_attachments
