"""E-mails whose Date cannot be believed (docs/rules.md decision 29).

An e-mail's ``Date`` starts the 5-working-day clock of the requests it brings, and it is
written by the sender's PC: one whose clock says 2100 would put the forward-by date out
of reach for good. A Date later than the run that reads it (beyond the tolerance of
``[mail] future_tolerance_hours`` for clocks that drift), or none that can be read, is
not believed: the e-mail file's time is the received date instead, as for a plain file,
and the e-mail gets ``mail-date-invalid``. Judged before anything uses a received date;
the ledger keeps what it recorded, and words the finding from that on later runs
(:func:`consolidate.ledger.requests.mail_dates_as_recorded`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import replace

from consolidate.checks.common import Reporter
from consolidate.checks.registry import Stage, rule
from consolidate.model.finding import Finding
from consolidate.model.form import Mail, ReadResult
from consolidate.support.config import Config
from consolidate.values.dates import now as clock_now

CODE = "mail-date-invalid"


def run_moment(as_of: dt.date, now: dt.datetime | None, config: Config) -> dt.datetime:
    """The moment a run stands at: the clock, or the end of the as-of day when that is
    later (a run dated ahead judges alike whatever the clock says; an as-of in the past
    never makes a date look future)."""
    now = now or clock_now()
    next_day = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), _office(config))
    return max(now, next_day)


def believable(mail: Mail, moment: dt.datetime, config: Config) -> bool:
    """Whether the e-mail's Date can be its received date at ``moment``."""
    if mail.date is None:
        return False
    tolerance = dt.timedelta(hours=config.settings.mail.future_tolerance_hours)
    return mail.date <= moment + tolerance


def judge_mail_dates(
    results: list[ReadResult], moment: dt.datetime, config: Config
) -> list[ReadResult]:
    """The results, each e-mail whose Date is not believed at ``moment`` marked so: its
    attachments are received on the file's time (:attr:`SourceFile.received`)."""
    judged = []
    for result in results:
        mail = result.source.mail
        if mail is None or not mail.believed or believable(mail, moment, config):
            judged.append(result)
            continue
        source = replace(result.source, mail=replace(mail, believed=False))
        forms = [replace(form, source=source) for form in result.forms]
        judged.append(replace(result, source=source, forms=forms))
    return judged


@rule(CODE, Stage.MAIL, says=["reason", "used", "date", "text", "time"])
def mail_dates(results: Iterable[ReadResult], config: Config) -> Iterator[Finding]:
    """``mail-date-invalid`` once on each e-mail not believed, at the e-mail file, with
    the date used instead (the file's time)."""
    seen: set[str] = set()
    for result in results:
        mail = result.source.mail
        if mail is None or mail.believed or mail.display in seen:
            continue
        seen.add(mail.display)
        district = next((f.district for f in result.forms if f.district), None)
        yield mail_date_finding(mail, result.source.received, config, district)


def mail_date_finding(
    mail: Mail, used: dt.date, config: Config, district: str | None = None
) -> Finding:
    """The finding on an e-mail whose Date was not believed; ``used``: the received date
    taken instead."""
    if mail.date is not None:
        reason, said = "future", {"date": mail.date.date(), "time": f"{mail.date:%H:%M}"}
    elif mail.date_text:
        reason, said = "unreadable", {"text": mail.date_text}
    else:
        reason, said = "missing", {}
    return Reporter(config).make(
        CODE, file=mail.display, district=district, reason=reason, used=used, **said
    )


def _office(config: Config) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=config.settings.mail.utc_offset_hours))
