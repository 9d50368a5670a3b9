"""What ``consolidate find`` prints: a person's requests, account on the day, register line.

Each person the text names, their requests in the ledger (oldest first), their line in
the accounts on the day and in the last register — as text broken by the Chinese rules
(:mod:`consolidate.ui.terminal`), or as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from consolidate.ledger.holders import RETURNED, Holder
from consolidate.model.baseline import BaselinePerson
from consolidate.model.request import Request
from consolidate.support.config import Config
from consolidate.support.messages import tool_message
from consolidate.ui.terminal import new_console, say_wrapped
from consolidate.values.text import one_line
from consolidate.writing.adjustments import status_text
from consolidate.writing.current import NO_FUNCTIONS, basis_text, pending_text

if TYPE_CHECKING:
    from consolidate.api import Lookup
    from consolidate.ledger.lookup import Found

DUPLICATE = "duplicate"  # 重复: the same request again (never forwarded)
FORWARDED_FOLDER = "forwarded"


# ---------------------------------------------------------------- JSON
def found_json(lookup: Lookup, config: Config, lang: str = "zh") -> str:
    """``{"query", "requests", "current", "register", …}`` (README "find"): the top-level
    lines are the person's when the text names one person, else null (see ``people``)."""
    people = [_person(p, lookup, config, lang) for p in lookup.people]
    one = people[0] if len(people) == 1 else None
    requests = sorted(
        (r for p in lookup.people for r in p.requests), key=lambda r: (r.received, r.id or 0)
    )
    document = {
        "query": lookup.query,
        "as_of": lookup.as_of.isoformat(),
        "run_as_of": lookup.run_as_of.isoformat(),
        "requests": [request_entry(r, lookup.as_of, lang) for r in requests],
        "current": one["current"][0] if one and one["current"] else None,
        "register": one["register"][0] if one and one["register"] else None,
        "people": people,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _person(found: Found, lookup: Lookup, config: Config, lang: str) -> dict[str, Any]:
    return {
        "name": found.name,
        "mobile": found.mobile,
        "requests": [request_entry(r, lookup.as_of, lang) for r in found.requests],
        "current": [holder_entry(h, config, lang) for h in found.current],
        "register": [
            register_entry(p, lookup.register.name, lookup.register_sheet) for p in found.register
        ],
    }


def status_key(request: Request) -> str:
    """``pending``, ``held``, ``forwarded`` or ``duplicate`` (全年台账's statuses in full)."""
    return DUPLICATE if request.repeat_of is not None else request.status


def batch_file(request: Request) -> str | None:
    """``forwarded/2026-03-09-1.xlsx``: the batch as sent, in the output folder."""
    return f"{FORWARDED_FOLDER}/{request.batch}.xlsx" if request.batch else None


def request_entry(request: Request, as_of: dt.date, lang: str) -> dict[str, Any]:
    return {
        "id": request.id,
        "received": request.received.isoformat(),
        "district": request.district,
        "name": request.person,
        "mobile": request.mobile,
        "adjustment": request.adjustment,
        "original": request.original or NO_FUNCTIONS,
        "current": request.current or NO_FUNCTIONS,
        "status": status_key(request),
        "status_text": status_text(request, as_of, lang),
        "forward_by": request.forward_by.isoformat(),
        "forwarded_on": request.forwarded_on.isoformat() if request.forwarded_on else None,
        "batch": request.batch,
        "batch_file": batch_file(request),
        "file": request.file,
        "sheet": request.sheet,
        "row": request.row,
        "problems": [en if lang == "en" else zh for zh, en in request.problems],
        "superseded_by": request.superseded_by,
        "repeat_of": request.repeat_of,
    }


def holder_entry(holder: Holder, config: Config, lang: str) -> dict[str, Any]:
    basis = holder.basis
    return {
        "district": holder.district,
        "name": holder.name,
        "mobile": holder.mobile,
        "bureau": holder.bureau,
        "post": holder.post,
        "account": holder.account,
        "functions": list(holder.functions),
        "basis": basis_text(basis, lang),
        "basis_request": basis.id if basis else None,
        "pending": [
            {
                "id": r.id,
                "status": "held" if state == RETURNED else "pending",
                "text": pending_text(state, r, config, lang),
            }
            for state, r in holder.pending
        ],  # fmt: skip
    }


def register_entry(listed: BaselinePerson, file: str, sheet: str) -> dict[str, Any]:
    return {
        "district": listed.district,
        "name": listed.name,
        "mobile": listed.mobile,
        "bureau": listed.bureau,
        "post": listed.post,
        "account": listed.account,
        "functions": list(listed.functions),
        "file": file,
        "sheet": sheet,
        "row": listed.row,
    }


# ---------------------------------------------------------------- text
def found_text(lookup: Lookup, config: Config, lang: str = "zh") -> None:
    """Each person: the requests, the line in the accounts on the day, the register's."""
    console = new_console()
    if not lookup.people:
        say_wrapped(console, tool_message("find-none", lang, {"text": lookup.query}))
        return
    for n, found in enumerate(lookup.people):
        if n:
            console.print()
        person = tool_message("find-person", lang, {"name": found.name, "mobile": found.mobile})
        say_wrapped(console, person, styles={found.name: "bold"})
        _requests(console, found, lookup.as_of, lang)
        _current(console, found, lookup.as_of, config, lang)
        _register(console, found, lookup.register.name, lang)


def _requests(console: Any, found: Found, as_of: dt.date, lang: str) -> None:
    if not found.requests:
        say_wrapped(console, tool_message("find-requests-none", lang, {}), indent=2)
        return
    say_wrapped(
        console, tool_message("find-requests", lang, {"count": len(found.requests)}), indent=2
    )
    for r in found.requests:
        line = tool_message(
            "find-request", lang,
            {"id": r.id, "received": r.received, "district": r.district or "",
             "adjustment": r.adjustment, "original": r.original or NO_FUNCTIONS, "current": r.current or NO_FUNCTIONS},
        )  # fmt: skip
        say_wrapped(console, line, indent=4)
        status = status_text(r, as_of, lang)
        say_wrapped(console, tool_message("find-status", lang, {"status": status}), indent=6)
        if r.forwarded_on:
            sent = tool_message("find-batch", lang, {"day": r.forwarded_on, "file": batch_file(r)})
            say_wrapped(console, sent, indent=6)
        for zh, en in r.problems if status_key(r) == "held" else ():
            say_wrapped(console, en if lang == "en" else zh, indent=6)


def _current(console: Any, found: Found, as_of: dt.date, config: Config, lang: str) -> None:
    if not found.current:
        say_wrapped(console, tool_message("find-current-none", lang, {"as_of": as_of}), indent=2)
        return
    say_wrapped(console, tool_message("find-current", lang, {"as_of": as_of}), indent=2)
    for holder in found.current:
        say_wrapped(console, _line(holder, holder.functions, lang), indent=4)
        basis = basis_text(holder.basis, lang)
        say_wrapped(console, tool_message("find-basis", lang, {"basis": basis}), indent=4)
        if holder.pending:
            items = [pending_text(state, r, config, lang) for state, r in holder.pending]
            say_wrapped(console, tool_message("find-pending", lang, {"items": items}), indent=4)


def _register(console: Any, found: Found, file: str, lang: str) -> None:
    if not found.register:
        say_wrapped(console, tool_message("find-register-none", lang, {"file": file}), indent=2)
        return
    say_wrapped(console, tool_message("find-register", lang, {"file": file}), indent=2)
    for listed in found.register:
        say_wrapped(console, _line(listed, listed.functions, lang), indent=4)


def _line(person: Holder | BaselinePerson, functions: tuple[str, ...], lang: str) -> str:
    return tool_message(
        "find-line", lang,
        {"district": person.district or "", "name": person.name, "mobile": person.mobile,
         "functions": "、".join(functions) or NO_FUNCTIONS, "account": person.account or "—",
         "bureau": one_line(person.bureau), "post": one_line(person.post)},
    ).strip()  # fmt: skip
