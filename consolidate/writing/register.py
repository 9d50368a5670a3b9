"""``register.xlsx``: the city register of account users (Annex 2), a summary, the findings.

Only writing happens here: which rows count (the selection, the rejected rows) and what
is wrong with them (the findings) come from the :class:`~consolidate.model.outcome.Outcome`.
Workbooks are written row by row (:mod:`.book`), so cells stream to disk, and every text
cell is typed as a string so that nothing a district typed can run as a formula.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from openpyxl.utils import get_column_letter

from consolidate.model.finding import SEVERITIES, SEVERITY_RANK, Finding
from consolidate.model.form import Form, Row
from consolidate.model.outcome import Outcome
from consolidate.support.config import Config
from consolidate.support.wording import LANGS, label, labels
from consolidate.values.functions import functions_text, parse_functions
from consolidate.values.names import normalize_name
from consolidate.values.phones import mobile_text
from consolidate.writing.current import current_table
from consolidate.writing.paper import Page, Table, save_tables, written_date
from consolidate.writing.xlsx import ROW_FILLS, Link, table_widths

REGISTER_SHEET, SUMMARY_SHEET, FINDINGS_SHEET = (
    label("register", key) for key in ("sheet-register", "sheet-summary", "sheet-findings")
)
# The Annex 2 columns the register carries (序号 is not kept: it only numbers the rows of
# one district's file). 姓名 comes right after 区 so that both stay in view (frozen) while
# scrolling. The office's columns come first and print, with 问题 after them; the bureau
# (the district's full name), one flag per function and the source follow, on screen only.
PRINTED_FIELDS = ("name", "post", "account", "functions", "mobile", "remarks")
SCREEN_FIELDS = ("bureau",)
REGISTER_FIELDS = (*PRINTED_FIELDS, *SCREEN_FIELDS)
REGISTER_PRINTED = 2 + len(PRINTED_FIELDS)  # 区, the office's columns, 问题
PROBLEMS_WIDTH = 50
FINDINGS_COLUMNS = (
    "severity", "message", "district", "person", "value", "suggestion",
    "file", "sheet", "cell", "in_register", "code",
)  # fmt: skip
FINDINGS_WIDTHS = [6, 50, 9, 10, 16, 14, 24, 10, 7, 9, 14]
FINDINGS_PRINTED = FINDINGS_COLUMNS.index("cell") + 1  # the register row and the rule code: screen
YES = label("register", "flag-yes")
UNKNOWN_DISTRICT = label("register", "district-unknown")

LABELS = {lang: labels("register", lang) for lang in LANGS}  # headers, titles, notes


def _labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["zh"])


# ---------------------------------------------------------------- 名册
def register_header(config: Config, lang: str = "zh") -> list[str]:
    """Row 1 of 名册: 区, 姓名 and the office's Annex 2 columns, problems (the printed
    columns); the bureau, one column per function, the source (on screen only)."""
    labels = _labels(lang)
    spec = config.annexes[2]
    return [
        LABELS["zh"]["district"],  # Chinese always: the sheet is read back as a baseline
        *(spec.column(key).name for key in PRINTED_FIELDS), labels["problems"],
        *(spec.column(key).name for key in SCREEN_FIELDS), *config.functions,
        labels["file"], labels["sheet"], labels["row"],
    ]  # fmt: skip


def register_entries(outcome: Outcome) -> list[tuple[Form, Row]]:
    """Every kept data row of every used Annex 2 form, in district order: the 名册's rows."""
    return [
        (form, row)
        for form in outcome.in_district_order(outcome.forms_of(2))
        for row in outcome.kept_rows(form)
    ]


def register_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    """One row per kept data row of every used Annex 2 form, in district order."""
    return [_register_row(outcome, form, row, lang) for form, row in register_entries(outcome)]


