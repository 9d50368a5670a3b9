"""Rules against last year's register (the baseline): what changed, and was it requested.

People are matched by exact normalised name + mobile within a district (decision 12):
someone whose name or mobile changed shows as a removal plus a new account, someone who
moved district as a removal in one district and a new account in the other. Each change
is listed as a :class:`Change` for the report; a change no request explains is also a
finding. A change is explained only by a request of the matching type whose 当前账号功能
equals the new functions (decision 13).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from consolidate.checks.common import Person, Reporter, functions_of, where
from consolidate.checks.people import adjustment_of, requests_by_person
from consolidate.checks.registry import rule
from consolidate.model.baseline import Baseline, BaselinePerson
from consolidate.model.finding import Finding
from consolidate.model.form import Cell, Form, Row, SourceFile
from consolidate.model.outcome import Change
from consolidate.model.request import Request
from consolidate.support.config import ADD, CANCEL, OPEN, REMOVE, Config

FormRows = list[tuple[Form, Row]]
KIND_ORDER = {"removed": 0, "added": 1, "functions": 2}


def compare_with_baseline(
    judged: dict[int, FormRows],
    baseline: Baseline,
    config: Config,
    reporter: Reporter,
    recorded: Sequence[tuple[Form, Row]] = (),
) -> tuple[list[Finding], list[Change]]:
    """unreported-new-account, unreported-removal, unreported-function-change and
    original-disagrees-baseline; every change against the baseline, explained or not.

    ``recorded``: the year's requests the ledger holds whose files are not in the inbox
    (:func:`recorded_rows`); they explain changes as the inbox's requests do.
    """
    asked = [*judged[1], *recorded]
    identified = [(f, r) for f, r in asked if _identified(reporter.person(r))]
    requests = requests_by_person(identified, reporter)
    index = _Index(baseline)
    findings: list[Finding] = []
    changes: list[Change] = []
    present: set[tuple[str | None, Person]] = set()
    for form, row in judged[2]:
        person = reporter.person(row)
        if not _identified(person) or (form.district, person) in present:
            continue  # required-missing / person-duplicate cover these rows
        present.add((form.district, person))
        before = index.match(form.district, person)
        if before is None:
            finding, change = _added(form, row, person, requests.get(person, []), config, reporter)
        else:
            finding, change = _functions(
                form, row, person, before, requests.get(person, []), config, reporter
            )
        if finding is not None:
            findings.append(finding)
        if change is not None:
            changes.append(change)
    sent = {district for district, _ in present if district}
    anywhere = {person for district, person in present if district is None}
    for listed in baseline.rows:
        person = Person(listed.name, listed.mobile)
        if (
            listed.district not in sent
            or (listed.district, person) in present
            or person in anywhere
        ):
            continue
        finding, change = _removed(listed, person, requests.get(person, []), baseline, reporter)
        if finding is not None:
            findings.append(finding)
        changes.append(change)
    findings += _originals(judged[1], requests, index, config, reporter)
    findings += _outside(baseline, reporter)
    return findings, _paired(changes, config)


@rule("row-outside-table", "name")
def _outside(baseline: Baseline, reporter: Reporter) -> list[Finding]:
    """row-outside-table on a person below the end of the baseline's table: not compared,
    so say so rather than count it in silence (decision 16)."""
    column = baseline.column_name("name") or reporter.config.annexes[2].column("name").name
    return [
        reporter.catalog.make(
            "row-outside-table",
            file=baseline.display,
            sheet=baseline.sheet,
            row=listed.row,
            col=listed.name_col,
            column=column,
            value=listed.name_text,
            district=listed.district,
            annex=2,
            person=listed.name,
            end=baseline.end_row,
            entry="person",
        )  # fmt: skip
        for listed in baseline.outside
    ]


def recorded_rows(recorded: Iterable[Request], inbox: Iterable[Form], config: Config) -> FormRows:
    """The ledger's requests whose rows are not in this inbox, as rows the rules read.

    Each becomes a one-row Annex 1 form named as its file was when received, so that a
    change it explains names the same request as when the file was still in the inbox.
    """
    present = {(f.source.sha256, f.sheet, r.number) for f in inbox for r in f.rows}
    columns = {c.key: i for i, c in enumerate(config.annexes[1].columns, 1)}
    rows: FormRows = []
    for request in recorded:
        if request.key in present:
            continue
        cells = {
            key: Cell(text, text, request.row, columns.get(key, 0))
            for key, text in request.cells.items()
        }
        source = SourceFile(request.file, Path(request.file), request.sha256, 0, 0.0)
        form = Form(
            source=source, sheet=request.sheet, annex=1, header_row=0, header_rows=0,
            columns=columns, missing_columns=(), metadata={}, metadata_row=0,
            rows=[Row(request.row, cells)], district=request.district,
        )  # fmt: skip
        rows.append((form, form.rows[0]))
    return rows


def function_totals(
    baseline: Baseline,
    rosters: Iterable[Form | tuple[Form, Row]],
    config: Config,
    rejected: Iterable[tuple[str, str, int]] = (),
) -> dict[str, tuple[int, int]]:
    """City totals per function: (holders last year, holders this year), in vocabulary order.

    ``rosters``: this year's Annex 2 forms (their rows not in ``rejected``, e.g.
    ``outcome.rejected``), or (form, row) pairs already chosen.
    """
    skip = set(rejected)
    last = Counter(f for person in baseline.rows for f in person.functions)
    this: Counter[str] = Counter()
    for item in rosters:
        pairs = [(item, r) for r in item.rows] if isinstance(item, Form) else [item]
        for form, row in pairs:
            if (form.file, form.sheet, row.number) not in skip:
                this.update(functions_of(row, "functions", config).known)
    return {f: (last[f], this[f]) for f in config.functions}


# ---------------------------------------------------------------- matching
class _Index:
    """The baseline's people by (district, person) and by person."""

    def __init__(self, baseline: Baseline) -> None:
        self.by_key: dict[tuple[str | None, Person], list[BaselinePerson]] = defaultdict(list)
        self.by_person: dict[Person, list[BaselinePerson]] = defaultdict(list)
        for listed in baseline.rows:
            person = Person(listed.name, listed.mobile)
            self.by_key[(listed.district, person)].append(listed)
            self.by_person[person].append(listed)

    def match(self, district: str | None, person: Person) -> BaselinePerson | None:
        """The person in the district's part of the baseline; a row of unknown district (in
        the baseline or this year) matches in any district."""
        if district is None:
            found = self.by_person.get(person)
        else:
            found = self.by_key.get((district, person)) or self.by_key.get((None, person))
        return found[0] if found else None

    def anywhere(self, district: str | None, person: Person) -> BaselinePerson | None:
        """The person in the district if there, else wherever the baseline has them."""
        found = self.by_key.get((district, person)) or self.by_person.get(person)
        return found[0] if found else None


