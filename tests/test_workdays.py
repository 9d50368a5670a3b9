"""Forward-by dates: receipt + N Chinese working days (holidays and 调休 counted)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consolidate.values.workdays import forward_by, is_workday

D = dt.date


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        # 国庆 2026: 10-01…10-07 off; 10-08 Thu, 10-09 Fri, 10-10 Sat (调休 workday), 10-12, 10-13.
        (D(2026, 9, 30), 5, D(2026, 10, 13)),
        # The 调休 Saturday 2026-10-10 is a working day.
        (D(2026, 10, 9), 1, D(2026, 10, 10)),
        # The 调休 Sunday 2026-09-20 (before 中秋) is a working day too.
        (D(2026, 9, 18), 1, D(2026, 9, 20)),
        # 中秋 2026-09-25…27 is off: Thu 09-24 + 1 -> Mon 09-28.
        (D(2026, 9, 24), 1, D(2026, 9, 28)),
        # A plain week: Monday + 5 -> next Monday; Friday + 5 -> next Friday.
        (D(2026, 11, 2), 5, D(2026, 11, 9)),
        (D(2026, 11, 6), 5, D(2026, 11, 13)),
        # Received on a Saturday: the count starts with Monday.
        (D(2026, 11, 7), 1, D(2026, 11, 9)),
        # The day of receipt is day 0.
        (D(2026, 11, 7), 0, D(2026, 11, 7)),
        # Received in the 国庆 holiday: the count starts with the next working day, 10-08
        # (day 1), so the 5th is 10-13 — the same as a request received on 09-30.
        (D(2026, 10, 3), 5, D(2026, 10, 13)),
        (D(2026, 10, 7), 5, D(2026, 10, 13)),
        # Received on a working day: that day does not count, the next one is day 1.
        (D(2026, 10, 8), 5, D(2026, 10, 14)),
    ],
)
def test_forward_by_known_years(received: dt.date, days: int, expected: dt.date) -> None:
    assert forward_by(received, days) == (expected, True)


def test_unknown_year_falls_back_to_monday_to_friday() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2031, 3, 3))  # the premise: the package lacks 2031
    assert forward_by(D(2031, 3, 3), 5) == (D(2031, 3, 10), False)  # Monday
    assert forward_by(D(2031, 3, 7), 1) == (D(2031, 3, 10), False)  # Friday -> Monday
    assert is_workday(D(2031, 3, 8)) == (False, False)


@given(st.dates(D(2026, 1, 1), D(2026, 12, 15)))
def test_a_request_received_on_a_holiday_is_due_as_one_received_the_working_day_before(
    received: dt.date,
) -> None:
    # The 5th working day after the received day (README 全年流程): on a day off, the count starts
    # with the next working day, as for the last working day before it.
    before = received
    while not chinese_calendar.is_workday(before):
        before -= dt.timedelta(days=1)
    assert forward_by(received, 5) == forward_by(before, 5)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        forward_by(D(2026, 11, 2), -1)


@given(st.dates(D(2026, 1, 1), D(2026, 12, 15)), st.integers(1, 10))
def test_exactly_n_working_days_after_receipt(received: dt.date, days: int) -> None:
    due, exact = forward_by(received, days)
    between = [received + dt.timedelta(n) for n in range(1, (due - received).days + 1)]
    assert exact
    assert chinese_calendar.is_workday(due)
    assert sum(chinese_calendar.is_workday(d) for d in between) == days


@given(st.dates(D(2031, 1, 1), D(2031, 12, 20)), st.integers(1, 10))
def test_fallback_lands_on_a_weekday(received: dt.date, days: int) -> None:
    due, exact = forward_by(received, days)
    assert not exact
    assert due.weekday() < 5
    assert (due - received).days >= days
