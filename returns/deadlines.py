"""The collection window rules, as pure functions (no database, no clock).

A month's window opens at 00:00 Europe/London on the 8th and closes at the end of the 14th,
or of the next working day when the 14th is a Saturday, Sunday or England bank holiday.
The open date never moves (it opened on a bank holiday, 8 May 2023). Working days are
``capacity_tracker.lib.working_days`` (England bank holidays from the ``holidays`` package,
including one-off days such as 19 September 2022 and 8 May 2023).

Instants are aware datetimes in Europe/London. The close instant is exclusive: 00:00 of the
day after the last day, so "saved before closes_at" is the whole of the last day whatever the
clocks do that night.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from capacity_tracker.lib.working_days import next_working_day_on_or_after

LONDON = ZoneInfo("Europe/London")
OPEN_DAY = 8
DUE_DAY = 14


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month that a collection window belongs to."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1 to 12, not {self.month}")
        if not 2000 <= self.year <= 2200:
            raise ValueError(f"year must be 2000 to 2200, not {self.year}")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, text: str) -> Period:
        try:
            year, month = text.strip().split("-")
            return cls(int(year), int(month))
        except ValueError:
            raise ValueError(f"{text!r} is not a month like 2026-04") from None

    @classmethod
    def of(cls, day: datetime.date) -> Period:
        return cls(day.year, day.month)

    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def label(self) -> str:
        return self.first_day().strftime("%B %Y")


@dataclass(frozen=True)
class WindowDates:
    period: Period
    opens_at: datetime.datetime
    last_day: datetime.date
    closes_at: datetime.datetime

    def contains(self, instant: datetime.datetime) -> bool:
        return self.opens_at <= instant < self.closes_at


def open_day(period: Period) -> datetime.date:
    return datetime.date(period.year, period.month, OPEN_DAY)


def last_day(period: Period) -> datetime.date:
    return next_working_day_on_or_after(datetime.date(period.year, period.month, DUE_DAY))


def start_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LONDON)


def window_dates(period: Period) -> WindowDates:
    final = last_day(period)
    return WindowDates(
        period=period,
        opens_at=start_of_day(open_day(period)),
        last_day=final,
        closes_at=start_of_day(final + datetime.timedelta(days=1)),
    )


def current_or_next_window(now: datetime.datetime) -> WindowDates:
    """The window open at ``now``, or else the next one to open."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    period = Period.of(now.astimezone(LONDON).date())
    window = window_dates(period)
    if now < window.closes_at:
        return window
    return window_dates(period.next())


def windows_for_year(year: int) -> list[WindowDates]:
    return [window_dates(Period(year, month)) for month in range(1, 13)]
