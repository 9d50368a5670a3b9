"""``DIR/回执/<区>.eml``: a reply draft to each district with a submission in the run.

A draft e-mail, not sent (``X-Unsent: 1``: Outlook opens it ready to send): To the
sender of the district's e-mails where known, a subject naming the district and the
as-of day, a plain Chinese body — what was received, what goes to SAMR and by when, what
is held and why (one line per problem) — and the annotated copies of ``退回/<区>/``
attached. Like the batch for SAMR it is in Chinese whatever the run's language, and it
carries nothing of the office's PC: files are named as the district sent them, reasons
are the findings' own plain words (README "安全 / Safety: what leaves the office").

Built with the standard library's ``email`` package: CRLF line endings, MIME-Version, a
Date, the text base64 in UTF-8; attachment names both as RFC 2231 (``filename*=``, the
standard) and as RFC 2047 encoded words (``name=``, what older Outlook reads).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import mimetypes
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from consolidate.model.finding import Finding
from consolidate.model.form import ReadResult
from consolidate.model.outcome import SUPERSEDED, Outcome
from consolidate.model.request import FORWARDED, Request
from consolidate.support.config import Config
from consolidate.support.messages import tool_message
from consolidate.values.dates import now
from consolidate.writing.listing import ListLine, list_lines
from consolidate.writing.returns import district_of, returns_by_district, sent_name

REPLIES = "回执"
# SMTP's CRLF line endings. Headers this module writes itself (an attachment's names)
# are kept as written: the library would otherwise re-encode the RFC 2047 name as RFC 2231.
POLICY = policy.SMTP.clone(refold_source="none")
LISTED = ("error", "warning")  # a problem line; notes (info) are not the district's to act on
# Types by ending, not by the PC's registry (mimetypes reads it on Windows).
TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass
class Reply:
    """What one district's draft says, gathered from the run."""

    district: str
    received: list[str] = field(default_factory=list)  # lines: file, e-mail, day
    requests: list[Request] = field(default_factory=list)  # of its files, to SAMR or not
    held: list[tuple[str, list[ListLine]]] = field(default_factory=list)  # file, problems
    notes: list[tuple[str, list[ListLine]]] = field(default_factory=list)  # warnings elsewhere
    senders: list[str] = field(default_factory=list)


def write_replies(
    outcome: Outcome, folder: Path, returns: Path, received: dt.date | None = None
) -> None:
    """One ``<区>.eml`` per district with a file in the run, in ``folder``; the annotated
    copies attached are those written into ``returns`` (``退回/``, not yet in place)."""
    for reply in replies_of(outcome, received):
        attached = sorted((returns / reply.district).glob("*"))
        files = [(p.name, p.read_bytes()) for p in attached if p.is_file()]
        (folder / f"{reply.district}.eml").write_bytes(draft_bytes(reply, outcome, files))


# ---------------------------------------------------------------- what each draft says
def replies_of(outcome: Outcome, received: dt.date | None = None) -> list[Reply]:
    """Every district with a file in the run, in the configured order (unknown last)."""
    findings: dict[str, list[Finding]] = defaultdict(list)
    for finding in outcome.findings:
        if finding.file is not None:
            findings[finding.file].append(finding)
    # The requests of the very file read now: a file sent again under the same name holds
    # other requests (another sha256), recorded and answered before.
    requests: dict[tuple[str, str], list[Request]] = defaultdict(list)
    for request in outcome.requests:
        requests[(request.file, request.sha256)].append(request)
    held = {
        result.source.display
        for files in returns_by_district(outcome).values()
        for result, _ in files
    }
    replies: dict[str, Reply] = {}
    for result in outcome.results:
        display = result.source.display
        district = district_of(result, findings[display], outcome.config)
        reply = replies.setdefault(district, Reply(district))
        mine = requests.get((display, result.source.sha256), [])
        reply.received.append(_received_line(result, outcome, mine, received, len(reply.received)))
        reply.requests += mine
        listed = [line for line in list_lines(findings[display], "zh") if line.severity in LISTED]
        if display in held:
            reply.held.append((one_line(sent_name(display)), listed))
        else:
            warnings = [line for line in listed if line.severity == "warning"]
            if warnings and outcome.status.get(display) != SUPERSEDED:
                reply.notes.append((one_line(sent_name(display)), warnings))
        mail = result.source.mail
        if mail is not None and mail.sender and mail.sender not in reply.senders:
            reply.senders.append(mail.sender)
    rank = outcome.config.district_rank
    return sorted(replies.values(), key=lambda r: (rank.get(r.district, len(rank)), r.district))


