"""Rules over the fast-channel recommendation lists (推荐名单, notice §一, §二, §四).

The RECOMMENDATION stage judges each recommendation on its own (code, type, the 延用
fields, the first review); the FAST_CHANNEL stage compares the lists with each other (a
unit recommended twice) and with the city's list of users (``--fastlist``): extensions of
units not on it, new applications of units still on it, lapsed permissions, and the
units whose permission ends soon with no extension in sight. The account rules never see
these rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator

from consolidate.checks.common import person_name, recommend_type, where
from consolidate.checks.registry import Stage, rule
from consolidate.checks.scope import RunScope
from consolidate.model.fastlist import FastChannel, FastList, ListedUnit, Recommendation
from consolidate.model.finding import Finding
from consolidate.model.form import Form, Row
from consolidate.model.outcome import RECOMMEND
from consolidate.support.config import Config
from consolidate.support.wording import label
from consolidate.values.dates import parse_date
from consolidate.values.text import squash
from consolidate.values.uscc import parse_uscc

Judged = list[tuple[Form, Row]]


# ---------------------------------------------------------------- one row
@rule("required-missing", Stage.RECOMMENDATION, at=["unit", "uscc", "type", "review"],
      says=["hint"])  # fmt: skip
def required_missing(form: Form, row: Row, run: RunScope) -> Iterator[Finding]:
    """A cell every recommendation fills (forms.toml ``required_cells``); 推荐类型 may
    stay empty on a sheet whose name or title says the type."""
    kind = recommend_type(form, row, run.config)
    for key in run.config.annexes[form.annex].required_cells:
        cell = row.cell(key)
        if cell is not None and not cell.text and not (key == "type" and kind):
            yield run.reporter.at_cell("required-missing", form, row, key, hint=key)


@rule("uscc-invalid", Stage.RECOMMENDATION, at=["uscc"],
      says=["reason", "hint", "length", "chars"])  # fmt: skip
def uscc_invalid(form: Form, row: Row, run: RunScope) -> Iterator[Finding]:
    """A unified social credit code that is not one (GB 32100), or one in lower case or
    full width."""
    reporter = run.reporter
    cell = row.cell("uscc")
    if cell is None or not cell.text:
        return
    code = parse_uscc(cell.raw)
    if code.valid:
        return
    if code.reason:
        hint = "number" if code.reason == "number" else "check"
        yield reporter.at_cell(
            "uscc-invalid", form, row, "uscc", reason=code.reason, hint=hint,
            length=len(code.code), chars=code.chars,
        )  # fmt: skip
    else:  # valid once folded to half-width capitals
        yield reporter.at_cell(
            "uscc-invalid", form, row, "uscc", reason="case", hint="fix",
            suggestion=code.suggestion,
        )  # fmt: skip


@rule("recommend-type-unknown", Stage.RECOMMENDATION, at=["type"], says=["hint"])
def recommend_type_unknown(form: Form, row: Row, run: RunScope) -> Iterator[Finding]:
    """A 推荐类型 that is neither 新申请 nor 延用 (nor a word the vocabulary maps to one)."""
    config = run.config
    key = config.annexes[form.annex].type_column
    text = squash(row.text(key)) if key else ""
    if not text or text in config.recommend_types:
        return
    suggestion = config.vocabularies.recommend.suggest.get(text)
    yield run.reporter.at_cell(
        "recommend-type-unknown", form, row, key, suggestion=suggestion,
        hint="suggest" if suggestion else None,
    )  # fmt: skip


EXTENSION_FIELDS = ("until", "applications", "supervision")


def _extension(form: Form, row: Row, run: RunScope) -> bool:
    return recommend_type(form, row, run.config) == run.config.extension_type


@rule("extension-fields-missing", Stage.RECOMMENDATION, at=EXTENSION_FIELDS, says=["hint"])
def extension_fields_missing(form: Form, row: Row, run: RunScope) -> Iterator[Finding]:
    """A 延用 needs the current permission's end, the applications and the supervision.
    A column the sheet lacks is column-missing, once, not a finding per row."""
    if not _extension(form, row, run):
        return
    for key in EXTENSION_FIELDS:
        cell = row.cell(key)
        if cell is not None and not cell.text:
            yield run.reporter.at_cell("extension-fields-missing", form, row, key, hint=key)


@rule("date-invalid", Stage.RECOMMENDATION, at=["until"], says=["reason", "today"])
def until_invalid(form: Form, row: Row, run: RunScope) -> Iterator[Finding]:
    """A 延用's 现权限有效期至 that is no date."""
    cell = row.cell("until")
    if cell is None or not cell.text or not _extension(form, row, run):
        return
    if parse_date(cell.raw) is None:
        yield run.reporter.at_cell("date-invalid", form, row, "until", reason="not-a-date")


def passed_review(text: str, config: Config) -> bool:
    """A 初审意见 that says the unit qualifies (符合, 同意推荐 …; never 不符合)."""
    text = squash(text)
    words = config.vocabularies.review
    return text.startswith(words.passed) and not text.startswith(words.failed)


