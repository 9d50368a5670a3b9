"""The city's accounts on a day (当前账号): a register with the requests forwarded after it.

The last roll-up's register with every request forwarded after it applied, in received
order (README 日常工作 "当前账号").

Pure functions over values. 开通 adds the person, 注销 removes them, 增加功能/减少功能 set
their functions to the request's 当前账号功能; every line keeps its basis (the register,
or the request applied last). Requests still pending or held on the day are applied to
nothing: they are named beside the person (待办). A request that reaches no line — an
注销 for someone the accounts do not hold — is kept as a note, never dropped in silence.
People are matched by exact normalised name + mobile within a district (decision 12).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from consolidate.model.baseline import BaselinePerson
from consolidate.model.request import FORWARDED, HELD, PENDING, Request
from consolidate.support.config import ADD, CANCEL, OPEN, REMOVE, Config
from consolidate.values.functions import adjustment_role, parse_functions

# Why a request is a note: the kinds a sheet or the terminal words.
OPEN_LISTED = "open-listed"  # 开通 for someone the accounts already hold
ORIGINAL_DIFFERS = "original-differs"  # 原账号功能 is not what the accounts held
UNKNOWN_PERSON = "unknown-person"  # 注销/增加/减少 for someone the accounts do not hold
TYPE_UNKNOWN = "type-unknown"  # an adjustment type the vocabulary does not know
WAITING = "waiting"  # pending or held, for someone the accounts do not hold (a 开通)
# Where a request stands on the day, for 待办.
TO_FORWARD, RETURNED = "pending", "held"


@dataclass(frozen=True, slots=True)
class Note:
    """A request the accounts say something about: what (``kind``) and what was held."""

    kind: str
    request: Request
    held: tuple[str, ...] = ()  # the functions the accounts held before it
    standing: str = ""  # WAITING: TO_FORWARD or RETURNED


@dataclass(frozen=True, slots=True)
class Holder:
    """One line of the accounts: a person, their account, and why it reads so."""

    district: str | None
    name: str
    mobile: str
    bureau: str
    post: str
    account: str
    functions: tuple[str, ...]
    basis: Request | None = None  # the request applied last; None: as the register has it
    pending: tuple[tuple[str, Request], ...] = ()  # (TO_FORWARD | RETURNED, request)
    notes: tuple[Note, ...] = ()
    rank: tuple[int, int] = (0, 0)  # district order, then the register's row or arrival

    @property
    def person(self) -> tuple[str, str]:
        return (self.name, self.mobile)


@dataclass(frozen=True)
class Accounts:
    """The accounts on ``as_of``; ``since``: requests forwarded after it were applied
    (None: every forwarded one — no register was given, ``based`` False)."""

    as_of: dt.date
    since: dt.date | None
    based: bool
    holders: list[Holder] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # requests that reach no line

    def of(self, name: str, mobile: str) -> list[Holder]:
        """The lines of one person (one per district that holds them)."""
        return [h for h in self.holders if h.person == (name, mobile)]


def baseline_since(year: int, config: Config) -> dt.date:
    """The day the last roll-up's register stands for: the deadline of the roll-up before
    ``year``'s (a register carries no date of its own; a hand-kept one neither)."""
    return config.settings.deadlines.rollup(year - 1)


def applied(request: Request, as_of: dt.date, since: dt.date | None) -> bool:
    """Forwarded after the register and by ``as_of``: the accounts on that day show it."""
    sent = request.forwarded_on
    return (
        request.status == FORWARDED and sent is not None and request.repeat_of is None
        and sent <= as_of and (since is None or sent > since)
    )  # fmt: skip


def standing(request: Request, as_of: dt.date) -> str | None:
    """TO_FORWARD or RETURNED on ``as_of`` (待办), else None: a request forwarded after
    that day was still to forward on it; a held one counts until a correction of it is
    recorded; a repeat is its first request's business."""
    if request.repeat_of is not None:
        return None
    if request.status == PENDING:
        return TO_FORWARD
    if request.status == FORWARDED and request.forwarded_on and request.forwarded_on > as_of:
        return TO_FORWARD
    if request.status == HELD and request.superseded_by is None:
        return RETURNED
    return None


