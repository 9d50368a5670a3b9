"""Row rules as pandera schemas, generated from ``schemas/`` and validated in one call.

All data rows of an annex (across every file of the run) go into one DataFrame of cell
texts; each check is named by its finding code, so pandera's ``failure_cases`` (column,
check, index) map straight back to the row's cell origin. A small explainer per code
then says what is wrong and what to write instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from consolidate.checks.common import Reporter, functions_in, mobile_of
from consolidate.checks.registry import ANY, rule
from consolidate.model.config import (
    ADD,
    CANCEL,
    FUNCTION_COLUMNS,
    FUNCTION_KEYS,
    OPEN,
    REMOVE,
    Config,
)
from consolidate.model.finding import Finding
from consolidate.model.form import Form, Row
from consolidate.values.functions import adjustment_role, suggest
from consolidate.values.names import cjk_count, normalize_name
from consolidate.values.phones import mobiles_in
from consolidate.values.posts import OFF, classify_post, meets, parse_post, requirements_held
from consolidate.values.text import squash

# Decision 7: the adjustment types whose 当前 / 原 must name functions.
NEEDS = {"current": (OPEN, ADD, REMOVE), "original": (CANCEL, ADD, REMOVE)}
# The functions column of each annex: the functions a person holds after the change.
HELD = {1: "current", 2: "functions"}


def _series_check(code: str, test: Callable[[str], bool]) -> pa.Check:
    """An element test applied to a whole column at once (one pandera check per code)."""
    return pa.Check(lambda s: s.map(test).astype(bool), name=code)


def _flag(code: str) -> str:
    return f"?{code}"


def _wide_check(code: str) -> pa.Check:
    """A test over several cells of a row, computed beforehand in one pass (see row_findings)."""
    return pa.Check(lambda df: df[_flag(code)], name=code)


def wide_tests(annex: int, config: Config) -> dict[str, Callable[[dict[str, str]], bool]]:
    """Row tests over several cells (True: the row passes), keyed by finding code."""
    tests: dict[str, Callable[[dict[str, str]], bool]] = {
        "rank-insufficient": lambda r: _rank_verdict(r, annex, config)[0] is not False,
        "rank-unknown": lambda r: _rank_verdict(r, annex, config)[0] is not None,
        "duties-conflict": lambda r: not _duties_conflict(r, annex, config),
    }
    if annex == 1:
        for code, test in ADJUSTMENT_TESTS.items():
            tests[code] = lambda r, test=test: not test(r, config)
    return tests


def build_schema(annex: int, config: Config, columns: list[str]) -> pa.DataFrameSchema:
    """The pandera schema of an annex, from the forms and vocabularies in ``schemas/``."""
    spec = config.annexes[annex]
    checks: dict[str, list[pa.Check]] = {c.key: [] for c in spec.columns}
    for key in spec.required_cells:
        checks[key].append(pa.Check(lambda s: s.str.len() > 0, name="required-missing"))
    checks["mobile"].append(_series_check("phone-invalid", lambda t: not t or mobile_of(t).valid))
    checks["name"].append(_series_check("name-suspicious", lambda t: not t or not _name_problem(t)))
    for key in FUNCTION_COLUMNS[annex]:
        checks[key].append(
            _series_check("function-unknown", lambda t: not functions_in(t, config).unknown)
        )
        checks[key].append(
            _series_check("function-repeated", lambda t: not functions_in(t, config).repeated)
        )
    wide = [_wide_check(code) for code in wide_tests(annex, config)]
    if annex == 2:
        checks["post"].append(
            _series_check("former-staff-listed", lambda t: parse_post(t).status != "former")
        )
        # 无 is no function (decision 7); a cell of unknown entries is filled (decision 20).
        checks["functions"].append(
            _series_check(
                "required-missing", lambda t: not t or not functions_in(t, config).is_empty
            )
        )
    else:
        checks["adjustment"].append(
            _series_check(
                "adjustment-type-unknown", lambda t: not t or adjustment_role(t, config) is not None
            )
        )
    return pa.DataFrameSchema(
        {
            key: pa.Column(str, checks=c, required=False)
            for key, c in checks.items()
            if key in columns
        },
        checks=wide,
    )


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


def _held(row: pd.Series, annex: int, config: Config) -> tuple[str, ...]:
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


def _duties_conflict(row: pd.Series, annex: int, config: Config) -> tuple[str, str] | None:
    """The first pair of functions the row's person may not hold together, if held."""
    held = set(_held(row, annex, config))
    return next((p for p in config.vocabularies.functions.conflicting if set(p) <= held), None)


