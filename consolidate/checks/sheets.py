"""Rules over one sheet: which rows count, its structure, metadata and rows.

The SHEET stage keeps template leftovers and an Annex 1 that says 无 throughout out of
the rules; the FORM stage judges, over the rows that count, the structure, the metadata,
the sequence, duplicates, the contact and the letter, hidden rows and people below the
end of the table."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from consolidate.checks.common import Reporter, recommend_type
from consolidate.checks.registry import ANY, Stage, rule
from consolidate.checks.scope import SheetScope
from consolidate.model.finding import Finding
from consolidate.model.form import Cell, Form, Row
from consolidate.support.config import Config
from consolidate.values.dates import parse_date
from consolidate.values.districts import is_city_office, normalize_district
from consolidate.values.phones import Phone, contact_phones
from consolidate.values.text import fold_width, is_placeholder, squash


@rule("placeholder-value", Stage.SHEET, at=[ANY], says=["fix"])
def placeholder_value(scope: SheetScope) -> list[Finding]:
    """One ``placeholder-value`` per placeholder cell, whose rows are kept out (decision
    11), then one per metadata line still holding the template's example."""
    form, config, reporter = scope.form, scope.config, scope.reporter
    findings: list[Finding] = []
    rejected: set[int] = set()
    for row in form.rows:
        for key, cell in row.cells.items():
            if key != "seq" and not cell.merged and is_placeholder(cell.text, config, key):
                findings.append(
                    reporter.at_cell(
                        "placeholder-value",
                        form,
                        row,
                        key,
                        fix="row",
                        column=reporter.column_name(form, key),
                    )  # fmt: skip
                )
                rejected.add(row.number)
            elif key != "seq" and cell.merged and is_placeholder(cell.text, config, key):
                rejected.add(row.number)  # judged once, at the merged range's top-left
    scope.reject(rejected, "placeholder-value")
    for key, cell in _metadata(scope):
        if cell is not None and cell.text and is_placeholder(cell.text, config):
            label = config.meta[key].name
            findings.append(
                reporter.at("placeholder-value", form, cell, column=label, fix="metadata")
            )
    return findings


@rule("annex-empty", Stage.SHEET, says=["annex_title"])
def annex_empty(scope: SheetScope) -> Iterator[Finding]:
    """A sheet without data rows, or an Annex 1 whose every row says 无 (no requests this
    time, decision 18): those rows are kept out."""
    form, spec = scope.form, scope.config.annexes[scope.form.annex]
    said_none = says_none(form, scope.config)
    scope.reject(said_none, "annex-empty")
    if not form.rows or said_none:
        yield scope.reporter.on_sheet(
            "annex-empty", form, annex_title=f"{spec.short_title}（{_short(spec.title)}）"
        )


@rule("column-missing", Stage.FORM)
def column_missing(scope: SheetScope) -> Iterator[Finding]:
    """A column of the form the header lacks (a warning for an optional one)."""
    form, config, reporter, rows = scope.form, scope.config, scope.reporter, scope.rows
    spec = config.annexes[form.annex]
    first = min(form.columns.values(), default=1)
    types = {recommend_type(form, row, config) for row in rows} if spec.type_column else set()
    for key in form.missing_columns:
        column = spec.column(key)
        if column.only_for and column.only_for not in types:
            continue  # a column only some rows need (延用's), and no such row
        if key == spec.type_column and form.row_type:
            continue  # a sheet of one type: its name or title says which
        yield reporter.at(
            "column-missing", form, None, row=form.header_row, col=first,
            column=column.name, optional=not column.required,
        )  # fmt: skip


@rule("template-outdated", Stage.FORM, says=["found", "current"])
def template_outdated(scope: SheetScope) -> Iterator[Finding]:
    """A file made from an older version of the city's template."""
    form, current = scope.form, scope.config.settings.template.version
    if form.template_version and form.template_version != current:
        yield scope.reporter.make(
            "template-outdated", file=form.file, district=form.district, annex=form.annex,
            found=form.template_version, current=current,
        )  # fmt: skip


def says_none(form: Form, config: Config) -> set[int]:
    """The rows of an Annex 1 whose every data row says 无 (no requests this time), which
    makes it an empty Annex 1 (decision 18); no rows otherwise."""
    if form.annex != 1 or not form.rows:
        return set()
    none = set(config.vocabularies.functions.none)
    fields = config.annexes[1].content_fields

    def says(row: Row) -> bool:
        texts = [squash(row.text(key)) for key in fields]
        return any(texts) and all(text in none for text in texts if text)

    return {row.number for row in form.rows} if all(map(says, form.rows)) else set()


def _short(title: str) -> str:
    return title.replace("CCC免办及特殊用途进口产品检测处理管理系统", "")


