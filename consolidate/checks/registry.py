"""The rule registry: one rule per finding code of ``schemas/rules.toml``, by stage.

A rule is the function that finds it, registered with :func:`rule` (or :func:`row_rule`
for a test of each row of Annex 1 and 2 on its own): the stage it runs in, the form
columns its findings may point at, and the message parameters it provides — the
``{names}`` of its templates in ``rules.toml``, compared by the catalog test without
running anything. :func:`~consolidate.checks.run_rules` runs the registry stage by stage;
the :class:`~consolidate.checks.common.Reporter` refuses a code that is not registered,
a cell its rule does not point at, and a parameter its rule does not declare.

The reader (before the rules) and the request ledger (after them) emit a few codes of
their own; they are registered here too (:data:`EMITTED_ELSEWHERE`), so that every code
of the catalog has its rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
from typing import TypeVar

from consolidate.model.catalog import LOCATION_FIELDS
from consolidate.support.config import Config
from consolidate.support.config import Rule as CatalogEntry

F = TypeVar("F", bound=Callable)
ANY = "*"  # a rule that may point at any column (required-missing, placeholder-value)


class Stage(Enum):
    """Where a rule runs, in the order :func:`~consolidate.checks.run_rules` runs them."""

    READER = "reader"  # consolidate.reading, while it reads a file
    FILE = "file"  # which submissions count (checks/selection.py)
    MAIL = "mail"  # e-mails whose Date cannot be believed (checks/mails.py)
    SHEET = "sheet"  # one sheet, every data row: which rows count at all
    FORM = "form"  # one sheet, over the rows that count
    ROW = "row"  # each row of Annex 1 and 2 on its own: the pandera schema (checks/rows.py)
    RECOMMENDATION = "recommendation"  # each row of a recommendation list on its own
    FAST_CHANNEL = "fast-channel"  # the lists across rows, and against the city's list
    CITY = "city"  # across districts: mobiles, people and account names
    CROSS_FORM = "cross-form"  # Annex 1 against Annex 2, within a district
    ROLLUP = "rollup"  # the annual roll-up (a year given)
    BASELINE = "baseline"  # against last year's register (a baseline given)
    SCAN = "scan"  # each annex file that counts: its stamped scan (checks/stamps.py)
    LEDGER = "ledger"  # consolidate.ledger, from the requests it keeps


@dataclass(frozen=True)
class Check:
    """One place a rule runs: its stage and the function the runner calls there."""

    stage: Stage
    run: Callable | None  # None: emitted by a module outside the checks (``emitter``)
    emitter: str  # module.function, for the reader: who emits it
    tests: tuple = ()  # the row tests of a ROW check (checks/rows.py)


@dataclass(frozen=True)
class Rule:
    """A finding code: what it says, where it may point, where and how it runs. Its
    catalog entry (severity, scope, source, messages) is configuration the office may
    edit: :meth:`entry` looks it up in the configuration in use."""

    code: str
    says: frozenset[str]  # its message parameters: the {names} of its rules.toml templates
    columns: tuple[str, ...] = ()  # form columns it points at (none: a sheet, metadata, file)
    checks: tuple[Check, ...] = ()

    def entry(self, config: Config) -> CatalogEntry:
        """The code's entry in ``schemas/rules.toml``."""
        return config.rules[self.code]

    @property
    def stages(self) -> tuple[Stage, ...]:
        return tuple(check.stage for check in self.checks)

    def points_at(self, key: str) -> bool:
        return ANY in self.columns or key in self.columns

    def check_says(self, params: Iterable[str]) -> None:
        """Refuse a message parameter the rule does not declare: a bug in the rule."""
        extra = set(params) - self.says - LOCATION_FIELDS
        if extra:
            raise ValueError(
                f"{self.code} gives {sorted(extra)}, which it does not declare (says=…)"
            )


REGISTRY: dict[str, Rule] = {}


def register(
    code: str,
    stage: Stage,
    run: Callable | None,
    *,
    at: Iterable[str] = (),
    says: Iterable[str] = (),
    emitter: str | None = None,
    tests: tuple = (),
) -> Rule:
    """Add a check of ``code`` at ``stage``; a code found in two stages declares the same
    message parameters in both."""
    says = frozenset(says)
    emitter = emitter or f"{run.__module__}.{run.__qualname__}"  # type: ignore[union-attr]
    known = REGISTRY.get(code)
    if known is not None and known.says != says:
        raise ValueError(f"{code}: says {sorted(says)} here, {sorted(known.says)} before")
    known = known or Rule(code, says)
    REGISTRY[code] = replace(
        known,
        columns=tuple(dict.fromkeys((*known.columns, *at))),
        checks=(*known.checks, Check(stage, run, emitter, tests)),
    )
    return REGISTRY[code]


def rule(code: str, stage: Stage, *, at: Iterable[str] = (), says: Iterable[str] = ()):
    """Register the decorated function as the check of ``code`` at ``stage``.

    ``at``: the form columns its findings may point at; ``says``: the message parameters
    it gives (the ``{names}`` of the code's templates in rules.toml, less the location's).
    What the function is given depends on the stage (checks/__init__.py).
    """

    def wrap(function: F) -> F:
        register(code, stage, function, at=at, says=says)
        return function

    return wrap


def checks_at(stage: Stage) -> Iterator[tuple[Rule, Check]]:
    """Every check of ``stage``, in the order the rules were registered."""
    for entry in REGISTRY.values():
        for check in entry.checks:
            if check.stage is stage:
                yield entry, check


# Codes the reader emits before any rule runs, and the ledger from the requests it keeps
# (mail-date-invalid: judged by checks/mails.py, worded again by the ledger as it recorded
# it on an earlier run): (code, stage, emitter, message parameters).
EMITTED_ELSEWHERE = (
    ("file-unreadable", Stage.READER, "consolidate.reading.workbook", ("reason", "advice")),
    *(
        ("annex-unrecognized", Stage.READER, f"consolidate.reading.{module}",
         ("opening", "reason", "advice", "label", "number", "place", "sheet_name"))
        for module in ("workbook", "word")
    ),
    ("cell-unreadable", Stage.READER, "consolidate.reading.grid", ("reason", "limit")),
    ("forward-overdue", Stage.LEDGER, "consolidate.ledger.requests.overdue_findings",
     ("adjustment", "days", "forward_by", "received")),
    ("mail-date-invalid", Stage.LEDGER, "consolidate.ledger.requests.mail_dates_as_recorded",
     ("reason", "used", "date", "text", "time")),
)  # fmt: skip

for _code, _stage, _emitter, _says in EMITTED_ELSEWHERE:
    register(_code, _stage, None, says=_says, emitter=_emitter)
