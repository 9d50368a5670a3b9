"""What every rule module shares: making findings at a form's cells, parsed values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from consolidate.checks.registry import REGISTRY, Rule
from consolidate.model.catalog import LOCATION_FIELDS, Catalog
from consolidate.model.finding import Finding
from consolidate.model.form import Cell, Form, Row
from consolidate.support.config import Config
from consolidate.support.wording import label
from consolidate.values.functions import Functions, parse_functions
from consolidate.values.names import normalize_name
from consolidate.values.phones import Mobile, normalize_mobile
from consolidate.values.text import squash


@dataclass(frozen=True, slots=True)
class Person:
    """Who a row is about, matched by exact normalised name + mobile (decision 12)."""

    name: str
    mobile: str


_FROM_CELL = object()  # the finding's value: the cell's text unless given


class Reporter:
    """Makes findings that point at the cell of a form a person must look at.

    Keyword arguments that are not a location field (``column``, ``value``,
    ``suggestion``, ``optional``, ``row``/``col`` of a cell-less finding) are the message
    parameters of the rule: each one the rule declares (checks/registry.py).
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.catalog = Catalog(config)
        # One person index per run: the rules across rows ask for each row's person
        # several times (duplicates, shared mobiles, both annexes, last year).
        self._people: dict[int, Person] = {}
        self._rows: list[Row] = []

    def person(self, row: Row) -> Person:
        """The person a row is about (name + mobile), worked out once per run."""
        found = self._people.get(id(row))
        if found is None:
            found = self._people[id(row)] = person_of(row)
            self._rows.append(row)  # keeps the row alive while its id is a key
        return found

    def column_name(self, form: Form, key: str) -> str:
        return self.config.annexes[form.annex].column(key).name

    def at_cell(
        self, code: str, form: Form, row: Row, key: str, *, column: str | None = None, **params: Any
    ) -> Finding:
        """A finding on the cell of ``key`` in ``row`` (the top-left of a merged cell)."""
        if not registered(code).points_at(key):  # a bug in the rule, not in the input
            raise ValueError(f"{code} does not point at the column {key} (at=…)")
        cell = row.cell(key)
        column = column or self.column_name(form, key)
        name_key = self.config.annexes[form.annex].name_key
        return self.at(code, form, cell, column=column, person=person_name(row, name_key), **params)

    def at(
        self,
        code: str,
        form: Form,
        cell: Cell | None,
        *,
        column: str | None = None,
        value: Any = _FROM_CELL,
        row: int | None = None,
        col: int | None = None,
        **params: Any,
    ) -> Finding:
        """A finding on any cell of a form (metadata, header), or at ``row``/``col`` when
        there is no cell (a missing metadata line, a missing column)."""
        if value is _FROM_CELL:
            value = cell.text if cell else None
        registered(code).check_says(params.keys() - LOCATED)
        return self.catalog.make(
            code,
            file=form.file,
            sheet=(cell.sheet if cell else None) or form.sheet,
            row=cell.row if cell else row,
            col=cell.col if cell else col,
            column=column,
            value=value,
            district=form.district,
            annex=form.annex,
            **params,
        )

    def on_sheet(self, code: str, form: Form, **params: Any) -> Finding:
        """A finding on the whole sheet (row and cell null)."""
        return self.make(
            code, file=form.file, sheet=form.sheet, district=form.district, annex=form.annex,
            **params,
        )  # fmt: skip

    def make(self, code: str, **located: Any) -> Finding:
        """A finding anywhere (a file, a district, another workbook's row): the location
        and the message parameters as :meth:`Catalog.make` takes them."""
        registered(code).check_says(located.keys() - LOCATED)
        return self.catalog.make(code, **located)


# Catalog.make's location and severity arguments: not message parameters.
LOCATED = LOCATION_FIELDS | {"file", "sheet", "row", "col", "annex", "optional", "before_deadline"}


def registered(code: str) -> Rule:
    """The rule of a code about to be emitted."""
    entry = REGISTRY.get(code)
    if entry is None:
        raise KeyError(f"{code} is not registered (checks/registry.py)")
    return entry


def person_name(row: Row, key: str = "name") -> str:
    """Whom a row is about: the account holder, or the enterprise (``key`` ``unit``)."""
    return normalize_name(row.text(key))


def person_of(row: Row) -> Person:
    """The person a row is about (cached: every cross-row rule asks again)."""
    return _person(row.text("name"), row.text("mobile"))


@lru_cache(maxsize=65536)
def _person(name: str, mobile: str) -> Person:
    return Person(normalize_name(name), mobile_of(mobile).digits)


@lru_cache(maxsize=65536)
def mobile_of(text: str) -> Mobile:
    """Cached: the same mobile recurs across both annexes and years."""
    return normalize_mobile(text)


@lru_cache(maxsize=65536)
def functions_in(text: str, config: Config) -> Functions:
    """The parsed functions of a cell text (cached: the same lists recur in every file)."""
    return parse_functions(text, config)


def functions_of(row: Row, key: str, config: Config) -> Functions:
    """The parsed functions of a row's functions cell."""
    return functions_in(row.text(key), config)


def recommend_type(form: Form, row: Row, config: Config) -> str | None:
    """A recommendation row's type (新申请 / 延用): its 推荐类型 cell when that holds one
    (or a word the vocabulary maps to one), else the type its sheet names; None when
    neither says."""
    text = squash(row.text(config.annexes[form.annex].type_column or ""))
    if not text:
        return form.row_type
    vocabulary = config.vocabularies.recommend
    if text in config.recommend_types:
        return text
    return vocabulary.suggest.get(text)


def where(form: Form, row: Row) -> str:
    """``黄浦区/附件2.xlsx 第7行`` — a location another finding can name."""
    return label("places", "sheet-row", file=form.file, sheet=form.sheet, row=row.number)
