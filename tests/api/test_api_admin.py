"""The API in admin, as a plain support officer (the "NECS support" group, never a superuser)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from api import keys as key_rules
from api.models import ApiKey, Supplier
from providers.models import AuditEvent
from providers.support_permissions import SUPPORT_GROUP_NAME
from tests.api.keys import grant, make_key
from tests.conftest import client_for
from tests.factories import (
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupplierFactory,
    SupportUserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    user = SupportUserFactory()
    assert not user.is_superuser and not user.user_permissions.exists()
    assert user.groups.filter(name=SUPPORT_GROUP_NAME).exists()
    return user


def _raw_key(response) -> str:
    return response.content.decode().split('id="api-key">', 1)[1].split("</code>", 1)[0]


def test_support_adds_and_changes_a_supplier_but_cannot_delete_one(support):
    client = client_for(support)
    added = client.post(
        reverse("admin:api_supplier_add"),
        {"name": "CareSys Ltd", "contact_email": "api@caresys.example", "is_active": "on"},
    )
    assert added.status_code == 302, added.content
    supplier = Supplier.objects.get(name="CareSys Ltd")
    changed = client.post(
        reverse("admin:api_supplier_change", args=[supplier.pk]),
        {"name": "CareSys Ltd", "contact_email": "keys@caresys.example"},
    )
    assert changed.status_code == 302
    supplier.refresh_from_db()
    assert supplier.contact_email == "keys@caresys.example" and not supplier.is_active
    assert client.get(reverse("admin:api_supplier_delete", args=[supplier.pk])).status_code == 403
    assert client.post(reverse("admin:api_supplier_delete", args=[supplier.pk]), {"post": "yes"})
    assert Supplier.objects.filter(pk=supplier.pk).exists()


@pytest.mark.parametrize("kind", ["supplier", "provider", "local_authority", "dhsc"])
def test_support_creates_a_key_of_each_kind_and_sees_it_once(support, kind):
    owners = {
        "supplier": {"supplier": SupplierFactory().pk},
        "provider": {"provider": ProviderFactory().pk},
        "local_authority": {"local_authority": LocationFactory().local_authority_id},
        "dhsc": {},
    }
    client = client_for(support)
    assert client.get(reverse("admin:api_apikey_add")).status_code == 200

    response = client.post(
        reverse("admin:api_apikey_add"),
        {"kind": kind, "name": f"{kind} feed", "expires_on": "", **owners[kind]},
    )

    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    api_key = ApiKey.objects.get()
    raw = _raw_key(response)
    assert key_rules.matches(raw, api_key.hashed_key) and api_key.kind == kind
    assert api_key.created_by == support
    assert api_key.expires_at > timezone.now() + datetime.timedelta(days=360)
    assert AuditEvent.objects.filter(action="api.key.created", actor=support).exists()
    listing = client.get(reverse("admin:api_apikey_changelist")).content.decode()
    record = client.get(reverse("admin:api_apikey_change", args=[api_key.pk])).content.decode()
    assert api_key.prefix in listing
    assert raw not in listing and raw not in record and api_key.hashed_key not in record


def test_a_key_without_its_owner_or_with_a_past_expiry_is_refused(support):
    client = client_for(support)
    no_owner = client.post(
        reverse("admin:api_apikey_add"), {"kind": "provider", "name": "Group feed"}
    )
    assert no_owner.status_code == 400
    past = client.post(
        reverse("admin:api_apikey_add"),
        {"kind": "dhsc", "name": "Old", "expires_on": "2020-01-01"},
    )
    assert past.status_code == 400
    assert not ApiKey.objects.exists()


def test_support_revokes_keys_with_a_reason_and_cannot_edit_prefix_or_delete(support):
    api_key, _ = make_key("dhsc")
    client = client_for(support)
    changelist = reverse("admin:api_apikey_changelist")
    asked = client.post(changelist, {"action": "revoke", "_selected_action": [api_key.pk]})
    assert asked.status_code == 200 and "Revoke" in asked.content.decode()
    assert ApiKey.objects.get().revoked_at is None

    done = client.post(
        changelist,
        {
            "action": "revoke",
            "_selected_action": [api_key.pk],
            "apply": "Revoke",
            "reason": "Analyst left",
        },
    )

    assert done.status_code == 302
    api_key.refresh_from_db()
    assert (api_key.revoked_by, api_key.revoke_reason) == (support, "Analyst left")
    assert AuditEvent.objects.get(action="api.key.revoked").actor == support

    prefix, digest = api_key.prefix, api_key.hashed_key
    client.post(
        reverse("admin:api_apikey_change", args=[api_key.pk]),
        {"name": "Renamed", "prefix": "zzzzzzzz", "hashed_key": "0" * 64},
    )
    api_key.refresh_from_db()
    assert (api_key.name, api_key.prefix, api_key.hashed_key) == ("Renamed", prefix, digest)
    assert client.get(reverse("admin:api_apikey_delete", args=[api_key.pk])).status_code == 403


def test_grants_and_drafts_are_read_only_for_support(support):
    provider = ProviderFactory()
    LocationFactory(provider=provider)
    approver = ProviderUserFactory(provider=provider, is_provider_approver=True)
    given = grant(approver, provider, SupplierFactory(name="CareSys Ltd"))
    client = client_for(support)
    assert (
        "CareSys Ltd" in client.get(reverse("admin:api_suppliergrant_changelist")).content.decode()
    )
    assert client.get(reverse("admin:api_suppliergrant_change", args=[given.pk])).status_code == 200
    assert client.get(reverse("admin:api_suppliergrant_add")).status_code == 403
    assert client.get(reverse("admin:api_suppliergrant_delete", args=[given.pk])).status_code == 403
    assert client.get(reverse("admin:returns_returndraft_changelist")).status_code == 200
    assert client.get(reverse("admin:returns_returndraft_add")).status_code == 403


def test_other_staff_and_providers_do_not_reach_the_api_admin(caseworker, provider_user):
    for user in (caseworker, provider_user):
        response = client_for(user).get(reverse("admin:api_apikey_changelist"))
        assert response.status_code in (302, 403)
    assert not ApiKey.objects.exists()
