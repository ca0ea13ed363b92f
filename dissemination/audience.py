"""Who is looking at the dissemination pages, and what part of England they may see.

National staff (analysts, support, caseworkers) see England. A local authority user sees
their councils only: every selector call gets ``Scope(local_authority_ids=...)``, and the
"England" row of a scoped call is their area's total, so it is labelled as such.

Location-level rows: analysts, caseworkers and support staff may have them (support staff
already see every return in admin and act on providers' behalf, so withholding location
exports from them would protect nothing); local authority users for their own councils'
locations only, which their scope guarantees. See ``providers.access.can_see_location_level``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from dissemination.selectors import Scope
from providers.access import (
    AnyUser,
    can_see_location_level,
    is_local_authority_user,
    visible_local_authorities,
)
from providers.models import LocalAuthority, Region
from returns.models import CollectionWindow


@dataclass(frozen=True)
class Audience:
    """The signed-in user's view of the data: national, or scoped to some councils."""

    scoped: bool
    councils: tuple[LocalAuthority, ...]  # a scoped user's own councils, by name
    location_level: bool

    @classmethod
    def of(cls, user: AnyUser) -> Audience:
        scoped = is_local_authority_user(user)
        councils = tuple(visible_local_authorities(user).order_by("name")) if scoped else ()
        return cls(scoped=scoped, councils=councils, location_level=can_see_location_level(user))

    @property
    def council_ids(self) -> list[int]:
        return [council.pk for council in self.councils]

    @property
    def total_label(self) -> str:
        """What the selectors' "England" row is for this user."""
        if not self.scoped:
            return "England"
        names = [council.name for council in self.councils]
        if not names:
            return "Your area (no councils set)"
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"Total for {joined}"

    def scope(
        self, *, region: Region | None = None, council: LocalAuthority | None = None
    ) -> Scope:
        """The selectors' scope: the user's own area, narrowed to a chosen region or council
        (which the forms have already checked the user may see)."""
        if council is not None:
            councils: list[int] | None = [council.pk]
        else:
            councils = self.council_ids if self.scoped else None
        return Scope(region_ids=[region.pk] if region else None, local_authority_ids=councils)

    def local_authorities(self) -> QuerySet[LocalAuthority]:
        if self.scoped:
            return LocalAuthority.objects.filter(pk__in=self.council_ids).order_by("name")
        return LocalAuthority.objects.order_by("name")

    def regions(self) -> QuerySet[Region]:
        if self.scoped:
            return (
                Region.objects.filter(local_authorities__in=self.council_ids)
                .distinct()
                .order_by("name")
            )
        return Region.objects.order_by("name")


def opened_windows(now: datetime.datetime) -> QuerySet[CollectionWindow]:
    """Windows with data to show: those that have opened, newest first."""
    return CollectionWindow.objects.filter(opens_at__lte=now).order_by("-period")


def closed_windows(now: datetime.datetime) -> QuerySet[CollectionWindow]:
    return CollectionWindow.objects.filter(closes_at__lte=now).order_by("-period")
