"""The rule catalog of RULES.md as code.

Row rules are pandera schemas (:mod:`.rows`); sheet rules (:mod:`.sheets`) and rules
across rows, annexes, districts and years (:mod:`.people`, :mod:`.baseline`) are plain
functions over the parsed forms. :func:`run_rules` runs them all in that order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..config import Config
from ..findings import Finding
from ..forms import Form, Row
from . import people, sheets
from .common import Reporter
from .rows import row_findings


@dataclass
class RuleResult:
    """Findings of every rule, rows kept out of the register, cross-year changes."""

    findings: list[Finding] = field(default_factory=list)
    rejected: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    changes: list[Any] = field(default_factory=list)


def run_rules(
    forms: list[Form],
    config: Config,
    *,
    as_of: dt.date,
    year: int | None = None,
    baseline: Any = None,
) -> RuleResult:
    """Run every rule over the forms that count.

    ``year`` turns on the annual roll-up (district-missing, submission-late); ``baseline``
    (last year's register) turns on the cross-year rules.
    """
    reporter = Reporter(config)
    result = RuleResult()
    judged: dict[int, list[tuple[Form, Row]]] = {1: [], 2: []}
    for form in forms:
        placeholders, rejected = sheets.placeholder_rows(form, config, reporter)
        result.findings += placeholders
        for number in rejected:
            result.rejected[(form.file, form.sheet, number)] = ["placeholder-value"]
        rows = [row for row in form.rows if row.number not in rejected]
        judged[form.annex] += [(form, row) for row in rows]
        result.findings += sheets.structure(form, config, reporter, rows)
        result.findings += sheets.metadata(form, config, reporter, as_of)
        result.findings += sheets.district_mismatch(form, config, reporter, rows)
        result.findings += sheets.sequence(form, reporter, rejected)
        result.findings += sheets.duplicates(form, reporter, rows)
        result.findings += sheets.contacts(form, reporter, rows)
        result.findings += sheets.letters(form, reporter, rows)
    for annex in (1, 2):
        result.findings += row_findings(judged[annex], annex, config)
    result.findings += people.shared_phones(judged[1] + judged[2], reporter)
    result.findings += people.multi_district(judged[2], reporter)
    result.findings += people.duplicate_accounts(judged[2], reporter)
    result.findings += people.cross_annex(judged[1], judged[2], config, reporter)
    rosters = [form for form in forms if form.annex == 2]
    if year is not None:
        result.findings += people.rollup(rosters, config, reporter, year, as_of)
    if baseline is not None:
        from .baseline import compare_with_baseline

        findings, changes = compare_with_baseline(judged, baseline, config, reporter)
        result.findings += findings
        result.changes = changes
    return result
