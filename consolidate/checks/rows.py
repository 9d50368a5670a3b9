"""Row rules generated from ``schemas/``, validated as pandera schemas in one call.

Each rule is a test of a cell text (:class:`CellRule`) or of several cells of a row
(:class:`WideRule`), named by its finding code. All data rows of an annex (across every
file of the run) go into one DataFrame of cell texts, and the rules become pandera's
vectorised checks: a declarative one where pandas has it (``str_length``, a regular
expression every passing value of the common shape matches), else the element test over
the column's distinct texts only (a roster repeats its functions and posts), mapped back.
pandera's ``failure_cases`` (column, check, index) map straight back to the row's cell.

A handful of rows (a district checking its own file) is judged by the same tests in plain
Python: importing pandas and pandera costs more than judging them (:data:`VECTOR_FROM`).
A small explainer per code then says what is wrong and what to write instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from consolidate.checks.common import Reporter, functions_in, mobile_of
from consolidate.checks.registry import ANY, rule
from consolidate.model.finding import Finding
from consolidate.model.form import Form, Row
from consolidate.support.config import (
    ADD,
    CANCEL,
    FUNCTION_COLUMNS,
    FUNCTION_KEYS,
    OPEN,
    REMOVE,
    Config,
)
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
Texts = Mapping[str, str]  # a row's cell texts by column key


# Below this many rows of an annex the rules run in plain Python: a cold pandas and
# pandera import (~0.6 s) costs more than judging them (benchmarks/, scenario 1).
VECTOR_FROM = 2_000
# Input of this many bytes likely holds VECTOR_FROM rows: a roster row takes ~44 bytes of
# .xlsx (benchmarks' 50,000-row form: 2.2 MB); rows of .xls, Word or e-mail take more.
VECTOR_LIKELY_BYTES = VECTOR_FROM * 44
# Every full match passes the rule: checked in one vectorised pass, and only the other
# texts go through the element test (mobiles and names are mostly distinct).
SURELY_VALID = {
    "phone-invalid": r"1[3-9][0-9]{9}",  # values.phones.MOBILE in ASCII digits
    "name-suspicious": r"[\u4e00-\u9fff]{2,6}",  # two to six CJK ideographs, nothing else
}


@dataclass(frozen=True, slots=True)
class CellRule:
    """A test of one cell's text (True: the cell passes)."""

    code: str
    key: str
    passes: Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class WideRule:
    """A test over several cells of a row (True: the row passes), given as ``{key: text}``.

    ``code`` may name where it points after a colon (``required-missing:original``)."""

    code: str
    keys: tuple[str, ...]
    passes: Callable[[dict[str, str]], bool]


def _filled(text: str) -> bool:
    return bool(text)


@lru_cache(maxsize=8)
def row_rules(annex: int, config: Config) -> tuple[tuple[CellRule, ...], tuple[WideRule, ...]]:
    """The rules of an annex, from the forms and vocabularies in ``schemas/``, in the order
    the columns and their checks are listed."""
    spec = config.annexes[annex]
    tests: dict[str, list[tuple[str, Callable[[str], bool]]]] = {c.key: [] for c in spec.columns}
    for key in spec.required_cells:
        tests[key].append(("required-missing", _filled))
    tests["mobile"].append(("phone-invalid", lambda t: not t or mobile_of(t).valid))
    tests["name"].append(("name-suspicious", lambda t: not t or not _name_problem(t)))
    for key in FUNCTION_COLUMNS[annex]:
        tests[key].append(("function-unknown", lambda t: not functions_in(t, config).unknown))
        tests[key].append(("function-repeated", lambda t: not functions_in(t, config).repeated))
    if annex == 2:
        tests["post"].append(("former-staff-listed", lambda t: parse_post(t).status != "former"))
        # 无 is no function (decision 7); a cell of unknown entries is filled (decision 20).
        tests["functions"].append(
            ("required-missing", lambda t: not t or not functions_in(t, config).is_empty)
        )
    else:
        tests["adjustment"].append(
            ("adjustment-type-unknown", lambda t: not t or adjustment_role(t, config) is not None)
        )
    cells = tuple(
        CellRule(code, key, test) for key, listed in tests.items() for code, test in listed
    )
    return cells, tuple(_wide_rules(annex, config))


