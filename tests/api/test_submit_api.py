"""POST /api/v1/returns/ with each kind of key: submissions, drafts, refusals, one error shape."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from api.models import ApiKeyKind
from providers.models import AuditEvent
from returns.datasets import dataset_for
from returns.deadlines import LONDON, Period
from returns.models import Return, ReturnDraft, ReturnSource, ReturnVersion
from returns.services import windows_ensure_ahead
from tests.api.keys import client_with, grant, make_key
from tests.factories import (
    LocalAuthorityFactory,
    LocationFactory,
    ProviderUserFactory,
    SupplierFactory,
)
from tests.portal_data import ASKED_FROM_2027, GOOD_CARE_HOME, GOOD_HOME_CARE

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
URL = "/api/v1/returns/"


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


@pytest.fixture(autouse=True)
def in_window():
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


def good_answers(answers: dict[str, str] = GOOD_CARE_HOME) -> dict[str, object]:
    """December 2026's questions answered as JSON: numbers as numbers, blanks as null."""
    return {
        code: int(value) if value.isdigit() else value or None
        for code, value in answers.items()
        if code not in ASKED_FROM_2027
    }


def full(location, **extra):
    return {
        "location": location.cqc_id,
        "care_type": "care_home",
        "period": "2026-12",
        "kind": "full",
        "answers": good_answers(),
        **extra,
    }


def codes_of(response) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_a_provider_key_submits_a_return_for_its_own_location(location, other_location):
    api_key, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    client = client_with(raw)

    sent = client.post(URL, full(location), format="json")

    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["outcome"] == "submitted" and body["version_number"] == 1 and body["in_window"]
    assert "no-store" in sent["Cache-Control"]  # figures are nobody's to cache
    version = ReturnVersion.objects.get(reference=body["reference"])
    assert version.source == ReturnSource.API and version.api_key == api_key
    assert version.submitted_by is None and version.answers["beds_occupied"] == 35
    assert version.return_head.counted == version
    event = AuditEvent.objects.get(action="returns.return.full")
    assert api_key.prefix in event.actor_label and event.data["api_key"] == api_key.prefix
    # Another provider's location: refused, nothing saved.
    refused = client.post(URL, full(other_location), format="json")
    assert refused.status_code == 403
    assert codes_of(refused) == [("location", "permission_denied")]
    assert ReturnVersion.objects.count() == 1


def test_a_supplier_key_stores_a_draft_for_a_granted_location_only(location, provider_user):
    supplier = SupplierFactory()
    ungranted = LocationFactory(provider=location.provider)
    grant(provider_user, location.provider, supplier, locations=[location])
    _, raw = make_key(ApiKeyKind.SUPPLIER, supplier=supplier)
    client = client_with(raw)

    sent = client.post(URL, full(location), format="json")

    assert sent.status_code == 201, sent.content
    assert sent.json()["outcome"] == "draft" and sent.json()["version_number"] is None
    draft = ReturnDraft.objects.get(reference=sent.json()["reference"])
    assert draft.status == ReturnDraft.Status.WAITING and draft.supplier == supplier
    assert not ReturnVersion.objects.exists()  # nothing counts until the provider confirms
    refused = client.post(URL, full(ungranted), format="json")
    assert refused.status_code == 403
    assert "not given it access" in refused.json()["errors"][0]["message"]
    assert ReturnDraft.objects.count() == 1


def test_a_newer_draft_replaces_the_waiting_one(location, provider_user):
    supplier = SupplierFactory()
    grant(provider_user, location.provider, supplier)
    _, raw = make_key(ApiKeyKind.SUPPLIER, supplier=supplier)
    client = client_with(raw)
    first = client.post(URL, full(location), format="json").json()
    second = client.post(URL, full(location), format="json").json()
    assert second["replaced_drafts"] == [first["reference"]]
    assert ReturnDraft.objects.get(reference=first["reference"]).status == "replaced"
    assert ReturnDraft.objects.filter(status="waiting").count() == 1


def test_a_revoked_grant_stops_the_supplier_at_once(location, provider_user):
    from api.services import grant_revoke

    supplier = SupplierFactory()
    given = grant(provider_user, location.provider, supplier)
    _, raw = make_key(ApiKeyKind.SUPPLIER, supplier=supplier)
    grant_revoke(
        actor=provider_user, grant_id=given.pk, provider=location.provider, now=timezone.now()
    )
    refused = client_with(raw).post(URL, full(location), format="json")
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="api.grant.revoked").count() == 1


@pytest.mark.parametrize("kind", [ApiKeyKind.LOCAL_AUTHORITY, ApiKeyKind.DHSC])
def test_reading_keys_cannot_send_returns(kind, location):
    owner = {"local_authority": location.local_authority} if kind == "local_authority" else {}
    _, raw = make_key(kind, **owner)
    refused = client_with(raw).post(URL, full(location), format="json")
    assert refused.status_code == 403
    assert codes_of(refused) == [(None, "permission_denied")]
    assert not Return.objects.exists()


