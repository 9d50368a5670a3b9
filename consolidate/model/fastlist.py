"""The city's list of fast-channel users as the recommendation rules see it, and what the
rules decided about the recommendations and the list (:class:`FastChannel`).

Read by :mod:`consolidate.reading.fastlist`; judged by :mod:`consolidate.checks.recommend`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from consolidate.model.form import Form, Row, RowCounts


@dataclass(frozen=True, slots=True)
class ListedUnit:
    """One enterprise of the city's list, with the row it came from."""

    district: str | None
    unit: str
    code: str  # the credit code normalised (half-width capitals, no spaces)
    opened: dt.date | None
    expires: dt.date | None  # as written, else the opening date + the validity in years
    row: int  # the Excel row
    contact: str = ""
    phone: str = ""
    remarks: str = ""


@dataclass
class FastList:
    """The city's list: the file, the sheet read, and its enterprises."""

    path: Path
    display: str
    sha256: str
    sheet: str
    header_row: int  # 1-based
    columns: dict[str, int]  # field key -> 1-based column
    units: list[ListedUnit] = field(default_factory=list)
    counts: RowCounts = field(default_factory=RowCounts)

    @cached_property
    def by_code(self) -> dict[str, ListedUnit]:
        """Each code's entry (the latest-ending one where a code is listed twice)."""
        found: dict[str, ListedUnit] = {}
        for unit in self.units:
            known = found.get(unit.code)
            if known is None or (unit.expires or dt.date.min) > (known.expires or dt.date.min):
                found[unit.code] = unit
        return found

    @property
    def name(self) -> str:
        """The list's file name, without the folder the office keeps it in (a district's
        returned copy names the list, never a path of the office's machine)."""
        return PurePosixPath(self.display.replace("\\", "/")).name

    def where(self, unit: ListedUnit) -> str:
        """``名单.xlsx（使用单位名单）第5行``."""
        return f"{self.display}（{self.sheet}）第{unit.row}行"


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A recommendation row that counts, as the rules read it."""

    form: Form
    row: Row
    kind: str | None  # 新申请 / 延用 (the row's 推荐类型, else its sheet's); None: neither says
    code: str  # the credit code normalised; '' when empty


@dataclass(frozen=True)
class FastChannel:
    """What the fast-channel rules decided, for the outputs to show as it is (computed by
    :mod:`consolidate.checks.recommend`, read by ``fastchannel.xlsx`` and the report)."""

    # New applicants first, then extensions, then rows of an unknown type; each in
    # district order, then file and row order.
    recommendations: tuple[Recommendation, ...]
    # Each listed code's standing at the as-of date: valid, expiring, expired, extending
    # (a 延用 arrived) or unknown (no dates). Empty without the city's list.
    statuses: dict[str, str]
    # The listed units to remind: ending within the reminder months, no 延用 arrived; by date.
    expiring: tuple[ListedUnit, ...]
    horizon: dt.date  # the last day the reminders look ahead to


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
