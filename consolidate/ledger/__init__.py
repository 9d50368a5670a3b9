"""State kept across runs: the request ledger (README 全年流程), the page's accounts.

State kept between the checks and the outputs: a run records the Annex 1 requests of its
inbox (:func:`record`), and the outputs show every request of the year from here — to
forward, to send back, forwarded — including those whose files have left the inbox;
``forward`` marks the ones to forward as sent (:func:`mark_forwarded`). The file is
SQLite (:mod:`.store`); the decisions are pure functions (:mod:`.requests`). The
accounts of the page that takes submissions (``serve --inbox``) are state of the same kind,
in a file of their own (:mod:`.accounts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from consolidate.ledger.requests import (
    link,
    mail_dates_as_recorded,
    merge,
    overdue_findings,
    requests_of,
)
from consolidate.ledger.store import Ledger, open_ledger
from consolidate.model.finding import sort_findings
from consolidate.model.outcome import Outcome
from consolidate.model.request import FORWARDED, Request

__all__ = ["Ledger", "mark_forwarded", "open_ledger", "record", "recorded_for"]


def recorded_for(ledger: Ledger | None, year: int) -> list[Request]:
    """The requests of ``year`` the ledger holds: the roll-up explains changes by them."""
    if ledger is None:
        return []
    return [r for r in ledger.requests() if r.received.year == year]


def record(ledger: Ledger | None, outcome: Outcome, received: dt.date | None = None) -> Outcome:
    """Record the run's requests; the outcome gains every request and ``forward-overdue``.

    Without a ledger (a library call, a test) the outcome shows this run's requests only.
    Nothing is committed here: the caller commits once the outputs are written. An
    e-mail recorded before keeps the verdict on its Date of that run (``mail-date-invalid``).
    """
    seen = requests_of(outcome, received)
    earlier: dict[tuple[str, str, int], Request] = {}
    if ledger is None:
        merged = merge([], seen)
        requests = link([replace(r, id=i) for i, r in enumerate(merged, 1)], outcome.config)
    else:
        before = {r.id: r for r in ledger.requests()}
        earlier = {r.key: r for r in before.values()}
        saved = ledger.save(_changed(merge(list(before.values()), seen), before), outcome.as_of)
        ids = {r.id for r in saved}
        everything = saved + [r for i, r in before.items() if i not in ids]
        everything.sort(key=lambda r: r.id or 0)
        requests = link(everything, outcome.config)
        ledger.save(_changed(requests, {r.id: r for r in everything}), outcome.as_of)
    findings = sort_findings(
        [
            *mail_dates_as_recorded(outcome, seen, earlier),
            *overdue_findings(requests, outcome.as_of, outcome.config),
        ]
    )
    return replace(
        outcome, findings=findings, requests=requests, ledger=ledger.path if ledger else None
    )


def _changed(requests: list[Request], before: dict[int | None, Request]) -> list[Request]:
    return [r for r in requests if r.id is None or before.get(r.id) != r]


def mark_forwarded(ledger: Ledger, day: dt.date) -> tuple[str, list[Request]]:
    """Mark every request to forward as forwarded on ``day`` in a new batch.

    Returns the batch's name (``2026-10-09-1``) and its requests; the caller writes the
    batch file, records it (:meth:`Ledger.add_batch`) and commits. No request is ever
    forwarded twice: only pending ones are taken.
    """
    batch = ledger.batches_on(day) + 1
    name = f"{day.isoformat()}-{batch}"
    sent = [
        replace(r, status=FORWARDED, forwarded_on=day, batch=name)
        for r in ledger.requests()
        if r.to_forward
    ]
    return name, sent
