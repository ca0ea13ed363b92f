"""Reads shared by the calendar page, command and API, and the start page."""

from __future__ import annotations

import datetime

from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow
from returns.services import windows_ensure

MIN_YEAR = 2020
MAX_YEAR = 2100


def windows_for_year(year: int) -> list[CollectionWindow]:
    """The year's twelve windows, from the stored rows (created from the rules if missing)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"Enter a year from {MIN_YEAR} to {MAX_YEAR}.")
    periods = [Period(year, month) for month in range(1, 13)]
    windows = list(CollectionWindow.objects.filter(period__year=year).order_by("period"))
    if len(windows) < 12:
        windows_ensure(periods=periods)
        windows = list(CollectionWindow.objects.filter(period__year=year).order_by("period"))
    return windows


def window_current_or_next(now: datetime.datetime) -> CollectionWindow:
    """The window open at ``now``, or else the next one to open."""
    this_month = Period.of(now.astimezone(LONDON).date())
    periods = [this_month.previous(), this_month, this_month.next()]
    firsts = [p.first_day() for p in periods]
    windows = list(CollectionWindow.objects.filter(period__in=firsts).order_by("period"))
    if len(windows) < len(periods):
        windows_ensure(periods=periods)
        windows = list(CollectionWindow.objects.filter(period__in=firsts).order_by("period"))
    # An overridden window may stay open into the next month, so look at last month's too.
    for window in windows:
        if now < window.closes_at:
            return window
    return windows[-1]


def calendar_rows(windows: list[CollectionWindow]) -> list[dict[str, object]]:
    """The shape shared by the CSV command and the JSON API (ISO 8601 with UTC offset)."""
    return [
        {
            "period": w.period_key,
            "opens_at": w.opens_local.isoformat(),
            "last_day": w.last_day.isoformat(),
            "closes_at": w.closes_local.isoformat(),
            "overridden": w.overridden,
        }
        for w in windows
    ]
