"""The provider's "API access" pages: grants and keys, by the approver of their own provider only."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import keys as key_rules
from api.models import ApiKey, SupplierGrant
from api.scope import granted_locations
from providers.models import AuditEvent
from returns.services import windows_ensure_ahead
from tests.api.keys import client_with, grant, make_key
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
def world():
    provider_a = ProviderFactory(name="Meadowbank Care")
    provider_b = ProviderFactory(name="Brightside Homes")
    return {
        "a": provider_a,
        "b": provider_b,
        "a1": LocationFactory(provider=provider_a, name="Aspen House"),
        "a2": LocationFactory(provider=provider_a, name="Birch Lodge"),
        "b1": LocationFactory(provider=provider_b, name="Cedar Court"),
        "approver_a": ProviderUserFactory(provider=provider_a, is_provider_approver=True),
        "member_a": ProviderUserFactory(provider=provider_a),
        "approver_b": ProviderUserFactory(provider=provider_b, is_provider_approver=True),
        "supplier": SupplierFactory(name="CareSys Ltd"),
        "other_supplier": SupplierFactory(name="Nightingale Records"),
    }


def _rows() -> tuple[int, int, int]:
    return SupplierGrant.objects.count(), ApiKey.objects.count(), AuditEvent.objects.count()


def _expiry(days: int) -> dict[str, str]:
    when = timezone.localdate() + datetime.timedelta(days=days)
    return {"expires_0": str(when.day), "expires_1": str(when.month), "expires_2": str(when.year)}


def test_approver_gives_a_supplier_access_to_some_locations(world):
    client = client_for(world["approver_a"])
    page = client.get(reverse("api_access:grant-add"))
    assert page.status_code == 200
    assert "CareSys Ltd" in page.content.decode() and "Aspen House" in page.content.decode()
    assert "Cedar Court" not in page.content.decode()  # B's location is not offered

    response = client.post(
        reverse("api_access:grant-add"),
        {"supplier": world["supplier"].pk, "scope": "some", "locations": [world["a1"].pk]},
    )

    assert response.status_code == 302 and response.url == reverse("api_access:index")
    given = SupplierGrant.objects.get()
    assert (given.provider, given.supplier, given.all_locations) == (
        world["a"],
        world["supplier"],
        False,
    )
    assert list(given.locations.all()) == [world["a1"]]
    assert given.granted_by == world["approver_a"]
    event = AuditEvent.objects.get(action="api.grant.given")
    assert event.actor == world["approver_a"]
    listing = client.get(reverse("api_access:index")).content.decode()
    assert "CareSys Ltd" in listing and "Aspen House" in listing


def test_some_locations_with_none_ticked_and_another_providers_location_are_refused(world):
    client = client_for(world["approver_a"])
    none = client.post(
        reverse("api_access:grant-add"), {"supplier": world["supplier"].pk, "scope": "some"}
    )
    assert none.status_code == 400
    assert "Select at least one location" in none.content.decode()
    assert 'href="#id_locations"' in none.content.decode()
    foreign = client.post(
        reverse("api_access:grant-add"),
        {"supplier": world["supplier"].pk, "scope": "some", "locations": [world["b1"].pk]},
    )
    assert foreign.status_code == 400
    assert not SupplierGrant.objects.exists()


def test_approver_changes_then_removes_access_and_both_are_audited(world):
    old = grant(world["approver_a"], world["a"], world["supplier"], [world["a1"]])
    client = client_for(world["approver_a"])
    form = client.get(reverse("api_access:grant-change", args=[old.pk])).content.decode()
    assert "Change the locations CareSys Ltd can use" in form

    changed = client.post(reverse("api_access:grant-change", args=[old.pk]), {"scope": "all"})

    assert changed.status_code == 302
    old.refresh_from_db()
    assert old.revoked_at is not None and old.revoked_by == world["approver_a"]
    live = SupplierGrant.objects.get(revoked_at__isnull=True)
    assert live.all_locations and live.supplier == world["supplier"]
    assert AuditEvent.objects.filter(action="api.grant.changed", actor=world["approver_a"]).exists()

    before = _rows()
    confirm = client.get(reverse("api_access:grant-remove", args=[live.pk]))
    assert confirm.status_code == 200 and "Remove access" in confirm.content.decode()
    assert _rows() == before  # the confirm page changes nothing

    removed = client.post(reverse("api_access:grant-remove", args=[live.pk]))

    assert removed.status_code == 302
    assert not SupplierGrant.objects.filter(revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="api.grant.revoked")
    assert event.actor == world["approver_a"]


def test_key_made_in_the_portal_is_shown_once_and_works_for_granted_locations_only(world):
    windows_ensure_ahead(now=timezone.now() - datetime.timedelta(days=62))
    grant(world["approver_a"], world["a"], world["supplier"], [world["a1"]])
    # B granted the same supplier all its locations: A's key must not reach them.
    grant(world["approver_b"], world["b"], world["supplier"])
    client = client_for(world["approver_a"])
    assert client.get(reverse("api_access:key-add")).status_code == 200

    response = client.post(
        reverse("api_access:key-add"),
        {"supplier": world["supplier"].pk, "name": "Nightly upload", **_expiry(30)},
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    api_key = ApiKey.objects.get()
    page = response.content.decode()
    raw = page.split('id="api-key">', 1)[1].split("</code>", 1)[0]
    assert raw.startswith(api_key.prefix + ".") and key_rules.matches(raw, api_key.hashed_key)
    assert (api_key.kind, api_key.supplier, api_key.provider) == (
        "supplier",
        world["supplier"],
        world["a"],
    )
    assert api_key.created_by == world["approver_a"]
    assert timezone.localtime(api_key.expires_at).date() == timezone.localdate() + (
        datetime.timedelta(days=31)
    )  # midnight at the end of the chosen day
    # Both pages say the day the person chose, not the midnight after it.
    chosen = timezone.localdate() + datetime.timedelta(days=30)
    assert f"The end of {chosen:%A %-d %B %Y}" in page
    assert AuditEvent.objects.filter(action="api.key.created", actor=world["approver_a"]).exists()
    # Never shown again: not on the list, not in the session.
    listing = client.get(reverse("api_access:index")).content.decode()
    assert "Nightly upload" in listing and api_key.prefix in listing and raw not in listing
    assert f"{chosen:%-d %b %Y}" in listing
    assert raw not in str(dict(client.session))

    assert list(granted_locations(api_key)) == [world["a1"]]
    answer = client_with(raw).get("/api/v1/locations/")
    assert answer.status_code == 200, answer.content
    body = answer.content.decode()
    assert world["a1"].cqc_id in body
    assert world["a2"].cqc_id not in body and world["b1"].cqc_id not in body


def test_key_with_a_past_or_missing_expiry_or_no_grant_is_refused(world):
    grant(world["approver_a"], world["a"], world["supplier"])
    client = client_for(world["approver_a"])
    past = client.post(
        reverse("api_access:key-add"),
        {"supplier": world["supplier"].pk, "name": "Old", **_expiry(-1)},
    )
    assert past.status_code == 400
    assert "Expiry date must be in the future" in past.content.decode()
    ungranted = client.post(
        reverse("api_access:key-add"),
        {"supplier": world["other_supplier"].pk, "name": "Sneaky", **_expiry(30)},
    )
    assert ungranted.status_code == 400
    assert not ApiKey.objects.exists()


def test_approver_revokes_a_key_with_a_reason(world):
    api_key, raw = make_key("supplier", supplier=world["supplier"], provider=world["a"])
    client = client_for(world["approver_a"])
    assert client.get(reverse("api_access:key-revoke", args=[api_key.pk])).status_code == 200
    no_reason = client.post(reverse("api_access:key-revoke", args=[api_key.pk]), {"reason": " "})
    assert no_reason.status_code == 400
    assert ApiKey.objects.get().revoked_at is None

    done = client.post(
        reverse("api_access:key-revoke", args=[api_key.pk]), {"reason": "Changed supplier"}
    )

    assert done.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_by == world["approver_a"]
    assert api_key.revoke_reason == "Changed supplier"
    event = AuditEvent.objects.get(action="api.key.revoked")
    assert (event.actor, event.reason) == (world["approver_a"], "Changed supplier")
    assert client_with(raw).get("/api/v1/locations/").status_code == 401


def test_others_are_refused_and_provider_b_cannot_reach_as_objects(world):
    a_grant = grant(world["approver_a"], world["a"], world["supplier"])
    a_key, _ = make_key("supplier", supplier=world["supplier"], provider=world["a"])
    pages = [
        reverse("api_access:index"),
        reverse("api_access:grant-add"),
        reverse("api_access:key-add"),
        reverse("api_access:grant-change", args=[a_grant.pk]),
        reverse("api_access:grant-remove", args=[a_grant.pk]),
        reverse("api_access:key-revoke", args=[a_key.pk]),
    ]
    objects = pages[3:]
    before = _rows()
    for user, code in [
        (world["member_a"], 403),  # A's user, not an approver
        (SupportUserFactory(), 403),  # support manage keys in admin
        (
            ProviderUserFactory(provider=world["a"], is_provider_approver=True, approved_at=None),
            403,
        ),
    ]:
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == code, (user, url)
            assert client.post(url, {"scope": "all", "reason": "x"}).status_code == code
    b = client_for(world["approver_b"])
    for url in objects:
        assert b.get(url).status_code == 404, url
        assert b.post(url, {"scope": "all", "reason": "mine now"}).status_code == 404, url
    assert b.get(reverse("api_access:index")).status_code == 200
    assert "CareSys" not in b.get(reverse("api_access:index")).content.decode()
    assert Client().get(pages[0]).status_code == 302  # to sign in
    assert _rows() == before
    a_grant.refresh_from_db()
    a_key.refresh_from_db()
    assert a_grant.revoked_at is None and a_key.revoked_at is None


def test_the_access_page_reads_in_flat_queries_and_writes_nothing(
    world, django_assert_max_num_queries
):
    client = client_for(world["approver_a"])
    client.get(reverse("api_access:index"))  # warm the session

    def fill(n: int) -> None:
        for i in range(n):
            supplier = SupplierFactory()
            grant(world["approver_a"], world["a"], supplier, [world["a1"], world["a2"]])
            make_key("supplier", name=f"Key {i}", supplier=supplier, provider=world["a"])

    fill(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("api_access:index")).status_code == 200
    fill(8)
    before = _rows()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("api_access:index"))
    assert page.content.decode().count("Remove access<span") == 10
    assert _rows() == before
