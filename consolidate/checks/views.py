"""The city's views across districts, built with pandas in a run: the register grouped.

Who shares a mobile, an account name or two districts, and who is new, gone or kept
against last year's register.

They are built from :class:`People`, one entry per row that counts of Annex 1 and 2
(the register of the run: each row's person, district and account), by one of two
backends that give the same answer (tests/test_backends.py): pandas, for a run and any
large input (:class:`FrameViews`), and plain Python for the check of a few rows, where
importing pandas would cost more than the whole check (:class:`PlainViews`).

A group is a list of positions into :attr:`People.rows`, in the order the rows come;
groups come in the order their first row does — the order the rules report them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from consolidate.checks.common import Person, Reporter
from consolidate.model.baseline import Baseline
from consolidate.model.form import Form, Row
from consolidate.values.text import squash

if TYPE_CHECKING:
    import pandas as pd

FormRows = list[tuple[Form, Row]]
NO_ACCOUNT = ("无", "/", "-")  # what a roster writes for a person without an account yet
_NONE = "\x00"  # a district not known, as pandas keys it (None would be dropped)


@dataclass(frozen=True)
class People:
    """Every row that counts of Annex 1 then Annex 2, with what the views compare."""

    rows: FormRows
    annexes: tuple[int, ...]
    names: tuple[str, ...]  # normalised
    mobiles: tuple[str, ...]  # normalised digits
    districts: tuple[str | None, ...]
    accounts: tuple[str, ...]  # folded for comparison; "" when none (and on Annex 1)

    @classmethod
    def of(cls, judged: dict[int, FormRows], reporter: Reporter) -> People:
        rows = [*judged[1], *judged[2]]
        persons = [reporter.person(row) for _, row in rows]
        return cls(
            rows=rows,
            annexes=tuple(form.annex for form, _ in rows),
            names=tuple(p.name for p in persons),
            mobiles=tuple(p.mobile for p in persons),
            districts=tuple(form.district for form, _ in rows),
            accounts=tuple(_account(form, row) for form, row in rows),
        )

    def person(self, index: int) -> Person:
        return Person(self.names[index], self.mobiles[index])


def _account(form: Form, row: Row) -> str:
    if form.annex != 2:
        return ""
    account = squash(row.text("account")).lower()
    return "" if account in NO_ACCOUNT else account


@dataclass(frozen=True)
class Matched:
    """This year's roster people against last year's register (positions into
    :attr:`People.rows` and :attr:`Baseline.rows`)."""

    present: list[int]  # each (district, person) of the rosters once, identified, in order
    before: list[int | None]  # each one's row last year: in its district, else anywhere
    removed: list[int]  # last year's people of a district that sent a roster, not in it
    anywhere: list[int | None]  # each Annex 1 row's person last year: its district first


class Views(Protocol):
    """The groups and the matching the rules across districts report."""

    def shared_mobiles(self) -> list[list[int]]:
        """Rows whose mobile is given for two names or more (a full mobile, a name)."""
        ...

    def several_districts(self) -> list[list[int]]:
        """Roster rows of one person (name + mobile) listed by two districts or more."""
        ...

    def shared_accounts(self) -> list[list[int]]:
        """Roster rows of one account name used by two people or more."""
        ...

    def matched(self, baseline: Baseline) -> Matched:
        """This year's people against the baseline's (decision 12)."""
        ...


def _identified(name: str, mobile: str) -> bool:
    return bool(name and mobile)


# ---------------------------------------------------------------- plain Python
class PlainViews:
    """The views in plain Python: a dictionary per grouping."""

    def __init__(self, people: People) -> None:
        self.people = people

    def shared_mobiles(self) -> list[list[int]]:
        p = self.people
        keys = [m if n and len(m) == 11 else None for n, m in zip(p.names, p.mobiles, strict=True)]
        return plain_groups(keys, p.names)

    def several_districts(self) -> list[list[int]]:
        p = self.people
        keys = [
            (n, m) if a == 2 and _identified(n, m) else None
            for a, n, m in zip(p.annexes, p.names, p.mobiles, strict=True)
        ]
        return plain_groups(keys, p.districts)

    def shared_accounts(self) -> list[list[int]]:
        p = self.people
        keys = [account or None for account in p.accounts]
        return plain_groups(keys, list(zip(p.names, p.mobiles, strict=True)))

    def matched(self, baseline: Baseline) -> Matched:
        p = self.people
        by_key: dict[tuple[str | None, Person], int] = {}
        by_person: dict[Person, int] = {}
        for i, listed in enumerate(baseline.rows):
            person = Person(listed.name, listed.mobile)
            by_key.setdefault((listed.district, person), i)
            by_person.setdefault(person, i)
        present, before, seen = [], [], set()
        for i in range(len(p.rows)):
            key = (p.districts[i], p.person(i))
            if p.annexes[i] != 2 or not _identified(p.names[i], p.mobiles[i]) or key in seen:
                continue
            seen.add(key)
            present.append(i)
            district, person = key
            if district is None:
                before.append(by_person.get(person))
            else:
                before.append(by_key.get(key, by_key.get((None, person))))
        sent = {district for district, _ in seen if district}
        unplaced = {person for district, person in seen if district is None}
        removed = [
            i
            for i, listed in enumerate(baseline.rows)
            if listed.district in sent
            and (listed.district, Person(listed.name, listed.mobile)) not in seen
            and Person(listed.name, listed.mobile) not in unplaced
        ]
        anywhere = [
            by_key.get((p.districts[i], p.person(i)), by_person.get(p.person(i)))
            for i in range(len(p.rows))
            if p.annexes[i] == 1
        ]
        return Matched(present, before, removed, anywhere)


def plain_groups(keys: Sequence[Hashable | None], values: Sequence[Hashable]) -> list[list[int]]:
    """Positions grouped by key (None: in no group), the groups whose rows hold two
    different ``values`` or more."""
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if key is not None:
            groups[key].append(i)
    return [group for group in groups.values() if len({values[i] for i in group}) >= 2]


# ---------------------------------------------------------------- pandas
class FrameViews:
    """The views in pandas: the register as one DataFrame, grouped and merged."""

    def __init__(self, people: People) -> None:
        self.people = people
        districts = [d if d is not None else _NONE for d in people.districts]
        self.frame = _frame(
            {"annex": people.annexes},
            {"name": people.names, "mobile": people.mobiles, "district": districts,
             "account": people.accounts},
        )  # fmt: skip

    def shared_mobiles(self) -> list[list[int]]:
        f = self.frame
        return frame_groups(f[(f.name != "") & (f.mobile.str.len() == 11)], ["mobile"], ["name"])

    def several_districts(self) -> list[list[int]]:
        f = self.frame
        roster = f[(f.annex == 2) & (f.name != "") & (f.mobile != "")]
        return frame_groups(roster, ["name", "mobile"], ["district"])

    def shared_accounts(self) -> list[list[int]]:
        f = self.frame
        return frame_groups(f[f.account != ""], ["account"], ["name", "mobile"])

    def matched(self, baseline: Baseline) -> Matched:
        f = self.frame
        rows = baseline.rows
        last = _frame(
            {"position": range(len(rows))},
            {"district": [r.district if r.district is not None else _NONE for r in rows],
             "name": [r.name for r in rows], "mobile": [r.mobile for r in rows]},
        )  # fmt: skip
        key, person = ["district", "name", "mobile"], ["name", "mobile"]
        # Last year's first row of each (district, person), of each person, and of each
        # person whose district was not known.
        by_key = last.drop_duplicates(key)
        by_person = last.drop_duplicates(person)
        unplaced = by_key[by_key.district == _NONE][[*person, "position"]]
        roster = f[(f.annex == 2) & (f.name != "") & (f.mobile != "")]
        present = roster[key].drop_duplicates().reset_index(names="row")
        present = _look_up(present, by_key, key, "in_district")
        present = _look_up(present, unplaced, person, "unplaced")
        present = _look_up(present, by_person, person, "anywhere")
        # A row of a known district matches there, else a row of unknown district;
        # a row of unknown district matches anywhere.
        placed = present.district != _NONE
        before = present.in_district.where(placed, present.anywhere)
        before = before.where(~placed | before.notna(), present.unplaced)
        # Gone: last year's people of a district that sent a roster, not in it (nor on a
        # roster of unknown district).
        sent = set(present.district[placed])
        gone = last[last.district.isin(sent)]
        gone = gone[~_has(gone, present, key) & ~_has(gone, present[~placed], person)]
        # Each request's person: in its district first, else wherever last year had them.
        requests = f[f.annex == 1][key].reset_index(drop=True)
        requests = _look_up(_look_up(requests, by_key, key, "here"), by_person, person, "there")
        return Matched(
            present=present.row.tolist(),
            before=_positions(before),
            removed=gone.position.tolist(),
            anywhere=_positions(requests.here.where(requests.here.notna(), requests.there)),
        )


def _frame(numbers: dict[str, Sequence[int]], texts: dict[str, Sequence[str]]) -> pd.DataFrame:
    """A frame of integer and text columns, typed even when empty."""
    import pandas as pd

    columns = {name: pd.Series(list(v), dtype="int64") for name, v in numbers.items()}
    columns |= {name: pd.Series(list(v), dtype=object) for name, v in texts.items()}
    return pd.DataFrame(columns)


def frame_groups(frame: pd.DataFrame, key: list[str], values: list[str]) -> list[list[int]]:
    """:func:`plain_groups` of a frame's rows (positions: its index), by ``key`` columns."""
    import numpy as np

    counts = frame.drop_duplicates([*key, *values]).groupby(key, sort=False).size()
    many = frame.set_index(key).index.isin(counts.index[counts >= 2])
    chosen = frame[many]
    if chosen.empty:
        return []
    number = chosen.groupby(key, sort=False).ngroup().to_numpy()
    positions = chosen.index.to_numpy()
    order = np.lexsort((positions, number))  # by group, rows in order within each
    bounds = np.flatnonzero(np.diff(number[order])) + 1
    return [part.tolist() for part in np.split(positions[order], bounds)]


def _look_up(frame: pd.DataFrame, table: pd.DataFrame, on: list[str], name: str) -> pd.DataFrame:
    """``frame`` with the ``position`` of its row in ``table`` (first by ``on``) as ``name``."""
    found = table[[*on, "position"]].rename(columns={"position": name})
    return frame.merge(found, on=on, how="left")


def _has(frame: pd.DataFrame, other: pd.DataFrame, on: list[str]) -> pd.Series:
    """Whether each row of ``frame`` has its ``on`` values in some row of ``other``."""
    import pandas as pd

    keys = pd.MultiIndex.from_frame(other[on]) if len(on) > 1 else pd.Index(other[on[0]])
    mine = pd.MultiIndex.from_frame(frame[on]) if len(on) > 1 else pd.Index(frame[on[0]])
    return pd.Series(mine.isin(keys), index=frame.index)


def _positions(series: pd.Series) -> list[int | None]:
    return [None if value != value else int(value) for value in series.tolist()]
