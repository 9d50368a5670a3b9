"""Rules about people across rows, annexes, districts and the roll-up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from consolidate.checks.common import Person, Reporter, functions_of, where
from consolidate.checks.registry import rule
from consolidate.model.finding import Finding
from consolidate.model.form import Form, Row
from consolidate.support.config import ADD, CANCEL, OPEN, REMOVE, Config
from consolidate.values.functions import adjustment_role
from consolidate.values.text import squash

FormRows = list[tuple[Form, Row]]


@rule("phone-shared", "mobile")
def shared_phones(rows: FormRows, reporter: Reporter) -> Iterator[Finding]:
    """One mobile given for two different names, anywhere in the run: on every row involved."""
    by_mobile: dict[str, FormRows] = defaultdict(list)
    for form, row in rows:
        person = reporter.person(row)
        if person.name and len(person.mobile) == 11:
            by_mobile[person.mobile].append((form, row))
    for mobile, group in by_mobile.items():
        names = {reporter.person(row).name for _, row in group}
        if len(names) < 2:
            continue
        for form, row in group:
            me = reporter.person(row).name
            others = [
                f"{reporter.person(r).name}（{where(f, r)}）"
                for f, r in group
                if reporter.person(r).name != me
            ]
            yield reporter.at_cell(
                "phone-shared", form, row, "mobile", mobile=mobile, others="；".join(others)
            )


@rule("person-multi-district", "name")
def multi_district(rosters: FormRows, reporter: Reporter) -> Iterator[Finding]:
    """The same person listed by two districts' Annex 2."""
    by_person: dict[Person, FormRows] = defaultdict(list)
    for form, row in rosters:
        person = reporter.person(row)
        if person.name and person.mobile:
            by_person[person].append((form, row))
    for person, group in by_person.items():
        districts = {form.district for form, _ in group}
        if len(districts) < 2:
            continue
        for form, row in group:
            others = [
                f"{f.district or '未知区'}（{where(f, r)}）"
                for f, r in group
                if f.district != form.district
            ]
            yield reporter.at_cell(
                "person-multi-district",
                form,
                row,
                "name",
                name=person.name,
                others="；".join(others),
            )


@rule("account-name-duplicate", "account")
def duplicate_accounts(rosters: FormRows, reporter: Reporter) -> Iterator[Finding]:
    """One account name used by two different people in the city."""
    by_account: dict[str, FormRows] = defaultdict(list)
    for form, row in rosters:
        account = squash(row.text("account")).lower()
        if account and account not in ("无", "/", "-"):
            by_account[account].append((form, row))
    for group in by_account.values():
        people = {reporter.person(row) for _, row in group}
        if len(people) < 2:
            continue
        for form, row in group:
            me = reporter.person(row)
            others = [
                f"{reporter.person(r).name}（{where(f, r)}）"
                for f, r in group
                if reporter.person(r) != me
            ]
            yield reporter.at_cell(
                "account-name-duplicate",
                form,
                row,
                "account",
                account=row.text("account"),
                others="；".join(others),
            )


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


@rule("cancel-still-listed", "name")
@rule("open-not-listed", "name")
@rule("functions-disagree", "functions")
def cross_annex(
    requests: FormRows, rosters: FormRows, config: Config, reporter: Reporter
) -> Iterator[Finding]:
    """cancel-still-listed, open-not-listed, functions-disagree within each district."""
    roster_districts = {form.district for form, _ in rosters}
    listed: dict[tuple[str | None, Person], tuple[Form, Row]] = {}
    for form, row in rosters:
        listed.setdefault((form.district, reporter.person(row)), (form, row))
    wanted = requests_by_person(
        [(f, r) for f, r in requests if f.district in roster_districts], reporter
    )
    for person, asked in wanted.items():
        for form, row in asked:
            hit = listed.get((form.district, person))
            kind = adjustment_of(row, config)
            if kind == CANCEL and hit:
                yield reporter.at_cell(
                    "cancel-still-listed",
                    hit[0],
                    hit[1],
                    "name",
                    name=person.name,
                    request=where(form, row),
                )
            elif kind == OPEN and not hit:
                yield reporter.at_cell("open-not-listed", form, row, "name", name=person.name)
        last_form, last_row = asked[-1]
        hit = listed.get((last_form.district, person))
        if hit and adjustment_of(last_row, config) in (OPEN, ADD, REMOVE):
            wanted_functions = functions_of(last_row, "current", config)
            listed_functions = functions_of(hit[1], "functions", config)
            if wanted_functions.known and set(wanted_functions.known) != set(
                listed_functions.known
            ):
                yield reporter.at_cell(
                    "functions-disagree", hit[0], hit[1], "functions", name=person.name,
                    annex1=wanted_functions.canonical, annex2=listed_functions.canonical,
                    request=where(last_form, last_row),
                )  # fmt: skip


# ---------------------------------------------------------------- the annual roll-up
@rule("district-missing")
@rule("submission-late")
def rollup(
    rosters: list[Form], config: Config, reporter: Reporter, year: int, as_of: dt.date
) -> Iterator[Finding]:
    """district-missing for configured districts without an Annex 2 (info while the
    deadline is ahead, with the days left; an error after it); submission-late."""
    deadline = config.settings.deadlines.rollup(year)
    sent = {form.district for form in rosters}
    days = (deadline - as_of).days
    when = "ahead" if days > 0 else "today" if days == 0 else "passed"
    for district in config.districts:
        if district.rollup and district.name not in sent:
            yield reporter.catalog.make(
                "district-missing", district=district.name, annex=2, year=year,
                deadline=deadline, when=when, days=days, before_deadline=days >= 0,
            )  # fmt: skip
    for form in rosters:
        date = form.date
        if date and deadline < date <= as_of:
            yield reporter.at(
                "submission-late", form, form.metadata["date"], column=config.meta["date"].name,
                date=date, deadline=deadline, year=year,
            )  # fmt: skip
