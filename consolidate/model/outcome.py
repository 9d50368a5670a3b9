"""What a check or a run found: the selection of submissions, the changes, the outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from consolidate.model.baseline import Baseline
from consolidate.model.fastlist import FastChannel, FastList
from consolidate.model.finding import Finding, count_by_severity
from consolidate.model.form import Form, Mail, ReadResult, Row
from consolidate.model.request import Request
from consolidate.support.config import Config

USED, SUPERSEDED, UNREADABLE = "used", "superseded", "unreadable"
# The form number of the fast-channel recommendation list (forms.toml [recommend]).
RECOMMEND = 3


@dataclass(frozen=True)
class RosterDiff:
    """What a resubmitted roster changed against the one it replaced (people by name + mobile)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    altered: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, changed column keys)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.altered)


@dataclass
class Selection:
    """Which forms count, each file's status, and what replaced what."""

    forms: list[Form] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)
    superseded_by: dict[tuple[str, str], str] = field(default_factory=dict)  # (file, sheet) -> file
    superseded_forms: list[Form] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    changes: dict[tuple[str, str], RosterDiff] = field(default_factory=dict)  # older (file, sheet)


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between last year's register and this year's rosters."""

    district: str | None
    kind: str  # "added" | "removed" | "functions"
    name: str
    mobile: str
    before: tuple[str, ...]  # functions in the baseline (() for added)
    after: tuple[str, ...]  # functions in this year's Annex 2 (() for removed)
    explained: bool
    request: str | None = None  # where the explaining Annex 1 request is
    likely_same_as: str | None = None  # where the paired change is (same person, probably)
    location: str = ""  # this year's Annex 2 row, or the baseline row for a removal
    pairing: str | None = None  # "moved" | "mobile-changed" | "name-changed" with likely_same_as


@dataclass
class Outcome:
    """Everything a check or a run found: files, the forms that count, the findings."""

    as_of: dt.date
    config: Config
    results: list[ReadResult]
    selection: Selection
    findings: list[Finding]
    rejected: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    year: int | None = None
    baseline: Baseline | None = None  # last year's register, when --baseline was given
    changes: list[Change] = field(default_factory=list)  # against the baseline
    fastlist: FastList | None = None  # the city's list of fast-channel users (--fastlist)
    # The recommendations and the list as the rules judged them; None: neither arrived.
    fast_channel: FastChannel | None = None
    # City totals per function, (holders last year, holders this year); empty without a baseline.
    function_totals: dict[str, tuple[int, int]] = field(default_factory=dict)
    mails: list[Mail] = field(default_factory=list)  # saved e-mails whose attachments were read
    # Every request the ledger holds after this run (or this run's alone, without one).
    requests: list[Request] = field(default_factory=list)
    ledger: Path | None = None  # the ledger file, when the run kept one

    @property
    def forms(self) -> list[Form]:
        """The forms that count (not superseded), in path order."""
        return self.selection.forms

    def forms_of(self, annex: int) -> list[Form]:
        return [f for f in self.forms if f.annex == annex]

    @property
    def has_fast_channel(self) -> bool:
        """Recommendation lists arrived, or the city's list was given: fastchannel.xlsx
        and the report's 便捷通道 section are written."""
        return self.fast_channel is not None

    @property
    def status(self) -> dict[str, str]:
        return self.selection.status

    @property
    def exit_code(self) -> int:
        """0 with no error-severity finding, else 1 (docs/rules.md, README 区局自查)."""
        return int(any(f.is_error for f in self.findings))

    def summary(self) -> dict[str, int]:
        counts = count_by_severity(self.findings)
        return {"files": len(self.results), "rows": sum(len(f.rows) for f in self.forms), **counts}

    def findings_at(self, file: str, sheet: str, row: int) -> list[Finding]:
        """The findings on one row of a sheet."""
        return self._by_row().get((file, sheet, row), [])

    def _by_row(self) -> dict[tuple[str, str, int], list[Finding]]:
        cache = self.__dict__.get("_row_index")
        if cache is None:
            cache = {}
            for finding in self.findings:
                if finding.row is not None:
                    key = (finding.file or "", finding.sheet or "", finding.row)
                    cache.setdefault(key, []).append(finding)
            self.__dict__["_row_index"] = cache
        return cache

    def kept_rows(self, form: Form) -> list[Row]:
        """The rows of a form that go into an output: not rejected (decision 11)."""
        return [r for r in form.rows if (form.file, form.sheet, r.number) not in self.rejected]

    def in_district_order(self, forms: Iterable[Form]) -> list[Form]:
        """Forms in the configured district order; unknown districts last; path order within."""
        rank = self.config.district_rank
        return sorted(
            forms, key=lambda f: (rank.get(f.district or "", len(rank)), f.district or "")
        )
