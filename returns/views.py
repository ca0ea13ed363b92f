"""Public pages about the collection, and (later) the provider portal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from returns.deadlines import current_or_next_window, windows_for_year


def start(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    window = current_or_next_window(now)
    return render(
        request,
        "returns/start.html",
        {"window": window, "window_is_open": window.contains(now)},
    )


def calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        if not 2000 <= year <= 2200:
            raise ValueError
    except ValueError:
        year = today.year
    return render(
        request,
        "returns/calendar.html",
        {
            "year": year,
            "windows": windows_for_year(year),
            "previous_year": year - 1,
            "next_year": year + 1,
        },
    )
