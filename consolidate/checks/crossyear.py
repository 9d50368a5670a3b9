"""Rules against last year's register (the BASELINE stage): what changed, was it requested.

People are matched by exact normalised name + mobile within a district (decision 12):
someone whose name or mobile changed shows as a removal plus a new account, someone who
moved district as a removal in one district and a new account in the other. Each change
is listed as a :class:`Change` for the report; a change no request explains is also a
finding. A change is explained only by a request of the matching type whose 当前账号功能
equals the new functions (decision 13). The matching is one of the run's views
(:mod:`.views`): pandas in a run, plain Python for a few rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from consolidate.checks.common import Person, functions_of, where
from consolidate.checks.people import adjustment_of, requests_by_person
from consolidate.checks.registry import Stage, rule
from consolidate.checks.scope import RunScope
from consolidate.model.baseline import Baseline, BaselinePerson
from consolidate.model.finding import Finding
from consolidate.model.form import Cell, Form, Row, SourceFile
from consolidate.model.outcome import Change
from consolidate.model.request import Request
from consolidate.support.config import ADD, CANCEL, OPEN, REMOVE, Config

FormRows = list[tuple[Form, Row]]
KIND_ORDER = {"removed": 0, "added": 1, "functions": 2}


@dataclass(frozen=True)
class _Present:
    """A person of this year's rosters (first row of each district and person), their
    row of last year's register, and the change between the two (None: no change)."""

    form: Form
    row: Row
    person: Person
    before: BaselinePerson | None
    change: Change | None


@dataclass(frozen=True)
class Comparison:
    """This year's rosters against last year's register: each person present, each one
    gone (with the change), each person's requests of the year, and each Annex 1 row's
    person as last year's register has them."""

    present: list[_Present]
    removed: list[tuple[BaselinePerson, Change]]
    requests: dict[Person, FormRows]
    anywhere: list[BaselinePerson | None]

    @property
    def changes(self) -> list[Change]:
        """Every change, in the order found (:func:`changes` pairs and sorts them)."""
        return [p.change for p in self.present if p.change] + [c for _, c in self.removed]


def comparison(run: RunScope) -> Comparison:
    """The run against its baseline, compared once for every rule of the stage (matched
    by pandas or in plain Python, :mod:`.views`). The year's requests the ledger holds
    (``run.recorded``) explain changes as the inbox's requests do."""
    return run.once("baseline", _compare)


def _compare(run: RunScope) -> Comparison:
    baseline, config, reporter = run.baseline, run.config, run.reporter
    assert baseline is not None  # the BASELINE stage runs with a baseline only
    earlier = recorded_rows(run.recorded, [f for f in run.forms if f.annex == 1], config)
    asked = [*run.judged[1], *earlier]
    identified = [(f, r) for f, r in asked if _identified(reporter.person(r))]
    requests = requests_by_person(identified, reporter)
    matched = run.views.matched(baseline)
    present = []
    for i, at in zip(matched.present, matched.before, strict=True):
        form, row = run.people.rows[i]
        person = run.people.person(i)
        before = None if at is None else baseline.rows[at]
        asking = requests.get(person, [])
        if before is None:
            change: Change | None = _added(form, row, person, asking, config)
        else:
            change = _functions(form, row, person, before, asking, config)
        present.append(_Present(form, row, person, before, change))
    removed = []
    for at in matched.removed:
        listed = baseline.rows[at]
        person = Person(listed.name, listed.mobile)
        removed.append(
            (listed, _removed(listed, person, requests.get(person, []), baseline, config))
        )
    anywhere = [None if at is None else baseline.rows[at] for at in matched.anywhere]
    return Comparison(present, removed, requests, anywhere)


def changes(run: RunScope) -> list[Change]:
    """Every change against the baseline, explained or not, paired and sorted for the
    report."""
    return _paired(comparison(run).changes, run.config)


@rule("unreported-new-account", Stage.BASELINE, at=["name"], says=["name"])
def unreported_new_account(run: RunScope) -> Iterator[Finding]:
    """Someone on a roster whom the baseline lacks, without a 开通 request."""
    for p in comparison(run).present:
        if p.before is None and p.change is not None and not p.change.explained:
            yield run.reporter.at_cell(
                "unreported-new-account", p.form, p.row, "name", name=p.person.name
            )


@rule(
    "unreported-function-change", Stage.BASELINE, at=["functions"],
    says=["name", "baseline", "current"],
)  # fmt: skip
def unreported_function_change(run: RunScope) -> Iterator[Finding]:
    """Functions other than last year's, and no request explains the change."""
    for p in comparison(run).present:
        if p.before is not None and p.change is not None and not p.change.explained:
            now = functions_of(p.row, "functions", run.config)
            yield run.reporter.at_cell(
                "unreported-function-change", p.form, p.row, "functions", name=p.person.name,
                baseline=p.before.canonical, current=now.canonical,
            )  # fmt: skip