def _metadata(scope: SheetScope) -> Iterator[tuple[str, Cell | None]]:
    """Each metadata line the form requires, and its cell (None: not found)."""
    for key in scope.config.annexes[scope.form.annex].metadata_required:
        yield key, scope.form.metadata.get(key)


def _metadata_filled(scope: SheetScope, wanted: str) -> Cell | None:
    """The cell of the metadata line ``wanted`` when required, filled and not the
    template's example (placeholder-value judges that)."""
    for key, cell in _metadata(scope):
        if key == wanted and cell is not None and cell.text:
            return None if is_placeholder(cell.text, scope.config) else cell
    return None


@rule("metadata-missing", Stage.FORM, says=["label", "example"])
def metadata_missing(scope: SheetScope) -> Iterator[Finding]:
    """A metadata line the form requires, missing or empty."""
    for key, cell in _metadata(scope):
        if cell is None or not cell.text:
            yield scope.reporter.at(
                "metadata-missing", scope.form, cell or scope.form.metadata_place(),
                label=scope.config.meta[key].name, example=scope.config.meta[key].example,
                value=None,
            )  # fmt: skip


@rule("date-invalid", Stage.FORM, says=["reason", "today"])
def date_invalid(scope: SheetScope) -> Iterator[Finding]:
    """A 填报日期 that is no date, or later than the as-of date."""
    cell = _metadata_filled(scope, "date")
    if cell is not None:
        label = scope.config.meta["date"].name
        yield from _date(scope.form, cell, scope.reporter, scope.as_of, label)


@rule("district-unknown", Stage.FORM)
def district_unknown(scope: SheetScope) -> Iterator[Finding]:
    """A 填报单位 that is neither a district bureau nor the city office."""
    form, config = scope.form, scope.config
    cell = _metadata_filled(scope, "unit")
    if cell is not None and not _known_unit(cell.text, config):
        yield scope.reporter.at(
            "district-unknown", form, cell, column=config.meta["unit"].name,
            suggestion=_unit_name(form, config),
        )  # fmt: skip


def _known_unit(text: str, config: Config) -> bool:
    """A district bureau, or the city office (its own batch to SAMR is the same form)."""
    return normalize_district(text, config) is not None or is_city_office(text, config)


def _unit_name(form: Form, config: Config) -> str | None:
    return f"{config.city.name}{form.district}市场监督管理局" if form.district else None


def _date(
    form: Form, cell: Cell, reporter: Reporter, as_of: dt.date, label: str
) -> Iterator[Finding]:
    date = parse_date(cell.raw)
    if date is None:
        yield reporter.at("date-invalid", form, cell, column=label, reason="not-a-date")
    elif date > as_of:
        yield reporter.at(
            "date-invalid", form, cell, column=label, value=date.isoformat(),
            reason="future", today=as_of.isoformat(),
        )  # fmt: skip


@rule("district-mismatch", Stage.FORM, at=["bureau"], says=["row_district", "unit_district"])
def district_mismatch(scope: SheetScope) -> Iterator[Finding]:
    """A row's bureau names another district than 填报单位."""
    form, config, reporter = scope.form, scope.config, scope.reporter
    if form.district_from != "unit":
        return
    for row in scope.rows:
        text = row.text("bureau")
        named = normalize_district(text, config) if text else None
        if named and named != form.district:
            yield reporter.at_cell(
                "district-mismatch", form, row, "bureau", row_district=named,
                unit_district=form.district, suggestion=_unit_name(form, config),
            )  # fmt: skip


_SEQ = re.compile(r"[0-9]{1,9}")  # ASCII digits only: ① is a digit to str.isdigit


@rule("seq-invalid", Stage.FORM, at=["seq"], says=["expected", "reason"])
def seq_invalid(scope: SheetScope) -> Iterator[Finding]:
    """Each data row's 序号 is one more than the row above's, the first row's 1 (decision
    25): ``1,2,2,4`` flags the third and fourth rows, ``1,3,4,5`` the second only.

    A row above without a number (empty, 一) counts as the number it should have had. A
    rejected template row is not judged, but its number is the row above for the next.
    """
    form, reporter, rejected = scope.form, scope.reporter, scope.rejected
    if "seq" not in form.columns:
        return
    above = 0
    for row in form.rows:
        expected = above + 1
        text = fold_width(row.text("seq")).strip().rstrip(".、")  # "1." and "1、" are 1
        number = int(text) if _SEQ.fullmatch(text) else None
        above = expected if number is None else number
        if row.number in rejected or number == expected:
            continue
        reason = "empty" if not text else "not-a-number" if number is None else "order"
        yield reporter.at_cell(
            "seq-invalid", form, row, "seq", expected=expected, reason=reason,
            suggestion=str(expected),
        )  # fmt: skip