def _register_row(outcome: Outcome, form: Form, row: Row, lang: str) -> list[object]:
    config = outcome.config
    held = parse_functions(row.text("functions"), config).known
    values = {
        # One line: a name typed on two (上海市黄浦区⏎市场监督管理局) would make the row
        # two lines tall on paper, the bureau itself being on the screen only.
        "bureau": "".join(line.strip() for line in row.text("bureau").splitlines()),
        "name": normalize_name(row.text("name")),
        "post": row.text("post"),
        "account": row.text("account"),
        "functions": functions_text(row.text("functions"), config),
        "mobile": mobile_text(row.cell("mobile")),
        "remarks": row.text("remarks"),
    }
    # The message alone: the rule code is for the 问题清单 and the JSON, not for a clerk.
    problems = [f.text(lang) for f in outcome.findings_at(form.file, form.sheet, row.number)]
    return [
        form.district or "",
        *(values[key] for key in PRINTED_FIELDS), "\n".join(problems),
        *(values[key] for key in SCREEN_FIELDS),
        *(YES if function in held else "" for function in config.functions),
        form.file, form.sheet, row.number,
    ]  # fmt: skip


def _row_fills(outcome: Outcome, entries: list[tuple[Form, Row]]) -> list[str | None]:
    """A light fill by the worst finding of each row with problems, none for clean rows."""
    fills: list[str | None] = []
    for form, row in entries:
        found = outcome.findings_at(form.file, form.sheet, row.number)
        worst = min((SEVERITY_RANK[f.severity] for f in found), default=None)
        fills.append(None if worst is None else ROW_FILLS[SEVERITIES[worst]])
    return fills


def _register_widths(header: list[str], rows: list[list[object]]) -> list[float]:
    """Fitted widths; the problems column as wide as the page leaves it (:meth:`Page.fit`)."""
    widths = table_widths(header, rows, printed=REGISTER_PRINTED)
    widths[REGISTER_PRINTED - 1] = PROBLEMS_WIDTH
    return widths


def register_page(outcome: Outcome, key: str, lang: str, printed: int | None = None) -> Page:
    """How a sheet of the register prints: landscape, one page wide at 9 points, the
    first ``printed`` columns (None: all), the title ``LABELS[lang][key]`` (with the
    year and the as-of date) and the page number on every page."""
    labels = _labels(lang)
    date = written_date(outcome.as_of, lang)
    year = outcome.year or outcome.as_of.year
    heading = labels[key].format(city=outcome.config.city.name, year=year, date=date)
    return Page(printed=printed, heading=heading, numbered=True, lang=lang)


# ---------------------------------------------------------------- 汇总
def summary_header(config: Config, lang: str = "zh") -> list[str]:
    labels = _labels(lang)
    return [labels["district"], labels["submitted"], labels["people"], *config.functions]


def summary_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    """People and function holders per district (configured order, then others), and totals.

    A configured district that sent no Annex 2 says so (未报送) instead of counting 0.
    """
    labels = _labels(lang)
    functions = outcome.config.functions
    people: Counter[str] = Counter()
    holders: Counter[tuple[str, str]] = Counter()
    for form, row in register_entries(outcome):
        district = form.district or UNKNOWN_DISTRICT
        people[district] += 1
        for function in parse_functions(row.text("functions"), outcome.config).known:
            holders[(district, function)] += 1
    submitted = {form.district or UNKNOWN_DISTRICT for form in outcome.forms_of(2)}
    names = [d.name for d in outcome.config.districts]
    names += sorted(submitted - set(names))
    rows: list[list[object]] = []
    for name in names:
        if name in submitted:
            counts = [people[name], *(holders[(name, f)] for f in functions)]
            rows.append([name, labels["yes"], *counts])
        else:
            rows.append([name, labels["no"], *([None] * (1 + len(functions)))])
    totals = [sum(holders[(name, f)] for name in names) for f in functions]
    rows.append([labels["total"], f"{len(submitted & set(names))}/{len(names)}",
                 sum(people.values()), *totals])  # fmt: skip
    return rows