@rule("unreported-removal", Stage.BASELINE, says=["name", "functions"])
def unreported_removal(run: RunScope) -> Iterator[Finding]:
    """Someone of last year's register whom the district's roster leaves out, without a
    注销 request: at the baseline's row."""
    baseline = run.baseline
    assert baseline is not None
    column = _name_column(run)
    for listed, change in comparison(run).removed:
        if not change.explained:
            yield run.reporter.make(
                "unreported-removal", file=baseline.display, sheet=baseline.sheet,
                row=listed.row, col=listed.name_col, column=column, value=listed.name_text,
                district=listed.district, annex=2, person=change.name, name=change.name,
                functions=listed.canonical,
            )  # fmt: skip


def _name_column(run: RunScope) -> str:
    """The header of the baseline's name column (the form's when it has none)."""
    assert run.baseline is not None
    return run.baseline.column_name("name") or run.config.annexes[2].column("name").name


@rule("row-outside-table", Stage.BASELINE, at=["name"], says=["end", "entry"])
def outside_baseline(run: RunScope) -> list[Finding]:
    """A person below the end of the baseline's table: not compared, so say so rather
    than count it in silence (decision 16)."""
    baseline = run.baseline
    assert baseline is not None
    return [
        run.reporter.make(
            "row-outside-table",
            file=baseline.display,
            sheet=baseline.sheet,
            row=listed.row,
            col=listed.name_col,
            column=_name_column(run),
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


def _identified(person: Person) -> bool:
    return bool(person.name and person.mobile)


# ---------------------------------------------------------------- the three changes
def _added(form: Form, row: Row, person: Person, asked: FormRows, config: Config) -> Change:
    """A person new this year, explained by a 开通 request."""
    opened = next(((f, r) for f, r in asked if adjustment_of(r, config) == OPEN), None)
    return Change(
        district=form.district, kind="added", name=person.name, mobile=person.mobile,
        before=(), after=functions_of(row, "functions", config).known, explained=opened is not None,
        request=where(*opened) if opened else None, location=where(form, row),
    )  # fmt: skip


def _functions(
    form: Form, row: Row, person: Person, before: BaselinePerson, asked: FormRows, config: Config
) -> Change | None:
    """Functions other than last year's (None: the same, or not judged here), explained
    by a request (:func:`_explaining`)."""
    now = functions_of(row, "functions", config)
    if now.is_empty or now.unknown or not before.functions:
        return None  # required-missing / function-unknown judge this row
    old, new = set(before.functions), set(now.known)
    if old == new:
        return None
    request = _explaining(old, new, asked, config)
    return Change(
        district=form.district, kind="functions", name=person.name, mobile=person.mobile,
        before=before.functions, after=now.known, explained=request is not None,
        request=where(*request) if request else None, location=where(form, row),
    )  # fmt: skip


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


def _removed(
    listed: BaselinePerson, person: Person, asked: FormRows, baseline: Baseline, config: Config
) -> Change:
    """A person of last year gone from their district's roster, explained by a 注销
    request."""
    cancelled = next(((f, r) for f, r in asked if adjustment_of(r, config) == CANCEL), None)
    return Change(
        district=listed.district, kind="removed", name=person.name, mobile=person.mobile,
        before=listed.functions, after=(), explained=cancelled is not None,
        request=where(*cancelled) if cancelled else None, location=baseline.where(listed),
    )  # fmt: skip


# ---------------------------------------------------------------- Annex 1 against the baseline
@rule(
    "original-disagrees-baseline", Stage.BASELINE, at=["original"],
    says=["name", "original", "baseline"],
)  # fmt: skip
def original_disagrees_baseline(run: RunScope) -> Iterator[Finding]:
    """原账号功能 of every request against the baseline — a 开通 (原 = 无) for someone the
    baseline lists with functions too.

    An original that equals the 当前账号功能 of another request of the same person (a
    chain of requests in one year: a 注销 then a 开通 again) is not a disagreement.
    """
    config, reporter, compared = run.config, run.reporter, comparison(run)
    for (form, row), listed in zip(run.judged[1], compared.anywhere, strict=True):
        kind = adjustment_of(row, config)
        person = reporter.person(row)
        original = functions_of(row, "original", config)
        if kind is None or not _identified(person) or original.unknown:
            continue
        if row.cell("original") is None or (original.is_empty and kind != OPEN):
            continue  # required-missing judges an empty 原 of the other types (decision 7)
        if listed is None or not listed.functions or set(original.known) == set(listed.functions):
            continue
        chained = {
            frozenset(functions_of(r, "current", config).known)
            for f, r in compared.requests.get(person, [])
            if (f, r) != (form, row) and adjustment_of(r, config) is not None
        }
        if frozenset(original.known) in chained:
            continue
        yield reporter.at_cell(
            "original-disagrees-baseline", form, row, "original",
            name=person.name, original=original.canonical, baseline=listed.canonical,
        )  # fmt: skip


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
