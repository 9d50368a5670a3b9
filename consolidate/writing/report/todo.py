"""What the office must do today: the report's opening section and its headline.

In the order the head of office reads them (README 市局汇总, report.html): requests overdue, requests
due within the next 7 days counted from ``--as-of``, districts that have not sent their
Annex 2 (with the deadline's state), requests held back (退回) — and, so that "nothing
to do" is never said while faulty files wait, the districts whose files go back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from consolidate.ledger.requests import DUE_WITHIN_DAYS, due_within
from consolidate.support.wording import label

if TYPE_CHECKING:
    from consolidate.model.outcome import Outcome
    from consolidate.model.request import Request

# The headline names the districts up to this many; beyond, the first ones and the count.
NAMED_IN_HEADLINE = 5


@dataclass
class RequestRow:
    """One request in a to-do list: every field already text."""

    district: str
    person: str
    mobile: str
    type: str
    received: str
    forward_by: str
    late: int  # days past the forward-by date (overdue list)
    left: int  # days until the forward-by date (due list)
    problems: list[str]  # why it is held (held list)


@dataclass
class MissingDistrict:
    """A district that has sent no Annex 2 for the roll-up, and where its deadline stands."""

    name: str
    anchor: str
    state: str
    passed: bool


@dataclass
class ReturnDistrict:
    """A district whose files have errors: their annotated copies go back."""

    name: str
    anchor: str
    errors: int


@dataclass
class Todo:
    """The to-do section: each list, the deadline facts and the one-sentence headline."""

    headline: str
    nothing: bool
    overdue: list[RequestRow]
    due: list[RequestRow]
    due_until: str
    missing: list[MissingDistrict]
    deadline: str
    held: list[RequestRow]
    returns: list[ReturnDistrict]
    totals: str


def build_todo(
    outcome: Outcome, requests: list[Request], districts: list[Any], t: dict[str, str], lang: str
) -> Todo:
    """The to-do of a roll-up run on ``outcome.as_of`` (``districts``: the report's views)."""
    as_of = outcome.as_of
    year = outcome.year or as_of.year
    rank = {d.name: i for i, d in enumerate(outcome.config.districts)}

    def order(request: Request) -> tuple[dt.date, int, str]:
        """Soonest due first; then the districts in their configured order."""
        return (request.forward_by, rank.get(request.district or "", len(rank)), request.person)

    overdue = sorted((r for r in requests if r.overdue(as_of)), key=order)
    due = sorted(due_within(requests, as_of), key=order)
    held = sorted((r for r in requests if r.returned), key=order)
    deadline = outcome.config.settings.deadlines.rollup(year)
    missing = [
        MissingDistrict(
            d.name, d.anchor, _deadline_state(deadline, as_of, t, lang), as_of > deadline
        )
        for d in districts
        if d.missing
    ]
    returns = _returns(outcome, districts)
    counts = {
        "pending": sum(r.to_forward for r in requests),
        "returned": len(held),
        "forwarded": sum(r.status == "forwarded" and r.received.year == year for r in requests),
    }
    todo = Todo(
        headline="",
        nothing=not (overdue or due or missing or held or returns),
        overdue=[_row(r, as_of, lang) for r in overdue],
        due=[_row(r, as_of, lang) for r in due],
        due_until=(as_of + dt.timedelta(days=DUE_WITHIN_DAYS)).isoformat(),
        missing=missing,
        deadline=deadline.isoformat(),
        held=[_row(r, as_of, lang) for r in held],
        returns=returns,
        totals=t["requests_totals"].format(**counts),
    )
    todo.headline = _headline(todo, due, deadline, as_of, t, lang)
    return todo


def _row(request: Request, as_of: dt.date, lang: str) -> RequestRow:
    return RequestRow(
        district=request.district or "", person=request.person, mobile=request.mobile,
        type=request.adjustment, received=request.received.isoformat(),
        forward_by=request.forward_by.isoformat(), late=(as_of - request.forward_by).days,
        left=(request.forward_by - as_of).days,
        problems=[zh if lang == "zh" else en for zh, en in request.problems],
    )  # fmt: skip


def _returns(outcome: Outcome, districts: list[Any]) -> list[ReturnDistrict]:
    """Districts with an error finding on a file they sent (not on last year's register or
    the city's list, not a missing roster: those are no file to send back)."""
    references = {
        getattr(ref, "display", None) for ref in (outcome.baseline, outcome.fastlist) if ref
    }
    errors: dict[str, int] = {}
    for finding in outcome.findings:
        if finding.is_error and finding.file and finding.file not in references:
            errors[finding.district or ""] = errors.get(finding.district or "", 0) + 1
    return [ReturnDistrict(d.name, d.anchor, errors[d.name]) for d in districts if d.name in errors]


def _deadline_state(deadline: dt.date, as_of: dt.date, t: dict[str, str], lang: str) -> str:
    """``截止11月30日，还有3天`` / ``今天截止`` / ``截止11月30日，已逾期6天``."""
    days = (deadline - as_of).days
    key = "deadline_ahead" if days > 0 else "deadline_today" if days == 0 else "deadline_passed"
    return t[key].format(date=day_text(deadline, lang), days=abs(days))


def day_text(day: dt.date, lang: str) -> str:
    """``12月11日`` / ``11 Dec``: the year is the report's."""
    if lang == "en":
        return f"{day.day} {day:%b}"
    return label("places", "month-day", month=day.month, day=day.day)


def _headline(
    todo: Todo, due: list[Request], deadline: dt.date, as_of: dt.date, t: dict[str, str], lang: str
) -> str:
    """One sentence: what is to be done today, or that nothing is."""
    if todo.nothing:
        return t["todo_nothing"]
    parts = []
    if todo.overdue:
        parts.append(t["todo_overdue"].format(n=len(todo.overdue)))
    if due:
        first, last = due[0].forward_by, due[-1].forward_by
        days = day_text(first, lang)
        if last != first:
            days = t["todo_range"].format(first=days, last=day_text(last, lang))
        parts.append(t["todo_due"].format(n=len(due), days=days, window=DUE_WITHIN_DAYS))
    if todo.missing:
        names = _names([d.name for d in todo.missing], t)
        state = _deadline_state(deadline, as_of, t, lang)
        parts.append(t["todo_missing"].format(names=names, state=state))
    if todo.held:
        parts.append(t["todo_held"].format(n=len(todo.held)))
    if todo.returns:
        parts.append(t["todo_returns"].format(n=len(todo.returns)))
    return t["todo_headline"].format(parts=t["todo_sep"].join(parts))


def _names(names: list[str], t: dict[str, str]) -> str:
    if len(names) <= NAMED_IN_HEADLINE:
        return t["name_sep"].join(names)
    shown = t["name_sep"].join(names[:3])
    return t["names_more"].format(names=shown, n=len(names))
