"""Rules about people across districts, between the two annexes, and the roll-up.

The CITY stage: shared mobiles, people in two districts, shared account names (groups
the run's views find, :mod:`.views`); CROSS_FORM: Annex 1 against Annex 2 within a
district; ROLLUP: districts missing and rosters late."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from consolidate.checks.common import Person, Reporter, functions_of, where
from consolidate.checks.registry import Stage, rule
from consolidate.checks.scope import RunScope
from consolidate.model.finding import Finding
from consolidate.model.form import Form, Row
from consolidate.support.config import ADD, CANCEL, OPEN, REMOVE, Config
from consolidate.support.wording import label
from consolidate.values.functions import adjustment_role

UNKNOWN_DISTRICT = label("words", "unknown-district")

FormRows = list[tuple[Form, Row]]


def _others(run: RunScope, group: list[int], me: int, same: Callable[[int], object]) -> str:
    """The other rows of a group — those ``same`` tells apart from ``me`` — named for the
    message: ``王芳（黄浦区/附件2.xlsx（Sheet1）第7行）；…``."""
    rows = run.people.rows
    return "；".join(
        f"{run.people.names[i]}（{where(*rows[i])}）" for i in group if same(i) != same(me)
    )


@rule("phone-shared", Stage.CITY, at=["mobile"], says=["mobile", "others"])
def phone_shared(run: RunScope) -> Iterator[Finding]:
    """One mobile given for two different names, anywhere in the run: on every row involved."""
    people = run.people
    for group in run.views.shared_mobiles():
        for i in group:
            form, row = people.rows[i]
            yield run.reporter.at_cell(
                "phone-shared", form, row, "mobile", mobile=people.mobiles[i],
                others=_others(run, group, i, lambda j: people.names[j]),
            )  # fmt: skip


@rule("person-multi-district", Stage.CITY, at=["name"], says=["name", "others"])
def person_multi_district(run: RunScope) -> Iterator[Finding]:
    """The same person listed by two districts' Annex 2."""
    people = run.people
    for group in run.views.several_districts():
        for i in group:
            form, row = people.rows[i]
            others = [
                f"{people.districts[j] or UNKNOWN_DISTRICT}（{where(*people.rows[j])}）"
                for j in group
                if people.districts[j] != form.district
            ]
            yield run.reporter.at_cell(
                "person-multi-district", form, row, "name", name=people.names[i],
                others="；".join(others),
            )  # fmt: skip


@rule("account-name-duplicate", Stage.CITY, at=["account"], says=["account", "others"])
def account_name_duplicate(run: RunScope) -> Iterator[Finding]:
    """One account name used by two different people in the city."""
    people = run.people
    for group in run.views.shared_accounts():
        for i in group:
            form, row = people.rows[i]
            yield run.reporter.at_cell(
                "account-name-duplicate", form, row, "account", account=row.text("account"),
                others=_others(run, group, i, people.person),
            )  # fmt: skip


# ---------------------------------------------------------------- Annex 1 against Annex 2
def requests_by_person(
    requests: FormRows, reporter: Reporter
) -> dict[Person, list[tuple[Form, Row]]]:
    """Each person's Annex 1 requests, in file and row order."""
    out: dict[Person, FormRows] = defaultdict(list)
    for form, row in requests:
        out[reporter.person(row)].append((form, row))
    return out


def adjustment_of(row: Row, config: Config) -> str | None:
    """The role of a request's adjustment type (``open``, ``cancel``, ``add``, ``remove``)."""
    return adjustment_role(row.text("adjustment"), config)


@dataclass(frozen=True)
class _Requests:
    """Each person's Annex 1 requests in the districts that sent a roster, and each
    district's roster people (their first row)."""

    wanted: dict[Person, FormRows]
    listed: dict[tuple[str | None, Person], tuple[Form, Row]]


