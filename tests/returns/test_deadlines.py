"""The window rules: named cases from the seeds, then properties over many years."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity_tracker.lib.working_days import is_working_day
from returns.deadlines import (
    LONDON,
    Period,
    current_or_next_window,
    window_dates,
    windows_for_year,
)

D = datetime.date


@pytest.mark.parametrize(
    ("period", "expected_last_day"),
    [
        (Period(2023, 5), D(2023, 5, 15)),  # 14 May 2023 was a Sunday
        (Period(2023, 1), D(2023, 1, 16)),  # Saturday 14th -> Monday 16th
        (Period(2022, 9), D(2022, 9, 14)),  # a Wednesday: the funeral holiday (19th) is later
        (Period(2026, 11), D(2026, 11, 16)),  # Saturday 14th
        (Period(2026, 12), D(2026, 12, 14)),  # a Monday
        (Period(2025, 6), D(2025, 6, 16)),  # Saturday 14th
        (Period(2023, 4), D(2023, 4, 14)),  # Friday 14 April 2023: Good Friday was 7 April
        (Period(2028, 4), D(2028, 4, 18)),  # Good Friday 14 April, Easter Monday 17 April 2028
    ],
)
def test_last_day_moves_past_weekends_and_bank_holidays(period, expected_last_day):
    assert window_dates(period).last_day == expected_last_day


def test_window_closes_on_next_working_day_after_easter_monday():
    window = window_dates(Period(2028, 4))
    assert window.last_day == D(2028, 4, 18)
    assert window.closes_at == datetime.datetime(2028, 4, 19, 0, 0, tzinfo=LONDON)


def test_open_date_never_moves_even_on_a_bank_holiday():
    window = window_dates(Period(2023, 5))  # 8 May 2023, the coronation bank holiday
    assert not is_working_day(D(2023, 5, 8))
    assert window.opens_at == datetime.datetime(2023, 5, 8, 0, 0, tzinfo=LONDON)


def test_one_off_bank_holidays_are_not_working_days():
    assert not is_working_day(D(2022, 9, 19))  # state funeral
    assert not is_working_day(D(2023, 5, 8))  # coronation


def test_instants_are_london_midnight_in_summer_and_winter():
    summer = window_dates(Period(2026, 7))
    winter = window_dates(Period(2026, 1))
    assert summer.opens_at.utcoffset() == datetime.timedelta(hours=1)
    assert summer.opens_at.astimezone(datetime.UTC) == datetime.datetime(
        2026, 7, 7, 23, 0, tzinfo=datetime.UTC
    )
    assert winter.opens_at.utcoffset() == datetime.timedelta(0)


def test_window_contains_its_whole_last_day_and_not_a_second_more():
    window = window_dates(Period(2026, 12))
    last_minute = datetime.datetime(2026, 12, 14, 23, 59, 59, tzinfo=LONDON)
    assert window.contains(last_minute)
    assert not window.contains(window.closes_at)
    assert not window.contains(window.opens_at - datetime.timedelta(microseconds=1))


def test_current_or_next_window_between_windows_is_next_month():
    after_close = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
    assert current_or_next_window(after_close).period == Period(2026, 12)
    during = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=LONDON)
    assert current_or_next_window(during).period == Period(2026, 12)
    december_after = datetime.datetime(2026, 12, 20, tzinfo=LONDON)
    assert current_or_next_window(december_after).period == Period(2027, 1)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        current_or_next_window(datetime.datetime(2026, 1, 1))  # noqa: DTZ001


def test_period_parsing_and_bad_months():
    assert Period.parse("2026-04") == Period(2026, 4)
    assert str(Period(2026, 4)) == "2026-04"
    assert Period(2026, 12).next() == Period(2027, 1)
    assert Period(2026, 1).previous() == Period(2025, 12)
    with pytest.raises(ValueError):
        Period.parse("April 2026")
    with pytest.raises(ValueError):
        Period(2026, 13)


def test_a_year_has_twelve_windows_in_order():
    windows = windows_for_year(2027)
    assert [w.period.month for w in windows] == list(range(1, 13))


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=2015, max_value=2060), st.integers(min_value=1, max_value=12))
def test_window_properties_hold_for_every_month(year, month):
    window = window_dates(Period(year, month))
    # Opens at London midnight on the 8th.
    assert window.opens_at.tzinfo is LONDON
    assert (window.opens_at.day, window.opens_at.hour, window.opens_at.minute) == (8, 0, 0)
    # The last day is the 14th or later, a working day, and every day between is not.
    assert window.last_day >= D(year, month, 14)
    assert is_working_day(window.last_day)
    day = D(year, month, 14)
    while day < window.last_day:
        assert not is_working_day(day)
        day += datetime.timedelta(days=1)
    # Never more than a week late (a long Christmas/Easter run is at most 4 days).
    assert (window.last_day - D(year, month, 14)).days <= 4
    # Closes at London midnight at the start of the day after the last day.
    assert window.closes_at.date() == window.last_day + datetime.timedelta(days=1)
    assert (window.closes_at.hour, window.closes_at.minute) == (0, 0)
    # At least seven whole days long.
    assert window.closes_at - window.opens_at >= datetime.timedelta(days=7) - datetime.timedelta(
        hours=1
    )
