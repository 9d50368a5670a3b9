"""Chinese working days: public holidays and the 调休 make-up workdays count correctly.

The ``chinese_calendar`` package knows each year only once the State Council has
published its holiday schedule; beyond that we fall back to Monday–Friday and say so.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """Whether ``day`` is a working day, and whether the holiday schedule knew it."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        # The year's schedule is not published (or not in this package version) yet.
        return day.weekday() < 5, False


def forward_by(received: dt.date, days: int) -> tuple[dt.date, bool]:
    """``received`` plus ``days`` working days (receipt is day 0); False if a guess was used."""
    if days < 0:
        raise ValueError(f"days must not be negative: {days}")
    current, remaining, exact = received, days, True
    while remaining:
        current += dt.timedelta(days=1)
        workday, known = is_workday(current)
        exact = exact and known
        remaining -= workday
    return current, exact