@rule("review-not-passed", Stage.RECOMMENDATION, at=["review"], says=["reason"])
def review_not_passed(form: Form, row: Row, run: RunScope) -> Iterator[Finding]:
    """A 初审意见 that does not say the unit qualifies."""
    cell = row.cell("review")
    if cell is None or passed_review(cell.text, run.config):
        return
    reason = "failed" if cell.text else "empty"
    yield run.reporter.at_cell("review-not-passed", form, row, "review", reason=reason)


# ---------------------------------------------------------------- across rows and lists
def code_of(row: Row) -> str:
    """The row's credit code normalised ('' when empty): rows compare by it."""
    cell = row.cell("uscc")
    return parse_uscc(cell.raw).code if cell is not None and cell.text else ""


@rule("unit-duplicate", Stage.FAST_CHANNEL, at=["unit"], says=["uscc", "others", "hint"])
def unit_duplicate(run: RunScope) -> Iterator[Finding]:
    """One code on several rows, on every row involved, each naming the other(s)
    (decisions 1 and 26), so each row and each district sees its share."""
    groups: dict[str, Judged] = defaultdict(list)
    for form, row in run.judged[RECOMMEND]:
        code = code_of(row)
        if code:
            groups[code].append((form, row))
    for code, group in groups.items():
        if len(group) < 2:
            continue
        hint = "districts" if len({form.district for form, _ in group}) > 1 else "same"
        for form, row in group:
            others = [where(f, r) for f, r in group if (f, r) != (form, row)]
            yield run.reporter.at_cell(
                "unit-duplicate", form, row, "unit", uscc=code, others="；".join(others),
                hint=hint,
            )  # fmt: skip


@rule("recommend-late", Stage.FAST_CHANNEL, says=["type", "date", "deadline", "day"])
def recommend_late(run: RunScope) -> Iterator[Finding]:
    """A list dated after its type's deadline of that year, once per type it holds, on
    its 填报日期 cell. A future date is date-invalid only (decision 6)."""
    config, as_of = run.config, run.as_of
    types: dict[int, set[str]] = defaultdict(set)
    for form, row in run.judged[RECOMMEND]:
        kind = recommend_type(form, row, config)
        if kind:
            types[id(form)].add(kind)
    settings = config.settings.fastchannel
    for form in (form for form in run.forms if form.annex == RECOMMEND):
        cell = form.metadata.get("date")
        if form.date is None or cell is None or form.date > as_of:
            continue
        for kind in sorted(types[id(form)], key=config.recommend_types.index):
            extension = kind == config.extension_type
            deadline = settings.deadline(form.date.year, extension=extension)
            if form.date > deadline:
                day = settings.extension_month_day if extension else settings.new_month_day
                yield run.reporter.at(
                    "recommend-late", form, cell, column=config.meta["date"].name,
                    type=kind, date=form.date, deadline=deadline, day=_month_day(day),
                )  # fmt: skip


def _month_day(text: str) -> str:
    month, day = (int(part) for part in text.split("-"))
    return label("places", "month-day", month=month, day=day)


@rule("extension-lapsed", Stage.FAST_CHANNEL, at=["until"], says=["where", "until", "date"])
def extension_lapsed(run: RunScope) -> Iterator[Finding]:
    """A 延用 whose permission ended before the list's 填报日期, as the city's list has
    it or, for a unit the list lacks (or without a list), as written."""
    config, fastlist = run.config, run.fastlist
    for form, row in run.judged[RECOMMEND]:
        if recommend_type(form, row, config) != config.extension_type or form.date is None:
            continue
        listed = fastlist.by_code.get(code_of(row)) if fastlist else None
        cell = row.cell("until")
        written = parse_date(cell.raw) if cell is not None and cell.text else None
        until, source = (listed.expires, "list") if listed else (written, "written")
        if until is None or until >= form.date:
            continue
        yield run.reporter.at(
            "extension-lapsed", form, cell, column=_name(config, "until"),
            row=row.number, person=person_name(row, "unit"),
            where=source, until=until, date=form.date,
        )  # fmt: skip


def _name(config: Config, key: str) -> str:
    return config.annexes[3].column(key).name


def _against_list(run: RunScope) -> Iterator[tuple[Form, Row, str, str | None, ListedUnit | None]]:
    """Each recommendation with a code, its type and its unit on the city's list (only
    with a list given)."""
    if run.fastlist is None:
        return
    for form, row in run.judged[RECOMMEND]:
        code = code_of(row)
        if code:
            kind = recommend_type(form, row, run.config)
            yield form, row, code, kind, run.fastlist.by_code.get(code)


@rule("extension-not-listed", Stage.FAST_CHANNEL, at=["unit"], says=["uscc", "list"])
def extension_not_listed(run: RunScope) -> Iterator[Finding]:
    """A 延用 for a unit the city's list lacks."""
    for form, row, code, kind, listed in _against_list(run):
        if kind == run.config.extension_type and listed is None:
            assert run.fastlist is not None
            yield run.reporter.at_cell(
                "extension-not-listed", form, row, "unit", uscc=code, list=run.fastlist.name
            )