def _wide_rules(annex: int, config: Config) -> Iterator[WideRule]:
    """Row tests over several cells, each with the columns it reads."""
    held = HELD[annex]
    yield WideRule(
        "rank-insufficient", ("post", held),
        lambda r: _rank_verdict(r, annex, config)[0] is not False,
    )  # fmt: skip
    yield WideRule(
        "rank-unknown", ("post", held), lambda r: _rank_verdict(r, annex, config)[0] is not None
    )
    yield WideRule("duties-conflict", (held,), lambda r: not _duties_conflict(r, annex, config))
    if annex == 1:
        for code, test in ADJUSTMENT_TESTS.items():
            keys = ("adjustment", "original", "current")
            yield WideRule(code, keys, lambda r, test=test: not test(r, config))


def build_schema(annex: int, config: Config, columns: list[str]) -> pa.DataFrameSchema:
    """The pandera schema of an annex's rules; ``columns``: those the rows have.

    The row-wide rules' verdicts are columns named ``?code``, computed before
    (:func:`_wide_verdicts`)."""
    import pandera.pandas as pa

    cells, wide = row_rules(annex, config)
    checks: dict[str, list[pa.Check]] = {}
    for test in cells:
        if test.passes is _filled:
            check = pa.Check(lambda column: column.str.len() > 0, name=test.code)
        else:
            check = pa.Check(_distinct_check(test), name=test.code)
        checks.setdefault(test.key, []).append(check)
    columns_ = {
        key: pa.Column(str, checks=c, required=False) for key, c in checks.items() if key in columns
    }
    for w in wide:  # the verdicts of the row-wide rules are columns of their own
        columns_[_flag(w.code)] = pa.Column(bool, checks=pa.Check.eq(True))
    return pa.DataFrameSchema(columns_)


def _distinct_check(test: CellRule) -> Callable[[pd.Series], pd.Series]:
    """The element test over a column's distinct texts, after the vectorised pass that
    accepts the common shape of a valid value (:data:`SURELY_VALID`)."""
    pattern = SURELY_VALID.get(test.code)

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


def _flag(code: str) -> str:
    return f"?{code}"


def _wide_verdicts(test: WideRule, frame: pd.DataFrame) -> Any:
    """A row-wide rule's verdict on every row, judged once per distinct combination of
    the cells it reads (pandas numbers the combinations)."""
    import numpy as np

    cells = frame.reindex(columns=list(test.keys), fill_value="")
    codes = cells.groupby(list(test.keys), sort=False).ngroup().to_numpy()
    distinct = cells.drop_duplicates().itertuples(index=False, name=None)
    verdicts = [bool(test.passes(dict(zip(test.keys, c, strict=True)))) for c in distinct]
    return np.asarray(verdicts, bool)[codes]


def wide_flags(test: WideRule, records: list[dict[str, str]]) -> list[bool]:
    """The verdict of a row-wide rule on every row, judged once per distinct combination
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


# ---------------------------------------------------------------- the tests behind the checks
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


def _held(row: Texts, annex: int, config: Config) -> tuple[str, ...]:
    return functions_in(row.get(HELD[annex], ""), config).known


def _rank_verdict(row: Any, annex: int, config: Config) -> tuple[bool | None, str, str]:
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


def _duties_conflict(row: Texts, annex: int, config: Config) -> tuple[str, str] | None:
    """The first pair of functions the row's person may not hold together, if held."""
    held = set(_held(row, annex, config))
    return next((p for p in config.vocabularies.functions.conflicting if set(p) <= held), None)


def _role(row: Texts, config: Config) -> str | None:
    return adjustment_role(row.get("adjustment", ""), config)


def _sets(row: Texts, config: Config) -> tuple[set[str], set[str]]:
    return set(functions_in(row.get("original", ""), config).known), set(
        functions_in(row.get("current", ""), config).known
    )


def _needs(row: Texts, key: str, config: Config) -> bool:
    """Decision 7: 当前 of 开通/增加/减少 and 原 of 注销/增加/减少 must name functions."""
    parsed = functions_in(row.get(key, ""), config)
    return _role(row, config) in NEEDS[key] and not parsed.known and not parsed.unknown


def _open_has_original(row: Texts, config: Config) -> bool:
    parsed = functions_in(row.get("original", ""), config)
    return _role(row, config) == OPEN and bool(parsed.known or parsed.unknown)


