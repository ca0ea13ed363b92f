"""GET /api/v1/returns/: one location's returns, for callers who may read it (issue 12)."""

from __future__ import annotations

import base64
import datetime
from unittest import mock

import pytest

from api.models import ApiKey, SupplierGrant
from api.services import grant_revoke
from providers.models import CareType
from returns.models import ReturnKind, ReturnSource
from returns.submission import Submitter, return_save
from tests.api.test_locations_api import NOW, World, assert_error, build_world

URL = "/api/v1/returns/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW):
        yield


@pytest.fixture
def world(db, frozen_clock) -> World:
    return build_world()


# Who may read which of the world's locations (every other one is a 404 to them).
READS = {
    "provider_a": {"a1", "a2", "a3"},
    "provider_b": {"b1", "b2"},
    "supplier": {"a1"},
    "supplier_revoked_grant": set(),
    "supplier_ungranted": set(),
    "leeds": {"a1", "a2", "b2"},
    "dhsc": {"a1", "a2", "a3", "b1", "b2"},
    "provider_user_a": {"a1", "a2", "a3"},
    "provider_user_b": {"b1", "b2"},
    "support": {"a1", "a2", "a3", "b1", "b2"},
    "caseworker": {"a1", "a2", "a3", "b1", "b2"},
    "analyst": {"a1", "a2", "a3", "b1", "b2"},
    "council_user": {"a1", "a2", "b2"},
}


@pytest.mark.parametrize("who", sorted(READS))
def test_each_caller_reads_exactly_the_locations_it_may(world, who):
    client = world.client(who)
    for name in ("a1", "a2", "a3", "b1", "b2"):
        response = client.get(URL, {"location": getattr(world, name).cqc_id})
        if name in READS[who]:
            assert response.status_code == 200, (name, response.content)
        else:
            # The same answer as for a location that does not exist: IDs are not revealed.
            assert_error(response, 404, field="location", code="not_found")


@pytest.mark.parametrize("who", ["anonymous", "garbage", "expired", "revoked"])
def test_no_valid_key_is_401(world, who):
    assert_error(world.client(who).get(URL, {"location": world.a1.cqc_id}), 401)


def test_an_unknown_location_is_a_404_like_another_providers(world):
    unknown = world.client("dhsc").get(URL, {"location": "1-9999999999"})
    assert_error(unknown, 404, field="location", code="not_found")
    theirs = world.client("provider_b").get(URL, {"location": world.a1.cqc_id})
    assert theirs.json() == unknown.json()


def test_a_supplier_reads_a_location_until_the_grant_is_revoked(world):
    assert world.client("supplier").get(URL, {"location": world.a1.cqc_id}).status_code == 200
    live = SupplierGrant.objects.get(supplier=world.supplier, revoked_at__isnull=True)
    grant_revoke(actor=world.users["support"], grant_id=live.pk, provider=world.provider_a, now=NOW)
    response = world.client("supplier").get(URL, {"location": world.a1.cqc_id})
    assert_error(response, 404, field="location")


def test_returns_are_newest_month_first_with_every_version(world):
    body = world.client("provider_a").get(URL, {"location": world.a1.cqc_id}).json()
    assert body["next"] is None and body["previous"] is None
    december, november = body["results"]
    assert december["period"] == "2026-12" and november["period"] == "2026-11"
    assert december["care_type"] == "care_home"
    assert december["status"] == "updated"
    assert december["counted_reference"] == world.a1_december.reference
    [version] = december["versions"]
    assert version["number"] == 1
    assert version["reference"] == world.a1_december.reference
    assert version["kind"] == "full"
    assert version["source"] == "api"
    assert version["in_window"] is True
    assert version["submitter_name"] == "Ada Lovelace"
    assert version["via_supplier"] == "CareRecords Ltd"
    assert version["answers"] == world.a1_december.answers
    assert version["nil_reason"] is None and version["nil_reason_detail"] is None
    assert datetime.datetime.fromisoformat(version["submitted_at"]) == (
        world.a1_december.submitted_at
    )
    assert november["status"] == "nil"
    [nil] = november["versions"]
    assert nil["kind"] == "nil" and nil["nil_reason"] == "no_service_users"
    assert nil["via_supplier"] is None
    assert nil["answers"] == {}


def test_a_late_return_is_late_and_not_counted(world):
    body = world.client("provider_a").get(URL, {"location": world.a2.cqc_id}).json()
    [november] = body["results"]  # nothing yet for December: no return head
    assert november["status"] == "late"
    assert november["counted_reference"] is None
    assert november["versions"][0]["in_window"] is False


