"""``fastchannel.xlsx``: the recommendations, the city's list updated, the reminders.

For the 商务委 and SAMR, the city's list of users brought up to date, and whom the
districts must remind.

Written only when the inbox holds recommendation lists or ``--fastlist`` is given:
- ``推荐汇总``: every recommendation (template leftovers aside) with its district, type,
  standing on the city's list and findings, new applicants first, in district order;
- ``使用单位名单``: the city's list with 开通日期, 有效期至 (开通 + the validity in years
  where the list gives none) and the status at the as-of date; read back by ``--fastlist``;
- ``提醒``: the units whose permission ends within the reminder months and for which no
  延用 has arrived, per district.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from consolidate.model.fastlist import FastList, ListedUnit, Recommendation
from consolidate.model.finding import SEVERITIES, SEVERITY_RANK
from consolidate.model.form import Row
from consolidate.model.outcome import RECOMMEND, Outcome
from consolidate.support.config import Config
from consolidate.values.names import normalize_name
from consolidate.writing.paper import Page, Table, save_tables, written_date
from consolidate.writing.register import PROBLEMS_WIDTH
from consolidate.writing.xlsx import ROW_FILLS, table_widths

SUMMARY_SHEET, LIST_SHEET, REMIND_SHEET = "推荐汇总", "使用单位名单", "提醒"
# The recommendation list's columns 推荐汇总 repeats, in this order: on paper the unit,
# whom to call and the first review (then the standing and the problems); the 延用
# details and the remarks on the screen only, with the source.
PRINTED_FIELDS = ("unit", "uscc", "contact", "phone", "review")
SCREEN_FIELDS = ("until", "applications", "supervision", "remarks")
SUMMARY_FIELDS = (*PRINTED_FIELDS, *SCREEN_FIELDS)
LABELS = {
    "zh": {
        "seq": "序号", "district": "所属区", "type": "推荐类型", "listed": "本市名单情况",
        "problems": "问题", "file": "来源文件", "row": "来源行", "opened": "开通日期",
        "expires": "有效期至", "status": "状态", "days": "剩余天数", "remind": "提醒事项",
        "listed_until": "在名单中，有效期至{until}", "not_listed": "不在名单中",
        "no_list": "未提供本市名单（--fastlist）", "remind_text": "请提醒该单位于{until}前申请延用",
        "empty_list": "未提供本市便捷通道使用单位名单（--fastlist），无法列出使用单位及其有效期。",
        "empty_remind": "{until}前没有需要提醒延用的单位。",
        "valid": "有效", "expiring": "即将到期", "expired": "已到期", "extending": "已申请延用",
        "unknown": "有效期不明",
        "summary_title": "便捷通道推荐名单汇总（截至{date}）",
        "list_title": "本市便捷通道使用单位名单（截至{date}）",
        "remind_title": "便捷通道延用提醒（截至{date}）",
        "remind_line": "以下单位的便捷通道权限将于{until}前到期，尚未收到延用推荐：请所属区提醒单位按时申请延用。",
    },
    "en": {
        "seq": "No.", "district": "District", "type": "Type", "listed": "On the city's list",
        "problems": "Problems", "file": "Source file", "row": "Source row",
        "opened": "Opened", "expires": "Valid until", "status": "Status",
        "days": "Days left", "remind": "Reminder", "listed_until": "listed, valid until {until}",
        "not_listed": "not listed", "no_list": "no city list given (--fastlist)",
        "remind_text": "remind the enterprise to apply for an extension before {until}",
        "empty_list": "No city list of fast-channel users was given (--fastlist).",
        "empty_remind": "No enterprise needs a reminder before {until}.",
        "valid": "valid", "expiring": "expiring", "expired": "expired",
        "extending": "extension applied", "unknown": "dates unknown",
        "summary_title": "Fast-channel recommendations (as of {date})",
        "list_title": "The city's fast-channel users (as of {date})",
        "remind_title": "Fast-channel extension reminders (as of {date})",
        "remind_line": "The permission of these enterprises ends before {until} and no extension "
        "has been recommended: their districts remind them to apply in time.",
    },
}  # fmt: skip


def _labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["zh"])


def recommendations(outcome: Outcome) -> tuple[Recommendation, ...]:
    """Every kept recommendation: new applicants first, then extensions (rows of an
    unknown type last), each in district order, then file and row order."""
    return outcome.fast_channel.recommendations if outcome.fast_channel else ()


# ---------------------------------------------------------------- 推荐汇总
def summary_header(config: Config, lang: str = "zh") -> list[str]:
    labels = _labels(lang)
    spec = config.annexes[RECOMMEND]
    return [
        labels["seq"], labels["district"], labels["type"],
        *(spec.column(key).name for key in PRINTED_FIELDS), labels["listed"], labels["problems"],
        *(spec.column(key).name for key in SCREEN_FIELDS), labels["file"], labels["row"],
    ]  # fmt: skip


def summary_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    rows = []
    for n, entry in enumerate(recommendations(outcome), start=1):
        form, row = entry.form, entry.row
        problems = [f.text(lang) for f in outcome.findings_at(form.file, form.sheet, row.number)]
        rows.append(
            [
                n, form.district or "", entry.kind or row.text("type"),
                *(_field(row, key) for key in PRINTED_FIELDS),
                _standing(outcome.fastlist, entry.code, lang), "\n".join(problems),
                *(_field(row, key) for key in SCREEN_FIELDS), form.file, row.number,
            ]
        )  # fmt: skip
    return rows


def _field(row: Row, key: str) -> str:
    if key == "unit":
        return normalize_name(row.text("unit"))
    return row.text(key)


def _standing(fastlist: FastList | None, code: str, lang: str) -> str:
    labels = _labels(lang)
    if fastlist is None:
        return labels["no_list"]
    listed = fastlist.by_code.get(code)
    if listed is None:
        return labels["not_listed"]
    until = listed.expires.isoformat() if listed.expires else "?"
    return labels["listed_until"].format(until=until)


def _summary_fills(outcome: Outcome) -> list[str | None]:
    fills: list[str | None] = []
    for entry in recommendations(outcome):
        found = outcome.findings_at(entry.form.file, entry.form.sheet, entry.row.number)
        worst = min((SEVERITY_RANK[f.severity] for f in found), default=None)
        fills.append(None if worst is None else ROW_FILLS[SEVERITIES[worst]])
    return fills


# ---------------------------------------------------------------- 使用单位名单
def list_header(config: Config, lang: str = "zh") -> list[str]:
    """The list's header: Chinese always (the sheet is read back by --fastlist)."""
    spec, labels = config.annexes[RECOMMEND], LABELS["zh"]
    return [
        labels["seq"], labels["district"], spec.column("unit").name, spec.column("uscc").name,
        labels["opened"], labels["expires"], labels["status"], spec.column("contact").name,
        spec.column("phone").name, spec.column("remarks").name,
    ]  # fmt: skip