def _received_line(
    result: ReadResult,
    outcome: Outcome,
    requests: Sequence[Request],
    received: dt.date | None,
    count: int,
) -> str:
    """``1. 附件1.xlsx（2026年10月9日收到）``: the day the ledger received its requests,
    else the run's ``--received``, else the e-mail's or the file's own day."""
    display = result.source.display
    day = min((r.received for r in requests), default=None) or received or result.source.received
    superseded = outcome.status.get(display) == SUPERSEDED
    note = tool_message("reply-superseded", "zh", {}) if superseded else ""
    name, mail = one_line(sent_name(display)), result.source.mail
    if mail is None:
        return tool_message(
            "reply-received-file",
            "zh",
            {"n": count + 1, "name": name, "received": day, "note": note},
        )
    subject = one_line(mail.subject or sent_name(mail.display))
    return tool_message(
        "reply-received-mail", "zh",
        {"n": count + 1, "name": name, "subject": subject, "received": day, "note": note},
    )  # fmt: skip


def one_line(text: str) -> str:
    """A file name or subject as the district wrote it, on one line of the text (a name
    may hold a line break or a tab)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def body_text(reply: Reply, outcome: Outcome) -> str:
    """The draft's text, in Chinese: received, to SAMR, held, notes; signed by the office."""
    office, day = outcome.config.city.office_unit, outcome.as_of
    lines = [
        tool_message("reply-greeting", "zh", {"district": reply.district}), "",
        tool_message("reply-opening", "zh", {"office": office, "date": day}), "",
        tool_message("reply-received-head", "zh", {}), *reply.received, "",
        tool_message("reply-forward-head", "zh", {}), *_request_lines(reply.requests), "",
        tool_message("reply-held-head", "zh", {}),
    ]  # fmt: skip
    if reply.held:
        lines.append(tool_message("reply-held-intro", "zh", {}))
        lines += _file_lines(reply.held, outcome.config)
    else:
        lines.append(tool_message("reply-held-none", "zh", {}))
    if reply.notes:
        lines += ["", tool_message("reply-notes-head", "zh", {})]
        lines += _file_lines(reply.notes, outcome.config)
    lines += [
        "", tool_message("reply-closing", "zh", {"office": office}), "",
        tool_message("reply-signature", "zh", {"office": office, "date": day}),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def _request_lines(requests: Iterable[Request]) -> list[str]:
    """What goes to SAMR by when, what went, and what is not sent again; oldest first."""
    lines: list[str] = []
    for request in sorted(requests, key=lambda r: (r.received, r.id or 0)):
        n, person, kind = len(lines) + 1, request.person, request.adjustment
        if request.repeat_of is not None:
            line = tool_message(
                "reply-repeat-line", "zh", {"n": n, "person": person, "adjustment": kind}
            )
        elif request.status == FORWARDED:
            line = tool_message(
                "reply-forwarded-line", "zh",
                {"n": n, "person": person, "adjustment": kind, "day": request.forwarded_on},
            )  # fmt: skip
        elif request.to_forward:
            line = tool_message(
                "reply-forward-line", "zh",
                {"n": n, "person": person, "adjustment": kind, "received": request.received,
                 "forward_by": request.forward_by},
            )  # fmt: skip
        else:  # held: said with its file's problems
            continue
        lines.append(line)
    return lines or [tool_message("reply-forward-none", "zh", {})]


def _file_lines(files: list[tuple[str, list[ListLine]]], config: Config) -> list[str]:
    lines = []
    for n, (name, problems) in enumerate(files, 1):
        lines.append(tool_message("reply-held-file", "zh", {"n": n, "name": name}))
        lines += [_problem_line(line, config) for line in problems]
    return lines


def _problem_line(line: ListLine, config: Config) -> str:
    """``- 【错误】工作表“Sheet1”第7行“手机号”（G7）（张三）：…。建议改为：…``"""
    person = tool_message("reply-person", "zh", {"person": line.person}) if line.person else ""
    suggestion = line.suggestion or ""
    if suggestion and suggestion not in line.message:  # said once: many messages quote it
        suggestion = tool_message("reply-suggestion", "zh", {"value": suggestion})
    else:
        suggestion = ""
    return tool_message(
        "reply-problem", "zh",
        {"level": config.severity_label(line.severity, "zh"), "place": place(line),
         "person": person, "message": line.message, "suggestion": suggestion},
    )  # fmt: skip


def place(line: ListLine) -> str:
    """Where the problem is, as a clerk says it: the sheet, the row, the column's name."""
    finding = line.finding or Finding(
        "", line.severity, "", "", file=line.file, sheet=line.sheet, row=line.row
    )  # a leftover template row: the row as a whole
    sheet, row, cell, column = finding.sheet, finding.row, finding.cell, finding.column
    if sheet and (word := finding.word_place("zh")):
        return tool_message("reply-place-word", "zh", {"table": sheet, "place": word})
    if sheet and row is not None and cell and column:
        return tool_message(
            "reply-place-cell", "zh", {"sheet": sheet, "row": row, "column": column, "cell": cell}
        )
    if sheet and row is not None and cell:
        return tool_message("reply-place-at", "zh", {"sheet": sheet, "row": row, "cell": cell})
    if sheet and row is not None:
        return tool_message("reply-place-row", "zh", {"sheet": sheet, "row": row})
    if sheet:
        return tool_message("reply-place-sheet", "zh", {"sheet": sheet})
    return tool_message("reply-place-file", "zh", {})


# ---------------------------------------------------------------- the e-mail
def draft_bytes(reply: Reply, outcome: Outcome, files: Sequence[tuple[str, bytes]]) -> bytes:
    """The draft as an .eml file: headers, the text, the annotated copies attached."""
    config = outcome.config
    message = EmailMessage(policy=POLICY)
    message["X-Unsent"] = "1"  # a draft: Outlook opens it ready to edit and send
    sender = config.settings.reply.from_address
    if sender:
        message["From"] = Address(config.city.office_unit, addr_spec=sender)
    recipients = addresses(reply.senders)
    if recipients:
        message["To"] = recipients
    message["Subject"] = tool_message(
        "reply-subject", "zh", {"district": reply.district, "date": outcome.as_of}
    )
    message["Date"] = email.utils.format_datetime(_moment(outcome.as_of, config))
    message.set_content(body_text(reply, outcome), charset="utf-8", cte="base64")
    if files:
        message.make_mixed()
        for name, data in files:
            message.attach(attachment(name, data))
    # A boundary of our own, the same for the same draft: base64 never holds "=_".
    digest = hashlib.sha256(message.get_body().get_content().encode("utf-8"))  # type: ignore[union-attr]
    for name, data in files:
        digest.update(name.encode("utf-8") + hashlib.sha256(data).digest())
    if files:
        message.set_boundary(f"=_{digest.hexdigest()[:32]}")
    return message.as_bytes()


def addresses(senders: Iterable[str]) -> list[Address]:
    """The senders' addresses (``黄浦区认证科 <hp@example.cn>``), each once; a sender with
    no address (an Exchange name alone) is left out."""
    found: dict[str, Address] = {}
    for name, addr in email.utils.getaddresses(list(senders)):
        if "@" not in addr or addr.lower() in found:
            continue
        try:
            found[addr.lower()] = Address(name, addr_spec=addr)
        except (ValueError, IndexError):  # an address the header library cannot write
            continue
    return list(found.values())


def attachment(name: str, data: bytes) -> MIMEPart:
    """One attached file, base64, its name as RFC 2231 and as RFC 2047 encoded words."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""  # ".xlsx" alone too
    kind = TYPES.get(suffix) or (
        mimetypes.guess_type(name, strict=True)[0] or "application/octet-stream"
    )
    # Encoded words of at most 75 characters, one per folded line, inside the quotes.
    words = Header(name, "utf-8").encode(maxlinelen=76).replace("\r\n", "\n").split("\n")
    quoted = "\r\n ".join(word.strip() for word in words)
    rfc2231 = email.utils.encode_rfc2231(name, "utf-8")
    head = (
        f'Content-Type: {kind};\r\n name="{quoted}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment;\r\n filename*={rfc2231}\r\n\r\n"
    )
    body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    parsed: Any = BytesParser(_class=MIMEPart, policy=POLICY).parsebytes(head.encode() + body)
    return parsed


def _moment(as_of: dt.date, config: Config) -> dt.datetime:
    """The draft's Date: now when the run stands at today, else noon of its as-of day (the
    draft of a run dated in the past or ahead says that day, the same on every run)."""
    zone = dt.timezone(dt.timedelta(hours=config.settings.mail.utc_offset_hours))
    moment = now().astimezone(zone).replace(microsecond=0)
    if moment.date() == as_of:
        return moment
    return dt.datetime.combine(as_of, dt.time(12), zone)
