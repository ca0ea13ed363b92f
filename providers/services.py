"""Every write to providers, locations and users. One transaction each, audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Field

from providers.access import can_approve_users_of, role_of
from providers.audit import audit_record
from providers.cqc_apply import ImportReport, cqc_import_apply
from providers.models import (
    LocalAuthority,
    Location,
    LocationStatusChange,
    Provider,
    RegistrationStatus,
    Role,
    User,
)
from providers.support_permissions import support_group_sync

# --- Users ------------------------------------------------------------------------------------


ALL_LOCATIONS = "all"


def _location_labels(locations: Iterable[Location]) -> list[str] | str:
    """A user's locations as the audit trail writes them: CQC IDs, or "all" for no limit."""
    ids = sorted(location.cqc_id for location in locations)
    return ids or ALL_LOCATIONS


def _own_locations(provider: Provider, location_ids: Iterable[int]) -> list[Location]:
    """The locations asked for, all of them current locations of ``provider``."""
    wanted = set(location_ids)
    found = list(
        Location.objects.filter(pk__in=wanted, provider=provider).exclude(
            status=RegistrationStatus.DEREGISTERED
        )
    )
    if len(found) != len(wanted):
        raise ValidationError("A user can be given only their provider's current locations.")
    return found


def user_approve(
    *,
    actor: User,
    user_id: int,
    now: datetime.datetime,
    location_ids: Iterable[int] | None = None,
) -> User:
    """Approve a provider user for the locations given, or all the provider's locations if
    the list is empty. ``None`` keeps any limits already set (support staff in admin set them
    on the user's own page)."""
    with transaction.atomic():
        user, provider = _provider_user_locked_for(
            actor,
            user_id,
            not_provider="Only provider users need approval.",
            not_allowed="You cannot approve users of this provider.",
        )
        if user.is_approved:
            return user  # approving twice (a double click) is not an error
        if location_ids is None:
            locations = list(user.limited_to_locations.all())
        else:
            locations = _own_locations(provider, location_ids)
            user.limited_to_locations.set(locations)
        user.approved_at = now
        user.approved_by = actor
        user.is_active = True
        user.save(update_fields=["approved_at", "approved_by", "is_active"])
        audit_record(
            actor=actor,
            action="providers.user.approved",
            target=user,
            data={"locations": _location_labels(locations)},
        )
    return user


def _provider_user_locked_for(
    actor: User, user_id: int, *, not_provider: str, not_allowed: str
) -> tuple[User, Provider]:
    """The provider user (row-locked for the rest of the transaction) and their provider, if
    ``actor`` may approve that provider's users; otherwise ValidationError or PermissionDenied."""
    user = User.objects.select_for_update(of=("self",)).select_related("provider").get(pk=user_id)
    if user.role != Role.PROVIDER or user.provider is None:
        raise ValidationError(not_provider)
    if not can_approve_users_of(actor, user.provider):
        raise PermissionDenied(not_allowed)
    return user, user.provider


def user_set_locations(
    *, actor: User, user_id: int, location_ids: Iterable[int], reason: str = ""
) -> User:
    """Change the locations an approved provider user sends data for (none given: all).

    For the provider's approvers (and support staff): the before and after are audited.
    """
    with transaction.atomic():
        user, provider = _provider_user_locked_for(
            actor,
            user_id,
            not_provider="Only provider users are limited to locations.",
            not_allowed="You cannot change the locations of this provider's users.",
        )
        locations = _own_locations(provider, location_ids)
        before = list(user.limited_to_locations.all())
        if {location.pk for location in before} == {location.pk for location in locations}:
            return user  # a save with nothing changed is not an event
        user.limited_to_locations.set(locations)
        audit_record(
            actor=actor,
            action="providers.user.locations_changed",
            target=user,
            reason=reason,
            data={"before": _location_labels(before), "after": _location_labels(locations)},
        )
    return user


def user_reject(*, actor: User, user_id: int, reason: str) -> User:
    if not reason.strip():
        raise ValidationError("Say why the request is being turned down.")
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",)).select_related("provider").get(pk=user_id)
        )
        if user.provider is None or not can_approve_users_of(actor, user.provider):
            raise PermissionDenied("You cannot turn down users of this provider.")
        if user.is_approved:
            raise ValidationError("This user is already approved; ask support to remove them.")
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="providers.user.rejected", target=user, reason=reason)
    return user


def user_set_local_authorities(
    *, actor: User, user_id: int, local_authority_ids: Iterable[int], reason: str = ""
) -> User:
    """Set the councils a local authority user sees: their whole scope, so always audited."""
    if role_of(actor) is not Role.SUPPORT:
        raise PermissionDenied("Only support staff set a user's councils.")
    wanted = set(local_authority_ids)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if wanted and user.role != Role.LOCAL_AUTHORITY:
            raise ValidationError("Only local authority users have councils.")
        before = set(user.local_authorities.values_list("pk", flat=True))
        if before == wanted:
            return user
        user.local_authorities.set(wanted)
        codes = dict(
            LocalAuthority.objects.filter(pk__in=before | wanted).values_list("pk", "ons_code")
        )
        audit_record(
            actor=actor,
            action="providers.user.councils_changed",
            target=user,
            reason=reason,
            data={
                "added": sorted(codes[pk] for pk in wanted - before),
                "removed": sorted(codes[pk] for pk in before - wanted),
                "councils": sorted(codes[pk] for pk in wanted),
            },
        )
    return user


