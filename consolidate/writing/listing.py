"""Findings as a person works down a list of them (terminal, annotated copy).

Decision 11 of docs/rules.md gives a leftover template row one ``placeholder-value`` per
placeholder cell (the JSON keeps them all); a list a clerk reads says the row once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from consolidate.model.finding import SEVERITIES, Finding
from consolidate.support.config import Config
from consolidate.support.messages import tool_message

LEFTOVER_ROW = {
    "zh": "第{row}行是模板示例行，留有占位内容：{cells}。请删除这一行，或填写真实内容。",
    "en": "Row {row} is a sample row of the template, with placeholders: {cells}. "
    "Delete the row or fill in real values.",
}


@dataclass(frozen=True, slots=True)
class ListLine:
    """One line of the list: a finding, or the placeholders of one leftover template row."""

    severity: str
    message: str
    sheet: str | None
    cell: str | None
    person: str | None = None
    value: str | None = None
    suggestion: str | None = None
    file: str | None = None
    finding: Finding | None = None  # the finding itself (None: a whole leftover row)
    row: int | None = None

    def where(self, lang: str = "zh") -> str:
        """Where to look: ``Sheet1!G7``, a Word table's ``表格1 第5行 第7列``, a row."""
        if self.finding is None:
            row = f"第{self.row}行" if lang != "en" else f"row {self.row}"
            return f"{self.sheet} {row}"
        if place := self.finding.word_place(lang):  # Word shows no A1 references
            return f"{self.finding.sheet} {place}"
        if self.finding.sheet and self.finding.cell:
            return f"{self.finding.sheet}!{self.finding.cell}"
        return self.finding.cell or self.finding.sheet or ""

    def place(self, lang: str = "zh") -> str:
        """Where to look as a clerk says it: ``附件2 第8行 手机号（G8）`` (Finding.place)."""
        if self.finding is None:
            return self.where(lang)
        return self.finding.place(lang)


def list_lines(findings: Sequence[Finding], lang: str) -> list[ListLine]:
    """The findings in order, a leftover template row's placeholders as one line."""
    lines = []
    ordered = sorted(findings, key=Finding.sort_key)
    for key, group in groupby(ordered, key=_leftover_row):
        items = list(group)
        if key is not None and len(items) > 1:
            lines.append(_leftover_line(items, lang))
        else:
            lines += [_finding_line(f, lang) for f in items]
    return lines


def _leftover_row(finding: Finding) -> tuple | None:
    if finding.code != "placeholder-value" or finding.row is None:
        return None
    return (finding.file, finding.sheet, finding.row)


def _leftover_line(items: list[Finding], lang: str) -> ListLine:
    first = items[0]
    quote = "“{}”" if lang == "zh" else '"{}"'
    cells = ("、" if lang == "zh" else ", ").join(
        f"{f.cell}{quote.format(f.value or '')}" for f in items
    )
    message = LEFTOVER_ROW[lang].format(row=first.row, cells=cells)
    return ListLine(
        first.severity, message, first.sheet, first.cell, file=first.file, row=first.row
    )


def _finding_line(finding: Finding, lang: str) -> ListLine:
    cell = finding.cell or (f"A{finding.row}" if finding.row else None)
    return ListLine(
        finding.severity, finding.text(lang), finding.sheet, cell, finding.person,
        finding.value, finding.suggestion, finding.file, finding, finding.row,
    )  # fmt: skip


def list_heading(
    file: str, severities: Sequence[str], as_of: dt.date | None, lang: str, config: Config
) -> tuple[str, str]:
    """The two lines above a copy's problem list: ``问题清单：附件2.xlsx``, and the verdict
    (可以报送 / 需要修改), the count of each severity as listed, the as-of date."""
    title = tool_message("copy-list-title", lang, {"file": file})
    if "error" in severities:
        verdict = tool_message("copy-verdict-fix", lang, {})
    else:
        verdict = tool_message("copy-verdict-ok", lang, {})
    counts = ("，" if lang == "zh" else ", ").join(
        tool_message(
            "copy-count",
            lang,
            {"label": config.severity_label(s, lang), "count": severities.count(s)},
        )
        for s in SEVERITIES
    )
    if as_of is None:
        summary = tool_message("copy-summary-undated", lang, {"verdict": verdict, "counts": counts})
    else:
        summary = tool_message(  # the date as 2026年11月27日 (2026-11-27 in English)
            "copy-summary", lang, {"verdict": verdict, "counts": counts, "date": as_of}
        )
    return title, summary
