"""Reads shared by the calendar page, command and API, and the start page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from providers.models import CareType, Location, LocationStatusChange, RegistrationStatus
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow, Return, ReturnKind, ReturnVersion
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


# --- Obligations and the provider dashboard -------------------------------------------------


def with_status_on(locations: QuerySet[Location], day: datetime.date) -> QuerySet[Location]:
    """Annotate ``status_then``: the registration status in force on ``day``, from the history
    (falling back to the current status for a location with no history rows)."""
    status_then = (
        LocationStatusChange.objects.filter(location=OuterRef("pk"), effective_from__lte=day)
        .order_by("-effective_from", "-recorded_at", "-pk")
        .values("status")[:1]
    )
    return locations.annotate(status_then=Coalesce(Subquery(status_then), "status"))


def owes_return(location: Location, window: CollectionWindow) -> bool:
    """Active on the day the window opened, and added to the service by then."""
    opened = window.opens_local.date()
    return getattr(location, "status_then", location.status) == RegistrationStatus.ACTIVE and (
        location.added_to_service_on <= opened
    )


def latest_opened_window(now: datetime.datetime) -> CollectionWindow:
    """The window providers are working on: the newest one that has opened by ``now``."""
    current = window_current_or_next(now)
    if current.opens_at <= now:
        return current
    previous = CollectionWindow.objects.filter(opens_at__lte=now).order_by("-period").first()
    return previous or current


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
        with_status_on(locations, window.opens_local.date())
        .annotate(
            status_before=Coalesce(
                Subquery(
                    LocationStatusChange.objects.filter(
                        location=OuterRef("pk"),
                        effective_from__lte=(
                            previous.opens_local.date() if previous else window.opens_local.date()
                        ),
                    )
                    .order_by("-effective_from", "-recorded_at", "-pk")
                    .values("status")[:1]
                ),
                "status",
            )
        )
        .select_related("local_authority")
        .order_by("name", "cqc_id")
    )
    windows = [window] + ([previous] if previous else [])
    heads = {
        (h.location_id, h.care_type, h.window_id): h
        for h in Return.objects.filter(
            location__in=[loc.pk for loc in located], window__in=windows
        ).select_related("latest", "counted")
    }
    rows = []
    for location in located:
        for care_type in location.care_types:
            head = heads.get((location.pk, care_type, window.pk))
            status = obligation_status(head, owes_return(location, window), window, now)
            last = None
            if previous is not None:
                before = heads.get((location.pk, care_type, previous.pk))
                owed_before = location.status_before == RegistrationStatus.ACTIVE and (
                    location.added_to_service_on <= previous.opens_local.date()
                )
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
        .select_related("return_head__window", "submitted_by")
        .order_by("-return_head__window__period", "return_head__care_type", "-number")
    )
