"""Rules over one sheet: structure, metadata, template leftovers, sequence, duplicates,
hidden rows and people below the end of the table."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from consolidate.checks.common import Reporter, recommend_type
from consolidate.checks.registry import ANY, rule
from consolidate.model.finding import Finding
from consolidate.model.form import Cell, Form, Row
from consolidate.support.config import Config
from consolidate.values.dates import parse_date
from consolidate.values.districts import is_city_office, normalize_district
from consolidate.values.phones import contact_phones
from consolidate.values.text import fold_width, is_placeholder, squash


@rule("placeholder-value", ANY)
def placeholder_rows(
    form: Form, config: Config, reporter: Reporter
) -> tuple[list[Finding], set[int]]:
    """One ``placeholder-value`` per placeholder cell; those rows are rejected (decision 11)."""
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
    return findings, rejected


@rule("column-missing")
@rule("annex-empty")
@rule("template-outdated")
def structure(
    form: Form, config: Config, reporter: Reporter, rows: list[Row], *, empty: bool = False
) -> Iterator[Finding]:
    """column-missing, annex-empty (no data rows, or ``empty``), template-outdated."""
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
    if not form.rows or empty:
        yield reporter.on_sheet(
            "annex-empty", form, annex_title=f"{spec.short_title}（{_short(spec.title)}）"
        )
    current = config.settings.template.version
    if form.template_version and form.template_version != current:
        yield reporter.catalog.make(
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


@rule("metadata-missing")
@rule("placeholder-value")
@rule("date-invalid")
@rule("district-unknown")
def metadata(form: Form, config: Config, reporter: Reporter, as_of: dt.date) -> Iterator[Finding]:
    """metadata-missing, placeholder-value, date-invalid, district-unknown on the metadata."""
    for key in config.annexes[form.annex].metadata_required:
        cell = form.metadata.get(key)
        label = config.meta[key].name
        if cell is None or not cell.text:
            yield reporter.at(
                "metadata-missing", form, cell or form.metadata_place(),
                label=label, example=config.meta[key].example, value=None,
            )  # fmt: skip
        elif is_placeholder(cell.text, config):
            yield reporter.at("placeholder-value", form, cell, column=label, fix="metadata")
        elif key == "date":
            yield from _date(form, cell, reporter, as_of, label)
        elif key == "unit" and not _known_unit(cell.text, config):
            yield reporter.at(
                "district-unknown", form, cell, column=label, suggestion=_unit_name(form, config)
            )


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


@rule("district-mismatch", "bureau")
def district_mismatch(
    form: Form, config: Config, reporter: Reporter, rows: list[Row]
) -> Iterator[Finding]:
    """A row's bureau names another district than 填报单位."""
    if form.district_from != "unit":
        return
    for row in rows:
        text = row.text("bureau")
        named = normalize_district(text, config) if text else None
        if named and named != form.district:
            yield reporter.at_cell(
                "district-mismatch", form, row, "bureau", row_district=named,
                unit_district=form.district, suggestion=_unit_name(form, config),
            )  # fmt: skip


_SEQ = re.compile(r"[0-9]{1,9}")  # ASCII digits only: ① is a digit to str.isdigit


@rule("seq-invalid", "seq")
def sequence(form: Form, reporter: Reporter, rejected: set[int]) -> Iterator[Finding]:
    """Each data row's 序号 is one more than the row above's, the first row's 1 (decision
    25): ``1,2,2,4`` flags the third and fourth rows, ``1,3,4,5`` the second only.

    A row above without a number (empty, 一) counts as the number it should have had. A
    rejected template row is not judged, but its number is the row above for the next.
    """
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


@rule("person-duplicate", "name")
def duplicates(form: Form, reporter: Reporter, rows: list[Row]) -> Iterator[Finding]:
    """The same person (name + mobile) twice in one sheet: on the second and later rows."""
    first: dict[object, Row] = {}
    for row in rows:
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
@rule("contact-missing")
@rule("contact-phone-invalid", "contact")
def contacts(form: Form, reporter: Reporter, rows: list[Row]) -> Iterator[Finding]:
    """contact-missing (no row names a contact with a phone) and contact-phone-invalid."""
    if form.annex != 1 or "contact" not in form.columns or not rows:
        return
    area = reporter.config.city.area_code
    any_phone = False
    for row in rows:
        cell = row.cell("contact")
        if cell is not None and (cell.row, cell.col) in form.unreadable:
            any_phone = True  # it may well name one: cell-unreadable says so (decision 23)
            continue
        if cell is None or not cell.text:
            continue
        phones = contact_phones(cell.text, area)
        any_phone = any_phone or bool(phones)
        bad = [p.text for p in phones if not p.valid]
        if bad:
            yield reporter.at_cell(
                "contact-phone-invalid", form, row, "contact", phone="、".join(bad), area=area
            )
    if not any_phone:
        yield reporter.on_sheet(
            "contact-missing", form, column=reporter.column_name(form, "contact")
        )


# A document number: the issuer's abbreviation (虹市监), its year in any brackets clerks use,
# then the number and 号; spaces inside are tolerated (〔2026〕 12 号).
_DOCNO = re.compile(
    r"([\u4e00-\u9fff]{0,6})([〔\[\(（【［﹝])\s*(\d{2}|\d{4})\s*([〕\]\)）】］﹞])\s*(\d+)\s*号"
)


@rule("docno-invalid", "letter")
def letters(form: Form, reporter: Reporter, rows: list[Row]) -> Iterator[Finding]:
    """docno-invalid: a document number whose year has the wrong brackets or two digits."""
    if form.annex != 1 or "letter" not in form.columns:
        return
    for row in rows:
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
@rule("row-hidden", "name", "unit")
@rule("row-outside-table", "name", "unit")
def table_rows(form: Form, reporter: Reporter, rows: list[Row]) -> Iterator[Finding]:
    """row-hidden on data rows hidden in the sheet (read and judged all the same);
    row-outside-table on a person's data below the end of the table (not counted)."""
    spec = reporter.config.annexes[form.annex]
    entry = "unit" if spec.about_units else "person"
    for row in rows:
        if row.number in form.hidden_rows:
            yield reporter.at_cell("row-hidden", form, row, spec.name_key, advice=entry)
    for row in form.outside_rows:
        yield reporter.at_cell(
            "row-outside-table", form, row, spec.name_key, end=form.end_row, entry=entry
        )
