"""Reads shared by the calendar page, command and API, and the start page.

Nothing here writes. Windows are stored only by the scheduled job (``windows_ensure_ahead``)
and, for this month or later, by a save that needs the row (``returns.services.window_for_saving``).
A read of a month with no stored row gets the rules' dates as an unsaved ``CollectionWindow``:
storing a past window from a GET would make the next breach sweep punish it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from providers.models import CareType, Location
from returns.deadlines import LONDON, Period, window_dates
from returns.models import CollectionWindow, Return, ReturnKind, ReturnVersion
from returns.obligations import opening_day, owes, status_on, with_status_on

MIN_YEAR = 2020
MAX_YEAR = 2100


def window_from_rules(period: Period) -> CollectionWindow:
    """The month's window as the rules compute it, unsaved (``pk`` is None)."""
    dates = window_dates(period)
    return CollectionWindow(
        period=period.first_day(),
        opens_at=dates.opens_at,
        closes_at=dates.closes_at,
        last_day=dates.last_day,
        rule_opens_at=dates.opens_at,
        rule_closes_at=dates.closes_at,
    )


def windows_for_periods(periods: list[Period]) -> list[CollectionWindow]:
    """One window per period, in the order given, in one query: the stored row where there is
    one (staff may have overridden it), else the rules' dates, unsaved."""
    stored = {
        w.period: w
        for w in CollectionWindow.objects.filter(period__in=[p.first_day() for p in periods])
    }
    return [stored.get(p.first_day()) or window_from_rules(p) for p in periods]


def window_for_period(period: Period) -> CollectionWindow:
    return windows_for_periods([period])[0]


def windows_for_year(year: int) -> list[CollectionWindow]:
    """The year's twelve windows (stored or computed; see ``windows_for_periods``)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"Enter a year from {MIN_YEAR} to {MAX_YEAR}.")
    return windows_for_periods([Period(year, month) for month in range(1, 13)])


def _windows_around(now: datetime.datetime) -> list[CollectionWindow]:
    """Last month's, this month's and next month's windows. Last month's because an overridden
    window may stay open into the next month."""
    this_month = Period.of(now.astimezone(LONDON).date())
    return windows_for_periods([this_month.previous(), this_month, this_month.next()])


def window_current_or_next(now: datetime.datetime) -> CollectionWindow:
    """The window open at ``now``, or else the next one to open."""
    windows = _windows_around(now)
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


# --- Obligations and the provider dashboard -------------------------------------------------


def latest_opened_window(now: datetime.datetime) -> CollectionWindow:
    """The window providers are working on: the newest one that has opened by ``now``
    (last month's until this month's opens)."""
    windows = _windows_around(now)
    opened = [w for w in windows if w.opens_at <= now]
    # None opened only if staff moved last month's opening past ``now``: it is the next to open.
    return opened[-1] if opened else windows[0]


class Status:
    NOT_STARTED = "not_started"
    UPDATED = "updated"
    NIL = "nil"
    LATE = "late"
    MISSED = "missed"
    NOT_REQUIRED = "not_required"

    LABELS = {
        NOT_STARTED: ("Not started", "govuk-tag--grey"),
        UPDATED: ("Updated", "govuk-tag--green"),
        NIL: ("Nil return", "govuk-tag--turquoise"),
        LATE: ("Updated late", "govuk-tag--orange"),
        MISSED: ("Missed", "govuk-tag--red"),
        NOT_REQUIRED: ("Not required", "govuk-tag--grey"),
    }


def obligation_status(
    head: Return | None, owed: bool, window: CollectionWindow, now: datetime.datetime
) -> str:
    if head is not None and head.counted is not None:
        return Status.NIL if head.counted.kind == ReturnKind.NIL else Status.UPDATED
    if not owed:
        return Status.NOT_REQUIRED
    if head is not None and head.latest is not None:
        return Status.LATE
    return Status.MISSED if now >= window.closes_at else Status.NOT_STARTED


@dataclass(frozen=True)
class DashboardRow:
    location: Location
    care_type: str
    status: str
    last_month_status: str | None
    latest: ReturnVersion | None

    @property
    def care_type_label(self) -> str:
        return CareType(self.care_type).label

    @property
    def status_label(self) -> tuple[str, str]:
        return Status.LABELS[self.status]

    @property
    def last_month_label(self) -> tuple[str, str] | None:
        return Status.LABELS[self.last_month_status] if self.last_month_status else None


def dashboard_rows(
    locations: QuerySet[Location], window: CollectionWindow, now: datetime.datetime
) -> list[DashboardRow]:
    """Every location x care type with this month's and last month's status.

    A fixed number of queries whatever the number of locations: the locations (with their
    status on each window's open day), the previous window, and the return heads.
    """
    previous = CollectionWindow.objects.filter(period__lt=window.period).order_by("-period").first()
    located = list(
        with_status_on(locations, opening_day(window))
        .annotate(status_before=status_on(opening_day(previous or window)))
        .select_related("local_authority")
        .order_by("name", "cqc_id")
    )
    windows = [window] + ([previous] if previous else [])
    heads = {
        (h.location_id, h.care_type, h.window_id): h
        for h in Return.objects.filter(
            location__in=[loc.pk for loc in located],
            # A window not stored yet (computed from the rules) has no returns.
            window__in=[w for w in windows if w.pk is not None],
        ).select_related("latest", "counted")
    }
    rows = []
    for location in located:
        for care_type in location.care_types:
            head = heads.get((location.pk, care_type, window.pk))
            status = obligation_status(head, owes(location, window), window, now)
            last = None
            if previous is not None:
                before = heads.get((location.pk, care_type, previous.pk))
                owed_before = owes(location, previous, status=location.status_before)
                last = obligation_status(before, owed_before, previous, now)
            rows.append(
                DashboardRow(
                    location=location,
                    care_type=care_type,
                    status=status,
                    last_month_status=last,
                    latest=head.latest if head else None,
                )
            )
    return rows


def history_for(location: Location) -> list[ReturnVersion]:
    return list(
        ReturnVersion.objects.filter(return_head__location=location)
        .select_related("return_head__window", "submitted_by", "via_supplier")
        .order_by("-return_head__window__period", "return_head__care_type", "-number")
    )
