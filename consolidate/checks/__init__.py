"""Checking forms: which submissions count, and every rule of the registry over them.

Each finding code is one rule (:mod:`.registry`) that runs at one stage;
:func:`run_rules` runs the stages in data-flow order: each sheet (SHEET, which keeps
template leftovers out, then FORM over the rows that count), each row of Annex 1 and 2
(ROW, the pandera schemas of :mod:`.rows`), each recommendation (RECOMMENDATION), then
across rows, forms and districts (FAST_CHANNEL, CITY, CROSS_FORM), the roll-up (ROLLUP,
with a year) and last year's register (BASELINE, with a baseline). :func:`evaluate` runs
the MAIL and FILE stages before them, and SCAN (the stamped scans) after them. A run
validates through pandera and builds its views across districts with pandas
(``vectorized``); a check of a few rows does both in plain Python (:mod:`.views`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from consolidate.checks import crossyear, people, recommend, sheets, stamps  # noqa: F401 - the rules
from consolidate.checks.common import Reporter
from consolidate.checks.crossyear import function_totals
from consolidate.checks.mails import judge_mail_dates, run_moment
from consolidate.checks.recommend import fast_channel
from consolidate.checks.registry import Stage, checks_at
from consolidate.checks.rows import VECTOR_FROM, row_findings
from consolidate.checks.scope import RunScope, SheetScope
from consolidate.checks.selection import select_submissions
from consolidate.model.baseline import Baseline
from consolidate.model.fastlist import FastList
from consolidate.model.finding import Finding, column_number, sort_findings
from consolidate.model.form import Form, ReadResult, Row
from consolidate.model.outcome import RECOMMEND, SUPERSEDED, Change, Outcome, Selection
from consolidate.model.request import Request
from consolidate.support.collector import collector_paused
from consolidate.support.config import Config

# The stages over the whole run after the rows, in order; each runs when its test holds.
RUN_STAGES: tuple[tuple[Stage, Callable[[RunScope], bool]], ...] = (
    (Stage.FAST_CHANNEL, lambda run: True),
    (Stage.CITY, lambda run: True),
    (Stage.CROSS_FORM, lambda run: True),
    (Stage.ROLLUP, lambda run: run.year is not None),
    (Stage.BASELINE, lambda run: run.baseline is not None),
)


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
    vectorized: bool | None = None,
) -> RuleResult:
    """Run every rule over the forms that count, stage by stage.

    ``year`` turns on the annual roll-up (district-missing, submission-late); ``baseline``
    (last year's register) the cross-year rules, which explain changes by the requests
    of the inbox and by those the ledger has ``recorded`` for the year; ``fastlist`` (the
    city's list of fast-channel users) the recommendation rules against it.
    ``vectorized``: pandera and pandas (True), plain Python (False), or pandas for an
    annex of :data:`~consolidate.checks.rows.VECTOR_FROM` rows or more (None).
    """
    reporter = Reporter(config)
    result = RuleResult()
    judged: dict[int, list[tuple[Form, Row]]] = {number: [] for number in config.annexes}
    sheet_checks, form_checks = _checks(Stage.SHEET), _checks(Stage.FORM)
    for form in forms:
        sheet = SheetScope(form, config, reporter, as_of)
        result.findings += [f for check in sheet_checks for f in check(sheet)]
        for number, code in sheet.rejected.items():
            result.rejected[(form.file, form.sheet, number)] = [code]
        sheet.rows = [row for row in form.rows if row.number not in sheet.rejected]
        judged[form.annex] += [(form, row) for row in sheet.rows]
        result.findings += [f for check in form_checks for f in check(sheet)]
    if vectorized is None:
        vectorized = max(len(judged[1]), len(judged[2])) >= VECTOR_FROM
    for annex in (1, 2):  # Stage.ROW
        result.findings += row_findings(judged[annex], annex, config, vectorized=vectorized)
    run = RunScope(
        forms, judged, config, reporter, as_of, year=year, baseline=baseline,
        fastlist=fastlist, recorded=recorded, vectorized=vectorized,
    )  # fmt: skip
    recommendation_checks = _checks(Stage.RECOMMENDATION)
    for form, row in judged[RECOMMEND]:
        for check in recommendation_checks:
            result.findings += check(form, row, run)
    for stage, applies in RUN_STAGES:
        if applies(run):
            for check in _checks(stage):
                result.findings += check(run)
    if baseline is not None:
        result.changes = crossyear.changes(run)
    result.findings = _readable_cells_only(result.findings, forms)
    return result


def _checks(stage: Stage) -> list[Callable[..., Iterable[Finding]]]:
    """The functions the rules of ``stage`` run, in the order they were registered."""
    return [check.run for _, check in checks_at(stage) if check.run is not None]


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
    vectorized: bool | None = None,
    scans: Sequence[str] | None = None,
) -> Outcome:
    """Select the submissions that count (the FILE stage) and run every rule over them.

    ``now``: the moment of the run (default: the clock), which an e-mail's Date may not
    be later than (decision 29) — judged first, since it decides the received dates
    (the MAIL stage). ``vectorized``: as for :func:`run_rules`.
    ``scans``: look for the stamped scans (the SCAN stage, stamped-copy-missing) — in the
    e-mails, the page's receipts and the files not read; the names given came with every
    file (a page submission). None: the files were given alone (``check``), nothing to
    look for.
    """
    results = judge_mail_dates(results, run_moment(as_of, now, config), config)
    dated = [f for check in _checks(Stage.MAIL) for f in check(results, config)]
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
            vectorized=vectorized,
        )
    findings = [f for r in results for f in r.findings if _is_open(f, selection)]
    findings += selection.findings + ruled.findings + dated
    if scans is not None:
        scanned = _checks(Stage.SCAN)
        findings += [
            f for check in scanned for f in check(results, selection, ignored, config, scans)
        ]
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