def test_versions_are_listed_oldest_first(world):
    second = return_save(
        submitter=Submitter.of(world.users["provider_user_a"]),
        location=world.a1,
        care_type=CareType.CARE_HOME,
        window=world.december,
        kind=ReturnKind.NIL,
        source=ReturnSource.PORTAL,
        nil_reason="other",
        nil_reason_detail="Closed for refurbishment",
        now=NOW,
    )
    body = world.client("dhsc").get(URL, {"location": world.a1.cqc_id, "period": "2026-12"})
    [head] = body.json()["results"]
    assert [v["number"] for v in head["versions"]] == [1, 2]
    assert head["counted_reference"] == second.reference
    assert head["status"] == "nil"
    assert head["versions"][1]["nil_reason_detail"] == "Closed for refurbishment"


def test_filter_by_period(world):
    client = world.client("provider_a")
    body = client.get(URL, {"location": world.a1.cqc_id, "period": "2026-11"}).json()
    assert [r["period"] for r in body["results"]] == ["2026-11"]
    body = client.get(URL, {"location": world.a1.cqc_id, "period": "2026-10"}).json()
    assert body["results"] == []


def test_pages_follow_the_next_cursor(world):
    client = world.client("provider_a")
    first = client.get(URL, {"location": world.a1.cqc_id, "page_size": 1}).json()
    assert [r["period"] for r in first["results"]] == ["2026-12"]
    second = client.get(first["next"]).json()
    assert [r["period"] for r in second["results"]] == ["2026-11"]
    assert second["next"] is None
    back = client.get(second["previous"]).json()
    assert [r["period"] for r in back["results"]] == ["2026-12"]


def test_two_care_types_of_one_month_page_apart(world):
    for care_type in (CareType.CARE_HOME, CareType.HOME_CARE):
        return_save(
            submitter=Submitter.of(world.users["provider_user_a"]),
            location=world.a3,
            care_type=care_type,
            window=world.december,
            kind=ReturnKind.NIL,
            source=ReturnSource.PORTAL,
            nil_reason="no_staff",
            now=NOW,
        )
    client = world.client("provider_a")
    first = client.get(URL, {"location": world.a3.cqc_id, "page_size": 1}).json()
    second = client.get(first["next"]).json()
    assert [r["care_type"] for r in first["results"] + second["results"]] == [
        "care_home",
        "home_care",
    ]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({}, "location", "required"),
        ({"location": ""}, "location", None),
        ({"location": "A1 House"}, "location", "invalid"),
        ({"location": "1-1' OR '1'='1"}, "location", "invalid"),
        ({"location": "1-3000000001", "period": "December"}, "period", "invalid"),
        ({"location": "1-3000000001", "period": "2026-00"}, "period", "invalid"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(world, params, field, code):
    assert_error(world.client("dhsc").get(URL, params), 400, field=field, code=code)


def test_a_tampered_cursor_is_a_404_not_a_500(world):
    for text in ("p=notadate", "p=2026-13-01", "p=%00", "o=-1"):
        cursor = base64.b64encode(text.encode()).decode()
        response = world.client("dhsc").get(URL, {"location": world.a1.cqc_id, "cursor": cursor})
        assert_error(response, 404, code="not_found")


def test_query_count_does_not_grow_with_the_number_of_returns(world, django_assert_max_num_queries):
    client = world.client("provider_a")
    # key, location, heads, versions, who owed what; one spare
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"location": world.a1.cqc_id})
    assert len(response.json()["results"]) == 2
    for _ in range(5):
        return_save(
            submitter=Submitter.of(world.users["provider_user_a"]),
            location=world.a1,
            care_type=CareType.CARE_HOME,
            window=world.november,
            kind=ReturnKind.NIL,
            source=ReturnSource.PORTAL,
            nil_reason="no_staff",
            now=NOW,
        )
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"location": world.a1.cqc_id})
    assert len(response.json()["results"][1]["versions"]) == 6


def test_a_key_reads_only_its_own_scope_after_its_provider_changes_nothing(world):
    # A provider key is its provider's: A's key never reads B's location, whatever the ID.
    assert ApiKey.objects.filter(kind="provider", provider=world.provider_a).exists()
    response = world.client("provider_a").get(URL, {"location": world.b1.cqc_id})
    assert_error(response, 404, field="location")
