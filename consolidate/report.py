"""The discrepancy report: one self-contained HTML page for the city's certification office.

:func:`render_report` turns an :class:`~consolidate.api.Outcome` into a plain view model
(dicts and dataclasses, all counting and chart geometry done here) and renders it with
the Jinja2 templates in ``templates/`` (autoescaped; data is never marked safe). Every
text printed on the page passes through a mobile mask unless ``show_phones`` is set.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from .findings import Finding, count_by_severity
from .forms import Form
from .normalize import parse_functions
from .rules.baseline import function_totals

if TYPE_CHECKING:
    from .api import Outcome

# An 11-digit mainland mobile anywhere in a text, with an optional +86 and the spaces or
# dashes clerks type; full-width digits too (``\d`` matches them).
MOBILE_IN_TEXT = re.compile(
    r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?([1１][3-9３-９]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)"
)
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
# How the report lists the kinds of change: label, functions header, location header.
CHANGE_KINDS = (
    ("added", "added", "after_functions", "location_now"),
    ("removed", "removed", "before_functions", "location_before"),
    ("functions", "functions_changed", "before_after", "location_now"),
)

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "CCC免办系统账号报表核对报告",
        "year_title": "{year}年度",
        "as_of": "核对日期",
        "year": "汇总年度",
        "verdict_error": "存在需修改的问题",
        "verdict_warning": "无错误，有需核对的警告",
        "verdict_ok": "全部通过",
        "privacy": "本页含个人信息，仅供核对使用，请勿外传。",
        "masked": "手机号已隐去中间四位。",
        "files_used": "采用文件",
        "files_superseded": "被取代文件",
        "files_unreadable": "无法读取文件",
        "files_ignored": "忽略文件",
        "rows": "数据行",
        "errors": "错误",
        "warnings": "警告",
        "infos": "提示",
        "filter": "筛选",
        "all_districts": "全部区",
        "completeness": "报送情况",
        "district": "区",
        "annex1": "附件1（调整需求）",
        "annex2": "附件2（使用人汇总）",
        "received": "报送",
        "date": "填报日期",
        "timeliness": "时效",
        "resubmitted": "重报次数",
        "details": "明细",
        "yes": "已报送",
        "no": "未报送",
        "none_sent": "无",
        "files_n": "{n}份",
        "on_time": "按时",
        "late": "逾期",
        "no_date": "日期不明",
        "goto": "查看",
        "charts": "账号使用人统计",
        "chart_district": "各区账号使用人数",
        "chart_function": "各账号功能人数",
        "chart_note": "依据采用的附件2数据行（不含被剔除的行）；一人可有多项功能。",
        "findings": "各区问题明细",
        "files_received": "收到的文件：",
        "annex_n": "附件{n}",
        "no_files": "未收到文件。",
        "no_findings": "未发现问题。",
        "no_file": "（不涉及具体文件）",
        "other": "未归属区的问题",
        "severity": "级别",
        "sheet": "工作表",
        "cell": "单元格",
        "person": "人员",
        "value": "内容",
        "message": "问题",
        "suggestion": "建议",
        "row_n": "第{n}行",
        "accounting": "数据行核对",
        "accounting_note": "读取行数 = 入库行数 + 剔除行数（剔除：含模板占位内容等，不进入汇总名册）。",
        "read": "读取",
        "kept": "入库",
        "rejected": "剔除",
        "adds_up": "相符",
        "not_adds_up": "不符",
        "total": "合计",
        "superseded": "被取代的报送",
        "replaced_by": "由此文件取代",
        "changes_made": "更正内容（新文件相对旧文件）",
        "diff_none": "人员和内容没有变化",
        "diff_added": "新增{n}人：",
        "diff_removed": "删除{n}人：",
        "diff_altered": "修改{n}人：",
        "field_post": "职务",
        "field_account": "账号名称",
        "field_functions": "账号功能",
        "no_superseded": "没有被取代的报送。",
        "baseline": "较上年变化",
        "baseline_used": "跨年度核对所用的上年度基准名册：",
        "baseline_none": "未提供上年度基准名册（--baseline），以下跨年度核对规则已跳过：",
        "function_totals": "全市各功能人数",
        "totals_note": "上年：基准名册的人员行；本年：采用的附件2数据行（不含被剔除的行）。一人可有多项功能。",
        "function": "功能",
        "last_year": "上年",
        "this_year": "本年",
        "difference": "增减",
        "holders": "账号使用人",
        "changes": "各区人员变动",
        "changes_summary": "共{n}项变动，其中{m}项未说明（附件1中没有对应的申请）。",
        "no_changes": "与上年度基准相比没有变动。",
        "added": "新增",
        "removed": "减少",
        "functions_changed": "功能变动",
        "name": "姓名",
        "mobile": "手机号",
        "no_functions": "无",
        "after_functions": "本年功能",
        "before_functions": "上年功能",
        "before_after": "上年功能 → 本年功能",
        "explanation": "是否说明",
        "explained": "已说明",
        "unexplained": "未说明",
        "request_at": "申请：",
        "no_request": "附件1中没有对应的申请",
        "location_now": "本年附件2",
        "location_before": "上年名册",
        "pairing": "可能同一人",
        "likely_same": "可能同一人：",
        "pairing_moved": "调动",
        "pairing_mobile-changed": "换号",
        "pairing_name-changed": "改名",
        "manifest": "文件清单",
        "file": "文件",
        "size": "大小",
        "status": "状态",
        "sheets": "工作表",
        "sheet_line": "{sheet}（附件{annex}，{district}，{rows}行）",
        "unknown_district": "区未识别",
        "used": "采用",
        "superseded_status": "已被取代",
        "unreadable": "无法读取",
        "ignored": "已忽略",
        "error": "错误",
        "warning": "警告",
        "info": "提示",
    },
    "en": {
        "title": "CCC exemption system account forms: check report",
        "year_title": "roll-up {year}",
        "as_of": "As of",
        "year": "Roll-up year",
        "verdict_error": "Problems to correct",
        "verdict_warning": "No errors; warnings to review",
        "verdict_ok": "All passed",
        "privacy": "This page holds personal data: for checking only, do not pass it on.",
        "masked": "The middle four digits of mobiles are hidden.",
        "files_used": "Files used",
        "files_superseded": "Files superseded",
        "files_unreadable": "Files unreadable",
        "files_ignored": "Files ignored",
        "rows": "Rows",
        "errors": "Errors",
        "warnings": "Warnings",
        "infos": "Infos",
        "filter": "Filter",
        "all_districts": "All districts",
        "completeness": "Submissions",
        "district": "District",
        "annex1": "Annex 1 (adjustments)",
        "annex2": "Annex 2 (roster)",
        "received": "Received",
        "date": "Date",
        "timeliness": "On time",
        "resubmitted": "Resubmitted",
        "details": "Details",
        "yes": "received",
        "no": "not sent",
        "none_sent": "none",
        "files_n": "{n} file(s)",
        "on_time": "on time",
        "late": "late",
        "no_date": "no date",
        "goto": "view",
        "charts": "Account holders",
        "chart_district": "Account holders per district",
        "chart_function": "Account holders per function",
        "chart_note": "From the Annex 2 rows used (rejected rows excluded); one person may hold several functions.",
        "findings": "Findings by district",
        "files_received": "Files received: ",
        "annex_n": "Annex {n}",
        "no_files": "No file received.",
        "no_findings": "No findings.",
        "no_file": "(no particular file)",
        "other": "Findings outside any district",
        "severity": "Severity",
        "sheet": "Sheet",
        "cell": "Cell",
        "person": "Person",
        "value": "Value",
        "message": "Problem",
        "suggestion": "Suggestion",
        "row_n": "row {n}",
        "accounting": "Row accounting",
        "accounting_note": "Rows read = rows kept + rows rejected (rejected: template leftovers and the like, kept out of the register).",
        "read": "Read",
        "kept": "Kept",
        "rejected": "Rejected",
        "adds_up": "adds up",
        "not_adds_up": "does not add up",
        "total": "Total",
        "superseded": "Superseded submissions",
        "replaced_by": "Replaced by",
        "changes_made": "What the newer file changed",
        "diff_none": "no change of people or values",
        "diff_added": "{n} added: ",
        "diff_removed": "{n} removed: ",
        "diff_altered": "{n} altered: ",
        "field_post": "post",
        "field_account": "account",
        "field_functions": "functions",
        "no_superseded": "No submission was superseded.",
        "baseline": "Changes since last year",
        "baseline_used": "Baseline register used by the cross-year rules:",
        "baseline_none": "No baseline register was given (--baseline): these cross-year rules were skipped:",
        "function_totals": "Account holders per function, city-wide",
        "totals_note": "Last year: the people rows of the baseline register; this year: the Annex 2 rows used (rejected rows excluded). One person may hold several functions.",
        "function": "Function",
        "last_year": "Last year",
        "this_year": "This year",
        "difference": "Difference",
        "holders": "Account holders",
        "changes": "Changes by district",
        "changes_summary": "{n} change(s); {m} not explained by any request (Annex 1).",
        "no_changes": "No change against the baseline.",
        "added": "Added",
        "removed": "Removed",
        "functions_changed": "Functions changed",
        "name": "Name",
        "mobile": "Mobile",
        "no_functions": "none",
        "after_functions": "Functions this year",
        "before_functions": "Functions last year",
        "before_after": "Last year → this year",
        "explanation": "Explained",
        "explained": "explained",
        "unexplained": "not explained",
        "request_at": "Request: ",
        "no_request": "no matching request in Annex 1",
        "location_now": "This year's Annex 2",
        "location_before": "Last year's register",
        "pairing": "Same person?",
        "likely_same": "probably the same person as: ",
        "pairing_moved": "moved district",
        "pairing_mobile-changed": "new mobile",
        "pairing_name-changed": "renamed",
        "manifest": "File manifest",
        "file": "File",
        "size": "Size",
        "status": "Status",
        "sheets": "Sheets",
        "sheet_line": "{sheet} (Annex {annex}, {district}, {rows} rows)",
        "unknown_district": "district unknown",
        "used": "used",
        "superseded_status": "superseded",
        "unreadable": "unreadable",
        "ignored": "ignored",
        "error": "error",
        "warning": "warning",
        "info": "info",
    },
}
STATUS_LABEL = {"used": "used", "superseded": "superseded_status", "unreadable": "unreadable"}


class Verbatim(str):
    """A text shown as is, never masked (hashes: hex digits that are not phone numbers)."""


def mask_mobiles(text: str) -> str:
    """``13812345678`` -> ``138****5678`` wherever a mainland mobile appears in ``text``."""
    return MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


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


@dataclass
class FileGroup:
    """The findings of one file within a district section."""

    file: str
    status: str
    findings: list[FindingView]


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
    """Rows read = rows kept (register / batch) + rows rejected, for one annex."""

    annex: int
    read: int
    kept: int
    rejected: int

    @property
    def ok(self) -> bool:
        """True when every row read is either kept or rejected, once."""
        return self.read == self.kept + self.rejected


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
    functions_header: str
    location_header: str
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


def render_report(outcome: Outcome, *, lang: str = "zh", show_phones: bool = False) -> str:
    """The report page of an outcome as one self-contained HTML document."""
    t = LABELS.get(lang, LABELS["zh"])
    view = build_view(outcome, t, lang)
    env = _environment(show_phones)
    return env.get_template("report.html.j2").render(
        t=t, lang=lang, show_phones=show_phones, **view
    )


def _environment(show_phones: bool) -> Environment:
    # finalize runs on every {{ … }} output before escaping: the mask cannot be forgotten
    # in a template. Markup (macro output) was masked inside the macro already.
    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if show_phones or not isinstance(value, str) or isinstance(value, (Markup, Verbatim)):
            return value
        return mask_mobiles(value)

    return Environment(
        loader=PackageLoader("consolidate"),
        autoescape=True,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_view(outcome: Outcome, t: dict[str, str], lang: str) -> dict[str, Any]:
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
        "baseline_codes": BASELINE_CODES,
        "function_totals": _function_totals(outcome, t),
        "changes": _changes(outcome, districts, t),
        "manifest": _manifest(outcome, t),
    }


def shown_districts(outcome: Any) -> list[str]:
    """Every configured district in a roll-up; in a district's own check, only its own."""
    names = [d.name for d in outcome.config.districts]
    if outcome.year is not None:
        return names
    present = {f.district for f in outcome.forms} | {f.district for f in outcome.findings}
    return [name for name in names if name in present]


