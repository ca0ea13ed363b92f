"""Public pages about the collection: the start page and the calendar of collection windows.

The provider portal is in returns/portal.py and bulk update in returns/bulk/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from capacity_tracker.lib import clock
from returns.selectors import window_current_or_next, windows_for_year


def start(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    window = window_current_or_next(now)
    return render(
        request, "returns/start.html", {"window": window, "window_is_open": window.contains(now)}
    )


def calendar(request: HttpRequest) -> HttpResponse:
    today = clock.local_date(clock.now())
    raw = request.GET.get("year", "")
    error = ""
    try:
        year = int(raw) if raw else today.year
        windows = windows_for_year(year)
    except ValueError:
        error = f"Enter a year from 2020 to 2100, like {today.year}"
        year = today.year
        windows = windows_for_year(year)
    return render(
        request,
        "returns/calendar.html",
        {
            "year": year,
            "windows": windows,
            "error": error,
            "previous_year": year - 1 if year > 2020 else None,
            "next_year": year + 1 if year < 2100 else None,
        },
        status=400 if error else 200,
    )
