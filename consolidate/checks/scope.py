"""What a rule is given: the sheet it checks, or the whole run and its shared views.

:class:`SheetScope` for the SHEET and FORM stages; :class:`RunScope` for the stages over
the whole run, with the views across forms that several rules share, built once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from consolidate.checks.common import Reporter
from consolidate.checks.views import FrameViews, People, PlainViews, Views
from consolidate.model.baseline import Baseline
from consolidate.model.fastlist import FastList
from consolidate.model.form import Form, Row
from consolidate.model.request import Request
from consolidate.support.config import Config

FormRows = list[tuple[Form, Row]]
T = TypeVar("T")


@dataclass
class SheetScope:
    """One sheet being checked: a SHEET rule may keep rows out (:meth:`reject`); a FORM
    rule reads the rows that count (:attr:`rows`)."""

    form: Form
    config: Config
    reporter: Reporter
    as_of: dt.date
    rejected: dict[int, str] = field(default_factory=dict)  # row number -> the code why
    rows: list[Row] = field(default_factory=list)  # set once the SHEET rules have run

    def reject(self, numbers: set[int], code: str) -> None:
        """Keep rows out of the register and of the rules, because of ``code``."""
        self.rejected |= dict.fromkeys(sorted(numbers), code)


@dataclass
class RunScope:
    """Every form of the run, the rows that count by annex, and what the run was given."""

    forms: list[Form]
    judged: dict[int, FormRows]  # annex number -> the rows that count, in file order
    config: Config
    reporter: Reporter
    as_of: dt.date
    year: int | None = None
    baseline: Baseline | None = None
    fastlist: FastList | None = None
    recorded: Sequence[Request] = ()
    vectorized: bool = False  # pandas for the views (checks/views.py)
    shared: dict[str, Any] = field(default_factory=dict)  # what several rules compute once

    @cached_property
    def people(self) -> People:
        return People.of(self.judged, self.reporter)

    @cached_property
    def views(self) -> Views:
        """The groups across forms: by pandas in a run, in plain Python for a few rows."""
        return FrameViews(self.people) if self.vectorized else PlainViews(self.people)

    def once(self, name: str, build: Callable[[RunScope], T]) -> T:
        """``build(self)``, computed by the first rule that asks for ``name``."""
        if name not in self.shared:
            self.shared[name] = build(self)
        return self.shared[name]