def _summary_fills(rows: list[list[object]], lang: str) -> list[str | None]:
    return [ROW_FILLS["error"] if row[1] == _labels(lang)["no"] else None for row in rows]


# ---------------------------------------------------------------- 问题清单
def findings_header(lang: str = "zh") -> list[str]:
    """The message first (what a clerk reads), the rule code last (for the office's tools)."""
    labels = _labels(lang)
    return [labels[key] for key in FINDINGS_COLUMNS]


def findings_rows(outcome: Outcome, lang: str = "zh") -> list[list[object]]:
    """Every finding by district (configured order), file, row; linked to its 名册 row."""
    at_row = {
        (form.file, form.sheet, row.number): n
        for n, (form, row) in enumerate(register_entries(outcome), start=2)
    }
    name_column = get_column_letter(1 + REGISTER_FIELDS.index("name") + 1)
    rows = []
    for finding in _by_district(outcome):
        where = at_row.get((finding.file or "", finding.sheet or "", finding.row or 0))
        link = (
            Link(
                _labels(lang)["register_row"].format(n=where),
                REGISTER_SHEET,
                f"{name_column}{where}",
            )
            if where
            else None
        )
        rows.append([
            outcome.config.severity_label(finding.severity, lang), finding.text(lang),
            finding.district, finding.person, finding.value, finding.suggestion,
            finding.file, finding.sheet, _where(finding, lang),
            link, finding.code,
        ])  # fmt: skip
    return rows


def _where(finding: Finding, lang: str) -> str | None:
    """The cell (a Word table's 第5行 第7列), or the row where a finding has no cell."""
    if place := finding.word_place(lang):  # Word shows no A1 references
        return place
    if finding.cell or finding.row is None:
        return finding.cell
    return _labels(lang)["register_row"].format(n=finding.row)


def _by_district(outcome: Outcome) -> list[Finding]:
    """Findings in configured district order (others last), then file, sheet, row, column."""
    rank = outcome.config.district_rank
    return sorted(
        outcome.findings,
        key=lambda f: (rank.get(f.district or "", len(rank)), f.district or "", *f.sort_key()),
    )


def _findings_fills(outcome: Outcome) -> list[str | None]:
    return [ROW_FILLS[f.severity] for f in _by_district(outcome)]


# ---------------------------------------------------------------- the workbook
def write_register(outcome: Outcome, path: Path | str, lang: str = "zh") -> None:
    """``register.xlsx``: 名册 (header in row 1, a future baseline), 汇总, 问题清单, 当前账号."""
    config = outcome.config
    # Every row is built before the workbook exists: openpyxl's write-only sheets spool
    # to the system temp folder, and a failure mid-way would leave personal data there.
    entries = register_entries(outcome)
    header, register = register_header(config, lang), register_rows(outcome, lang)
    summary = summary_rows(outcome, lang)
    findings = findings_rows(outcome, lang)
    tables = [
        # 区 and 姓名 stay in view while scrolling right to the sources.
        Table(REGISTER_SHEET, header, register, _register_widths(header, register),
              frozen_columns=2, fills=_row_fills(outcome, entries),
              page=register_page(outcome, "register_title", lang, REGISTER_PRINTED)),
        Table(SUMMARY_SHEET, summary_header(config, lang), summary,
              fills=_summary_fills(summary, lang), page=register_page(outcome, "summary_title", lang)),
        Table(FINDINGS_SHEET, findings_header(lang), findings, FINDINGS_WIDTHS,
              frozen_columns=2, fills=_findings_fills(outcome),
              page=register_page(outcome, "findings_title", lang, FINDINGS_PRINTED)),
        current_table(outcome, lang),  # the accounts on --as-of, each line with its basis
    ]  # fmt: skip
    save_tables(path, tables)
