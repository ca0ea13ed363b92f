"""Working days in England, as pure functions (no database, no clock, no app imports).

A working day is a weekday that is not an England bank holiday. The bank holidays come from
the ``holidays`` package (UK, subdivision ENG): Christmas Day and Good Friday are among them,
and so are one-off days such as 19 September 2022 and 8 May 2023. Both the collection window
(returns) and notice service (enforcement) count working days with these functions.
"""

from __future__ import annotations

import datetime
import functools

import holidays


@functools.cache
def _england_bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: datetime.date) -> bool:
    return day in _england_bank_holidays(day.year)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def next_working_day_on_or_after(day: datetime.date) -> datetime.date:
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def nth_working_day_after(day: datetime.date, n: int) -> datetime.date:
    """The ``n``th working day after ``day`` (``day`` itself never counts)."""
    count = 0
    while count < n:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return day