def list_units(outcome: Outcome) -> list[ListedUnit]:
    """The city's list in district order, then by the end of the permission."""
    if outcome.fastlist is None:
        return []
    rank = outcome.config.district_rank
    return sorted(
        outcome.fastlist.by_code.values(),
        key=lambda u: (rank.get(u.district or "", len(rank)), u.expires or dt.date.max, u.row),
    )


def list_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    labels = _labels(lang)
    statuses = outcome.fast_channel.statuses if outcome.fast_channel else {}
    return [
        [
            n, unit.district or "", unit.unit, unit.code, unit.opened, unit.expires,
            labels[statuses[unit.code]], unit.contact, unit.phone, unit.remarks,
        ]
        for n, unit in enumerate(list_units(outcome), start=1)
    ]  # fmt: skip


# ---------------------------------------------------------------- 提醒
def remind_header(config: Config, lang: str = "zh") -> list[str]:
    spec, labels = config.annexes[RECOMMEND], _labels(lang)
    return [
        labels["district"], spec.column("unit").name, spec.column("uscc").name,
        labels["expires"], labels["days"], spec.column("contact").name,
        spec.column("phone").name, labels["remind"],
    ]  # fmt: skip


def reminders(outcome: Outcome) -> list[ListedUnit]:
    """The units to remind, per district (configured order), soonest first."""
    if outcome.fastlist is None or outcome.fast_channel is None:
        return []
    rank = outcome.config.district_rank
    units = outcome.fast_channel.expiring
    return sorted(units, key=lambda u: (rank.get(u.district or "", len(rank)), u.expires))


def remind_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    labels = _labels(lang)
    return [
        [
            unit.district or "", unit.unit, unit.code, unit.expires,
            (unit.expires - outcome.as_of).days if unit.expires else None, unit.contact,
            unit.phone, labels["remind_text"].format(until=unit.expires.isoformat()),
        ]
        for unit in reminders(outcome)
        if unit.expires
    ]  # fmt: skip


# ---------------------------------------------------------------- the workbook
SUMMARY_PRINTED = 3 + len(PRINTED_FIELDS) + 2  # 序号 … 问题; the rest on screen only


def write_fastchannel(outcome: Outcome, path: Path | str, lang: str = "zh") -> None:
    """``fastchannel.xlsx``: 推荐汇总, 使用单位名单, 提醒 (README 便捷通道)."""
    config, labels = outcome.config, _labels(lang)
    summary, listed = summary_rows(outcome, lang), list_rows(outcome, lang)
    remind = remind_rows(outcome, lang)
    header = summary_header(config, lang)
    widths = table_widths(header, summary, printed=SUMMARY_PRINTED)
    widths[header.index(labels["problems"])] = PROBLEMS_WIDTH
    # An empty sheet says why, in a line below its header.
    listed_rows = listed or [[labels["empty_list"]]]
    assert outcome.fast_channel is not None, "written only when the run has a fast channel"
    horizon = outcome.fast_channel.horizon.isoformat()
    remind_lines = remind or [
        [
            labels["empty_list"]
            if outcome.fastlist is None
            else labels["empty_remind"].format(until=horizon)
        ]
    ]
    date = written_date(outcome.as_of, lang)
    # 提醒 goes to the districts: its title and date on the sheet itself, above the header.
    remind_title = [
        labels["remind_title"].format(date=date),
        labels["remind_line"].format(until=horizon),
    ]
    tables = [
        Table(SUMMARY_SHEET, header, summary, widths, frozen_columns=4,
              fills=_summary_fills(outcome),
              page=_page(labels["summary_title"], date, lang, SUMMARY_PRINTED)),
        Table(LIST_SHEET, list_header(config, lang), listed_rows, frozen_columns=3,
              page=_page(labels["list_title"], date, lang)),
        Table(REMIND_SHEET, remind_header(config, lang), remind_lines, frozen_columns=2,
              page=Page(numbered=True, lang=lang), lines=remind_title),
    ]  # fmt: skip
    save_tables(path, tables)


def _page(title: str, date: str, lang: str, printed: int | None = None) -> Page:
    """Landscape, the header repeated, the title and the as-of date on every page."""
    return Page(printed=printed, heading=title.format(date=date), numbered=True, lang=lang)
