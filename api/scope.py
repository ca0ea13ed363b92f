"""Who is calling the API, and what they may read and change: the one place the rules live.

A caller is an API key or a signed-in person (the browser, or a person trying the API from the
docs page). The same questions are asked of both:

- ``readable_locations()``: the locations whose obligations and returns they may read.
- ``writable_locations()``: the locations they may send returns for (keys only: people use the
  portal). A provider key: its provider's locations. A supplier key: the locations providers
  have granted its supplier, live grants only (and only one provider's, for a key that provider
  made). Council and DHSC keys change nothing.
- ``audience``: the dissemination audience (England, or a council's area), or None when the
  caller may not read figures at all.

For people the rules are ``providers.access``'s, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from api.models import ApiKey, ApiKeyKind, SupplierGrant, SupplierGrantLocation
from dissemination.audience import Audience
from providers.access import (
    AnyUser,
    can_see_location_level,
    role_of,
    visible_locations,
)
from providers.models import Location, Role

if TYPE_CHECKING:
    from rest_framework.request import Request

# Roles that may read the dissemination selectors through the API, as on the pages.
AGGREGATE_ROLES = frozenset({Role.ANALYST, Role.SUPPORT, Role.LOCAL_AUTHORITY})
COMPLIANCE_ROLES = frozenset({Role.ANALYST, Role.SUPPORT, Role.CASEWORKER, Role.LOCAL_AUTHORITY})


def granted_locations(key: ApiKey) -> QuerySet[Location]:
    """The locations a supplier key may act for: live grants to its supplier."""
    supplier_id = key.supplier_id
    if supplier_id is None:  # not a supplier's key: no grant names it
        return Location.objects.none()
    live = SupplierGrant.objects.filter(
        supplier_id=supplier_id, revoked_at__isnull=True, provider_id=OuterRef("provider_id")
    )
    whole = live.filter(all_locations=True)
    some = SupplierGrantLocation.objects.filter(
        grant__supplier_id=supplier_id,
        grant__revoked_at__isnull=True,
        grant__all_locations=False,
        location_id=OuterRef("pk"),
    )
    locations = Location.objects.filter(Exists(whole) | Exists(some))
    if key.provider_id is not None:
        locations = locations.filter(provider_id=key.provider_id)
    return locations


@dataclass(frozen=True)
class Caller:
    key: ApiKey | None
    user: AnyUser | None

    @classmethod
    def of(cls, request: Request) -> Caller:
        if isinstance(request.auth, ApiKey):
            return cls(key=request.auth, user=None)
        return cls(key=None, user=request.user)

    @property
    def kind(self) -> str:
        """The key's kind, or the person's role (for messages and logs)."""
        if self.key is not None:
            return self.key.kind
        role = role_of(self.user) if self.user is not None else None
        return role.value if role else "anonymous"

    @property
    def is_supplier(self) -> bool:
        return self.key is not None and self.key.kind == ApiKeyKind.SUPPLIER

    @property
    def supplier_id(self) -> int | None:
        """The supplier a supplier key is for; None for any other caller."""
        return self.key.supplier_id if self.key is not None and self.is_supplier else None

    def readable_locations(self) -> QuerySet[Location]:
        if self.key is None:
            return (
                visible_locations(self.user) if self.user is not None else Location.objects.none()
            )
        kind = self.key.kind
        if kind == ApiKeyKind.PROVIDER and self.key.provider_id is not None:
            return Location.objects.filter(provider_id=self.key.provider_id)
        if kind == ApiKeyKind.SUPPLIER:
            return granted_locations(self.key)
        if kind == ApiKeyKind.LOCAL_AUTHORITY:
            return Location.objects.filter(local_authority_id=self.key.local_authority_id)
        if kind == ApiKeyKind.DHSC:
            return Location.objects.all()
        return Location.objects.none()

    def writable_locations(self) -> QuerySet[Location]:
        if self.key is None or self.key.kind not in (ApiKeyKind.PROVIDER, ApiKeyKind.SUPPLIER):
            return Location.objects.none()
        return self.readable_locations()

    def may_write(self) -> bool:
        return self.key is not None and self.key.kind in (
            ApiKeyKind.PROVIDER,
            ApiKeyKind.SUPPLIER,
        )

    # --- dissemination -------------------------------------------------------------------
    def audience(self, *, compliance: bool = False) -> Audience | None:
        """The dissemination audience, or None when this caller may not read these figures."""
        if self.key is not None:
            if self.key.kind == ApiKeyKind.DHSC:
                return Audience(scoped=False, councils=(), location_level=True)
            if self.key.kind == ApiKeyKind.LOCAL_AUTHORITY and self.key.local_authority:
                # Loaded with the key (api.authentication selects it): no query here.
                return Audience(
                    scoped=True, councils=(self.key.local_authority,), location_level=True
                )
            return None
        if self.user is None:
            return None
        role = role_of(self.user)
        allowed = COMPLIANCE_ROLES if compliance else AGGREGATE_ROLES
        if role not in allowed:
            return None
        return Audience.of(self.user)

    def location_level(self) -> bool:
        if self.key is not None:
            return self.key.kind in (ApiKeyKind.DHSC, ApiKeyKind.LOCAL_AUTHORITY)
        return self.user is not None and can_see_location_level(self.user)
