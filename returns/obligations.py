"""Who owes a return: the one place the rule lives (DOMAIN.md §1.2, §1.3).

A location owes a window one return per care type it offers (``offers_care_home``,
``offers_home_care``) when, on the window's opening day (its Europe/London date):

- its registration status was active: the newest ``LocationStatusChange`` effective on or
  before that day, or ``Location.status`` for a location with no such history row; and
- it had been added to the service (``added_to_service_on`` on or before that day).

So a location that goes dormant or is deregistered stops owing from the next window to open,
and a location added mid-window owes from the next one. Everything that asks "who owes?" (the
provider dashboard, the emails, the breach sweep, the dissemination aggregates) reads it here:

- ``status_on(day)``: the expression for the status in force on ``day``.
- ``with_status_on(locations, day)``: ``locations`` annotated ``status_then``.
- ``owing_locations(window, locations=None)``: the owing locations, annotated ``status_then``.
- ``owes(location, window)``: for a row already annotated for that window's opening day.
- ``obligations(windows, care_type=None, locations=None, extra=())``: one row per owed
  (window, location, care type), for one window or many, as a single query whose SQL the
  aggregates embed (``obligations(...).query.sql_with_params()``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import CharField, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from providers.models import CareType, Location, LocationStatusChange, RegistrationStatus
from returns.models import CollectionWindow

# Which Location flag says a care type is offered.
OFFERED = {CareType.CARE_HOME: "offers_care_home", CareType.HOME_CARE: "offers_home_care"}


def opening_day(window: CollectionWindow) -> datetime.date:
    """The day obligations are fixed on: the London date the window opened (an override that
    moves the opening moves it too)."""
    return window.opens_local.date()


def status_on(day: datetime.date) -> Coalesce:
    """The registration status in force on ``day``; ties on the same day go to the change
    recorded last, so a correction entered later wins."""
    newest = (
        LocationStatusChange.objects.filter(location=OuterRef("pk"), effective_from__lte=day)
        .order_by("-effective_from", "-recorded_at", "-pk")
        .values("status")[:1]
    )
    return Coalesce(Subquery(newest), "status", output_field=CharField())


def with_status_on(locations: QuerySet[Location], day: datetime.date) -> QuerySet[Location]:
    """Annotate ``status_then``: the registration status in force on ``day``."""
    return locations.annotate(status_then=status_on(day))


def owing_locations(
    window: CollectionWindow, locations: QuerySet[Location] | None = None
) -> QuerySet[Location]:
    """The locations (of ``locations``, default all) that owe ``window`` a return for each care
    type they offer, annotated ``status_then``."""
    day = opening_day(window)
    base = Location.objects.all() if locations is None else locations
    # As ``with_status_on``, annotated here so that the filter's type knows ``status_then``.
    return base.annotate(status_then=status_on(day)).filter(
        status_then=RegistrationStatus.ACTIVE, added_to_service_on__lte=day
    )


def owes(location: Location, window: CollectionWindow, *, status: str | None = None) -> bool:
    """Does ``location`` owe ``window``? ``status`` is its status on the window's opening day;
    by default the ``status_then`` annotation of ``with_status_on``/``owing_locations`` for
    that day (or the current status for an unannotated row)."""
    if status is None:
        status = getattr(location, "status_then", location.status)
    return status == RegistrationStatus.ACTIVE and location.added_to_service_on <= opening_day(
        window
    )


def owed_care_types(location: Location, window: CollectionWindow) -> list[CareType]:
    """The care types ``location`` owes ``window`` (see ``owes`` for the annotation)."""
    return location.care_types if owes(location, window) else []


def obligations(
    windows: Sequence[CollectionWindow],
    *,
    care_type: str | None = None,
    locations: QuerySet[Location] | None = None,
    extra: Sequence[str] = (),
) -> QuerySet:
    """Every owed (window, location, care type) as dicts with ``window_id``, ``location_id``,
    ``care_type`` and any ``extra`` Location fields (e.g. ``"provider_id"``).

    One query whatever the number of windows: a UNION ALL of one part per window and care type,
    each the same rule as ``owing_locations``. The result can be iterated, ordered, counted, or
    compiled with ``.query.sql_with_params()`` and embedded in hand-written SQL.
    """
    if care_type is not None and care_type not in OFFERED:
        raise ValueError(f"Unknown care type {care_type!r}.")
    if any(window.pk is None for window in windows):
        # A window computed from the rules but not stored has no returns and no sweep yet.
        raise ValueError("Obligations are listed for stored windows only.")
    care_types = [CareType(care_type)] if care_type else list(OFFERED)
    parts = [
        owing_locations(window, locations)
        .filter(**{OFFERED[ct]: True})
        .annotate(
            window_id=Value(window.pk, output_field=IntegerField()),
            location_id=F("pk"),
            care_type=Value(ct.value, output_field=CharField()),
        )
        .values("window_id", "location_id", "care_type", *extra)
        .order_by()  # Location's default ordering would sort every part of the union for nothing
        for window in windows
        for ct in care_types
    ]
    if not parts:
        return Location.objects.none().values("pk")
    if len(parts) == 1:
        return parts[0]
    return parts[0].union(*parts[1:], all=True)
