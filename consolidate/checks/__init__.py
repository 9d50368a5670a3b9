"""Checking forms: which submissions count, and every rule of the catalog over them.

Row rules are pandera schemas (:mod:`.rows`); sheet rules (:mod:`.sheets`) and rules
across rows, annexes, districts and years (:mod:`.people`, :mod:`.crossyear`) are plain
functions over the parsed forms. :func:`run_rules` runs them all in that order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from consolidate.checks import people, sheets
from consolidate.checks.common import Reporter
from consolidate.checks.crossyear import compare_with_baseline, function_totals, recorded_rows
from consolidate.checks.mails import judge_mail_dates, mail_dates, run_moment
from consolidate.checks.recommend import fast_channel, recommendation_findings
from consolidate.checks.rows import row_findings
from consolidate.checks.selection import select_submissions
from consolidate.checks.stamps import stamped_copies
from consolidate.model.baseline import Baseline
from consolidate.model.fastlist import FastList
from consolidate.model.finding import Finding, column_number, sort_findings
from consolidate.model.form import Form, ReadResult, Row
from consolidate.model.outcome import RECOMMEND, SUPERSEDED, Change, Outcome, Selection
from consolidate.model.request import Request
from consolidate.support.collector import collector_paused
from consolidate.support.config import Config


@dataclass
class RuleResult:
    """Findings of every rule, rows kept out of the register, cross-year changes."""

    findings: list[Finding] = field(default_factory=list)
    rejected: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)


def run_rules(
    forms: list[Form],
    config: Config,
    *,
    as_of: dt.date,
    year: int | None = None,
    baseline: Baseline | None = None,
    fastlist: FastList | None = None,
    recorded: Sequence[Request] = (),
) -> RuleResult:
    """Run every rule over the forms that count.

    ``year`` turns on the annual roll-up (district-missing, submission-late); ``baseline``
    (last year's register) turns on the cross-year rules, which explain changes by the
    requests of the inbox and by those the ledger has ``recorded`` for the year;
    ``fastlist`` (the city's list of fast-channel users) the recommendation rules against it.
    """
    reporter = Reporter(config)
    result = RuleResult()
    judged: dict[int, list[tuple[Form, Row]]] = {number: [] for number in config.annexes}
    for form in forms:
        placeholders, rejected = sheets.placeholder_rows(form, config, reporter)
        result.findings += placeholders
        for number in rejected:
            result.rejected[(form.file, form.sheet, number)] = ["placeholder-value"]
        said_none = sheets.says_none(form, config)  # decision 18: an empty Annex 1
        for number in said_none:
            result.rejected[(form.file, form.sheet, number)] = ["annex-empty"]
        rejected |= said_none
        rows = [row for row in form.rows if row.number not in rejected]
        judged[form.annex] += [(form, row) for row in rows]
        result.findings += sheets.structure(form, config, reporter, rows, empty=bool(said_none))
        result.findings += sheets.metadata(form, config, reporter, as_of)
        result.findings += sheets.district_mismatch(form, config, reporter, rows)
        result.findings += sheets.sequence(form, reporter, rejected)
        result.findings += sheets.duplicates(form, reporter, rows)
        result.findings += sheets.contacts(form, reporter, rows)
        result.findings += sheets.letters(form, reporter, rows)
        result.findings += sheets.table_rows(form, reporter, rows)
    for annex in (1, 2):
        result.findings += row_findings(judged[annex], annex, config)
    lists = [form for form in forms if form.annex == RECOMMEND]
    result.findings += recommendation_findings(
        judged[RECOMMEND], lists, config, reporter, as_of=as_of, fastlist=fastlist
    )
    result.findings += people.shared_phones(judged[1] + judged[2], reporter)
    result.findings += people.multi_district(judged[2], reporter)
    result.findings += people.duplicate_accounts(judged[2], reporter)
    result.findings += people.cross_annex(judged[1], judged[2], config, reporter)
    rosters = [form for form in forms if form.annex == 2]
    if year is not None:
        result.findings += people.rollup(rosters, config, reporter, year, as_of)
    if baseline is not None:
        earlier = recorded_rows(recorded, [f for f in forms if f.annex == 1], config)
        findings, changes = compare_with_baseline(judged, baseline, config, reporter, earlier)
        result.findings += findings
        result.changes = changes
    result.findings = _readable_cells_only(result.findings, forms)
    return result


def _readable_cells_only(findings: list[Finding], forms: list[Form]) -> list[Finding]:
    """The findings less those on a cell whose value cannot be read: such a cell gets
    cell-unreadable from the reader and nothing else — it is filled, so not
    required-missing, and what it holds is unknown (decision 23)."""
    unreadable = {(f.file, f.sheet, r, c) for f in forms for r, c in f.unreadable}
    if not unreadable:
        return findings
    return [
        f
        for f in findings
        if not f.cell or (f.file, f.sheet, f.row, column_number(f.cell)) not in unreadable
    ]


def evaluate(
    results: list[ReadResult],
    *,
    config: Config,
    as_of: dt.date,
    year: int | None = None,
    baseline: Baseline | None = None,
    fastlist: FastList | None = None,
    ignored: Iterable[str] = (),
    recorded: Sequence[Request] = (),
    now: dt.datetime | None = None,
    scans: Sequence[str] | None = None,
) -> Outcome:
    """Select the submissions that count and run every rule over them.

    ``now``: the moment of the run (default: the clock), which an e-mail's Date may not
    be later than (decision 29) — judged first, since it decides the received dates.
    ``scans``: look for the stamped scans (stamped-copy-missing) — in the e-mails, the
    page's receipts and the files not read; the names given came with every file (a page
    submission). None: the files were given alone (``check``), nothing to look for.
    """
    results = judge_mail_dates(results, run_moment(as_of, now, config), config)
    dated = list(mail_dates(results, config))
    # Documents found to hold no annex (cover letters in Word) are listed as ignored, and
    # so is what an e-mail held that was not read (its body, other attachments).
    mails = list({r.source.mail.display: r.source.mail for r in results if r.source.mail}.values())
    ignored = [*ignored, *(r.source.display for r in results if r.ignored)]
    ignored += [f"{mail.display}/{name}" for mail in mails for name in mail.ignored]
    results = [r for r in results if not r.ignored]
    with collector_paused():  # the rules' indexes and findings: many lasting objects
        selection = select_submissions(results, config)
        ruled = run_rules(
            selection.forms,
            config,
            as_of=as_of,
            year=year,
            baseline=baseline,
            fastlist=fastlist,
            recorded=recorded,
        )
    findings = [f for r in results for f in r.findings if _is_open(f, selection)]
    findings += selection.findings + ruled.findings + dated
    if scans is not None:
        findings += stamped_copies(results, selection, ignored, config, scans)
    return Outcome(
        as_of=as_of,
        config=config,
        results=results,
        selection=selection,
        findings=sort_findings(findings),
        rejected=ruled.rejected,
        ignored=list(ignored),
        year=year,
        baseline=baseline,
        changes=ruled.changes,
        fastlist=fastlist,
        fast_channel=fast_channel(selection.forms, ruled.rejected, config, fastlist, as_of),
        function_totals=_function_totals(selection.forms, config, baseline, ruled.rejected),
        mails=mails,
    )


def _function_totals(
    forms: list[Form],
    config: Config,
    baseline: Baseline | None,
    rejected: Collection[tuple[str, str, int]],
) -> dict[str, tuple[int, int]]:
    """City totals per function against the baseline (the report's table); none without one."""
    if baseline is None:
        return {}
    return function_totals(baseline, [f for f in forms if f.annex == 2], config, rejected)


def _is_open(finding: Finding, selection: Selection) -> bool:
    """A superseded file's own problems are not open problems (decision 5)."""
    return (finding.file, finding.sheet) not in selection.superseded_by and selection.status.get(
        finding.file or ""
    ) != SUPERSEDED