def _cancel_has_current(row: Texts, config: Config) -> bool:
    parsed = functions_in(row.get("current", ""), config)
    return _role(row, config) == CANCEL and bool(parsed.known or parsed.unknown)


def _add_gains_nothing(row: Texts, config: Config) -> bool:
    original, current = _sets(row, config)
    return _role(row, config) == ADD and bool(original and current) and not (current - original)


def _remove_loses_nothing(row: Texts, config: Config) -> bool:
    original, current = _sets(row, config)
    return _role(row, config) == REMOVE and bool(original and current) and not (original - current)


def _mixed(row: Texts, config: Config) -> bool:
    original, current = _sets(row, config)
    gained, lost = current - original, original - current
    return _role(row, config) in (ADD, REMOVE) and bool(gained) and bool(lost)


ADJUSTMENT_TESTS: dict[str, Callable[[Texts, Config], bool]] = {
    "required-missing:original": lambda r, c: _needs(r, "original", c),
    "required-missing:current": lambda r, c: _needs(r, "current", c),
    "open-has-original": _open_has_original,
    "cancel-has-current": _cancel_has_current,
    "add-gains-nothing": _add_gains_nothing,
    "remove-loses-nothing": _remove_loses_nothing,
    "adjustment-mixed": _mixed,
}
# Where a wide check points (docs/rules.md "Where a finding points").
WIDE_COLUMN = {
    "rank-insufficient": "post",
    "rank-unknown": "post",
    "required-missing:original": "original",
    "required-missing:current": "current",
    "open-has-original": "original",
    "cancel-has-current": "current",
    "add-gains-nothing": "current",
    "remove-loses-nothing": "current",
    "adjustment-mixed": "current",
}


# ---------------------------------------------------------------- running and explaining
def row_findings(rows: list[tuple[Form, Row]], annex: int, config: Config) -> list[Finding]:
    """Validate every row of one annex (one pandera call, or in plain Python for a few
    rows) and explain each failure."""
    if not rows:
        return []
    keys = [c.key for c in config.annexes[annex].columns]
    records = [{key: row.text(key) for key in keys if key in form.columns} for form, row in rows]
    failures = _failures(records, annex, config) if len(rows) < VECTOR_FROM else None
    if failures is None:
        failures = _pandera_failures(records, keys, annex, config)
    reporter = Reporter(config)
    findings = []
    seen: set[tuple[int, str, str]] = set()
    for index, code, key in failures:
        code = code.split(":")[0]
        if (index, code, key) in seen:
            continue
        seen.add((index, code, key))
        form, row = rows[index]
        if row.cell(key) is None:
            continue
        findings.append(explain(reporter, code, form, row, key, config))
    return findings


def prepare(input_bytes: int) -> None:
    """Import pandas and pandera now if an input of ``input_bytes`` likely needs them:
    called while worker processes read the files, the import then costs no time."""
    if input_bytes >= VECTOR_LIKELY_BYTES:
        import pandas as pd
        import pandera.errors  # noqa: F401
        import pandera.pandas as pa

        # pandera imports its pandas backends on the first validation: one of a single cell
        pa.DataFrameSchema({"a": pa.Column(str, checks=pa.Check.eq("a"))}).validate(
            pd.DataFrame({"a": ["a"]})
        )


def _failures(
    records: list[dict[str, str]], annex: int, config: Config
) -> list[tuple[int, str, str]]:
    """(row index, code, column) of every failed rule, in plain Python."""
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
        key = _wide_column(row_test.code, annex)
        for index, passed in enumerate(wide_flags(row_test, records)):
            if not passed:
                failures.append((index, row_test.code, key))
    return failures


def _pandera_failures(
    records: list[dict[str, str]], keys: list[str], annex: int, config: Config
) -> list[tuple[int, str, str]]:
    """(row index, code, column) of every failed rule: one pandera validation."""
    import pandas as pd
    from pandera.errors import SchemaErrors

    present = set().union(*records)
    frame = pd.DataFrame(records, columns=[k for k in keys if k in present])
    frame = frame.fillna("").astype(str)
    schema = build_schema(annex, config, list(frame.columns))
    for wide in row_rules(annex, config)[1]:
        frame[_flag(wide.code)] = _wide_verdicts(wide, frame)
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
        if key.startswith("?"):  # a row-wide rule's verdict: point where docs/rules.md says
            code = key[1:]
            key = _wide_column(code, annex)
        failures.append((int(index), code, key))
    return failures


