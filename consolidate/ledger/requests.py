"""From a run's Annex 1 rows to the ledger's requests, and where each request stands.

Pure functions over values: which rows are requests, held or pending, which earlier
request a new one repeats or corrects, which are overdue.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from consolidate.checks.mails import CODE as MAIL_DATE
from consolidate.checks.mails import mail_date_finding
from consolidate.model.catalog import Catalog
from consolidate.model.finding import Finding
from consolidate.model.form import Form, Row
from consolidate.model.outcome import Outcome
from consolidate.model.request import (
    FORWARDED,
    FROM_FILE,
    FROM_MAIL,
    FROM_OPTION,
    FROM_PAGE,
    HELD,
    PENDING,
    Request,
)
from consolidate.support.config import Config
from consolidate.values.functions import adjustment_role, functions_text
from consolidate.values.names import normalize_name
from consolidate.values.phones import mobile_text
from consolidate.values.text import squash
from consolidate.values.workdays import forward_by


# ---------------------------------------------------------------- this run's requests
def requests_of(outcome: Outcome, received: dt.date | None = None) -> list[Request]:
    """The Annex 1 rows of the run as requests, in path order.

    ``held`` where the row, or its form's metadata or structure, has an error finding;
    else ``pending``. Template leftovers (rejected rows) are no requests. The received
    date: ``received`` (``--received``), else the moment the page saved it, else the
    e-mail's date, else the file's time.
    """
    config = outcome.config
    days = config.settings.deadlines.forward_working_days
    by_file = _errors_by_file(outcome.findings)
    requests = []
    for form in outcome.forms_of(1):
        got, source = _received(form, received)
        due, exact = forward_by(got, days)
        rows = outcome.kept_rows(form)
        on_form, on_rows = _form_errors(form, by_file.get(form.file, []), rows)
        for row in rows:
            problems = _messages(on_form + on_rows.get(row.number, []))
            mail = form.source.mail
            requests.append(
                Request(
                    sha256=form.source.sha256, sheet=form.sheet, row=row.number,
                    file=form.file, district=form.district,
                    person=normalize_name(row.text("name")), mobile=mobile_text(row.cell("mobile")),
                    adjustment=squash(row.text("adjustment")),
                    original=functions_text(row.text("original"), config),
                    current=functions_text(row.text("current"), config),
                    cells=batch_cells(row, config), received=got, received_from=source,
                    forward_by=due, forward_by_exact=exact,
                    status=HELD if problems else PENDING, problems=problems,
                    mail=mail.display if mail else None, sender=mail.sender if mail else None,
                )
            )  # fmt: skip
    return requests


def batch_cells(row: Row, config: Config) -> dict[str, str]:
    """The row's cells as the city batch prints them: name and mobile normalised,
    functions canonical (无 for none); 序号 is numbered by the batch."""
    cells = {}
    for column in config.annexes[1].columns:
        key = column.key
        if key == "seq":
            continue
        if key in ("original", "current"):
            cells[key] = functions_text(row.text(key), config) or "无"
        elif key == "name":
            cells[key] = normalize_name(row.text("name"))
        elif key == "mobile":
            cells[key] = mobile_text(row.cell("mobile"))
        else:
            cells[key] = row.text(key)
    return cells


def _received(form: Form, received: dt.date | None) -> tuple[dt.date, str]:
    if received is not None:
        return received, FROM_OPTION
    sources = {"page": FROM_PAGE, "mail": FROM_MAIL}
    return form.source.received, sources.get(form.source.received_from, FROM_FILE)


def _errors_by_file(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.is_error and finding.file:
            by_file[finding.file].append(finding)
    return by_file


def _form_errors(
    form: Form, errors: list[Finding], rows: list[Row]
) -> tuple[list[Finding], dict[int, list[Finding]]]:
    """The form's own errors (metadata, header, sheet: they hold every request of it) and
    the errors of each of its data rows."""
    numbers = {row.number for row in rows}
    sheets = {form.sheet, form.metadata_sheet, None}
    on_form: list[Finding] = []
    on_rows: dict[int, list[Finding]] = defaultdict(list)
    for finding in errors:
        if finding.sheet not in sheets:
            continue
        if finding.row in numbers and finding.sheet == form.sheet:
            on_rows[finding.row].append(finding)
        elif finding.row is None or finding.row not in {r.number for r in form.rows}:
            on_form.append(finding)  # another data row's error (a rejected row) is not ours
    return on_form, on_rows


def _messages(findings: list[Finding]) -> tuple[tuple[str, str], ...]:
    unique = dict.fromkeys((f.message, f.message_en or f.message) for f in findings)
    return tuple(unique)


# ---------------------------------------------------------------- merging into the ledger
def merge(recorded: list[Request], seen: list[Request]) -> list[Request]:
    """The ledger after this run: recorded requests updated, new ones added (``id`` None).

    A request seen again keeps its received and forward-by dates (but see
    :func:`_redated`); one forwarded stays forwarded. Which requests repeat or correct
    others is decided once every request has its number (:func:`link`).
    """
    merged = {r.key: r for r in recorded}
    for request in seen:
        old = merged.get(request.key)
        if old is None:
            merged[request.key] = request
        elif old.status != FORWARDED:
            merged[old.key] = replace(
                old, status=request.status, problems=request.problems,
                district=request.district, cells=request.cells, **_redated(old, request),
            )  # fmt: skip
    return list(merged.values())


def _redated(old: Request, new: Request) -> dict[str, object]:
    """The dates of a request recorded on its e-mail's Date that this run finds later than
    itself: impossible for a date recorded since decision 29 (it was judged against that
    run), so a ledger written before it, when every Date was believed — the file's time
    and the forward-by date counted from it replace the recorded ones."""
    if old.received_from != FROM_MAIL or new.received_from != FROM_FILE or new.mail != old.mail:
        return {}
    return {
        "received": new.received, "received_from": FROM_FILE,
        "forward_by": new.forward_by, "forward_by_exact": new.forward_by_exact,
    }  # fmt: skip


def link(requests: list[Request], config: Config) -> list[Request]:
    """Mark repeats and corrections, afresh on every run (never by the order of runs)."""
    return supersede(mark_repeats(requests), config)


def mark_repeats(requests: list[Request]) -> list[Request]:
    """A pending request that repeats the one recorded just before it for that person (the
    district sent the same request again, in a re-saved file) is listed, but not forwarded
    a second time: same district, person, type and functions, the earlier one not held.
    Another request of the person in between (开通, 注销, 开通 again) makes it a new one.
    """
    by_person: dict[tuple[object, ...], list[Request]] = defaultdict(list)
    for request in sorted(requests, key=_order):
        by_person[_person(request)].append(request)
    repeats: dict[int | None, int | None] = {}
    for chain in by_person.values():
        for before, after in zip(chain, chain[1:], strict=False):
            if (
                after.status == PENDING and before.status != HELD
                and _content(before) == _content(after)
            ):  # fmt: skip
                repeats[after.id] = repeats.get(before.id, before.id)  # the first of them
    return [
        r if r.repeat_of == repeats.get(r.id) else replace(r, repeat_of=repeats.get(r.id))
        for r in requests
    ]


def supersede(requests: list[Request], config: Config) -> list[Request]:
    """Mark each held request that a later request of the same person corrects.

    Same district, same person (name or mobile: either may have been the fault), and the
    same adjustment type unless the held one's type was the fault; the latest such request
    wins. Decided afresh on every run, so it never depends on the order of runs.
    """
    # Only a request of the same district and name or mobile can correct: look those up
    # (a city's year holds tens of thousands of requests; comparing all pairs took minutes).
    by_name: dict[tuple[str | None, str], list[Request]] = defaultdict(list)
    by_mobile: dict[tuple[str | None, str], list[Request]] = defaultdict(list)
    for request in requests:
        by_name[(request.district, request.person)].append(request)
        by_mobile[(request.district, request.mobile)].append(request)
    out = []
    for request in requests:
        if request.status != HELD or request.repeat_of is not None:
            out.append(request)
            continue
        near = by_name[(request.district, request.person)] + [
            r for r in by_mobile[(request.district, request.mobile)] if r.person != request.person
        ]
        later = [r for r in near if r is not request and _corrects(r, request, config)]
        newest = max(later, key=_order, default=None)
        out.append(replace(request, superseded_by=newest.id if newest else None))
    return out


def _corrects(new: Request, held: Request, config: Config) -> bool:
    if new.id is None or new.repeat_of is not None:
        return False
    if new.district != held.district or _order(new) <= _order(held):
        return False
    if not (new.person == held.person or new.mobile == held.mobile):
        return False
    return new.adjustment == held.adjustment or adjustment_role(held.adjustment, config) is None


def _person(request: Request) -> tuple[str | None, str, str]:
    return (request.district, request.person, request.mobile)


def _content(request: Request) -> tuple[object, ...]:
    return (*_person(request), request.adjustment, request.original, request.current)


def _order(request: Request) -> tuple[dt.date, int]:
    """Received first, then recorded (a request not yet recorded comes last)."""
    return (request.received, request.id if request.id is not None else 1 << 62)


# ---------------------------------------------------------------- e-mail dates
def mail_dates_as_recorded(
    outcome: Outcome, seen: Iterable[Request], earlier: dict[tuple[str, str, int], Request]
) -> list[Finding]:
    """The run's findings, ``mail-date-invalid`` as the ledger decided it.

    An e-mail's Date is judged against the moment the ledger first recorded its requests
    (decision 29), and the received date chosen then is kept: an e-mail whose Date an
    earlier run did not believe keeps the finding, with the date recorded, even once the
    clock has passed its Date.
    """
    verdicts: dict[str, Request] = {}
    for request in seen:
        old = earlier.get(request.key)
        if request.mail and old and old.mail == request.mail and old.received_from == FROM_FILE:
            verdicts.setdefault(request.mail, old)
    if not verdicts:
        return outcome.findings
    mails = {mail.display: mail for mail in outcome.mails}
    kept = [f for f in outcome.findings if not (f.code == MAIL_DATE and f.file in verdicts)]
    for display, old in verdicts.items():
        if display in mails:
            finding = mail_date_finding(mails[display], old.received, outcome.config, old.district)
            kept.append(finding)
    return kept


# ---------------------------------------------------------------- deadlines
def overdue_findings(requests: Iterable[Request], as_of: dt.date, config: Config) -> list[Finding]:
    """forward-overdue: pending requests whose forward-by date is before ``as_of``."""
    catalog = Catalog(config)
    findings = []
    for request in requests:
        if not request.overdue(as_of):
            continue
        findings.append(
            catalog.make(
                "forward-overdue", file=request.file, sheet=request.sheet, row=request.row,
                district=request.district, annex=1, person=request.person or None,
                adjustment=request.adjustment, received=request.received,
                forward_by=request.forward_by, days=(as_of - request.forward_by).days,
            )
        )  # fmt: skip
    return findings


# README 市局汇总 (report.html): the report lists what falls due within the next 7 days, whatever the
# weekday of --as-of (a calendar week seen from a Sunday would show nothing).
DUE_WITHIN_DAYS = 7


def due_within(
    requests: Iterable[Request], as_of: dt.date, days: int = DUE_WITHIN_DAYS
) -> list[Request]:
    """Pending requests to forward from ``as_of`` to ``as_of`` + ``days`` (not yet overdue)."""
    last = as_of + dt.timedelta(days=days)
    return [r for r in requests if r.to_forward and as_of <= r.forward_by <= last]
