"""The report's view model: everything the templates show, counted and laid out."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from consolidate.model.finding import Finding, count_by_severity
from consolidate.model.form import Form
from consolidate.model.outcome import RECOMMEND
from consolidate.values.functions import parse_functions
from consolidate.values.phones import mobile_text
from consolidate.writing.report.fastchannel import fast_channel_view
from consolidate.writing.report.labels import STATUS_LABEL
from consolidate.writing.report.todo import Todo, build_todo

if TYPE_CHECKING:
    from consolidate.model.outcome import Outcome

BASELINE_CODES = (
    "original-disagrees-baseline",
    "unreported-new-account",
    "unreported-removal",
    "unreported-function-change",
)
OTHER_ANCHOR = "d-other"
# The finding a change no request explains is reported as (rules.baseline).
UNEXPLAINED_CODE = {
    "added": "unreported-new-account",
    "removed": "unreported-removal",
    "functions": "unreported-function-change",
}
# How the report lists the kinds of change, in this order: kind, label.
CHANGE_KINDS = (("added", "added"), ("removed", "removed"), ("functions", "functions_changed"))


# ---------------------------------------------------------------- the view model
@dataclass
class FindingView:
    """One finding as a table row: every field already text."""

    severity: str
    severity_text: str
    code: str
    sheet: str
    location: str
    person: str
    value: str
    message: str
    suggestion: str
    mobile: str = ""  # the row's mobile, for the search box (masked on the page)


@dataclass
class FileGroup:
    """The findings of one file within a district section."""

    file: str
    status: str
    findings: list[FindingView]
    baseline: bool = False  # last year's register: a comparison, not a file the district sent


@dataclass
class AnnexCell:
    """One annex of one district in the completeness matrix."""

    received: bool
    files: int = 0
    dates: str = ""
    late: bool = False
    timely: str = ""
    resubmitted: int = 0
    rows: int = 0


@dataclass
class Accounting:
    """Rows read = rows kept (register / batch) + rows rejected, for one annex; and every
    non-empty row below the header = rows read + other lines + rows outside the table."""

    annex: int
    read: int
    kept: int
    rejected: int
    other: int = 0  # blank template rows, the notes, signature and total lines
    outside: int = 0  # a person's data below the end of the table (row-outside-table)
    nonempty: int = 0  # counted straight from the sheet
    label: str = ""  # 附件2 / 推荐名单

    @property
    def ok(self) -> bool:
        """True when every row read is either kept or rejected, once, and every non-empty
        row of the sheet is one of the kinds above (no row lost)."""
        return (
            self.read == self.kept + self.rejected
            and self.nonempty == self.read + self.other + self.outside
        )


@dataclass
class DistrictView:
    """One configured district: its matrix row, its section, its accounting."""

    name: str
    anchor: str
    annex1: AnnexCell
    annex2: AnnexCell
    missing: bool
    counts: dict[str, int]
    files: list[tuple[str, str]]
    groups: list[FileGroup]
    accounting: list[Accounting] = field(default_factory=list)

    @property
    def rows_ok(self) -> bool:
        """Every row of every form accounted for (the paper says just 一致 / 不符)."""
        return all(a.ok for a in self.accounting)


@dataclass
class FunctionTotal:
    """One line of the city totals: holders of a function last year and this year."""

    label: str
    last: int
    this: int

    @property
    def difference(self) -> str:
        """``+2``, ``-1`` or ``0``."""
        diff = self.this - self.last
        return f"+{diff}" if diff > 0 else str(diff)


@dataclass
class ChangeView:
    """One person who changed against the baseline, as a table row: every field text."""

    name: str
    mobile: str
    functions: str  # the functions of the kind: after, before, or "before → after"
    explained: bool
    request: str  # where the explaining Annex 1 request is ("" when unexplained)
    code: str  # the finding an unexplained change is reported as
    location: str
    pairing: str  # 调动 / 换号 / 改名, or ""
    likely_same_as: str


@dataclass
class ChangeGroup:
    """The changes of one kind (added, removed, functions changed) in one district."""

    kind: str
    title: str
    items: list[ChangeView]


@dataclass
class DistrictChanges:
    """A district with changes against the baseline (key: the district's section anchor)."""

    name: str
    key: str
    groups: list[ChangeGroup]
    unexplained: int


@dataclass
class Bar:
    """One bar of an inline SVG bar chart, positioned."""

    label: str
    value: int
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass
class Chart:
    """A horizontal bar chart drawn as inline SVG."""

    title: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


def build_view(
    outcome: Outcome, t: dict[str, str], lang: str, received: dt.date | None = None
) -> dict[str, Any]:
    """Everything the templates show, counted and laid out (no logic left for them)."""
    summary = outcome.summary()
    statuses = Counter(outcome.status.get(r.source.display, "unreadable") for r in outcome.results)
    counts = {
        "files_used": statuses["used"],
        "files_superseded": statuses["superseded"],
        "files_unreadable": statuses["unreadable"],
        "files_ignored": len(outcome.ignored),
        "rows": summary["rows"],
        "errors": summary["errors"],
        "warnings": summary["warnings"],
        "infos": summary["infos"],
    }
    level = "error" if counts["errors"] else "warning" if counts["warnings"] else "ok"
    districts, other = _districts(outcome, t, lang)
    return {
        "as_of": outcome.as_of.isoformat(),
        "year": outcome.year,
        "verdict": {"level": level, "text": t[f"verdict_{level}"]},
        "counts": counts,
        "districts": districts,
        "other": other,
        "totals": _total_accounting(districts),
        "charts": _charts(outcome, t),
        "superseded": _superseded(outcome, t),
        "baseline": _baseline(outcome.baseline),
        "baseline_checks": [t[f"rule_{code}"] for code in BASELINE_CODES],
        "function_totals": _function_totals(outcome, t),
        "changes": _changes(outcome, districts, t),
        "manifest": _manifest(outcome, t),
        "fast": fast_channel_view(outcome, t, lang),
        "accounting_annexes": [(a, t[ACCOUNTING_LABELS[a]]) for a in _accounted(outcome)],
        "todo": _todo(outcome, districts, t, lang, received),
        "forward_days": outcome.config.settings.deadlines.forward_working_days,
    }


def _todo(
    outcome: Outcome,
    districts: list[DistrictView],
    t: dict[str, str],
    lang: str,
    received: dt.date | None,
) -> Todo | None:
    """What the office must do today: only in the office's roll-up, not a district's check.

    A run that kept no ledger (a library call) shows its own requests, as recorded now
    (as ``adjustments.xlsx`` does)."""
    if outcome.year is None:
        return None
    requests = outcome.requests
    if outcome.ledger is None and not requests:
        from consolidate.ledger import record

        requests = record(None, outcome, received).requests
    return build_todo(outcome, requests, districts, t, lang)


# The forms the row accounting shows, and their headings: the recommendation list only
# when one came in.
ACCOUNTING_LABELS = {2: "annex2", 1: "annex1", 3: "recommend_list"}


def _form_label(annex: int, t: dict[str, str]) -> str:
    return t["recommend_short"] if annex == RECOMMEND else t["annex_n"].format(n=annex)


def _accounted(outcome: Any) -> tuple[int, ...]:
    return (2, 1, 3) if any(f.annex == RECOMMEND for f in outcome.forms) else (2, 1)


def shown_districts(outcome: Any) -> list[str]:
    """Every configured district in a roll-up; in a district's own check, only its own."""
    names = [d.name for d in outcome.config.districts]
    if outcome.year is not None:
        return names
    present = {f.district for f in outcome.forms} | {f.district for f in outcome.findings}
    return [name for name in names if name in present]


def _districts(outcome: Any, t: dict[str, str], lang: str) -> tuple[list[DistrictView], Any]:
    names = shown_districts(outcome)
    mobiles = row_mobiles(outcome)
    by_district: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in outcome.findings:
        by_district[finding.district if finding.district in names else None].append(finding)
    views = []
    for i, name in enumerate(names, 1):
        findings = by_district.get(name, [])
        codes = {f.code for f in findings}
        used = [f for f in outcome.forms if f.district == name]
        superseded = [f for f in outcome.selection.superseded_forms if f.district == name]
        files = sorted({f.file for f in used + superseded})
        views.append(
            DistrictView(
                name=name,
                anchor=f"d-{i}",
                annex1=_annex_cell(used, superseded, 1, False, t),
                annex2=_annex_cell(used, superseded, 2, "submission-late" in codes, t),
                missing="district-missing" in codes,
                counts=count_by_severity(findings),
                files=[(f, t[STATUS_LABEL.get(outcome.status.get(f, ""), "used")]) for f in files],
                groups=_groups(findings, outcome, t, lang, mobiles),
                accounting=[
                    _accounting(used, outcome.rejected, a, _form_label(a, t))
                    for a in _accounted(outcome)
                ],
            )
        )
    orphans = by_district.get(None, [])
    other = {"anchor": OTHER_ANCHOR, "groups": _groups(orphans, outcome, t, lang, mobiles)}
    return views, other


def _annex_cell(
    used: list[Form], superseded: list[Form], annex: int, late: bool, t: dict[str, str]
) -> AnnexCell:
    forms = [f for f in used if f.annex == annex]
    if not forms:
        return AnnexCell(received=False, resubmitted=sum(f.annex == annex for f in superseded))
    dates = sorted({f.date.isoformat() for f in forms if f.date})
    timely = t["late"] if late else t["on_time"] if dates else t["no_date"]
    return AnnexCell(
        received=True,
        files=len({f.file for f in forms}),
        dates="、".join(dates) if dates else "—",
        late=late,
        timely=timely,
        resubmitted=sum(f.annex == annex for f in superseded),
        rows=sum(len(f.rows) for f in forms),
    )


def _accounting(
    used: list[Form], rejected: dict[tuple[str, str, int], list[str]], annex: int, label: str
) -> Accounting:
    forms = [f for f in used if f.annex == annex]
    sheets = {(f.file, f.sheet) for f in forms}
    dropped = sum(1 for file, sheet, _row in rejected if (file, sheet) in sheets)
    kept = sum(1 for f in forms for r in f.rows if (f.file, f.sheet, r.number) not in rejected)
    return Accounting(
        annex=annex, read=sum(len(f.rows) for f in forms), kept=kept, rejected=dropped,
        other=sum(f.counts.template + f.counts.closing for f in forms),
        outside=sum(f.counts.outside for f in forms),
        nonempty=sum(f.counts.nonempty for f in forms), label=label,
    )  # fmt: skip


def _total_accounting(districts: list[DistrictView]) -> list[Accounting]:
    totals = []
    shown = [a.annex for a in districts[0].accounting] if districts else [2, 1]
    for annex in shown:
        lines = [a for d in districts for a in d.accounting if a.annex == annex]
        totals.append(
            Accounting(
                annex=annex,
                read=sum(a.read for a in lines),
                kept=sum(a.kept for a in lines),
                rejected=sum(a.rejected for a in lines),
                other=sum(a.other for a in lines),
                outside=sum(a.outside for a in lines),
                nonempty=sum(a.nonempty for a in lines),
            )
        )
    return totals


def row_mobiles(outcome: Any) -> dict[tuple[str, str, int], str]:
    """The mobile of every data row a finding may sit on (the forms read, last year's
    register): the search box finds a person's findings by it."""
    mobiles = {}
    for form in [*outcome.forms, *outcome.selection.superseded_forms]:
        for row in form.rows:
            mobiles[(form.file, form.sheet, row.number)] = mobile_text(row.cell("mobile"))
    if outcome.baseline is not None:
        baseline = outcome.baseline
        for listed in [*baseline.rows, *baseline.outside]:
            mobiles[(baseline.display, baseline.sheet, listed.row)] = listed.mobile
    return mobiles


def _groups(
    findings: Iterable[Finding],
    outcome: Any,
    t: dict[str, str],
    lang: str,
    mobiles: dict[tuple[str, str, int], str],
) -> list[FileGroup]:
    groups: dict[str | None, list[FindingView]] = {}
    for finding in findings:
        view = _finding_view(finding, t, lang)
        if finding.row is not None and finding.person:
            view.mobile = mobiles.get((finding.file or "", finding.sheet or "", finding.row), "")
        groups.setdefault(finding.file, []).append(view)
    baseline = getattr(outcome.baseline, "display", None)
    out = []
    for file, items in groups.items():
        if file is not None and file == baseline:
            # Its rows are last year's people: said as what they are, not as a district file.
            out.append(FileGroup(t["baseline_group"], "", items, baseline=True))
            continue
        status = outcome.status.get(file, "") if file else ""
        label = t[STATUS_LABEL[status]] if status in STATUS_LABEL else ""
        out.append(FileGroup(file=file or t["no_file"], status=label, findings=items))
    return out


def _finding_view(finding: Finding, t: dict[str, str], lang: str) -> FindingView:
    if place := finding.word_place(lang):  # Word shows no A1 references
        location = place
    elif finding.cell:
        location = finding.cell
    elif finding.row is not None:
        location = t["row_n"].format(n=finding.row)
    else:
        location = "—"
    return FindingView(
        severity=finding.severity,
        severity_text=t.get(finding.severity, finding.severity),
        code=finding.code,
        sheet=finding.sheet or "—",
        location=location,
        person=finding.person or "",
        value=finding.value or "",
        message=finding.text(lang),
        suggestion=finding.suggestion or "",
    )


def _charts(outcome: Any, t: dict[str, str]) -> list[Chart]:
    config = outcome.config
    per_district: Counter[str] = Counter()
    per_function: Counter[str] = Counter()
    for form in outcome.forms_of(2):
        for row in form.rows:
            if (form.file, form.sheet, row.number) in outcome.rejected:
                continue
            if form.district:
                per_district[form.district] += 1
            for function in parse_functions(row.text("functions"), config).known:
                per_function[function] += 1
    districts = [(name, per_district[name]) for name in shown_districts(outcome)]
    functions = [(name, per_function[name]) for name in config.functions]
    return [_bar_chart(t["chart_district"], districts), _bar_chart(t["chart_function"], functions)]


def _bar_chart(title: str, values: list[tuple[str, int]], width: int = 640) -> Chart:
    label_width, step, bar_height, room = 96, 24, 16, 48
    top = max((v for _, v in values), default=0) or 1
    span = width - label_width - room
    bars = []
    for i, (label, value) in enumerate(values):
        y, bar = i * step + 4, round(span * value / top)
        bars.append(Bar(label, value, y, bar, y + bar_height - 3, label_width + bar + 4))
    return Chart(title, bars, width, len(values) * step + 8, label_width, bar_height)


def _superseded(outcome: Any, t: dict[str, str]) -> list[dict[str, str]]:
    forms = {(f.file, f.sheet): f for f in outcome.selection.superseded_forms}
    out = []
    for (file, sheet), newer in sorted(outcome.selection.superseded_by.items()):
        form = forms.get((file, sheet))
        out.append(
            {
                "file": file,
                "sheet": sheet,
                "district": (form.district if form else None) or "—",
                "date": form.date.isoformat() if form and form.date else "—",
                "newer": newer,
                "changes": _diff_text(outcome.selection.changes.get((file, sheet)), t),
            }
        )
    return out


def _diff_text(diff: Any, t: dict[str, str]) -> str:
    """``新增2人：甲、乙；删除1人：丙；修改1人：丁（账号功能）`` — what the resubmission changed."""
    if diff is None:
        return "—"
    if diff.empty:
        return t["diff_none"]
    parts = []
    for label, names in ((t["diff_added"], diff.added), (t["diff_removed"], diff.removed)):
        if names:
            parts.append(label.format(n=len(names)) + "、".join(names))
    if diff.altered:
        shown = [
            f"{name}（{'、'.join(t['field_' + k] for k in keys)}）" for name, keys in diff.altered
        ]
        parts.append(t["diff_altered"].format(n=len(diff.altered)) + "、".join(shown))
    return "；".join(parts)


def _baseline(baseline: Any) -> dict[str, Any] | None:
    """Which baseline register the cross-year rules used (None: they were skipped)."""
    if baseline is None:
        return None
    rows = getattr(baseline, "rows", None)
    count = rows if isinstance(rows, int) else len(rows) if rows is not None else "—"
    display = getattr(baseline, "display", "") or getattr(baseline, "path", "")
    return {
        "file": str(display or "—"),
        "sheet": str(getattr(baseline, "sheet", "") or "—"),
        "rows": count,
    }


def _function_totals(outcome: Any, t: dict[str, str]) -> dict[str, Any] | None:
    """City totals per function, last year against this year (None without a baseline)."""
    if outcome.baseline is None:
        return None
    rosters = outcome.forms_of(2)
    totals = outcome.function_totals
    kept = sum(
        1
        for form in rosters
        for row in form.rows
        if (form.file, form.sheet, row.number) not in outcome.rejected
    )
    return {
        "functions": [FunctionTotal(f, last, this) for f, (last, this) in totals.items()],
        "holders": FunctionTotal(t["holders"], len(outcome.baseline.rows), kept),
    }


def _changes(outcome: Any, districts: list[DistrictView], t: dict[str, str]) -> dict[str, Any]:
    """The changes against the baseline by district (configured order, only districts with
    changes; those of no configured district last), each district by kind."""
    anchors = {d.name: d.anchor for d in districts}
    by_district: dict[str | None, list[Any]] = defaultdict(list)
    for change in outcome.changes:
        by_district[change.district if change.district in anchors else None].append(change)
    out = []
    for name in [*anchors, None]:
        changes = by_district.get(name)
        if not changes:
            continue
        groups = []
        for kind, title in CHANGE_KINDS:
            items = [_change_view(c, t) for c in changes if c.kind == kind]
            if items:
                groups.append(ChangeGroup(kind, t[title], items))
        out.append(
            DistrictChanges(
                name=name if name is not None else t["unknown_district"],
                key=anchors[name] if name is not None else OTHER_ANCHOR,
                groups=groups,
                unexplained=sum(not c.explained for c in changes),
            )
        )
    unexplained = sum(not c.explained for c in outcome.changes)
    return {
        "districts": out,
        "pairing": any(c.pairing for c in outcome.changes),  # the column is shown
        "count": len(outcome.changes),
        "summary": t["changes_summary"].format(n=len(outcome.changes), m=unexplained),
    }


def _change_view(change: Any, t: dict[str, str]) -> ChangeView:
    before, after = _function_list(change.before, t), _function_list(change.after, t)
    functions = {"added": after, "removed": before}.get(change.kind, f"{before} → {after}")
    pairing = t.get(f"pairing_{change.pairing}", change.pairing or "") if change.pairing else ""
    return ChangeView(
        name=change.name,
        mobile=change.mobile,
        functions=functions,
        explained=change.explained,
        request=change.request or "",
        code=UNEXPLAINED_CODE.get(change.kind, ""),
        location=change.location or "—",
        pairing=pairing,
        likely_same_as=change.likely_same_as or "",
    )


def _function_list(functions: Iterable[str], t: dict[str, str]) -> str:
    functions = list(functions)
    return "、".join(functions) if functions else t["no_functions"]


def _manifest(outcome: Any, t: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for result in outcome.results:
        source = result.source
        status = outcome.status.get(source.display, "unreadable")
        sheets = [
            t["sheet_line"].format(
                sheet=f.sheet,
                annex=outcome.config.annexes[f.annex].short_title_in(t["lang_code"]),
                district=f.district or t["unknown_district"],
                rows=len(f.rows),
            )
            for f in result.forms
        ]
        out.append(
            {
                "file": source.display,
                "status": t[STATUS_LABEL.get(status, "unreadable")],
                "status_key": status,
                "sheets": sheets,
            }
        )
    for name in outcome.ignored:
        out.append(
            {
                "file": name,
                "status": t["ignored"],
                "status_key": "ignored",
                "sheets": [],
            }
        )
    return out