def _wide_column(code: str, annex: int) -> str:
    """Where a row-wide rule's finding points (docs/rules.md: its catalog entry)."""
    return WIDE_COLUMN.get(code, HELD[annex])


Explainer = Callable[[Form, Row, str, Config], dict[str, Any]]
EXPLAINERS: dict[str, Explainer] = {}  # code -> its message parameters and suggestion


def explains(code: str, *columns: str) -> Callable[[Explainer], Explainer]:
    """Register a row rule (:mod:`.registry`) and the explainer of its failures."""

    def wrap(function: Explainer) -> Explainer:
        EXPLAINERS[code] = rule(code, *columns)(function)
        return function

    return wrap


def explain(
    reporter: Reporter, code: str, form: Form, row: Row, key: str, config: Config
) -> Finding:
    """The finding for one failed check, with its message parameters and suggestion."""
    params = EXPLAINERS[code](form, row, key, config)
    return reporter.at_cell(code, form, row, key, **params)


@explains("required-missing", ANY)
def _explain_required(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return {"hint": key}


@explains("phone-invalid", "mobile")
def _explain_phone(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    mobile = mobile_of(row.text(key))
    # "手机：13812345678" or "13812345678（办）": propose the one mobile written inside.
    inside = mobiles_in(row.text(key))
    suggestion = inside[0] if len(inside) == 1 else None
    return {"reason": mobile.reason, "length": len(mobile.digits), "suggestion": suggestion}


@explains("function-unknown", *FUNCTION_KEYS)
def _explain_function(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
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


@explains("function-repeated", *FUNCTION_KEYS)
def _explain_repeated(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    parsed = functions_in(row.text(key), config)
    return {"function": "、".join(parsed.repeated), "suggestion": parsed.canonical}


@explains("rank-insufficient", "post")
@explains("rank-unknown", "post")
def _explain_rank(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    texts = {k: row.text(k) for k in row.cells}
    _, function, requirement = _rank_verdict(texts, form.annex, config)
    rank = classify_post(row.text("post"), config)
    reason = "off" if rank.level == OFF else "below" if rank.keyword else None
    return {
        "function": function, "post": row.text("post"), "reason": reason, "keyword": rank.keyword,
        "requirement": config.posts.levels[requirement].label if requirement else "",
    }  # fmt: skip


@explains("name-suspicious", "name")
def _explain_name(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    reason, longest = _name_problem(row.text(key)) or (None, 0)
    return {"reason": reason, "longest": longest}


@explains("duties-conflict", *HELD.values())
def _explain_duties(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    texts = {k: row.text(k) for k in row.cells}
    first, second = _duties_conflict(texts, form.annex, config) or ("", "")
    return {"name": normalize_name(row.text("name")), "first": first, "second": second}


@explains("former-staff-listed", "post")
def _explain_former(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    return {"post": row.text("post")}


@explains("adjustment-type-unknown", "adjustment")
def _explain_adjustment(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    synonyms = config.vocabularies.adjustments.suggest
    close = suggest(row.text(key), config.adjustments, synonyms)
    return {"hint": "close" if close else None, "close": close or "", "suggestion": close}


@explains("open-has-original", "original")
@explains("cancel-has-current", "current")
@explains("add-gains-nothing", "current")
@explains("remove-loses-nothing", "current")
@explains("adjustment-mixed", "current")
def _explain_sets(form: Form, row: Row, key: str, config: Config) -> dict[str, Any]:
    original = functions_in(row.text("original"), config)
    current = functions_in(row.text("current"), config)
    gained = [f for f in current.known if f not in original.known]
    lost = [f for f in original.known if f not in current.known]
    kind = squash(row.text("adjustment"))
    role = adjustment_role(kind, config)
    other, functions = ("removed", lost) if role == ADD else ("added", gained)
    return {
        "original": original.canonical,
        "current": current.canonical,
        "adjustment": kind,
        "other": other,
        "functions": "、".join(functions),
        "suggestion": _none_word(config) if role in (OPEN, CANCEL) else None,
    }


def _none_word(config: Config) -> str:
    """``无``: how the forms write an empty set of functions."""
    return config.vocabularies.functions.none[0]
