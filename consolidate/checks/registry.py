"""Every finding code the tool emits, registered with the function that emits it and the
form columns its findings point at.

Rules register with :func:`rule` (a decorator on the function that emits the code); the
codes the reader emits before any rule runs are in :data:`READER_CODES`, those the
request ledger emits after them in :data:`LEDGER_CODES`. The catalog test
compares this registry with ``schemas/rules.toml`` (and the city's spec, in CI), and the
:class:`~consolidate.checks.common.Reporter` refuses a code that is not registered or a
cell its entry does not name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

F = TypeVar("F", bound=Callable)
ANY = "*"  # a rule that may point at any column (required-missing, placeholder-value)


@dataclass(frozen=True)
class RuleEntry:
    """A registered code: the functions that emit it, and the column keys its findings
    point at (empty: no form column — a sheet, a metadata cell, the header, a file)."""

    code: str
    emitters: tuple[str, ...]
    columns: tuple[str, ...] = ()

    def points_at(self, key: str) -> bool:
        return ANY in self.columns or key in self.columns


REGISTRY: dict[str, RuleEntry] = {}

# Emitted by the reader (a stage below the rules), before any rule runs.
READER_CODES = {
    "file-unreadable": "consolidate.reading.workbook",
    "annex-unrecognized": "consolidate.reading.workbook, consolidate.reading.word",
    "cell-unreadable": "consolidate.reading.grid",
}

# Emitted by the request ledger (the stage above the rules), from the requests it keeps.
# mail-date-invalid: judged by the checks (:mod:`consolidate.checks.mails`), kept as the
# ledger first decided it for an e-mail it recorded before.
LEDGER_CODES = {
    "forward-overdue": "consolidate.ledger.requests.overdue_findings",
    "mail-date-invalid": "consolidate.ledger.requests.mail_dates_as_recorded",
}


def rule(code: str, *columns: str) -> Callable[[F], F]:
    """Register ``code`` as emitted by the decorated function, pointing at ``columns``."""

    def wrap(function: F) -> F:
        emitter = f"{function.__module__}.{function.__qualname__}"
        known = REGISTRY.get(code, RuleEntry(code, ()))
        REGISTRY[code] = RuleEntry(
            code,
            tuple(dict.fromkeys((*known.emitters, emitter))),
            tuple(dict.fromkeys((*known.columns, *columns))),
        )
        return function

    return wrap


for _code, _module in (READER_CODES | LEDGER_CODES).items():
    REGISTRY[_code] = RuleEntry(_code, tuple(_module.split(", ")))
