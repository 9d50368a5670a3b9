"""``register.xlsx``: the city register of account users (Annex 2), a summary, the findings.

Only writing happens here: which rows count (the selection, the rejected rows) and what
is wrong with them (the findings) come from the :class:`~consolidate.model.outcome.Outcome`.
Workbooks are written with openpyxl's write-only mode, so cells stream to disk, and every
text cell is typed as a string so that nothing a district typed can run as a formula.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from openpyxl import Workbook

from consolidate.model.config import Config
from consolidate.model.form import Form, Row
from consolidate.model.outcome import Outcome
from consolidate.values.functions import functions_text, parse_functions
from consolidate.values.names import normalize_name
from consolidate.values.phones import mobile_text
from consolidate.writing.files import atomic_path
from consolidate.writing.tables import FINDING_HEADERS, SEVERITY_LABELS, finding_row
from consolidate.writing.xlsx import table_sheet

REGISTER_SHEET, SUMMARY_SHEET, FINDINGS_SHEET = "名册", "汇总", "问题清单"
# The Annex 2 columns the register carries, in the form's order (序号 is not kept:
# it only numbers the rows of one district's file).
REGISTER_FIELDS = ("bureau", "name", "post", "account", "functions", "mobile", "remarks")
YES = "是"
UNKNOWN_DISTRICT = "（未识别）"

LABELS = {
    "zh": {
        "district": "区", "people": "人数", "total": "合计", "file": "来源文件",
        "sheet": "来源工作表", "row": "来源行", "problems": "问题", "received": "收到日期",
        "forward_by": "转报截止日期",
        "fallback": "注：第{rows}行的转报截止日期所在年份的法定节假日安排尚未收录，"
        "按周一至周五推算，请按国务院办公厅公布的放假安排核对。",
    },
    "en": {
        "district": "District", "people": "People", "total": "Total", "file": "Source file",
        "sheet": "Source sheet", "row": "Source row", "problems": "Problems",
        "received": "Received", "forward_by": "Forward by",
        "fallback": "Note: the holiday schedule of the year of the forward-by date of row(s) "
        "{rows} is not known yet; Monday to Friday were counted. Check against the "
        "State Council's published schedule.",
    },
}  # fmt: skip


def _labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["zh"])


# ---------------------------------------------------------------- register.xlsx
def register_header(config: Config, lang: str = "zh") -> list[str]:
    """Row 1 of 名册: 区, the Annex 2 columns, one per function, source, problems."""
    labels = _labels(lang)
    spec = config.annexes[2]
    return [
        LABELS["zh"]["district"],  # Chinese always: the sheet is read back as a baseline
        *(spec.column(key).name for key in REGISTER_FIELDS),
        *config.functions,
        labels["file"], labels["sheet"], labels["row"], labels["problems"],
    ]  # fmt: skip


def register_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    """One row per kept data row of every used Annex 2 form, in district order."""
    rows = []
    for form in outcome.in_district_order(outcome.forms_of(2)):
        for row in outcome.kept_rows(form):
            rows.append(_register_row(outcome, form, row, lang))
    return rows


def _register_row(outcome: Outcome, form: Form, row: Row, lang: str) -> list[object]:
    config = outcome.config
    held = parse_functions(row.text("functions"), config).known
    values = {
        "bureau": row.text("bureau"),
        "name": normalize_name(row.text("name")),
        "post": row.text("post"),
        "account": row.text("account"),
        "functions": functions_text(row.text("functions"), config),
        "mobile": mobile_text(row.cell("mobile")),
        "remarks": row.text("remarks"),
    }
    problems = [
        f"{f.code}：{f.text(lang)}" if lang == "zh" else f"{f.code}: {f.text(lang)}"
        for f in outcome.findings_at(form.file, form.sheet, row.number)
    ]
    return [
        form.district or "",
        *(values[key] for key in REGISTER_FIELDS),
        *(YES if function in held else "" for function in config.functions),
        form.file, form.sheet, row.number, "\n".join(problems),
    ]  # fmt: skip


def summary_rows(
    register: list[list[object]], config: Config, lang: str = "zh"
) -> list[list[object]]:
    """People and function holders per district (configured order, then others), and totals."""
    functions = config.functions
    first = 1 + len(REGISTER_FIELDS)  # index of the first function yes/no column
    people: Counter[str] = Counter()
    holders: Counter[tuple[str, str]] = Counter()
    for row in register:
        district = str(row[0]) or UNKNOWN_DISTRICT
        people[district] += 1
        for i, function in enumerate(functions):
            holders[(district, function)] += row[first + i] == YES
    names = [d.name for d in config.districts]
    names += sorted(set(people) - set(names))
    rows: list[list[object]] = [
        [name, people[name], *(holders[(name, f)] for f in functions)] for name in names
    ]
    totals = [sum(holders[(name, f)] for name in names) for f in functions]
    rows.append([_labels(lang)["total"], sum(people.values()), *totals])
    return rows


def findings_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    """Every finding's JSON fields, severity in words."""
    severities = SEVERITY_LABELS.get(lang, SEVERITY_LABELS["zh"])
    rows = []
    for finding in outcome.findings:
        row = finding_row(finding, lang)
        row[1] = severities.get(finding.severity, finding.severity)
        rows.append(row)
    return rows


def write_register(outcome: Outcome, path: Path | str, lang: str = "zh") -> None:
    """``register.xlsx``: 名册 (header in row 1, a future baseline), 汇总, 问题清单."""
    config = outcome.config
    labels = _labels(lang)
    # Every row is built before the workbook exists: openpyxl's write-only sheets spool
    # to the system temp folder, and a failure mid-way would leave personal data there.
    register = register_rows(outcome, lang)
    tables = [
        (REGISTER_SHEET, register_header(config, lang), register),
        (SUMMARY_SHEET, [labels["district"], labels["people"], *config.functions],
         summary_rows(register, config, lang)),
        (FINDINGS_SHEET, list(FINDING_HEADERS.get(lang, FINDING_HEADERS["zh"]).values()),
         findings_rows(outcome, lang)),
    ]  # fmt: skip
    wb = Workbook(write_only=True)
    for title, header, rows in tables:
        table_sheet(wb, title, header, rows)
    with atomic_path(path) as tmp:
        wb.save(tmp)