def test_people_send_returns_in_the_portal_not_the_api(location):
    from tests.conftest import client_for

    user = ProviderUserFactory(provider=location.provider)
    refused = client_for(user).post(URL, full(location), content_type="application/json")
    # The session's CSRF check or the writer check refuses it; either way nothing is saved.
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] in ("permission_denied",)
    assert not Return.objects.exists()


def test_field_errors_come_back_per_answer_with_nothing_saved(location):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    payload = full(location)
    payload["answers"]["beds_occupied"] = 41  # more than the 40 beds of capacity
    payload["answers"]["beds_vacant_accepting"] = "lots"
    del payload["answers"]["staff_direct_care"]
    sent = client_with(raw).post(URL, payload, format="json")
    assert sent.status_code == 400
    fields = {e["field"] for e in sent.json()["errors"]}
    assert {"answers.beds_vacant_accepting", "answers.staff_direct_care"} <= fields
    for error in sent.json()["errors"]:
        assert error["message"] and error["code"]
    assert not ReturnVersion.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "0000-01"}, "period"),
        ({"period": "9999-12"}, "period"),
        ({"period": "2027-03"}, "period"),  # not open yet
        ({"care_type": "home_care"}, "care_type"),  # not offered by this location
        ({"care_type": "nursing"}, "care_type"),
        ({"kind": "partial"}, "kind"),
        ({"kind": "unchanged", "answers": {}}, "kind"),  # no earlier figures
        ({"kind": "nil", "answers": {}}, "nil_reason"),
        ({"kind": "nil"}, "answers"),  # answers with a nil return
        ({"answers": {"beds_occupied": True}}, "answers.beds_occupied"),
        ({"answers": {"beds_occupied": 1.5}}, "answers.beds_occupied"),
        ({"answers": {**good_answers(), "bedz": 1}}, "answers.bedz"),
        ({"location": ""}, "location"),
        ({"based_on_version": -1}, "based_on_version"),
    ],
)
def test_bad_requests_name_the_field(location, change, field):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    sent = client_with(raw).post(URL, {**full(location), **change}, format="json")
    assert sent.status_code == 400, sent.content
    assert field in {e["field"] for e in sent.json()["errors"]}
    assert not ReturnVersion.objects.exists()


def test_home_care_and_nil_and_unchanged_returns(provider_user):
    location = LocationFactory(
        provider=provider_user.provider, offers_care_home=False, offers_home_care=True
    )
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    client = client_with(raw)
    base = {"location": location.cqc_id, "care_type": "home_care", "period": "2026-12"}
    answers = good_answers(GOOD_HOME_CARE)
    first = client.post(URL, {**base, "kind": "full", "answers": answers}, format="json")
    assert first.status_code == 201, first.content
    same = client.post(URL, {**base, "kind": "unchanged"}, format="json")
    assert same.status_code == 201 and same.json()["version_number"] == 2
    nil = client.post(URL, {**base, "kind": "nil", "nil_reason": "no_service_users"}, format="json")
    assert nil.status_code == 201 and nil.json()["version_number"] == 3
    head = Return.objects.get()
    assert head.counted.kind == "nil" and head.version_count == 3


def test_based_on_version_refuses_a_stale_save(location):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    client = client_with(raw)
    assert client.post(URL, full(location, based_on_version=0), format="json").status_code == 201
    stale = client.post(URL, full(location, based_on_version=0), format="json")
    assert stale.status_code == 409
    assert codes_of(stale) == [(None, "conflict")]
    assert ReturnVersion.objects.count() == 1


def test_keys_that_do_not_work(location):
    api_key, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    garbage = client_with("not-a-key").post(URL, full(location), format="json")
    assert garbage.status_code == 401 and garbage["WWW-Authenticate"] == "Api-Key"
    assert codes_of(garbage) == [(None, "authentication_failed")]
    wrong_secret = client_with(raw[:-3] + "abc").post(URL, full(location), format="json")
    assert wrong_secret.status_code == 401
    api_key.expires_at = IN_WINDOW - datetime.timedelta(seconds=1)
    api_key.save()
    expired = client_with(raw).post(URL, full(location), format="json")
    assert expired.status_code == 401 and "expired" in expired.json()["errors"][0]["message"]
    nobody = client_with("x").post(URL, full(location), format="json")
    assert nobody.status_code == 401
    from rest_framework.test import APIClient

    anonymous = APIClient().post(URL, full(location), format="json")
    assert anonymous.status_code == 401
    assert codes_of(anonymous) == [(None, "not_authenticated")]
    assert not ReturnVersion.objects.exists()