@rule("new-already-listed", Stage.FAST_CHANNEL, at=["unit"], says=["uscc", "until", "as_of"])
def new_already_listed(run: RunScope) -> Iterator[Finding]:
    """A 新申请 for a unit whose permission on the city's list is still valid."""
    as_of = run.as_of
    for form, row, code, kind, listed in _against_list(run):
        if kind == run.config.new_type and listed and listed.expires and listed.expires >= as_of:
            yield run.reporter.at_cell(
                "new-already-listed", form, row, "unit", uscc=code, until=listed.expires,
                as_of=as_of,
            )  # fmt: skip


def extension_codes(judged: Judged, config: Config, fastlist: FastList | None) -> set[str]:
    """The codes a 延用 has arrived for, except those whose permission on the city's list
    had ended by the list's 填报日期 (extension-lapsed): nothing is left to extend, so the
    unit stays 已到期 on the updated list."""
    codes = set()
    for form, row in judged:
        if recommend_type(form, row, config) != config.extension_type:
            continue
        listed = fastlist.by_code.get(code_of(row)) if fastlist else None
        if listed and listed.expires and form.date and listed.expires < form.date:
            continue
        codes.add(code_of(row))
    return codes


def expiring_units(
    fastlist: FastList, config: Config, as_of: dt.date, extended: set[str]
) -> list[ListedUnit]:
    """The units of the list whose permission ends within the reminder months of the
    as-of date and for which no 延用 has arrived, by end date."""
    horizon = remind_until(as_of, config)
    return sorted(
        (
            unit
            for unit in fastlist.by_code.values()
            if unit.expires and as_of <= unit.expires <= horizon and unit.code not in extended
        ),
        key=lambda u: (u.expires, u.row),
    )


def remind_until(as_of: dt.date, config: Config) -> dt.date:
    """The last day a reminder looks ahead to: ``remind_months`` after the as-of date."""
    months = as_of.month - 1 + config.settings.fastchannel.remind_months
    year, month = as_of.year + months // 12, months % 12 + 1
    for day in (as_of.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover - 28 is a day of every month


@rule("permission-expiring", Stage.FAST_CHANNEL, says=["uscc", "until", "days"])
def permission_expiring(run: RunScope) -> Iterator[Finding]:
    """A permission on the city's list that ends soon with no 延用 in sight (info, on the
    list's row): the district must remind the unit."""
    config, fastlist, as_of = run.config, run.fastlist, run.as_of
    if fastlist is None:
        return
    extended = extension_codes(run.judged[RECOMMEND], config, fastlist)
    column = list_column(config, "unit")
    for unit in expiring_units(fastlist, config, as_of, extended):
        yield run.reporter.make(
            "permission-expiring", file=fastlist.display, sheet=fastlist.sheet, row=unit.row,
            col=fastlist.columns.get("unit"), column=column, value=unit.unit,
            district=unit.district, person=unit.unit, uscc=unit.code, until=unit.expires,
            days=(unit.expires - as_of).days,
        )  # fmt: skip


def list_column(config: Config, key: str) -> str:
    """The header of a column of the city's list."""
    for column in config.fastlist.columns:
        if column.key == key:
            return column.name
    return _name(config, key)


# ---------------------------------------------------------------- the list's state
def list_status(unit: ListedUnit, config: Config, as_of: dt.date, extended: set[str]) -> str:
    """Where a listed unit stands at ``as_of``: ``extending`` (a 延用 arrived), ``expired``,
    ``expiring`` (within the reminder months), ``valid``, or ``unknown`` (no dates)."""
    if unit.code in extended:
        return "extending"
    if unit.expires is None:
        return "unknown"
    if unit.expires < as_of:
        return "expired"
    if unit.expires <= remind_until(as_of, config):
        return "expiring"
    return "valid"


# ---------------------------------------------------------------- what the outputs show
def fast_channel(
    forms: list[Form],
    rejected: Collection[tuple[str, str, int]],
    config: Config,
    fastlist: FastList | None,
    as_of: dt.date,
) -> FastChannel | None:
    """The recommendations that count and the list's standing, as ``fastchannel.xlsx`` and
    the report show them; None when no recommendation list arrived and no list was given."""
    lists = [form for form in forms if form.annex == RECOMMEND]
    if fastlist is None and not lists:
        return None
    rank = config.district_rank
    lists.sort(key=lambda f: (rank.get(f.district or "", len(rank)), f.district or ""))
    judged = [
        (form, row)
        for form in lists
        for row in form.rows
        if (form.file, form.sheet, row.number) not in rejected
    ]
    order = {kind: i for i, kind in enumerate(config.recommend_types)}
    found = [Recommendation(f, r, recommend_type(f, r, config), code_of(r)) for f, r in judged]
    found.sort(key=lambda e: order.get(e.kind or "", len(order)))  # stable: district order
    extended = extension_codes(judged, config, fastlist)
    units = fastlist.by_code.values() if fastlist else ()
    return FastChannel(
        recommendations=tuple(found),
        statuses={u.code: list_status(u, config, as_of, extended) for u in units},
        expiring=tuple(expiring_units(fastlist, config, as_of, extended)) if fastlist else (),
        horizon=remind_until(as_of, config),
    )
