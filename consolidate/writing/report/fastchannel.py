"""The report's 便捷通道 section: recommendations, problems, what expires soon.

Recommendations per district and type, the ones with problems, the city's list by
status, and the permissions that end soon.

Counted here from the same functions that write ``fastchannel.xlsx``, so the page and
the workbook always agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from consolidate.checks.common import recommend_type
from consolidate.checks.recommend import code_of, extension_codes, list_status, remind_until
from consolidate.model.finding import SEVERITY_RANK, count_by_severity
from consolidate.model.outcome import RECOMMEND, Outcome
from consolidate.values.names import normalize_name
from consolidate.writing.fastchannel import list_units, recommendations, reminders

STATUSES = ("valid", "expiring", "expired", "extending", "unknown")
STATUS_LABELS = {s: f"fc_{s}" for s in STATUSES} | {"expiring": "fc_expiring_status"}


@dataclass
class DistrictRecommendations:
    """One district's lists: how many of each type, and how many problems."""

    name: str
    by_type: list[int]  # in the order of the configured types
    other: int  # rows whose type could not be read
    errors: int
    warnings: int
    dates: str  # the lists' 填报日期


@dataclass
class Problem:
    """A recommendation with findings."""

    district: str
    kind: str
    unit: str
    code: str
    severity: str  # the worst finding's
    codes: list[str]
    messages: list[tuple[str, str]]  # (code, message)


@dataclass
class Expiring:
    district: str
    unit: str
    code: str
    until: str
    days: int


@dataclass
class FastChannelView:
    types: list[str]
    districts: list[DistrictRecommendations]
    totals: list[int]
    total_other: int
    problems: list[Problem]
    list_file: str | None  # the city's list as given, None without --fastlist
    statuses: list[tuple[str, int]] = field(default_factory=list)  # (label, count)
    expiring: list[Expiring] = field(default_factory=list)
    horizon: str = ""  # the last day the reminders look ahead to


def fast_channel_view(outcome: Outcome, t: dict[str, str], lang: str) -> FastChannelView | None:
    """The section's content; None when the run has no recommendation and no list."""
    if not outcome.has_fast_channel:
        return None
    config = outcome.config
    types = list(config.recommend_types)
    entries = recommendations(outcome)
    view = FastChannelView(
        types=types,
        districts=_districts(outcome, entries, types),
        totals=[sum(1 for e in entries if recommend_type(*e, config) == k) for k in types],
        total_other=sum(1 for e in entries if recommend_type(*e, config) not in types),
        problems=_problems(outcome, entries, lang),
        list_file=outcome.fastlist.display if outcome.fastlist else None,
        horizon=remind_until(outcome.as_of, config).isoformat(),
    )
    if outcome.fastlist is not None:
        judged = [(f, r) for f in outcome.forms_of(RECOMMEND) for r in outcome.kept_rows(f)]
        extended = extension_codes(judged, config, outcome.fastlist)
        counted = Counter(
            list_status(unit, config, outcome.as_of, extended) for unit in list_units(outcome)
        )
        view.statuses = [(t[STATUS_LABELS[s]], counted[s]) for s in STATUSES if counted[s]]
        view.expiring = [
            Expiring(
                u.district or "—",
                u.unit,
                u.code,
                u.expires.isoformat(),
                (u.expires - outcome.as_of).days,
            )  # fmt: skip
            for u in reminders(outcome)
            if u.expires
        ]
    return view


def _districts(
    outcome: Outcome, entries: list[Any], types: list[str]
) -> list[DistrictRecommendations]:
    config = outcome.config
    by_district: dict[str, list[Any]] = {}
    for form, row in entries:
        by_district.setdefault(form.district or "—", []).append((form, row))
    rank = config.district_rank
    out = []
    for name in sorted(by_district, key=lambda d: (rank.get(d, len(rank)), d)):
        rows = by_district[name]
        kinds = [recommend_type(f, r, config) for f, r in rows]
        findings = [
            finding for f, r in rows for finding in outcome.findings_at(f.file, f.sheet, r.number)
        ]
        counts = count_by_severity(findings)
        forms = {id(f): f for f, _ in rows}.values()
        dates = sorted({f.date.isoformat() for f in forms if f.date})
        out.append(
            DistrictRecommendations(
                name=name, by_type=[kinds.count(k) for k in types],
                other=sum(1 for k in kinds if k not in types), errors=counts["errors"],
                warnings=counts["warnings"], dates="、".join(dates) or "—",
            )
        )  # fmt: skip
    return out


def _problems(outcome: Outcome, entries: list[Any], lang: str) -> list[Problem]:
    """Every recommendation with an error or warning, worst first, then in list order."""
    out = []
    for form, row in entries:
        found = [
            f
            for f in outcome.findings_at(form.file, form.sheet, row.number)
            if f.severity != "info"
        ]
        if not found:
            continue
        worst = min(found, key=lambda f: SEVERITY_RANK[f.severity]).severity
        out.append(
            Problem(
                district=form.district or "—",
                kind=recommend_type(form, row, outcome.config) or row.text("type") or "—",
                unit=normalize_name(row.text("unit")) or "—",
                code=code_of(row) or "—",
                severity=worst,
                codes=sorted({f.code for f in found}),
                messages=[(f.code, f.text(lang)) for f in found],
            )
        )
    return sorted(out, key=lambda p: SEVERITY_RANK[p.severity])
