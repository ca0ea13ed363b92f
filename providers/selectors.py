"""Reads that views, exports and the API share."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from providers.access import AnyUser, visible_locations, visible_providers
from providers.models import Location, Provider, RegistrationStatus, Role, User

SEARCH_LIMIT = 50
# Newly added locations should complete self-registration within 100 days (DOMAIN 1.5).
ONBOARDING_LISTED_AFTER_DAYS = 100


def locations_for_listing(user: AnyUser) -> QuerySet[Location]:
    return (
        visible_locations(user)
        .select_related("provider", "local_authority")
        .order_by("name", "cqc_id")
    )


def search_providers(user: AnyUser, query: str) -> QuerySet[Provider]:
    query = query.strip()
    providers = visible_providers(user)
    if query:
        providers = providers.filter(
            Q(name__icontains=query)
            | Q(cqc_id__iexact=query)
            | Q(locations__cqc_id__iexact=query)
            | Q(locations__name__icontains=query)
            | Q(locations__postcode__iexact=query)
        ).distinct()
    return providers.annotate(location_count=Count("locations", distinct=True)).order_by("name")[
        :SEARCH_LIMIT
    ]


def pending_users_of(provider: Provider) -> QuerySet[User]:
    return User.objects.filter(
        provider=provider, role=Role.PROVIDER, approved_at__isnull=True, is_active=True
    ).order_by("date_joined")


def team_of(provider: Provider) -> QuerySet[User]:
    return (
        User.objects.filter(provider=provider, approved_at__isnull=False, is_active=True)
        .prefetch_related("limited_to_locations")
        .order_by("last_name", "first_name")
    )


def locations_without_users() -> QuerySet[Location]:
    """Active locations whose provider has no approved, active user yet."""
    has_user = User.objects.filter(
        provider_id=OuterRef("provider_id"),
        role=Role.PROVIDER,
        approved_at__isnull=False,
        is_active=True,
    )
    return Location.objects.filter(status=RegistrationStatus.ACTIVE).exclude(Exists(has_user))


def onboarding_overdue(*, today: datetime.date) -> QuerySet[Location]:
    """Listed for support staff: no registered user 100 days after being added."""
    cutoff = today - datetime.timedelta(days=ONBOARDING_LISTED_AFTER_DAYS)
    return (
        locations_without_users().filter(added_to_service_on__lte=cutoff).select_related("provider")
    )