def _districts(outcome: Any, t: dict[str, str], lang: str) -> tuple[list[DistrictView], Any]:
    names = shown_districts(outcome)
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
                groups=_groups(findings, outcome, t, lang),
                accounting=[_accounting(used, outcome.rejected, a) for a in (2, 1)],
            )
        )
    orphans = by_district.get(None, [])
    other = {"anchor": OTHER_ANCHOR, "groups": _groups(orphans, outcome, t, lang)}
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
    used: list[Form], rejected: dict[tuple[str, str, int], list[str]], annex: int
) -> Accounting:
    forms = [f for f in used if f.annex == annex]
    sheets = {(f.file, f.sheet) for f in forms}
    dropped = sum(1 for file, sheet, _row in rejected if (file, sheet) in sheets)
    kept = sum(1 for f in forms for r in f.rows if (f.file, f.sheet, r.number) not in rejected)
    return Accounting(
        annex=annex, read=sum(len(f.rows) for f in forms), kept=kept, rejected=dropped
    )


def _total_accounting(districts: list[DistrictView]) -> list[Accounting]:
    totals = []
    for annex in (2, 1):
        lines = [a for d in districts for a in d.accounting if a.annex == annex]
        totals.append(
            Accounting(
                annex=annex,
                read=sum(a.read for a in lines),
                kept=sum(a.kept for a in lines),
                rejected=sum(a.rejected for a in lines),
            )
        )
    return totals


