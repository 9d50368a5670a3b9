"""The ROW stage: each row of Annex 1 and 2 on its own, validated as pandera schemas.

A row rule (:func:`row_rule`) is its explanation — what is wrong and what to write
instead, as the message parameters it declares — registered with its tests: a test of
one cell's text (:func:`on_cells`) or of several cells of the row (:func:`on_row`). All
data rows of an annex (across every file of the run) go into one DataFrame of cell
texts, and the tests become pandera's vectorised checks: a declarative one where pandas
has it (``str.len``, a regular expression every passing value of the common shape
matches), else the element test over the column's distinct texts only (a roster repeats
its functions and posts), mapped back. pandera's ``failure_cases`` (column, check, index)
map straight back to the row's cell.

``consolidate run`` always validates through pandera. The check of a few rows (a
district checking its own file, the web page) is judged by the same tests in plain
Python: importing pandas and pandera costs more than judging them (:data:`VECTOR_FROM`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from consolidate.checks.common import Reporter, functions_in, mobile_of
from consolidate.checks.registry import ANY, Stage, checks_at, register
from consolidate.model.finding import Finding
from consolidate.model.form import Form, Row
from consolidate.support.config import ADD, CANCEL, FUNCTION_COLUMNS, OPEN, REMOVE, Config
from consolidate.values.functions import adjustment_role, suggest
from consolidate.values.names import cjk_count, normalize_name
from consolidate.values.phones import mobiles_in
from consolidate.values.posts import OFF, classify_post, meets, parse_post, requirements_held
from consolidate.values.text import squash

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

# Decision 7: the adjustment types whose 当前 / 原 must name functions.
NEEDS = {"current": (OPEN, ADD, REMOVE), "original": (CANCEL, ADD, REMOVE)}
# The functions column of each annex: the functions a person holds after the change.
HELD = {1: "current", 2: "functions"}
ADJUSTMENT = ("adjustment", "original", "current")  # what an Annex 1 request's tests read
Texts = Mapping[str, str]  # a row's cell texts by column key
Explanation = Callable[[Form, Row, str, Config], dict[str, Any]]
E = TypeVar("E", bound=Explanation)

# Below this many rows of an annex a check runs the rules in plain Python: a cold pandas
# and pandera import (~0.6 s) costs more than judging them (benchmarks/, scenario 1).
VECTOR_FROM = 2_000
# Input of this many bytes likely holds VECTOR_FROM rows: a roster row takes ~44 bytes of
# .xlsx (benchmarks' 50,000-row form: 2.2 MB); rows of .xls, Word or e-mail take more.
VECTOR_LIKELY_BYTES = VECTOR_FROM * 44


# ---------------------------------------------------------------- declaring a row rule
@dataclass(frozen=True, slots=True)
class OnCells:
    """A test of one cell's text (True: the cell passes) on each of ``keys`` — column
    keys, or a function of (annex, config) giving them. ``shape``: a regular expression
    every full match of which passes (checked in one vectorised pass, and only the other
    texts go through the test: mobiles and names are mostly distinct)."""

    keys: tuple[str, ...] | Callable[[int, Config], Iterable[str]]
    passes: Callable[[str, Config], bool]
    annexes: tuple[int, ...] = (1, 2)
    shape: str | None = None


@dataclass(frozen=True, slots=True)
class OnRow:
    """A test over several cells of a row (True: the row passes), given ``{key: text}``
    of the columns it ``reads``; its finding points at ``at`` (docs/rules.md "Where a
    finding points")."""

    reads: Callable[[int], tuple[str, ...]]
    at: Callable[[int], str]
    passes: Callable[[Texts, int, Config], bool]
    annexes: tuple[int, ...] = (1, 2)


def on_cells(
    keys: str | tuple[str, ...] | Callable[[int, Config], Iterable[str]],
    passes: Callable[[str, Config], bool],
    *,
    annexes: Iterable[int] = (1, 2),
    shape: str | None = None,
) -> OnCells:
    """:class:`OnCells`; ``keys`` one column key, several, or a function of (annex, config)."""
    return OnCells((keys,) if isinstance(keys, str) else keys, passes, tuple(annexes), shape)


def on_row(
    reads: tuple[str, ...] | Callable[[int], tuple[str, ...]],
    at: str | Callable[[int], str],
    passes: Callable[[Texts, int, Config], bool],
    *,
    annexes: Iterable[int] = (1, 2),
) -> OnRow:
    """:class:`OnRow`; ``reads`` and ``at`` column keys, or functions of the annex."""
    return OnRow(_per_annex(reads), _per_annex(at), passes, tuple(annexes))


def _per_annex(value: Any) -> Callable[[int], Any]:
    return value if callable(value) else lambda annex: value


def row_rule(
    code: str, *, at: Iterable[str], says: Iterable[str], tests: Iterable[OnCells | OnRow]
) -> Callable[[E], E]:
    """Register the decorated explanation — ``(form, row, key, config) -> {parameter:
    value}``, what its message says about a row that failed — with the ``tests`` that
    find those rows, in the ROW stage. ``at`` and ``says`` as for
    :func:`~consolidate.checks.registry.rule`."""

    def wrap(explain: E) -> E:
        register(code, Stage.ROW, explain, at=at, says=says, tests=tuple(tests))
        return explain

    return wrap


def filled(text: str, config: Config) -> bool:
    """A cell that holds anything (checked as ``str.len() > 0`` by pandas)."""
    return bool(text)


# ---------------------------------------------------------------- the tests of an annex
@dataclass(frozen=True, slots=True)
class CellRule:
    """One test of one column of an annex (True: the cell passes)."""

    code: str
    key: str
    passes: Callable[[str], bool]
    shape: str | None = None
    filled: bool = False  # the plain ``filled`` test: pandas checks the length


@dataclass(frozen=True, slots=True)
class WideRule:
    """One test over several cells of a row (True: the row passes), pointing at ``at``."""

    code: str
    keys: tuple[str, ...]
    at: str
    passes: Callable[[dict[str, str]], bool]


@lru_cache(maxsize=8)
def row_rules(annex: int, config: Config) -> tuple[tuple[CellRule, ...], tuple[WideRule, ...]]:
    """The tests of the ROW rules on an annex, in the order the rules are registered."""
    columns = {c.key for c in config.annexes[annex].columns}
    cells: list[CellRule] = []
    wide: list[WideRule] = []
    for entry, check in checks_at(Stage.ROW):
        for test in check.tests:
            if annex not in test.annexes:
                continue
            if isinstance(test, OnRow):
                passes = _bound_row(test, annex, config)
                wide.append(WideRule(entry.code, test.reads(annex), test.at(annex), passes))
                continue
            keys = test.keys(annex, config) if callable(test.keys) else test.keys
            passes = _bound_cell(test, config)
            cells += [
                CellRule(entry.code, key, passes, test.shape, test.passes is filled)
                for key in keys
                if key in columns
            ]
    return tuple(cells), tuple(wide)


def _bound_cell(test: OnCells, config: Config) -> Callable[[str], bool]:
    return lambda text: test.passes(text, config)


def _bound_row(test: OnRow, annex: int, config: Config) -> Callable[[dict[str, str]], bool]:
    return lambda texts: test.passes(texts, annex, config)


# ---------------------------------------------------------------- running and explaining
def row_findings(
    rows: list[tuple[Form, Row]], annex: int, config: Config, *, vectorized: bool | None = None
) -> list[Finding]:
    """Validate every row of one annex and explain each failure: through the pandera
    schema when ``vectorized`` (default: for :data:`VECTOR_FROM` rows or more), else in
    plain Python."""
    if not rows:
        return []
    if vectorized is None:
        vectorized = len(rows) >= VECTOR_FROM
    keys = [c.key for c in config.annexes[annex].columns]
    records = [{key: row.text(key) for key in keys if key in form.columns} for form, row in rows]
    if vectorized:
        failures = pandera_failures(records, keys, annex, config)
    else:
        failures = plain_failures(records, annex, config)
    reporter = Reporter(config)
    explanations = {entry.code: check.run for entry, check in checks_at(Stage.ROW)}
    findings = []
    seen: set[tuple[int, str, str]] = set()
    for index, code, key in failures:
        if (index, code, key) in seen:
            continue
        seen.add((index, code, key))
        form, row = rows[index]
        if row.cell(key) is None:
            continue
        params = explanations[code](form, row, key, config)
        findings.append(reporter.at_cell(code, form, row, key, **params))
    return findings


def prepare(input_bytes: int) -> None:
    """Import pandas and pandera now if an input of ``input_bytes`` likely needs them:
    called while worker processes read the files, the import then costs no time."""
    if input_bytes >= VECTOR_LIKELY_BYTES:
        prepare_vectorized()


def prepare_vectorized() -> None:
    """Import pandas and pandera, and pandera's pandas backends (which it imports on its
    first validation: one of a single cell)."""
    import pandas as pd
    import pandera.errors  # noqa: F401
    import pandera.pandas as pa

    pa.DataFrameSchema({"a": pa.Column(str, checks=pa.Check.eq("a"))}).validate(
        pd.DataFrame({"a": ["a"]})
    )


def plain_failures(
    records: list[dict[str, str]], annex: int, config: Config
) -> list[tuple[int, str, str]]:
    """(row index, code, column) of every failed test, in plain Python."""
    cells, wide = row_rules(annex, config)
    failures = []
    for test in cells:
        verdicts: dict[str, bool] = {}
        for index, record in enumerate(records):
            text = record.get(test.key)
            if text is None:  # the row's form has no such column
                continue
            verdict = verdicts.get(text)
            if verdict is None:
                verdict = verdicts[text] = bool(test.passes(text))
            if not verdict:
                failures.append((index, test.code, test.key))
    for row_test in wide:
        for index, passed in enumerate(wide_flags(row_test, records)):
            if not passed:
                failures.append((index, row_test.code, row_test.at))
    return failures


def wide_flags(test: WideRule, records: list[dict[str, str]]) -> list[bool]:
    """The verdict of a row-wide test on every row, judged once per distinct combination
    of the cells it reads (Annex 1 repeats its types and functions, a roster its posts)."""
    verdicts: dict[tuple[str, ...], bool] = {}
    flags = []
    for record in records:
        combination = tuple(record.get(key, "") for key in test.keys)
        verdict = verdicts.get(combination)
        if verdict is None:
            texts = dict(zip(test.keys, combination, strict=True))
            verdict = verdicts[combination] = bool(test.passes(texts))
        flags.append(verdict)
    return flags


def pandera_failures(
    records: list[dict[str, str]], keys: list[str], annex: int, config: Config
) -> list[tuple[int, str, str]]:
    """(row index, code, column) of every failed test: one pandera validation."""
    import pandas as pd
    from pandera.errors import SchemaErrors

    present = set().union(*records)
    frame = pd.DataFrame(records, columns=[k for k in keys if k in present])
    frame = frame.fillna("").astype(str)
    schema = build_schema(annex, config, list(frame.columns))
    wide = row_rules(annex, config)[1]
    for number, test in enumerate(wide):
        frame[_flag(number)] = _wide_verdicts(test, frame)
    try:
        schema.validate(frame, lazy=True)
        return []
    except SchemaErrors as errors:
        cases = errors.failure_cases
    failures = []
    for column, check, index, case in zip(
        cases["column"], cases["check"], cases["index"], cases["failure_case"], strict=True
    ):
        if index is None or pd.isna(index):  # a check that failed to run: a bug, not input
            raise RuntimeError(f"row check {check} on {column} could not run: {case}")
        code, key = str(check), str(column)
        if key.startswith("?"):  # a row-wide test's verdict: point where it says
            test = wide[int(key[1:])]
            code, key = test.code, test.at
        failures.append((int(index), code, key))
    return failures


def build_schema(annex: int, config: Config, columns: list[str]) -> pa.DataFrameSchema:
    """The pandera schema of an annex's tests; ``columns``: those the rows have.

    The row-wide tests' verdicts are columns named ``?n`` (the n-th test), computed
    before (:func:`_wide_verdicts`)."""
    import pandera.pandas as pa

    cells, wide = row_rules(annex, config)
    checks: dict[str, list[pa.Check]] = {}
    for test in cells:
        if test.filled:
            check = pa.Check(lambda column: column.str.len() > 0, name=test.code)
        else:
            check = pa.Check(_distinct_check(test), name=test.code)
        checks.setdefault(test.key, []).append(check)
    columns_ = {
        key: pa.Column(str, checks=c, required=False) for key, c in checks.items() if key in columns
    }
    for number in range(len(wide)):  # the verdicts of the row-wide tests: columns of their own
        columns_[_flag(number)] = pa.Column(bool, checks=pa.Check.eq(True))
    return pa.DataFrameSchema(columns_)


def _distinct_check(test: CellRule) -> Callable[[pd.Series], pd.Series]:
    """The element test over a column's distinct texts, after the vectorised pass that
    accepts the common shape of a valid value (:attr:`OnCells.shape`)."""
    pattern = test.shape

    def check(column: pd.Series) -> pd.Series:
        import numpy as np
        import pandas as pd

        passed = column.str.fullmatch(pattern).to_numpy(bool, copy=True) if pattern else None
        rest = column if passed is None else column[~passed]
        codes, distinct = pd.factorize(rest)
        verdicts = np.fromiter((test.passes(t) for t in distinct), bool, len(distinct))
        if passed is None:
            return pd.Series(verdicts[codes], index=column.index)
        passed[~passed] = verdicts[codes]
        return pd.Series(passed, index=column.index)

    return check


def _flag(number: int) -> str:
    return f"?{number}"


def _wide_verdicts(test: WideRule, frame: pd.DataFrame) -> Any:
    """A row-wide test's verdict on every row, judged once per distinct combination of
    the cells it reads (pandas numbers the combinations)."""
    import numpy as np

    cells = frame.reindex(columns=list(test.keys), fill_value="")
    codes = cells.groupby(list(test.keys), sort=False).ngroup().to_numpy()
    distinct = cells.drop_duplicates().itertuples(index=False, name=None)
    verdicts = [bool(test.passes(dict(zip(test.keys, c, strict=True)))) for c in distinct]
    return np.asarray(verdicts, bool)[codes]


# ---------------------------------------------------------------- the rules
def _required_cells(annex: int, config: Config) -> tuple[str, ...]:
    return tuple(config.annexes[annex].required_cells)


def _functions_columns(annex: int, config: Config) -> tuple[str, ...]:
    return FUNCTION_COLUMNS[annex]


def _needs(row: Texts, key: str, config: Config) -> bool:
    """Decision 7: 当前 of 开通/增加/减少 and 原 of 注销/增加/减少 must name functions."""
    parsed = functions_in(row.get(key, ""), config)
    return _role(row, config) in NEEDS[key] and not parsed.known and not parsed.unknown


@row_rule(
    "required-missing", at=[ANY], says=["hint"],
    tests=[
        on_cells(_required_cells, filled),
        # 无 is no function (decision 7); a cell of unknown entries is filled (decision 20).
        on_cells("functions", lambda t, c: not t or not functions_in(t, c).is_empty, annexes=[2]),
        on_row(ADJUSTMENT, "original", lambda r, a, c: not _needs(r, "original", c), annexes=[1]),
        on_row(ADJUSTMENT, "current", lambda r, a, c: not _needs(r, "current", c), annexes=[1]),
    ],
)  # fmt: skip
def required_missing(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return {"hint": key}


@row_rule(
    "phone-invalid", at=["mobile"], says=["reason", "length"],
    tests=[on_cells("mobile", lambda t, c: not t or mobile_of(t).valid,
                    shape=r"1[3-9][0-9]{9}")],  # values.phones.MOBILE in ASCII digits
)  # fmt: skip
def phone_invalid(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    mobile = mobile_of(row.text(key))
    # "手机：13812345678" or "13812345678（办）": propose the one mobile written inside.
    inside = mobiles_in(row.text(key))
    suggestion = inside[0] if len(inside) == 1 else None
    return {"reason": mobile.reason, "length": len(mobile.digits), "suggestion": suggestion}


def _name_problem(text: str) -> tuple[str, int] | None:
    """Why a name looks wrong (the reason's key in the catalog, the longest allowed)."""
    name = normalize_name(text)
    longest = 15 if "·" in name else 6
    if any(ch.isdigit() for ch in name) or any("a" <= ch.lower() <= "z" for ch in name):
        return "letters", longest
    count = cjk_count(name)
    if count < 2:
        return "short", longest
    if count > longest:
        return "long", longest
    return None


@row_rule(
    "name-suspicious", at=["name"], says=["reason", "longest"],
    tests=[on_cells("name", lambda t, c: not t or not _name_problem(t),
                    shape=r"[\u4e00-\u9fff]{2,6}")],  # two to six CJK ideographs, nothing else
)  # fmt: skip
def name_suspicious(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    reason, longest = _name_problem(row.text(key)) or (None, 0)
    return {"reason": reason, "longest": longest}


@row_rule(
    "function-unknown", at=FUNCTION_COLUMNS[1] + FUNCTION_COLUMNS[2],
    says=["entry", "hint", "close"],
    tests=[on_cells(_functions_columns, lambda t, c: not functions_in(t, c).unknown)],
)  # fmt: skip
def function_unknown(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    parsed = functions_in(row.text(key), config)
    synonyms = config.vocabularies.functions.suggest
    pairs = [(entry, suggest(entry, config.functions, synonyms)) for entry in parsed.unknown]
    close = [s for _, s in pairs if s]
    fixed = list(parsed.known) + [s for s in close if s not in parsed.known]
    order = {f: i for i, f in enumerate(config.functions)}
    suggestion = "、".join(sorted(set(fixed), key=order.__getitem__)) if close else None
    return {
        "entry": "、".join(e for e, _ in pairs),
        "hint": "close" if close else None,
        "close": "、".join(close),
        "suggestion": suggestion,
    }


@row_rule(
    "function-repeated", at=FUNCTION_COLUMNS[1] + FUNCTION_COLUMNS[2], says=["function"],
    tests=[on_cells(_functions_columns, lambda t, c: not functions_in(t, c).repeated)],
)  # fmt: skip
def function_repeated(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    parsed = functions_in(row.text(key), config)
    return {"function": "、".join(parsed.repeated), "suggestion": parsed.canonical}


@row_rule(
    "former-staff-listed", at=["post"], says=["post"],
    tests=[on_cells("post", lambda t, c: parse_post(t).status != "former", annexes=[2])],
)  # fmt: skip
def former_staff_listed(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return {"post": row.text("post")}


@row_rule(
    "adjustment-type-unknown", at=["adjustment"], says=["hint", "close"],
    tests=[on_cells("adjustment", lambda t, c: not t or adjustment_role(t, c) is not None,
                    annexes=[1])],
)  # fmt: skip
def adjustment_type_unknown(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    synonyms = config.vocabularies.adjustments.suggest
    close = suggest(row.text(key), config.adjustments, synonyms)
    return {"hint": "close" if close else None, "close": close or "", "suggestion": close}


# ---------------------------------------------------------------- the rank a function needs
def _reads_rank(annex: int) -> tuple[str, ...]:
    return ("post", HELD[annex])


def _rank_verdict(row: Texts, annex: int, config: Config) -> tuple[bool | None, str, str]:
    """(meets, function, requirement) for the first held function with a requirement."""
    return _rank_verdict_of(row.get("post", ""), row.get(HELD[annex], ""), config)


@lru_cache(maxsize=16384)
def _rank_verdict_of(post: str, held_text: str, config: Config) -> tuple[bool | None, str, str]:
    if not post:
        return True, "", ""
    for function, requirement in requirements_held(functions_in(held_text, config).known, config):
        verdict = meets(classify_post(post, config), config.posts.levels[requirement])
        if verdict is not True:
            return verdict, function, requirement
    return True, "", ""


def _rank_of(row: Row, annex: int, config: Config) -> dict[str, Any]:
    """The function that needs a rank the row's post lacks, the post and that rank."""
    _, function, requirement = _rank_verdict(_texts(row), annex, config)
    label = config.posts.levels[requirement].label if requirement else ""
    return {"function": function, "post": row.text("post"), "requirement": label}


def _texts(row: Row) -> dict[str, str]:
    return {key: row.text(key) for key in row.cells}


@row_rule(
    "rank-insufficient", at=["post"],
    says=["function", "post", "reason", "keyword", "requirement"],
    tests=[on_row(_reads_rank, "post", lambda r, a, c: _rank_verdict(r, a, c)[0] is not False)],
)  # fmt: skip
def rank_insufficient(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    rank = classify_post(row.text("post"), config)
    reason = "off" if rank.level == OFF else "below" if rank.keyword else None
    return {**_rank_of(row, form.annex, config), "reason": reason, "keyword": rank.keyword}


@row_rule(
    "rank-unknown", at=["post"], says=["function", "post", "requirement"],
    tests=[on_row(_reads_rank, "post", lambda r, a, c: _rank_verdict(r, a, c)[0] is not None)],
)  # fmt: skip
def rank_unknown(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return _rank_of(row, form.annex, config)


def _duties_conflict(row: Texts, annex: int, config: Config) -> tuple[str, str] | None:
    """The first pair of functions the row's person may not hold together, if held."""
    held = set(functions_in(row.get(HELD[annex], ""), config).known)
    return next((p for p in config.vocabularies.functions.conflicting if set(p) <= held), None)


@row_rule(
    "duties-conflict", at=HELD.values(), says=["name", "first", "second"],
    tests=[on_row(lambda a: (HELD[a],), lambda a: HELD[a],
                  lambda r, a, c: not _duties_conflict(r, a, c))],
)  # fmt: skip
def duties_conflict(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    first, second = _duties_conflict(_texts(row), form.annex, config) or ("", "")
    return {"name": normalize_name(row.text("name")), "first": first, "second": second}


# ---------------------------------------------------------------- an Annex 1 request's functions
def _role(row: Texts, config: Config) -> str | None:
    return adjustment_role(row.get("adjustment", ""), config)


def _sets(row: Texts, config: Config) -> tuple[set[str], set[str]]:
    return set(functions_in(row.get("original", ""), config).known), set(
        functions_in(row.get("current", ""), config).known
    )


def _names_any(row: Texts, key: str, config: Config) -> bool:
    parsed = functions_in(row.get(key, ""), config)
    return bool(parsed.known or parsed.unknown)


def _request(at: str, fails: Callable[[Texts, Config], bool]) -> OnRow:
    """A test of an Annex 1 request's type and functions, pointing at ``at``."""
    return on_row(ADJUSTMENT, at, lambda r, a, c: not fails(r, c), annexes=[1])


def _none_word(config: Config) -> str:
    """``无``: how the forms write an empty set of functions."""
    return config.vocabularies.functions.none[0]


def _functions_of(row: Row, key: str, config: Config) -> Any:
    return functions_in(row.text(key), config)


@row_rule(
    "open-has-original", at=["original"], says=[],
    tests=[_request("original", lambda r, c: _role(r, c) == OPEN and _names_any(r, "original", c))],
)  # fmt: skip
def open_has_original(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return {"suggestion": _none_word(config)}


@row_rule(
    "cancel-has-current", at=["current"], says=[],
    tests=[_request("current", lambda r, c: _role(r, c) == CANCEL and _names_any(r, "current", c))],
)  # fmt: skip
def cancel_has_current(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return {"suggestion": _none_word(config)}


def _gains_nothing(row: Texts, config: Config) -> bool:
    original, current = _sets(row, config)
    return _role(row, config) == ADD and bool(original and current) and not (current - original)


def _loses_nothing(row: Texts, config: Config) -> bool:
    original, current = _sets(row, config)
    return _role(row, config) == REMOVE and bool(original and current) and not (original - current)


def _both_ways(row: Row, config: Config) -> dict[str, Any]:
    """The functions before and after a request, as the forms write them."""
    return {
        "original": _functions_of(row, "original", config).canonical,
        "current": _functions_of(row, "current", config).canonical,
    }


@row_rule(
    "add-gains-nothing", at=["current"], says=["original", "current"],
    tests=[_request("current", _gains_nothing)],
)  # fmt: skip
def add_gains_nothing(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return _both_ways(row, config)


@row_rule(
    "remove-loses-nothing", at=["current"], says=["original", "current"],
    tests=[_request("current", _loses_nothing)],
)  # fmt: skip
def remove_loses_nothing(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return _both_ways(row, config)


def _mixed(row: Texts, config: Config) -> bool:
    original, current = _sets(row, config)
    gained, lost = current - original, original - current
    return _role(row, config) in (ADD, REMOVE) and bool(gained) and bool(lost)


@row_rule(
    "adjustment-mixed", at=["current"], says=["adjustment", "other", "functions"],
    tests=[_request("current", _mixed)],
)  # fmt: skip
def adjustment_mixed(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    original = _functions_of(row, "original", config)
    current = _functions_of(row, "current", config)
    kind = squash(row.text("adjustment"))
    if adjustment_role(kind, config) == ADD:  # 增加功能 that also removes some
        other, functions = "removed", [f for f in original.known if f not in current.known]
    else:
        other, functions = "added", [f for f in current.known if f not in original.known]
    return {"adjustment": kind, "other": other, "functions": "、".join(functions)}


def explanations() -> Iterator[tuple[str, Explanation]]:
    """Each ROW rule's code and explanation (its tests: :func:`row_rules`)."""
    for entry, check in checks_at(Stage.ROW):
        yield entry.code, check.run  # type: ignore[misc]
