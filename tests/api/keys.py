"""Making API keys and clients that use them, for the API tests."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiKey, SupplierGrant
from api.services import grant_set, key_create
from providers.models import Location, Provider, User


def make_key(kind: str, *, name: str = "Test key", **owner: Any) -> tuple[ApiKey, str]:
    """A key of ``kind`` owned as ``owner`` says (supplier=, provider=, local_authority=)."""
    return key_create(actor=None, kind=kind, name=name, now=timezone.now(), **owner)


def client_with(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def grant(
    actor: User, provider: Provider, supplier: Any, locations: list[Location] | None = None
) -> SupplierGrant:
    return grant_set(
        actor=actor, provider=provider, supplier=supplier, locations=locations, now=timezone.now()
    )