@dataclass(frozen=True)
class UserAccess:
    """What a user may do: their role, provider, approver flag, admin, and location limits."""

    role: str
    provider_id: int | None
    is_provider_approver: bool
    is_staff: bool
    is_active: bool
    limited_to_location_ids: frozenset[int]

    @classmethod
    def of(cls, user: User) -> UserAccess:
        return cls(
            role=user.role,
            provider_id=user.provider_id,
            is_provider_approver=user.is_provider_approver,
            is_staff=user.is_staff,
            is_active=user.is_active,
            limited_to_location_ids=frozenset(
                user.limited_to_locations.values_list("pk", flat=True)
            ),
        )

    def as_data(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "provider": self.provider_id,
            "approver": self.is_provider_approver,
            "staff": self.is_staff,
            "active": self.is_active,
            "limited_to_locations": sorted(self.limited_to_location_ids),
        }


def user_change_access(*, actor: User, user_id: int, access: UserAccess, reason: str) -> User:
    """Change who a user is to the service: always with a reason, always audited.

    The role decides what every page shows them and whether they are in the support group,
    so this is the only place (with user creation) where it changes.
    """
    if role_of(actor) is not Role.SUPPORT:
        raise PermissionDenied("Only support staff change a user's role or access.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if user.is_superuser and not actor.is_superuser:
            raise PermissionDenied("Only a superuser changes a superuser.")
        before = UserAccess.of(user)
        if before == access:
            return user  # a save with nothing changed is not an event
        if not reason.strip():
            raise ValidationError("Say why this user's role or access is changing.")
        if access.limited_to_location_ids:
            if access.role != Role.PROVIDER:
                raise ValidationError("Only provider users are limited to locations.")
            others = Location.objects.filter(pk__in=access.limited_to_location_ids)
            if access.provider_id is not None:  # no provider: every one is another's
                others = others.exclude(provider_id=access.provider_id)
            if others.exists():
                raise ValidationError("A user can be limited only to their provider's locations.")
        user.role = access.role
        user.provider_id = access.provider_id
        user.is_provider_approver = access.is_provider_approver
        user.is_staff = access.is_staff
        user.is_active = access.is_active
        user.full_clean(exclude=["password"])  # the role/provider and approver constraints
        # The signal on save also syncs the group; doing it here too keeps the rule visible.
        user.save(
            update_fields=["role", "provider", "is_provider_approver", "is_staff", "is_active"]
        )
        user.limited_to_locations.set(access.limited_to_location_ids)
        support_group_sync(user)
        audit_record(
            actor=actor,
            action="providers.user.access_changed",
            target=user,
            reason=reason.strip(),
            data={"before": before.as_data(), "after": access.as_data()},
        )
    return user


# --- Location details -------------------------------------------------------------------------

# What support staff may correct by hand (CQC's file leaves gaps, or lags a change). The
# registration status is not here: it has its own history and location_change_status.
LOCATION_DETAILS: tuple[str, ...] = (  # in the order the admin form shows them
    "cqc_id",
    "provider",
    "name",
    "local_authority",
    "address_line_1",
    "address_line_2",
    "town",
    "county",
    "postcode",
    "offers_care_home",
    "offers_home_care",
    "registered_places",
    "people_using_service",
    "registered_on",
    "added_to_service_on",
)


# The same fields by column (``provider_id``), as ``location_update_details`` takes them.
def _column(name: str) -> str:
    field = Location._meta.get_field(name)
    assert isinstance(field, Field)  # a detail is one of the location's own columns
    return field.attname


LOCATION_DETAIL_FIELDS = frozenset(_column(name) for name in LOCATION_DETAILS)


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def location_update_details(
    *, actor: User, location_id: int, values: dict[str, Any], reason: str
) -> Location:
    """Correct a location's details by hand: with a reason, and the before and after audited.

    ``values`` is keyed by column (``provider_id``, not ``provider``); unchanged values are
    ignored, and a save that changes nothing is not an event.
    """
    if role_of(actor) is not Role.SUPPORT:
        raise PermissionDenied("Only support staff change a location's details.")
    unknown = set(values) - LOCATION_DETAIL_FIELDS
    if unknown:
        raise ValueError(f"Not a location detail support staff change: {sorted(unknown)}")
    with transaction.atomic():
        location = Location.objects.select_for_update().get(pk=location_id)
        changes: dict[str, list[Any]] = {}
        for name, new in values.items():
            old = getattr(location, name)
            if old != new:
                changes[name] = [_audit_value(old), _audit_value(new)]
                setattr(location, name, new)
        if not changes:
            return location
        if not reason.strip():
            raise ValidationError("Say why the location's details are changing.")
        location.full_clean()
        location.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="providers.location.details_changed",
            target=location,
            reason=reason.strip(),
            data={"changes": changes},
        )
    return location


# --- Registration status ----------------------------------------------------------------------


def location_change_status(
    *,
    actor: User | None,
    location_id: int,
    status: str,
    effective_from: datetime.date,
    reason: str,
) -> Location:
    if status not in RegistrationStatus.values:
        raise ValidationError(f"{status!r} is not a registration status.")
    if not reason.strip():
        raise ValidationError("Give a reason for the change of registration status.")
    with transaction.atomic():
        location = Location.objects.select_for_update().get(pk=location_id)
        previous = location.status
        location.status = status
        location.status_effective_from = effective_from
        location.save(update_fields=["status", "status_effective_from", "updated_at"])
        LocationStatusChange.objects.create(
            location=location,
            status=status,
            effective_from=effective_from,
            recorded_by=actor,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action=f"providers.location.{status}",
            target=location,
            reason=reason,
            data={"from": previous, "to": status, "effective_from": effective_from.isoformat()},
        )
    return location


# --- CQC import -------------------------------------------------------------------------------
# Worked out and written in providers/cqc_apply.py; re-exported here for existing callers.
__all__ = ["ImportReport", "cqc_import_apply"]
