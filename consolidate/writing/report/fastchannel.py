"""The report's 便捷通道 section: recommendations, problems, what expires soon.

Recommendations per district and type, the ones with problems, the city's list by
status, and the permissions that end soon.

Counted here from what the rules decided (``Outcome.fast_channel``) through the same
functions that write ``fastchannel.xlsx``, so the page and the workbook always agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from consolidate.model.fastlist import Recommendation
from consolidate.model.finding import SEVERITY_RANK, count_by_severity
from consolidate.model.outcome import Outcome
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
    decided = outcome.fast_channel
    if decided is None:
        return None
    types = list(outcome.config.recommend_types)
    entries = recommendations(outcome)
    view = FastChannelView(
        types=types,
        districts=_districts(outcome, entries, types),
        totals=[sum(1 for e in entries if e.kind == k) for k in types],
        total_other=sum(1 for e in entries if e.kind not in types),
        problems=_problems(outcome, entries, lang),
        list_file=outcome.fastlist.display if outcome.fastlist else None,
        horizon=decided.horizon.isoformat(),
    )
    if outcome.fastlist is not None:
        counted = Counter(decided.statuses[unit.code] for unit in list_units(outcome))
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
    outcome: Outcome, entries: Sequence[Recommendation], types: list[str]
) -> list[DistrictRecommendations]:
    by_district: dict[str, list[Recommendation]] = {}
    for entry in entries:
        by_district.setdefault(entry.form.district or "—", []).append(entry)
    rank = outcome.config.district_rank
    out = []
    for name in sorted(by_district, key=lambda d: (rank.get(d, len(rank)), d)):
        rows = by_district[name]
        kinds = [e.kind for e in rows]
        findings = [
            finding
            for e in rows
            for finding in outcome.findings_at(e.form.file, e.form.sheet, e.row.number)
        ]
        counts = count_by_severity(findings)
        forms = {id(e.form): e.form for e in rows}.values()
        dates = sorted({f.date.isoformat() for f in forms if f.date})
        out.append(
            DistrictRecommendations(
                name=name, by_type=[kinds.count(k) for k in types],
                other=sum(1 for k in kinds if k not in types), errors=counts["errors"],
                warnings=counts["warnings"], dates="、".join(dates) or "—",
            )
        )  # fmt: skip
    return out


def _problems(outcome: Outcome, entries: Sequence[Recommendation], lang: str) -> list[Problem]:
    """Every recommendation with an error or warning, worst first, then in list order."""
    out = []
    for entry in entries:
        form, row = entry.form, entry.row
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
                kind=entry.kind or row.text("type") or "—",
                unit=normalize_name(row.text("unit")) or "—",
                code=entry.code or "—",
                severity=worst,
                codes=sorted({f.code for f in found}),
                messages=[(f.code, f.text(lang)) for f in found],
            )
        )
    return sorted(out, key=lambda p: SEVERITY_RANK[p.severity])
