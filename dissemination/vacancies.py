"""The vacancy finder's selector: care homes with beds vacant and accepting admissions now.

For each active care home location, its newest saved care home return (any month, in the
window or not: a discharge team wants the freshest figure the home has given, and DOMAIN 2.4
keeps updates made outside the window). A location whose newest return is a nil return has no
current figures and is left out, as is one whose newest figures show no bed accepting
admissions.

One query builds the page (plus one to count it), however many homes there are: each figure is
a correlated subquery on the location row, not a query per home.

Only the home's own figures and its contact phone number are read: never who saved the
return, nor a contact's name or email address.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from capacity_tracker.lib import clock
from providers.models import CareType, Contact, Location, RegistrationStatus
from returns.models import CollectionWindow, ReturnKind, ReturnVersion

ACCEPTING = "beds_vacant_accepting"
RESERVED = "beds_vacant_reserved"
CAPACITY = "beds_max_capacity"
WITH_FIGURES = (ReturnKind.FULL, ReturnKind.UNCHANGED)
# The kinds of care home CQC registers (Location fields, from the CQC import), as shown.
KINDS = {"nursing": "Nursing", "residential": "Residential", "dementia": "Dementia"}


@dataclass(frozen=True)
class Filters:
    region_id: int | None = None
    local_authority_id: int | None = None
    # Kinds of care (keys of KINDS): a home offering any one of them matches. Empty: all homes.
    kinds: tuple[str, ...] = ()


def kinds_of(home: Location) -> list[str]:
    """The kinds of care a home is registered for, as shown ("Nursing", "Dementia")."""
    return [label for name, label in KINDS.items() if getattr(home, name)]


def _newest_version() -> QuerySet[ReturnVersion]:
    return ReturnVersion.objects.filter(
        return_head__location=OuterRef("pk"), return_head__care_type=CareType.CARE_HOME
    ).order_by("-submitted_at", "-pk")


def _item(code: str) -> Subquery:
    figure = Cast(KT(f"answers__{code}"), IntegerField())
    return Subquery(_newest_version().annotate(figure=figure).values("figure")[:1])


def _phone() -> Subquery:
    # The primary contact's number first: the one the home asked to be called on.
    contacts = (
        Contact.objects.filter(location=OuterRef("pk"))
        .exclude(phone="")
        .order_by("-is_primary", "pk")
        .values("phone")[:1]
    )
    return Subquery(contacts)


def vacant_care_homes(filters: Filters) -> QuerySet[Location]:
    """Locations with ``accepting``, ``reserved``, ``capacity``, ``figures_kind``,
    ``figures_saved_at`` and ``phone`` annotated, most beds accepting admissions first."""
    newest = _newest_version()
    homes = Location.objects.filter(offers_care_home=True, status=RegistrationStatus.ACTIVE)
    if filters.local_authority_id is not None:
        homes = homes.filter(local_authority_id=filters.local_authority_id)
    if filters.region_id is not None:
        homes = homes.filter(local_authority__region_id=filters.region_id)
    if filters.kinds:
        any_kind = Q()
        for kind in filters.kinds:
            if kind not in KINDS:
                raise ValueError(f"{kind!r} is not a kind of care ({', '.join(KINDS)})")
            any_kind |= Q(**{kind: True})
        homes = homes.filter(any_kind)
    return (
        homes.annotate(
            figures_kind=Subquery(newest.values("kind")[:1]),
            figures_saved_at=Subquery(newest.values("submitted_at")[:1]),
            accepting=_item(ACCEPTING),
            reserved=_item(RESERVED),
            capacity=_item(CAPACITY),
            phone=_phone(),
        )
        .filter(figures_kind__in=WITH_FIGURES, accepting__gt=0)
        .select_related("local_authority__region")
        .only(
            "cqc_id",
            "name",
            "town",
            "postcode",
            *KINDS,
            "local_authority__name",
            "local_authority__region__name",
        )
        .order_by("-accepting", "name", "pk")
    )


def stale_before(now: datetime.datetime) -> datetime.datetime | None:
    """Figures saved before the last closed window opened are stale: the home has not updated
    them in that month's collection. None when no window has closed yet."""
    last = CollectionWindow.objects.filter(closes_at__lte=now).order_by("-closes_at").first()
    return last.opens_at if last is not None else None


def days_ago(instant: datetime.datetime, now: datetime.datetime) -> str:
    """'today', 'yesterday' or 'N days ago', counted in London calendar days."""
    days = (clock.local_date(now) - clock.local_date(instant)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
