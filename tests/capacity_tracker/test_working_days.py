"""Working days in England: one calendar for the collection window and for notice service."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity_tracker.lib.working_days import (
    is_bank_holiday,
    is_working_day,
    next_working_day_on_or_after,
    nth_working_day_after,
)

D = datetime.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 3, 2), True),  # a Monday
        (D(2026, 3, 7), False),  # Saturday
        (D(2026, 3, 8), False),  # Sunday
        (D(2026, 4, 3), False),  # Good Friday
        (D(2026, 4, 6), False),  # Easter Monday
        (D(2026, 12, 25), False),  # Christmas Day
        (D(2026, 12, 28), False),  # Boxing Day falls on a Saturday: the Monday substitutes
        (D(2022, 9, 19), False),  # the state funeral: a one-off bank holiday
        (D(2023, 5, 8), False),  # the coronation: a one-off bank holiday
        (D(2026, 1, 2), True),  # a Scottish bank holiday, not an English one
        (D(2026, 11, 30), True),  # St Andrew's Day: Scotland only
        (D(2026, 3, 17), True),  # St Patrick's Day: Northern Ireland only
    ],
)
def test_named_days(day, working):
    assert is_working_day(day) is working


def test_bank_holidays_are_england_only():
    assert is_bank_holiday(D(2026, 8, 31))  # England's summer bank holiday
    assert not is_bank_holiday(D(2026, 8, 3))  # Scotland's


def test_next_working_day_on_or_after():
    assert next_working_day_on_or_after(D(2026, 3, 2)) == D(2026, 3, 2)  # already one
    assert next_working_day_on_or_after(D(2026, 3, 7)) == D(2026, 3, 9)  # Saturday -> Monday
    assert next_working_day_on_or_after(D(2026, 4, 3)) == D(2026, 4, 7)  # over Easter
    assert next_working_day_on_or_after(D(2026, 12, 25)) == D(2026, 12, 29)


def test_nth_working_day_after_never_counts_the_day_itself():
    assert nth_working_day_after(D(2026, 3, 2), 1) == D(2026, 3, 3)
    assert nth_working_day_after(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Friday -> Monday
    assert nth_working_day_after(D(2026, 4, 2), 3) == D(2026, 4, 9)  # Easter in between
    assert nth_working_day_after(D(2026, 12, 24), 1) == D(2026, 12, 29)
    assert nth_working_day_after(D(2026, 3, 2), 0) == D(2026, 3, 2)


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31)), st.integers(0, 10))
def test_nth_working_day_after_lands_on_a_working_day(day, n):
    result = nth_working_day_after(day, n)
    assert result >= day
    if n:
        assert is_working_day(result)
        between = [day + datetime.timedelta(days=i) for i in range(1, (result - day).days + 1)]
        assert sum(is_working_day(d) for d in between) == n
    assert next_working_day_on_or_after(day) == (
        day if is_working_day(day) else nth_working_day_after(day, 1)
    )


def test_returns_and_enforcement_use_this_calendar():
    """One rule: the window's last day and a notice's deemed service read the same calendar."""
    from enforcement import deadlines as notice_deadlines
    from returns import deadlines as window_deadlines

    assert window_deadlines.next_working_day_on_or_after is next_working_day_on_or_after
    assert notice_deadlines.nth_working_day_after is nth_working_day_after
    assert not hasattr(window_deadlines, "is_working_day")
    assert not hasattr(window_deadlines, "_england_bank_holidays")


def test_the_lib_imports_no_app():
    code = (
        "import sys, capacity_tracker.lib.working_days\n"
        "apps = {'returns', 'enforcement', 'providers', 'notifications', 'dissemination', 'api'}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in apps)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