def _requests(run: RunScope) -> _Requests:
    rosters, reporter = run.judged[2], run.reporter
    roster_districts = {form.district for form, _ in rosters}
    listed: dict[tuple[str | None, Person], tuple[Form, Row]] = {}
    for form, row in rosters:
        listed.setdefault((form.district, reporter.person(row)), (form, row))
    asked = [(f, r) for f, r in run.judged[1] if f.district in roster_districts]
    return _Requests(requests_by_person(asked, reporter), listed)


@rule("cancel-still-listed", Stage.CROSS_FORM, at=["name"], says=["name", "request"])
def cancel_still_listed(run: RunScope) -> Iterator[Finding]:
    """A 注销 request for someone the district's Annex 2 still lists: on the roster row."""
    requests = run.once("requests", _requests)
    for person, asked in requests.wanted.items():
        for form, row in asked:
            hit = requests.listed.get((form.district, person))
            if hit and adjustment_of(row, run.config) == CANCEL:
                yield run.reporter.at_cell(
                    "cancel-still-listed", *hit, "name", name=person.name,
                    request=where(form, row),
                )  # fmt: skip


@rule("open-not-listed", Stage.CROSS_FORM, at=["name"], says=["name"])
def open_not_listed(run: RunScope) -> Iterator[Finding]:
    """A 开通 request for someone the district's Annex 2 does not list."""
    requests = run.once("requests", _requests)
    for person, asked in requests.wanted.items():
        for form, row in asked:
            hit = requests.listed.get((form.district, person))
            if not hit and adjustment_of(row, run.config) == OPEN:
                yield run.reporter.at_cell("open-not-listed", form, row, "name", name=person.name)


@rule(
    "functions-disagree", Stage.CROSS_FORM, at=["functions"],
    says=["name", "annex1", "annex2", "request"],
)  # fmt: skip
def functions_disagree(run: RunScope) -> Iterator[Finding]:
    """The functions a person's last request asks for differ from those Annex 2 lists."""
    config, requests = run.config, run.once("requests", _requests)
    for person, asked in requests.wanted.items():
        last_form, last_row = asked[-1]
        hit = requests.listed.get((last_form.district, person))
        if hit and adjustment_of(last_row, config) in (OPEN, ADD, REMOVE):
            wanted_functions = functions_of(last_row, "current", config)
            listed_functions = functions_of(hit[1], "functions", config)
            if wanted_functions.known and set(wanted_functions.known) != set(
                listed_functions.known
            ):
                yield run.reporter.at_cell(
                    "functions-disagree", hit[0], hit[1], "functions", name=person.name,
                    annex1=wanted_functions.canonical, annex2=listed_functions.canonical,
                    request=where(last_form, last_row),
                )  # fmt: skip


# ---------------------------------------------------------------- the annual roll-up
def _deadline(run: RunScope) -> dt.date:
    assert run.year is not None  # the ROLLUP stage runs with a year only
    return run.config.settings.deadlines.rollup(run.year)


@rule("district-missing", Stage.ROLLUP, says=["year", "deadline", "when", "days"])
def district_missing(run: RunScope) -> Iterator[Finding]:
    """A configured district without an Annex 2: info while the deadline is ahead, with
    the days left; an error after it."""
    deadline = _deadline(run)
    sent = {form.district for form in run.forms if form.annex == 2}
    days = (deadline - run.as_of).days
    when = "ahead" if days > 0 else "today" if days == 0 else "passed"
    for district in run.config.districts:
        if district.rollup and district.name not in sent:
            yield run.reporter.make(
                "district-missing", district=district.name, annex=2, year=run.year,
                deadline=deadline, when=when, days=days, before_deadline=days >= 0,
            )  # fmt: skip


@rule("submission-late", Stage.ROLLUP, says=["date", "deadline", "year"])
def submission_late(run: RunScope) -> Iterator[Finding]:
    """An Annex 2 dated after the roll-up's deadline (and not after the as-of date)."""
    deadline = _deadline(run)
    for form in run.forms:
        date = form.date
        if form.annex == 2 and date and deadline < date <= run.as_of:
            yield run.reporter.at(
                "submission-late", form, form.metadata["date"],
                column=run.config.meta["date"].name, date=date, deadline=deadline, year=run.year,
            )  # fmt: skip