def _identified(person: Person) -> bool:
    return bool(person.name and person.mobile)


# ---------------------------------------------------------------- the three changes
@rule("unreported-new-account", "name")
def _added(
    form: Form, row: Row, person: Person, asked: FormRows, config: Config, reporter: Reporter
) -> tuple[Finding | None, Change]:
    """unreported-new-account unless the person has a 开通 request."""
    opened = next(((f, r) for f, r in asked if adjustment_of(r, config) == OPEN), None)
    change = Change(
        district=form.district, kind="added", name=person.name, mobile=person.mobile,
        before=(), after=functions_of(row, "functions", config).known, explained=opened is not None,
        request=where(*opened) if opened else None, location=where(form, row),
    )  # fmt: skip
    if opened:
        return None, change
    return reporter.at_cell("unreported-new-account", form, row, "name", name=person.name), change


@rule("unreported-function-change", "functions")
def _functions(
    form: Form,
    row: Row,
    person: Person,
    before: BaselinePerson,
    asked: FormRows,
    config: Config,
    reporter: Reporter,
) -> tuple[Finding | None, Change | None]:
    """unreported-function-change when the functions differ and no request explains it."""
    now = functions_of(row, "functions", config)
    if now.is_empty or now.unknown or not before.functions:
        return None, None  # required-missing / function-unknown judge this row
    old, new = set(before.functions), set(now.known)
    if old == new:
        return None, None
    request = _explaining(old, new, asked, config)
    change = Change(
        district=form.district, kind="functions", name=person.name, mobile=person.mobile,
        before=before.functions, after=now.known, explained=request is not None,
        request=where(*request) if request else None, location=where(form, row),
    )  # fmt: skip
    if request:
        return None, change
    finding = reporter.at_cell(
        "unreported-function-change", form, row, "functions",
        name=person.name, baseline=before.canonical, current=now.canonical,
    )  # fmt: skip
    return finding, change


def _explaining(
    old: set[str], new: set[str], asked: FormRows, config: Config
) -> tuple[Form, Row] | None:
    """The request that explains old -> new (decision 13): 增加功能 when functions were only
    added, 减少功能 when only removed, either when mixed, whose 当前账号功能 equals ``new``.
    A chain of requests explains it too when the last one ends at ``new`` and the chain
    holds a request of each type needed."""
    gained, lost = new - old, old - new
    wanted = {ADD} if not lost else {REMOVE} if not gained else {ADD, REMOVE}
    changes = [(f, r) for f, r in asked if adjustment_of(r, config) in (ADD, REMOVE)]
    for form, row in changes:
        if (
            adjustment_of(row, config) in wanted
            and set(functions_of(row, "current", config).known) == new
        ):
            return form, row
    if not changes or set(functions_of(changes[-1][1], "current", config).known) != new:
        return None
    kinds = {adjustment_of(r, config) for _, r in changes}
    return changes[-1] if len(wanted) == 2 or wanted <= kinds else None


