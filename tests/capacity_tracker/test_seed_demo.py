from __future__ import annotations

import datetime
import io
import json
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from api import keys
from api.models import ApiKey, ApiKeyKind, Supplier, SupplierGrant
from enforcement.models import Breach, EnforcementCase
from notifications.models import OutboundMessage
from providers.access import editable_locations
from providers.models import Location, Provider, RegistrationStatus, Role, User
from returns.models import ReturnVersion
from tests.api.keys import client_with

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(days=2)


def test_seed_demo_builds_a_small_world_once():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    versions_after_first_run = ReturnVersion.objects.count()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert ReturnVersion.objects.count() == versions_after_first_run
    assert Provider.objects.count() == 9  # five named, four in the background
    assert Location.objects.count() == 31
    assert Location.objects.filter(offers_care_home=True, offers_home_care=True).exists()
    assert Location.objects.filter(status=RegistrationStatus.DORMANT).count() == 1
    assert Location.objects.values("local_authority").distinct().count() >= 5
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert User.objects.filter(is_superuser=True).exists()
    assert User.objects.filter(role=Role.PROVIDER, approved_at__isnull=False).count() >= 3
    assert (
        User.objects.filter(role=Role.PROVIDER, approved_at__isnull=True)
        .exclude(email__contains="1101")
        .count()
        == 1
    )
    # 24 months of history through the real save path: full, unchanged, nil and late returns.
    assert ReturnVersion.objects.values("return_head__window").distinct().count() == 24
    kinds = set(ReturnVersion.objects.values_list("kind", flat=True))
    assert kinds == {"full", "unchanged", "nil"}
    assert ReturnVersion.objects.filter(
        in_window=False, return_head__location__cqc_id="1-1000000021"
    ).exists()
    assert not ReturnVersion.objects.filter(
        return_head__location__provider__cqc_id="1-101000004"
    ).exists()
    # Comparison groups of five or more: Leeds has enough care homes to benchmark against.
    leeds = Location.objects.filter(local_authority__ons_code="E08000035", offers_care_home=True)
    assert leeds.count() >= 5
    # Each month was swept the morning after it closed: the provider that never returns (added
    # three months ago) is eligible for a notice of intent after three letters' worth of months.
    harbour = EnforcementCase.objects.get(provider__cqc_id="1-101000004")
    assert harbour.state == "second_breach" and harbour.noi_eligible
    missed = Breach.objects.filter(provider__cqc_id="1-101000004")
    assert missed.values("window").distinct().count() == 3
    # The receipts and letters the history queued are recorded as sent when they were made,
    # so the demo's worker does not print hundreds of them at its first tick.
    history_mail = OutboundMessage.objects.filter(created_at__lt=timezone.now() - LONG_AGO)
    assert history_mail.filter(status="sent").count() > 100
    assert not history_mail.exclude(status="sent").exists()
    text = out.getvalue()
    assert "demo-password-2026" in text
    assert "manager@meadowbank.example" in text


def test_seed_demo_gives_a_supplier_a_key_and_some_locations_and_prints_the_key():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    supplier = Supplier.objects.get(name="Demo Care Records Ltd")
    grant = SupplierGrant.objects.get(supplier=supplier, revoked_at__isnull=True)
    assert grant.provider.cqc_id == "1-101000001" and not grant.all_locations
    granted = set(grant.locations.values_list("cqc_id", flat=True))
    assert granted == {"1-1000000011", "1-1000000012"}
    assert set(grant.provider.locations.values_list("cqc_id", flat=True)) - granted
    key = ApiKey.objects.get(supplier=supplier, revoked_at__isnull=True)
    assert key.kind == ApiKeyKind.SUPPLIER
    text = out.getvalue()
    printed = re.search(rf"Api-Key ({key.prefix}\.\S+)\"", text)
    assert printed, text
    raw = printed[1]
    assert keys.matches(raw, key.hashed_key)  # the whole, working key: printed, not stored
    assert raw not in key.hashed_key
    assert "curl -i -X POST http://127.0.0.1:8000/api/v1/returns/" in text
    assert '"location": "1-1000000011"' in text and '"location": "1-1000000013"' in text
    assert "http://127.0.0.1:8000/api/v1/docs/" in text

    # Run again: the same grant, the old key revoked and a new one printed.
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert SupplierGrant.objects.get(supplier=supplier, revoked_at__isnull=True) == grant
    key.refresh_from_db()
    assert key.revoked_at is not None
    new = ApiKey.objects.get(supplier=supplier, revoked_at__isnull=True)
    assert new.prefix in again.getvalue() and raw not in again.getvalue()


def test_the_printed_curl_examples_do_what_they_say():
    """The printed key and bodies, sent as printed: a draft for the granted location, a 403
    for the one Meadowbank did not grant."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    raw = re.search(r"Api-Key (\S+)\"", text)[1]
    bodies = re.findall(r"-d '(\{.*?\})'", text)
    assert len(bodies) == 2
    client = client_with(raw)
    with mock.patch("capacity_tracker.lib.clock.now", return_value=_in_latest_window()):
        granted = client.post("/api/v1/returns/", json.loads(bodies[0]), format="json")
        ungranted = client.post("/api/v1/returns/", json.loads(bodies[1]), format="json")
    assert granted.status_code == 201, granted.content
    assert ungranted.status_code == 403, ungranted.content
    assert ungranted.json()["errors"][0]["field"] == "location"


def _in_latest_window():
    from capacity_tracker.lib import clock
    from returns.selectors import latest_opened_window

    # Inside the window the example names, whatever day the test runs.
    return latest_opened_window(clock.now()).opens_at + datetime.timedelta(hours=1)


def test_every_seeded_return_was_saved_by_someone_who_may_submit_for_its_location():
    """The demo's histories name who saved each return: always one of the location's own
    provider's people who can open it (not, say, Meadowbank's manager for Rosewood House)."""
    call_command("seed_demo", stdout=io.StringIO())
    pairs = set(ReturnVersion.objects.values_list("submitted_by_id", "return_head__location_id"))
    assert pairs
    savers = User.objects.in_bulk({saver for saver, _ in pairs if saver is not None})
    refused = [
        (saver, location)
        for saver, location in pairs
        if saver is None or not editable_locations(savers[saver]).filter(pk=location).exists()
    ]
    assert not refused, f"{len(refused)} (saver, location) pairs the saver cannot submit for"
    rosewood = ReturnVersion.objects.filter(return_head__location__name="Rosewood House")
    assert set(rosewood.values_list("submitted_by__email", flat=True)) == {
        "oliver.bennett@rosewood.example"
    }
