"""Finding a person (``consolidate find``): their requests, their account, their register line.

By name, mobile or account name: their requests in the ledger, their line in the
accounts on the day and in the last register.

Pure functions over values. A person is a name + mobile (decision 12): a name two people
share (王伟) finds both, each with their own requests and lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from consolidate.ledger.holders import Accounts, Holder
from consolidate.model.baseline import BaselinePerson
from consolidate.model.request import Request
from consolidate.values.names import normalize_name
from consolidate.values.phones import normalize_mobile
from consolidate.values.text import squash


@dataclass
class Found:
    """One person the text names, with everything the office holds about them."""

    name: str
    mobile: str
    requests: list[Request] = field(default_factory=list)  # oldest first
    current: list[Holder] = field(default_factory=list)  # one line per district holding them
    register: list[BaselinePerson] = field(default_factory=list)


def find_people(
    text: str,
    requests: Iterable[Request],
    accounts: Accounts,
    register: Sequence[BaselinePerson],
) -> list[Found]:
    """Everyone ``text`` names: a mobile (normalised as clerks type it), else a name
    (normalised) or an account name (case and width aside), in the requests, the accounts
    and the register. Sorted by name and mobile; empty when nobody matches."""
    requests = list(requests)
    wanted = _matcher(text)
    people: dict[tuple[str, str], Found] = {}

    def found(name: str, mobile: str) -> Found:
        return people.setdefault((name, mobile), Found(name, mobile))

    names = [(r.person, r.mobile, "") for r in requests]
    names += [(h.name, h.mobile, h.account) for h in accounts.holders]
    names += [(p.name, p.mobile, p.account) for p in register]
    for name, mobile, account in names:
        if wanted(name, mobile, account):
            found(name, mobile)
    for request in sorted(requests, key=lambda r: (r.received, r.id or 0)):
        if (request.person, request.mobile) in people:
            people[(request.person, request.mobile)].requests.append(request)
    for holder in accounts.holders:
        if holder.person in people:
            people[holder.person].current.append(holder)
    for listed in register:
        if (listed.name, listed.mobile) in people:
            people[(listed.name, listed.mobile)].register.append(listed)
    return [people[key] for key in sorted(people)]


def _matcher(text: str) -> Callable[[str, str, str], bool]:
    """Whether a (name, mobile, account name) is what ``text`` names."""
    mobile = normalize_mobile(text)
    if mobile.valid:
        return lambda name, number, account: number == mobile.digits
    wanted, key = normalize_name(text), _account_key(text)

    def matches(name: str, number: str, account: str) -> bool:
        return bool(wanted) and name == wanted or bool(key) and _account_key(account) == key

    return matches


def _account_key(text: str) -> str:
    """An account name as compared: no spaces, half-width, lower case."""
    return squash(text).casefold()