def _role(row: pd.Series, config: Config) -> str | None:
    return adjustment_role(row.get("adjustment", ""), config)


def _sets(row: pd.Series, config: Config) -> tuple[set[str], set[str]]:
    return set(functions_in(row.get("original", ""), config).known), set(
        functions_in(row.get("current", ""), config).known
    )


def _needs(row: pd.Series, key: str, config: Config) -> bool:
    """Decision 7: 当前 of 开通/增加/减少 and 原 of 注销/增加/减少 must name functions."""
    parsed = functions_in(row.get(key, ""), config)
    return _role(row, config) in NEEDS[key] and not parsed.known and not parsed.unknown


def _open_has_original(row: pd.Series, config: Config) -> bool:
    parsed = functions_in(row.get("original", ""), config)
    return _role(row, config) == OPEN and bool(parsed.known or parsed.unknown)


def _cancel_has_current(row: pd.Series, config: Config) -> bool:
    parsed = functions_in(row.get("current", ""), config)
    return _role(row, config) == CANCEL and bool(parsed.known or parsed.unknown)


def _add_gains_nothing(row: pd.Series, config: Config) -> bool:
    original, current = _sets(row, config)
    return _role(row, config) == ADD and bool(original and current) and not (current - original)


def _remove_loses_nothing(row: pd.Series, config: Config) -> bool:
    original, current = _sets(row, config)
    return _role(row, config) == REMOVE and bool(original and current) and not (original - current)


def _mixed(row: pd.Series, config: Config) -> bool:
    original, current = _sets(row, config)
    gained, lost = current - original, original - current
    return _role(row, config) in (ADD, REMOVE) and bool(gained) and bool(lost)


ADJUSTMENT_TESTS: dict[str, Callable[[pd.Series, Config], bool]] = {
    "required-missing:original": lambda r, c: _needs(r, "original", c),
    "required-missing:current": lambda r, c: _needs(r, "current", c),
    "open-has-original": _open_has_original,
    "cancel-has-current": _cancel_has_current,
    "add-gains-nothing": _add_gains_nothing,
    "remove-loses-nothing": _remove_loses_nothing,
    "adjustment-mixed": _mixed,
}
# Where a wide check points (RULES.md "located at").
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
    """Validate every row of one annex in one pandera call and explain each failure."""
    if not rows:
        return []
    keys = [c.key for c in config.annexes[annex].columns]
    frame = pd.DataFrame(
        [{key: row.text(key) for key in keys if key in form.columns} for form, row in rows],
        dtype=object,
    ).fillna("")
    frame = frame.astype(str)
    schema = build_schema(annex, config, list(frame.columns))
    # The row-wide tests run once per row over plain dicts (pandas' apply(axis=1) builds a
    # Series per row and per check, the slowest part of a national run).
    records = frame.to_dict("records")
    for code, test in wide_tests(annex, config).items():
        frame[_flag(code)] = [bool(test(record)) for record in records]
    try:
        schema.validate(frame, lazy=True)
        return []
    except SchemaErrors as errors:
        cases = errors.failure_cases
    reporter = Reporter(config)
    findings = []
    seen: set[tuple[int, str]] = set()
    for context, column, check, index in zip(
        cases["schema_context"], cases["column"], cases["check"], cases["index"], strict=True
    ):
        if index is None or pd.isna(index):
            continue
        code = str(check)
        # A row-wide check is reported once per column by pandera: point where RULES.md says.
        wide = context == "DataFrameSchema"
        key = WIDE_COLUMN.get(code, HELD[annex]) if wide else str(column)
        code = code.split(":")[0]
        if (int(index), code + key) in seen:
            continue
        seen.add((int(index), code + key))
        form, row = rows[int(index)]
        if row.cell(key) is None:
            continue
        findings.append(explain(reporter, code, form, row, key, config))
    return findings


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
