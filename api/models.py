"""Who may use the public API, and for what: organisations' keys and providers' grants.

- ``Supplier``: a care record software company. It acts for providers only where a provider has
  granted it access (``SupplierGrant``), and what it sends is a draft the provider confirms.
- ``ApiKey``: one secret for one organisation, stored as a SHA-256 digest (the key is shown
  once, when made). Its ``kind`` says whose it is: a supplier's, a provider's (a large group
  integrating its own systems), a council's (its own area's figures) or DHSC's (England).
- ``SupplierGrant``: a provider lets a supplier act for all or some of its locations, until
  revoked. A change of locations is a new grant, so the history of who could act when is kept.
- ``IdempotencyRecord``: the first response to each ``Idempotency-Key`` of a key's writes.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from capacity_tracker.lib import clock, history
from providers.models import LocalAuthority, Location, Provider


class Supplier(models.Model):
    name = models.CharField(max_length=200, unique=True)
    contact_email = models.EmailField(
        help_text="Where we write about the supplier's keys (expiry, revocation)."
    )
    is_active = models.BooleanField(
        default=True, help_text="An inactive supplier's keys stop working at once."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKeyKind(models.TextChoices):
    SUPPLIER = "supplier", "Software supplier"
    PROVIDER = "provider", "Provider"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    DHSC = "dhsc", "DHSC analysts"


class ApiKey(models.Model):
    kind = models.CharField(max_length=16, choices=ApiKeyKind.choices)
    name = models.CharField(
        max_length=100, help_text="What the key is for, e.g. 'Nightly sync from CareSys'."
    )
    prefix = models.CharField(
        max_length=16,
        unique=True,
        editable=False,
        help_text="The start of the key, shown so people can tell their keys apart.",
    )
    hashed_key = models.CharField(max_length=64, editable=False)
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    # A provider key's provider; for a supplier key made by a provider's approver, the only
    # provider it may act for (a supplier key made by support staff acts for every grant).
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    local_authority = models.ForeignKey(
        LocalAuthority, null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    revoke_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                name="api_key_owner_matches_kind",
                condition=(
                    Q(kind="supplier", supplier__isnull=False, local_authority__isnull=True)
                    | Q(
                        kind="provider",
                        provider__isnull=False,
                        supplier__isnull=True,
                        local_authority__isnull=True,
                    )
                    | Q(
                        kind="local_authority",
                        local_authority__isnull=False,
                        supplier__isnull=True,
                        provider__isnull=True,
                    )
                    | Q(
                        kind="dhsc",
                        supplier__isnull=True,
                        provider__isnull=True,
                        local_authority__isnull=True,
                    )
                ),
                violation_error_message=(
                    "A supplier key needs a supplier, a provider key a provider, a council key "
                    "a council, and a DHSC key none of them."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def owner_label(self) -> str:
        if self.kind == ApiKeyKind.SUPPLIER:
            label = str(self.supplier)
            return f"{label} for {self.provider}" if self.provider_id else label
        if self.kind == ApiKeyKind.PROVIDER:
            return str(self.provider)
        if self.kind == ApiKeyKind.LOCAL_AUTHORITY:
            return str(self.local_authority)
        return "DHSC"

    def usable_at(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class SupplierGrant(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="supplier_grants")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="grants")
    all_locations = models.BooleanField(
        default=True, help_text="Every location of the provider, including ones added later."
    )
    locations = models.ManyToManyField(
        Location, blank=True, through="SupplierGrantLocation", related_name="supplier_grants"
    )
    granted_at = models.DateTimeField(default=clock.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "supplier"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_grant_per_provider_and_supplier",
                violation_error_message="This supplier already has access: change that grant.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier} for {self.provider}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class SupplierGrantLocation(models.Model):
    """One location of a grant that is not for all locations (written once, with the grant)."""

    grant = models.ForeignKey(SupplierGrant, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grant", "location"], name="grant_location_once")
        ]

    def __str__(self) -> str:
        return f"grant {self.grant_id}: location {self.location_id}"


class IdempotencyRecord(models.Model):
    """The first response to a write with an ``Idempotency-Key`` header, kept for a day."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key"], name="one_response_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


history.track(exclude=["last_used_at"])(ApiKey)
history.track()(Supplier)
history.track()(SupplierGrant)
history.track()(SupplierGrantLocation)