@rule("person-duplicate", Stage.FORM, at=["name"], says=["name", "first"])
def person_duplicate(scope: SheetScope) -> Iterator[Finding]:
    """The same person (name + mobile) twice in one sheet: on the second and later rows."""
    form, reporter = scope.form, scope.reporter
    first: dict[object, Row] = {}
    for row in scope.rows:
        person = reporter.person(row)
        if not person.name or not person.mobile:
            continue
        if person in first:
            yield reporter.at_cell(
                "person-duplicate",
                form,
                row,
                "name",
                name=person.name,
                first=first[person].number,
            )
        else:
            first[person] = row


# ---------------------------------------------------------------- Annex 1 contact and letter
def _contacts(scope: SheetScope) -> Iterator[tuple[Row, list[Phone] | None]]:
    """Each row of an Annex 1 with its contact's phones (None: the cell cannot be read —
    it may well name one, cell-unreadable says so, decision 23)."""
    form = scope.form
    if form.annex != 1 or "contact" not in form.columns:
        return
    area = scope.config.city.area_code
    for row in scope.rows:
        cell = row.cell("contact")
        if cell is not None and (cell.row, cell.col) in form.unreadable:
            yield row, None
        elif cell is not None and cell.text:
            yield row, contact_phones(cell.text, area)


@rule("contact-missing", Stage.FORM)
def contact_missing(scope: SheetScope) -> Iterator[Finding]:
    """An Annex 1 whose rows name no contact with a phone."""
    form = scope.form
    if form.annex != 1 or "contact" not in form.columns or not scope.rows:
        return
    if not any(phones is None or phones for _, phones in _contacts(scope)):
        yield scope.reporter.on_sheet(
            "contact-missing", form, column=scope.reporter.column_name(form, "contact")
        )


@rule("contact-phone-invalid", Stage.FORM, at=["contact"], says=["phone", "area"])
def contact_phone_invalid(scope: SheetScope) -> Iterator[Finding]:
    """A contact's phone that is neither a mobile nor a landline of the city."""
    area = scope.config.city.area_code
    for row, phones in _contacts(scope):
        bad = [p.text for p in phones or () if not p.valid]
        if bad:
            yield scope.reporter.at_cell(
                "contact-phone-invalid", scope.form, row, "contact", phone="、".join(bad),
                area=area,
            )  # fmt: skip


# A document number: the issuer's abbreviation (虹市监), its year in any brackets clerks use,
# then the number and 号; spaces inside are tolerated (〔2026〕 12 号).
_DOCNO = re.compile(
    r"([\u4e00-\u9fff]{0,6})([〔\[\(（【［﹝])\s*(\d{2}|\d{4})\s*([〕\]\)）】］﹞])\s*(\d+)\s*号"
)


@rule("docno-invalid", Stage.FORM, at=["letter"], says=["fixed", "docno", "reason", "found"])
def docno_invalid(scope: SheetScope) -> Iterator[Finding]:
    """A document number whose year has the wrong brackets or two digits."""
    form, reporter = scope.form, scope.reporter
    if form.annex != 1 or "letter" not in form.columns:
        return
    for row in scope.rows:
        text = row.text("letter")
        match = _DOCNO.search(text) if text else None
        if match is None:
            continue
        issuer, opening, year, closing, number = match.groups()
        brackets = (opening, closing) == ("〔", "〕")
        full_year = len(year) == 4
        if brackets and full_year:
            continue
        fixed = f"{issuer}〔{year if full_year else '20' + year}〕{number}号"
        yield reporter.at_cell(
            "docno-invalid", form, row, "letter", fixed=fixed, docno=match.group(0),
            reason="year" if brackets else "brackets" if full_year else "both",
            found=f"{opening}{year}{closing}", suggestion=text.replace(match.group(0), fixed),
        )  # fmt: skip


# ---------------------------------------------------------------- rows the sheet hides or leaves out
def _entry(scope: SheetScope) -> str:
    """What a row of the form is about: a person, or a unit (a recommendation list)."""
    return "unit" if scope.config.annexes[scope.form.annex].about_units else "person"


@rule("row-hidden", Stage.FORM, at=["name", "unit"], says=["advice"])
def row_hidden(scope: SheetScope) -> Iterator[Finding]:
    """Data rows hidden in the sheet (read and judged all the same)."""
    form, name_key = scope.form, scope.config.annexes[scope.form.annex].name_key
    for row in scope.rows:
        if row.number in form.hidden_rows:
            yield scope.reporter.at_cell("row-hidden", form, row, name_key, advice=_entry(scope))


@rule("row-outside-table", Stage.FORM, at=["name", "unit"], says=["end", "entry"])
def row_outside_table(scope: SheetScope) -> Iterator[Finding]:
    """A person's data below the end of the table (not counted)."""
    form, reporter = scope.form, scope.reporter
    spec, entry = scope.config.annexes[form.annex], _entry(scope)
    for row in form.outside_rows:
        yield reporter.at_cell(
            "row-outside-table", form, row, spec.name_key, end=form.end_row, entry=entry
        )