def test_an_inactive_supplier_and_a_revoked_key_are_refused(location, provider_user, support_user):
    from api.services import key_revoke

    supplier = SupplierFactory()
    grant(provider_user, location.provider, supplier)
    api_key, raw = make_key(ApiKeyKind.SUPPLIER, supplier=supplier)
    supplier.is_active = False
    supplier.save()
    assert client_with(raw).post(URL, full(location), format="json").status_code == 401
    supplier.is_active = True
    supplier.save()
    key_revoke(actor=support_user, api_key_id=api_key.pk, reason="Leaked", now=timezone.now())
    revoked = client_with(raw).post(URL, full(location), format="json")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["errors"][0]["message"]
    assert AuditEvent.objects.get(action="api.key.revoked").reason == "Leaked"


def test_malformed_and_oversized_bodies(location, settings):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    client = client_with(raw)
    broken = client.post(URL, "{not json", content_type="application/json")
    assert broken.status_code == 400 and codes_of(broken) == [(None, "parse_error")]
    form = client.post(URL, {"location": location.cqc_id})  # multipart: not accepted
    assert form.status_code == 415
    huge = client.post(
        URL,
        '{"x": "' + "a" * settings.API_MAX_REQUEST_BYTES + '"}',
        content_type="application/json",
    )
    assert huge.status_code == 413 and codes_of(huge) == [(None, "too_large")]
    assert not ReturnVersion.objects.exists()


def test_an_unknown_api_url_is_a_json_404(location):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    missing = client_with(raw).get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and codes_of(missing) == [(None, "not_found")]


def test_post_query_count_does_not_grow_with_the_group(
    provider_user, django_assert_max_num_queries
):
    supplier = SupplierFactory()
    council = LocalAuthorityFactory()
    locations = LocationFactory.create_batch(
        3, provider=provider_user.provider, local_authority=council
    )
    grant(provider_user, provider_user.provider, supplier, locations=locations)
    _, supplier_raw = make_key(ApiKeyKind.SUPPLIER, supplier=supplier)
    _, provider_raw = make_key(ApiKeyKind.PROVIDER, provider=provider_user.provider)
    counts = {}
    # Datasets are cached per process: read December's once, as a running server has.
    dataset_for(Period(2026, 12), "care_home")
    # And one post per key first: the first of a process also fills Django's content type
    # cache (the audit record's target type).
    for raw in (supplier_raw, provider_raw):
        assert client_with(raw).post(URL, full(locations[1]), format="json").status_code == 201
    for size in (3, 500):
        if size == 500:
            from providers.models import Location

            Location.objects.bulk_create(
                [
                    LocationFactory.build(provider=provider_user.provider, local_authority=council)
                    for _ in range(497)
                ]
            )
        for name, raw in (("supplier", supplier_raw), ("provider", provider_raw)):
            client = client_with(raw)
            target = locations[size % 3]
            with django_assert_max_num_queries(40) as captured:
                sent = client.post(
                    URL, full(target), format="json", HTTP_IDEMPOTENCY_KEY=f"{name}-{size}"
                )
            assert sent.status_code == 201, sent.content
            counts[(name, size)] = len(captured.captured_queries)
    assert counts[("supplier", 3)] == counts[("supplier", 500)]
    assert counts[("provider", 3)] == counts[("provider", 500)]


def test_a_window_the_scheduled_job_has_not_stored_is_stored_by_the_first_save(location):
    from returns.models import CollectionWindow

    CollectionWindow.objects.filter(period__gte=datetime.date(2026, 12, 1)).delete()
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    sent = client_with(raw).post(URL, full(location), format="json")
    assert sent.status_code == 201, sent.content
    assert CollectionWindow.objects.filter(period=datetime.date(2026, 12, 1)).exists()
    # An earlier month this service never ran is refused, not created (it would breach all).
    CollectionWindow.objects.filter(period=datetime.date(2026, 11, 1)).delete()
    old = client_with(raw).post(URL, full(location, period="2026-11"), format="json")
    assert old.status_code == 400 and old.json()["errors"][0]["field"] == "period"
    assert not CollectionWindow.objects.filter(period=datetime.date(2026, 11, 1)).exists()


def test_an_unexpected_failure_is_a_500_in_the_error_shape_with_no_trace(location, caplog):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    # A fault injected at the database boundary of the save (the database going away).
    with mock.patch("returns.submission._locked_head", side_effect=RuntimeError("connection lost")):
        failed = client_with(raw).post(URL, full(location), format="json")
    assert failed.status_code == 500
    assert codes_of(failed) == [(None, "server_error")]
    assert "connection lost" not in failed.content.decode()
    assert "Traceback" not in failed.content.decode()
    assert "connection lost" in caplog.text  # logged with its trace for us, not shown
    assert not ReturnVersion.objects.exists()