@rule("unreported-removal")
def _removed(
    listed: BaselinePerson, person: Person, asked: FormRows, baseline: Baseline, reporter: Reporter
) -> tuple[Finding | None, Change]:
    """unreported-removal, at the baseline's row, unless the person has a 注销 request."""
    cancelled = next(
        ((f, r) for f, r in asked if adjustment_of(r, reporter.config) == CANCEL), None
    )
    change = Change(
        district=listed.district, kind="removed", name=person.name, mobile=person.mobile,
        before=listed.functions, after=(), explained=cancelled is not None,
        request=where(*cancelled) if cancelled else None, location=baseline.where(listed),
    )  # fmt: skip
    if cancelled:
        return None, change
    column = baseline.column_name("name") or reporter.config.annexes[2].column("name").name
    finding = reporter.catalog.make(
        "unreported-removal", file=baseline.display, sheet=baseline.sheet, row=listed.row,
        col=listed.name_col, column=column, value=listed.name_text, district=listed.district,
        annex=2, person=person.name, name=person.name, functions=listed.canonical,
    )  # fmt: skip
    return finding, change


# ---------------------------------------------------------------- Annex 1 against the baseline
@rule("original-disagrees-baseline", "original")
def _originals(
    requests: FormRows,
    asked: dict[Person, FormRows],
    index: _Index,
    config: Config,
    reporter: Reporter,
) -> list[Finding]:
    """original-disagrees-baseline: 原账号功能 of every request against the baseline — a
    开通 (原 = 无) for someone the baseline lists with functions too.

    An original that equals the 当前账号功能 of another request of the same person (a
    chain of requests in one year: a 注销 then a 开通 again) is not a disagreement.
    """
    findings = []
    for form, row in requests:
        kind = adjustment_of(row, config)
        person = reporter.person(row)
        original = functions_of(row, "original", config)
        if kind is None or not _identified(person) or original.unknown:
            continue
        if row.cell("original") is None or (original.is_empty and kind != OPEN):
            continue  # required-missing judges an empty 原 of the other types (decision 7)
        listed = index.anywhere(form.district, person)
        if listed is None or not listed.functions or set(original.known) == set(listed.functions):
            continue
        chained = {
            frozenset(functions_of(r, "current", config).known)
            for f, r in asked.get(person, [])
            if (f, r) != (form, row) and adjustment_of(r, config) is not None
        }
        if frozenset(original.known) in chained:
            continue
        findings.append(
            reporter.at_cell(
                "original-disagrees-baseline", form, row, "original",
                name=person.name, original=original.canonical, baseline=listed.canonical,
            )
        )  # fmt: skip
    return findings


# ---------------------------------------------------------------- pairing for the report
def _paired(changes: list[Change], config: Config) -> list[Change]:
    """Pair a removal with an addition that is probably the same person: the same name and
    mobile in another district (moved), or in the same district the same name with another
    mobile, or the same mobile under another name. Sorted for the report."""
    removed = [i for i, c in enumerate(changes) if c.kind == "removed"]
    added = [i for i, c in enumerate(changes) if c.kind == "added"]
    taken: set[int] = set()
    tests = (
        (
            "moved",
            lambda r, a: r.name == a.name and r.mobile == a.mobile and r.district != a.district,
        ),
        (
            "mobile-changed",
            lambda r, a: r.district == a.district and r.name == a.name and r.mobile != a.mobile,
        ),
        (
            "name-changed",
            lambda r, a: r.district == a.district and r.mobile == a.mobile and r.name != a.name,
        ),
    )
    for pairing, same in tests:
        for i in removed:
            if i in taken:
                continue
            j = next((j for j in added if j not in taken and same(changes[i], changes[j])), None)
            if j is None:
                continue
            taken |= {i, j}
            r, a = changes[i], changes[j]
            changes[i] = replace(r, likely_same_as=a.location, pairing=pairing)
            changes[j] = replace(a, likely_same_as=r.location, pairing=pairing)
    rank = config.district_rank
    return sorted(
        changes,
        key=lambda c: (
            rank.get(c.district or "", len(rank)),
            c.district or "",
            KIND_ORDER[c.kind],
            c.name,
            c.mobile,
        ),
    )