def _groups(
    findings: Iterable[Finding], outcome: Any, t: dict[str, str], lang: str
) -> list[FileGroup]:
    groups: dict[str | None, list[FindingView]] = {}
    for finding in findings:
        groups.setdefault(finding.file, []).append(_finding_view(finding, t, lang))
    out = []
    for file, items in groups.items():
        status = outcome.status.get(file, "") if file else ""
        label = t[STATUS_LABEL[status]] if status in STATUS_LABEL else ""
        out.append(FileGroup(file=file or t["no_file"], status=label, findings=items))
    return out


def _finding_view(finding: Finding, t: dict[str, str], lang: str) -> FindingView:
    if finding.cell:
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
        "sha256": Verbatim(getattr(baseline, "sha256", "") or "—"),
        "rows": count,
    }


def _function_totals(outcome: Any, t: dict[str, str]) -> dict[str, Any] | None:
    """City totals per function, last year against this year (None without a baseline)."""
    if outcome.baseline is None:
        return None
    rosters = outcome.forms_of(2)
    totals = function_totals(outcome.baseline, rosters, outcome.config, outcome.rejected)
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
        for kind, title, functions_header, location_header in CHANGE_KINDS:
            items = [_change_view(c, t) for c in changes if c.kind == kind]
            if items:
                groups.append(
                    ChangeGroup(kind, t[title], t[functions_header], t[location_header], items)
                )
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
                annex=f.annex,
                district=f.district or t["unknown_district"],
                rows=len(f.rows),
            )
            for f in result.forms
        ]
        out.append(
            {
                "file": source.display,
                "sha256": Verbatim(source.sha256),
                "sha_short": Verbatim(source.sha256[:12]),
                "size": _size(source.size),
                "status": t[STATUS_LABEL.get(status, "unreadable")],
                "status_key": status,
                "sheets": sheets,
            }
        )
    for name in outcome.ignored:
        out.append(
            {
                "file": name,
                "sha256": "",
                "sha_short": "",
                "size": "",
                "status": t["ignored"],
                "status_key": "ignored",
                "sheets": [],
            }
        )
    return out


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