def accounts_on(
    register: Sequence[BaselinePerson] | None,
    requests: Iterable[Request],
    as_of: dt.date,
    since: dt.date | None,
    config: Config,
) -> Accounts:
    """The accounts on ``as_of``: ``register`` (None: none given, start empty) with the
    requests forwarded after ``since`` and by ``as_of`` applied in received order."""
    requests = list(requests)
    book = _Book(register or (), config)
    for request in sorted(requests, key=_order):
        if applied(request, as_of, since):
            book.apply(request)
    for request in sorted(requests, key=_order):
        state = standing(request, as_of)
        if state is not None:
            book.wait(request, state)
    holders = sorted(book.lines.values(), key=lambda h: h.rank)
    rank = config.district_rank
    notes = sorted(  # by district, then the ledger's number: the same whatever the dates
        book.notes, key=lambda n: (rank.get(n.request.district or "", len(rank)), n.request.id or 0)
    )
    return Accounts(as_of, since, register is not None, holders, notes)


def _order(request: Request) -> tuple[dt.date, int]:
    return (request.received, request.id or 0)


class _Book:
    """The lines while requests are applied: by a number, found by person."""

    def __init__(self, register: Sequence[BaselinePerson], config: Config) -> None:
        self.config = config
        self.rank = config.district_rank
        self.lines: dict[int, Holder] = {}
        self.by_person: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.notes: list[Note] = []
        self.count = 0  # lines ever added: the register's order, then arrival
        for listed in register:
            self._add(
                Holder(
                    listed.district, listed.name, listed.mobile, listed.bureau, listed.post,
                    listed.account, listed.functions,
                )
            )  # fmt: skip

    def _add(self, holder: Holder) -> None:
        number, self.count = self.count, self.count + 1
        rank = (self.rank.get(holder.district or "", len(self.rank)), number)
        self.lines[number] = replace(holder, rank=rank)
        self.by_person[holder.person].append(number)

    def find(self, request: Request) -> int | None:
        """The line of the request's person in its district (either side's district
        unknown: wherever the person is)."""
        for number in self.by_person.get((request.person, request.mobile), []):
            district = self.lines[number].district
            if request.district is None or district is None or district == request.district:
                return number
        return None

    def apply(self, request: Request) -> None:
        role = adjustment_role(request.adjustment, self.config)
        number = self.find(request)
        current = parse_functions(request.current, self.config).known
        if role is None:
            self.notes.append(Note(TYPE_UNKNOWN, request))
        elif role == OPEN:
            self._open(request, number, current)
        elif number is None:
            self.notes.append(Note(UNKNOWN_PERSON, request))
        elif role == CANCEL:
            line = self.lines.pop(number)
            self.by_person[line.person].remove(number)
        elif role in (ADD, REMOVE):
            line = self.lines[number]
            notes = line.notes
            original = parse_functions(request.original, self.config).known
            if set(original) != set(line.functions):
                notes += (Note(ORIGINAL_DIFFERS, request, line.functions),)
            self.lines[number] = replace(line, functions=current, basis=request, notes=notes)

    def _open(self, request: Request, number: int | None, current: tuple[str, ...]) -> None:
        bureau, post = request.cells.get("bureau", ""), request.cells.get("post", "")
        if number is None:
            self._add(
                Holder(
                    request.district, request.person, request.mobile, bureau, post, "",
                    current, basis=request,
                )
            )  # fmt: skip
            return
        line = self.lines[number]
        self.lines[number] = replace(
            line, functions=current, basis=request, bureau=bureau or line.bureau,
            post=post or line.post, notes=(*line.notes, Note(OPEN_LISTED, request, line.functions)),
        )  # fmt: skip

    def wait(self, request: Request, state: str) -> None:
        number = self.find(request)
        if number is None:
            self.notes.append(Note(WAITING, request, standing=state))
            return
        line = self.lines[number]
        self.lines[number] = replace(line, pending=(*line.pending, (state, request)))
