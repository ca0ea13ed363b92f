"""Every write to API access: keys made and revoked, grants given and taken back. One
transaction each, audited (who, when, why)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from api import keys
from api.models import ApiKey, ApiKeyKind, Supplier, SupplierGrant, SupplierGrantLocation
from providers.audit import audit_record
from providers.models import LocalAuthority, Location, Provider, User


def default_expiry(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(days=settings.API_KEY_DEFAULT_DAYS)


def key_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    now: datetime.datetime,
    expires_at: datetime.datetime | None = None,
    supplier: Supplier | None = None,
    provider: Provider | None = None,
    local_authority: LocalAuthority | None = None,
) -> tuple[ApiKey, str]:
    """Make a key; returns it and the whole secret, which is never stored and shown once."""
    if kind not in ApiKeyKind.values:
        raise ValidationError({"kind": "Choose what kind of organisation the key is for."})
    if not name.strip():
        raise ValidationError({"name": "Enter what the key is for."})
    expires_at = expires_at or default_expiry(now)
    if expires_at <= now:
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    raw, prefix, digest = keys.generate()
    api_key = ApiKey(
        kind=kind,
        name=name.strip(),
        prefix=prefix,
        hashed_key=digest,
        supplier=supplier,
        provider=provider,
        local_authority=local_authority,
        expires_at=expires_at,
        created_at=now,
        created_by=actor,
    )
    api_key.full_clean()
    with transaction.atomic():
        api_key.save()
        audit_record(
            actor=actor,
            action="api.key.created",
            target=api_key,
            data={
                "prefix": prefix,
                "kind": kind,
                "owner": api_key.owner_label,
                "expires_at": expires_at.isoformat(),
            },
        )
    return api_key, raw


def key_revoke(*, actor: User, api_key_id: int, reason: str, now: datetime.datetime) -> ApiKey:
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the key is being revoked."})
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(pk=api_key_id)
        if api_key.revoked_at is not None:
            return api_key  # revoking twice changes nothing
        api_key.revoked_at = now
        api_key.revoked_by = actor
        api_key.revoke_reason = reason.strip()
        api_key.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit_record(
            actor=actor,
            action="api.key.revoked",
            target=api_key,
            reason=reason,
            data={"prefix": api_key.prefix},
        )
    return api_key


def live_grants(provider: Provider) -> QuerySet[SupplierGrant]:
    return (
        SupplierGrant.objects.filter(provider=provider, revoked_at__isnull=True)
        .select_related("supplier", "granted_by")
        .prefetch_related("locations")
        .order_by("supplier__name")
    )


def grant_set(
    *,
    actor: User,
    provider: Provider,
    supplier: Supplier,
    locations: list[Location] | None,
    now: datetime.datetime,
) -> SupplierGrant:
    """Let ``supplier`` act for all of ``provider``'s locations (``locations`` None) or some.

    A live grant to the same supplier is revoked and replaced, so the history shows exactly
    which locations the supplier could act for, and when.
    """
    if not supplier.is_active:
        raise ValidationError({"supplier": "This supplier's access to the service is stopped."})
    if locations is not None:
        if not locations:
            raise ValidationError({"locations": "Select at least one location."})
        if any(location.provider_id != provider.pk for location in locations):
            raise ValidationError({"locations": "Select your own locations only."})
    with transaction.atomic():
        Provider.objects.select_for_update().get(pk=provider.pk)  # one change at a time
        previous = (
            SupplierGrant.objects.select_for_update()
            .filter(provider=provider, supplier=supplier, revoked_at__isnull=True)
            .first()
        )
        if previous is not None:
            previous.revoked_at = now
            previous.revoked_by = actor
            previous.save(update_fields=["revoked_at", "revoked_by"])
        grant = SupplierGrant.objects.create(
            provider=provider,
            supplier=supplier,
            all_locations=locations is None,
            granted_at=now,
            granted_by=actor,
        )
        if locations is not None:
            SupplierGrantLocation.objects.bulk_create(
                [SupplierGrantLocation(grant=grant, location=location) for location in locations]
            )
        audit_record(
            actor=actor,
            action="api.grant.changed" if previous else "api.grant.given",
            target=grant,
            data={
                "supplier": supplier.name,
                "locations": "all"
                if locations is None
                else sorted(location.cqc_id for location in locations),
                "replaces": previous.pk if previous else None,
            },
        )
    return grant


def grant_revoke(*, actor: User, grant_id: int, provider: Provider, now: datetime.datetime) -> None:
    """Take a supplier's access away (their waiting drafts stay, for the provider to decide)."""
    with transaction.atomic():
        grant = (
            SupplierGrant.objects.select_for_update()
            .filter(pk=grant_id, provider=provider, revoked_at__isnull=True)
            .select_related("supplier")
            .first()
        )
        if grant is None:
            raise SupplierGrant.DoesNotExist(grant_id)
        grant.revoked_at = now
        grant.revoked_by = actor
        grant.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="api.grant.revoked",
            target=grant,
            data={"supplier": grant.supplier.name},
        )
