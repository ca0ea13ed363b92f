"""GET /api/v1/locations/: the locations each caller may act for or read, with what each owes
the window providers are working on (issue 12).

The world below (``build_world``) is shared by the data items and returns tests: two providers
in two councils, returns in this window and the last, supplier grants live and revoked, a key
of every kind and a person of every role.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from rest_framework.test import APIClient

from api.models import ApiKey, Supplier
from api.services import grant_revoke, key_revoke
from providers.models import CareType, LocalAuthority, Location, Provider, RegistrationStatus, Role
from returns.datasets import dataset_for
from returns.deadlines import LONDON, Period
from returns.drafts import draft_receive
from returns.models import CollectionWindow, ReturnDraft, ReturnKind, ReturnSource, ReturnVersion
from returns.services import windows_ensure
from returns.submission import Submitter, return_save
from tests.api.keys import client_with, grant, make_key
from tests.conftest import client_for
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    LocalAuthorityFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupplierFactory,
    SupportUserFactory,
    UserFactory,
)

# The December 2026 window is open (8 to 14 December, closing at 00:00 on the 15th).
NOW = datetime.datetime(2026, 12, 10, 12, 0, tzinfo=LONDON)
DECEMBER = Period(2026, 12)
NOVEMBER = Period(2026, 11)
URL = "/api/v1/locations/"


def full_answers(period: Period, care_type: str) -> dict[str, Any]:
    """Answers that pass every item and rule of the month's dataset."""
    answers: dict[str, Any] = {}
    for item in dataset_for(period, care_type).items:
        answers[item.code] = {"integer": 0, "yes_no": "no"}.get(item.kind, "Nothing to add")
    return answers


@dataclass
class World:
    leeds: LocalAuthority
    wakefield: LocalAuthority
    provider_a: Provider
    provider_b: Provider
    a1: Location  # care home, Leeds: December return in time; November nil
    a2: Location  # home care, Leeds: nothing this month; November saved late
    a3: Location  # both, Wakefield: nothing yet
    b1: Location  # care home, Wakefield: December nil
    b2: Location  # care home, Leeds, dormant: owes nothing
    december: CollectionWindow
    november: CollectionWindow
    a1_december: ReturnVersion
    a1_november: ReturnVersion
    a2_november_late: ReturnVersion
    b1_december: ReturnVersion
    supplier: Supplier  # granted a1 only, by A
    draft: ReturnDraft  # the supplier's waiting draft for a1
    keys: dict[str, str]  # name -> raw key
    users: dict[str, Any]  # role name -> user

    def client(self, who: str) -> Client | APIClient:
        """A client for a key (by name) or a person (by role name); ``anonymous``: nobody."""
        if who == "anonymous":
            return APIClient()
        if who == "garbage":
            return client_with("notakey.reallynot")
        if who in self.keys:
            return client_with(self.keys[who])
        return client_for(self.users[who])


def build_world() -> World:
    leeds = LocalAuthorityFactory()  # E08000035
    wakefield = LocalAuthorityFactory(ons_code="E08000036", name="Wakefield")
    provider_a = ProviderFactory(name="Meadow Care Ltd")
    provider_b = ProviderFactory(name="Brightside Care Ltd")
    a1 = LocationFactory(provider=provider_a, local_authority=leeds, name="A1 House")
    a2 = LocationFactory(
        provider=provider_a,
        local_authority=leeds,
        name="A2 Home Care",
        offers_care_home=False,
        offers_home_care=True,
        registered_places=None,
    )
    a3 = LocationFactory(
        provider=provider_a, local_authority=wakefield, name="A3 Both", offers_home_care=True
    )
    b1 = LocationFactory(provider=provider_b, local_authority=wakefield, name="B1 House")
    b2 = LocationFactory(
        provider=provider_b,
        local_authority=leeds,
        name="B2 Dormant",
        status=RegistrationStatus.DORMANT,
    )
    windows_ensure(periods=[Period(2026, 10), NOVEMBER, DECEMBER])
    december = CollectionWindow.objects.get(period=DECEMBER.first_day())
    november = CollectionWindow.objects.get(period=NOVEMBER.first_day())
    user_a = ProviderUserFactory(provider=provider_a, first_name="Ada", last_name="Lovelace")
    user_b = ProviderUserFactory(provider=provider_b)
    in_november = datetime.datetime(2026, 11, 10, 9, 0, tzinfo=LONDON)

    def save(location, care_type, window, when, kind=ReturnKind.FULL, **extra):  # type: ignore[no-untyped-def]
        fields = (
            {"nil_reason": "no_service_users"}
            if kind == ReturnKind.NIL
            else {"answers": full_answers(window.period_obj, care_type)}
        )
        return return_save(
            submitter=Submitter.of(user_a if location.provider == provider_a else user_b),
            location=location,
            care_type=care_type,
            window=window,
            kind=kind,
            source=extra.pop("source", ReturnSource.PORTAL),
            now=when,
            **fields,
            **extra,
        )

    supplier = SupplierFactory(name="CareRecords Ltd")
    _, supplier_raw = make_key("supplier", supplier=supplier)
    a1_november = save(a1, CareType.CARE_HOME, november, in_november, kind=ReturnKind.NIL)
    a1_december = save(
        a1,
        CareType.CARE_HOME,
        december,
        NOW - datetime.timedelta(days=1),
        source=ReturnSource.API,
        via_supplier=supplier,
    )
    a2_november_late = save(a2, CareType.HOME_CARE, november, NOW - datetime.timedelta(hours=2))
    b1_december = save(b1, CareType.CARE_HOME, december, NOW, kind=ReturnKind.NIL)

    support = SupportUserFactory()
    grant(support, provider_a, supplier, [a1])
    supplier_key = ApiKey.objects.get(supplier=supplier)
    draft = draft_receive(
        api_key=supplier_key,
        location=a1,
        care_type=CareType.CARE_HOME,
        window=december,
        kind=ReturnKind.NIL,
        nil_reason="no_staff",
        now=NOW,
    )
    revoked_supplier = SupplierFactory(name="Former Records Ltd")
    old = grant(support, provider_a, revoked_supplier)
    grant_revoke(actor=support, grant_id=old.pk, provider=provider_a, now=NOW)
    ungranted_supplier = SupplierFactory(name="Stranger Records Ltd")

    keys = {"supplier": supplier_raw}
    keys["supplier_revoked_grant"] = make_key("supplier", supplier=revoked_supplier)[1]
    keys["supplier_ungranted"] = make_key("supplier", supplier=ungranted_supplier)[1]
    keys["provider_a"] = make_key("provider", provider=provider_a)[1]
    keys["provider_b"] = make_key("provider", provider=provider_b)[1]
    keys["leeds"] = make_key("local_authority", local_authority=leeds)[1]
    keys["dhsc"] = make_key("dhsc")[1]
    expired, keys["expired"] = make_key("provider", provider=provider_a)
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=NOW - datetime.timedelta(hours=1))
    revoked, keys["revoked"] = make_key("dhsc")
    key_revoke(actor=support, api_key_id=revoked.pk, reason="Leaked", now=NOW)

    council_user = UserFactory(role=Role.LOCAL_AUTHORITY)
    council_user.local_authorities.add(leeds)
    users = {
        "provider_user_a": user_a,
        "provider_user_b": user_b,
        "support": support,
        "caseworker": CaseworkerFactory(),
        "analyst": AnalystFactory(),
        "council_user": council_user,
    }
    return World(
        leeds=leeds,
        wakefield=wakefield,
        provider_a=provider_a,
        provider_b=provider_b,
        a1=a1,
        a2=a2,
        a3=a3,
        b1=b1,
        b2=b2,
        december=december,
        november=november,
        a1_december=a1_december,
        a1_november=a1_november,
        a2_november_late=a2_november_late,
        b1_december=b1_december,
        supplier=supplier,
        draft=draft,
        keys=keys,
        users=users,
    )


@pytest.fixture(autouse=True)
def frozen_clock():
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW):
        yield


@pytest.fixture
def world(db, frozen_clock) -> World:
    return build_world()


def assert_error(response, status: int, field: str | None = None, code: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """The one error shape: ``{"errors": [{"field", "code", "message"}]}`` and nothing else."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"errors"}
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}
        assert isinstance(error["message"], str) and error["message"]
    if field is not None or code is not None:
        assert any(
            (field is None or e["field"] == field) and (code is None or e["code"] == code)
            for e in body["errors"]
        ), body


def cqc_ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [row["cqc_id"] for row in response.json()["results"]]


def _ids(world: World, *names: str) -> list[str]:
    return sorted(getattr(world, name).cqc_id for name in names)


# --- Who sees what -------------------------------------------------------------------------

EVERYONE = ("a1", "a2", "a3", "b1", "b2")
SEES = {
    "provider_a": ("a1", "a2", "a3"),
    "provider_b": ("b1", "b2"),
    "supplier": ("a1",),  # granted a1 only
    "supplier_revoked_grant": (),
    "supplier_ungranted": (),
    "leeds": ("a1", "a2", "b2"),
    "dhsc": EVERYONE,
    "provider_user_a": ("a1", "a2", "a3"),
    "provider_user_b": ("b1", "b2"),
    "support": EVERYONE,
    "caseworker": EVERYONE,
    "analyst": EVERYONE,
    "council_user": ("a1", "a2", "b2"),
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_caller_lists_exactly_the_locations_it_may_read(world, who):
    response = world.client(who).get(URL)
    assert cqc_ids(response) == _ids(world, *SEES[who])


@pytest.mark.parametrize("who", ["anonymous", "garbage", "expired", "revoked"])
def test_no_valid_key_and_nobody_signed_in_is_401_in_the_error_shape(world, who):
    response = world.client(who).get(URL)
    assert_error(response, 401)


def test_a_key_of_a_stopped_supplier_is_refused(world):
    Supplier.objects.filter(pk=world.supplier.pk).update(is_active=False)
    assert_error(world.client("supplier").get(URL), 401)


def test_a_pending_provider_user_sees_nothing(world):
    pending = ProviderUserFactory(provider=world.provider_a, approved_at=None)
    assert cqc_ids(client_for(pending).get(URL)) == []


# --- What each location shows --------------------------------------------------------------


def _row(response, location: Location) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return next(r for r in response.json()["results"] if r["cqc_id"] == location.cqc_id)


def test_a_location_row_has_its_provider_council_care_types_and_this_window(world):
    row = _row(world.client("provider_a").get(URL), world.a3)
    assert row["name"] == "A3 Both"
    assert row["provider"] == {"cqc_id": world.provider_a.cqc_id, "name": "Meadow Care Ltd"}
    assert row["local_authority"] == {"ons_code": "E08000036", "name": "Wakefield"}
    assert row["care_types"] == ["care_home", "home_care"]
    assert row["registration_status"] == "active"
    window = row["this_window"]
    assert window["period"] == "2026-12"
    assert window["opens_at"] == "2026-12-08T00:00:00Z"
    assert datetime.datetime.fromisoformat(window["closes_at"]) == world.december.closes_at
    assert window["obligations"] == [
        {
            "care_type": "care_home",
            "owed": True,
            "status": "not_started",
            "latest": None,
            "waiting_draft_reference": None,
        },
        {
            "care_type": "home_care",
            "owed": True,
            "status": "not_started",
            "latest": None,
            "waiting_draft_reference": None,
        },
    ]


def test_a_sent_return_shows_its_latest_version_and_status(world):
    response = world.client("provider_a").get(URL)
    [ob] = _row(response, world.a1)["this_window"]["obligations"]
    assert ob["status"] == "updated"
    assert ob["latest"]["reference"] == world.a1_december.reference
    assert ob["latest"]["kind"] == "full"
    assert datetime.datetime.fromisoformat(ob["latest"]["submitted_at"]) == (
        world.a1_december.submitted_at
    )
    assert ob["waiting_draft_reference"] is None  # the supplier's draft is not the provider's


def test_a_nil_return_and_a_dormant_location(world):
    response = world.client("dhsc").get(URL)
    [b1] = _row(response, world.b1)["this_window"]["obligations"]
    assert b1["status"] == "nil" and b1["latest"]["kind"] == "nil"
    b2 = _row(response, world.b2)
    assert b2["registration_status"] == "dormant"
    assert b2["this_window"]["obligations"] == [
        {
            "care_type": "care_home",
            "owed": False,
            "status": "not_required",
            "latest": None,
            "waiting_draft_reference": None,
        }
    ]


def test_a_supplier_key_sees_its_own_waiting_draft(world):
    [ob] = _row(world.client("supplier").get(URL), world.a1)["this_window"]["obligations"]
    assert ob["waiting_draft_reference"] == world.draft.reference


def test_a_decided_draft_is_not_waiting(world):
    ReturnDraft.objects.filter(pk=world.draft.pk).update(status=ReturnDraft.Status.DISCARDED)
    [ob] = _row(world.client("supplier").get(URL), world.a1)["this_window"]["obligations"]
    assert ob["waiting_draft_reference"] is None


def test_before_this_months_window_opens_last_months_is_shown(world):
    before = datetime.datetime(2026, 12, 7, 23, 0, tzinfo=LONDON)
    with mock.patch("capacity_tracker.lib.clock.now", return_value=before):
        response = world.client("provider_a").get(URL)
    a2 = _row(response, world.a2)["this_window"]
    assert a2["period"] == "2026-11"
    [ob] = a2["obligations"]
    assert ob["status"] == "late"  # saved after November's window closed
    assert ob["latest"]["reference"] == world.a2_november_late.reference


# --- Filters -------------------------------------------------------------------------------


def test_filter_by_location_id(world):
    response = world.client("dhsc").get(URL, {"cqc_id": world.b1.cqc_id})
    assert cqc_ids(response) == [world.b1.cqc_id]


def test_filter_by_a_location_the_caller_may_not_read_gives_nothing(world):
    response = world.client("provider_a").get(URL, {"cqc_id": world.b1.cqc_id})
    assert cqc_ids(response) == []


def test_filter_by_provider(world):
    response = world.client("dhsc").get(URL, {"provider": world.provider_b.cqc_id})
    assert cqc_ids(response) == _ids(world, "b1", "b2")
    response = world.client("leeds").get(URL, {"provider": world.provider_a.cqc_id})
    assert cqc_ids(response) == _ids(world, "a1", "a2")


def test_filter_owing(world):
    # a1 and b1 sent December's return, b2 owes nothing; a2 and a3 still have to send.
    owing = world.client("dhsc").get(URL, {"owing": "true"})
    assert cqc_ids(owing) == _ids(world, "a2", "a3")
    rest = world.client("dhsc").get(URL, {"owing": "false"})
    assert cqc_ids(rest) == _ids(world, "a1", "b1", "b2")


def test_a_location_with_one_of_two_care_types_sent_still_owes(world):
    save = return_save(
        submitter=Submitter.of(world.users["provider_user_a"]),
        location=world.a3,
        care_type=CareType.HOME_CARE,
        window=world.december,
        kind=ReturnKind.NIL,
        source=ReturnSource.PORTAL,
        nil_reason="no_staff",
        now=NOW,
    )
    assert save.in_window
    response = world.client("provider_a").get(URL, {"owing": "true"})
    assert cqc_ids(response) == _ids(world, "a2", "a3")
    statuses = {
        ob["care_type"]: ob["status"]
        for ob in _row(response, world.a3)["this_window"]["obligations"]
    }
    assert statuses == {"care_home": "not_started", "home_care": "nil"}


def test_filters_combine(world):
    response = world.client("dhsc").get(
        URL, {"provider": world.provider_a.cqc_id, "owing": "false"}
    )
    assert cqc_ids(response) == _ids(world, "a1")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"owing": "maybe"}, "owing"),
        ({"cqc_id": "not-an-id"}, "cqc_id"),
        ({"cqc_id": "1-12"}, "cqc_id"),
        ({"provider": "' OR 1=1 --"}, "provider"),
        ({"provider": "1-" + "9" * 40}, "provider"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(world, params, field):
    assert_error(world.client("dhsc").get(URL, params), 400, field=field)


def test_a_bad_filter_value_is_a_400_for_a_person_too(world):
    assert_error(world.client("support").get(URL, {"owing": "x"}), 400, field="owing")


# --- Pagination ----------------------------------------------------------------------------


def test_pages_follow_the_next_cursor_in_cqc_id_order(world):
    client = world.client("dhsc")
    first = client.get(URL, {"page_size": 2}).json()
    assert first["previous"] is None
    assert len(first["results"]) == 2
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert third["next"] is None
    assert second["previous"] is not None
    seen = [r["cqc_id"] for page in (first, second, third) for r in page["results"]]
    assert seen == _ids(world, *EVERYONE)
    back = client.get(second["previous"]).json()
    assert [r["cqc_id"] for r in back["results"]] == seen[:2]


def test_the_cursor_keeps_the_filters(world):
    client = world.client("dhsc")
    first = client.get(URL, {"page_size": 1, "provider": world.provider_b.cqc_id}).json()
    second = client.get(first["next"]).json()
    assert [r["cqc_id"] for r in first["results"] + second["results"]] == _ids(world, "b1", "b2")
    assert second["next"] is None


def test_a_bad_cursor_is_a_404_in_the_error_shape(world):
    for cursor in (encode("o=x"), encode("p=%00"), encode("p=' OR 1=1"), encode("r=2x")):
        assert_error(world.client("dhsc").get(URL, {"cursor": cursor}), 404, code="not_found")


def encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_bad_page_size_falls_back_to_the_default(world):
    for size in ("0", "-1", "abc", "99999"):
        response = world.client("dhsc").get(URL, {"page_size": size})
        assert len(cqc_ids(response)) == 5


# --- Query count ---------------------------------------------------------------------------


def _group(size: int, world: World) -> tuple[Provider, str, str]:
    """A provider with ``size`` locations (some with returns), its key, and a supplier key
    granted all of them with drafts waiting for some."""
    provider = ProviderFactory()
    start = Location.objects.count()
    Location.objects.bulk_create(
        [
            Location(
                cqc_id=f"1-{5000000000 + start + n}",
                provider=provider,
                name=f"Group home {n}",
                local_authority=world.leeds if n % 2 else world.wakefield,
                offers_care_home=True,
                offers_home_care=n % 3 == 0,
                status=RegistrationStatus.ACTIVE if n % 7 else RegistrationStatus.DORMANT,
                added_to_service_on=datetime.date(2023, 1, 1),
            )
            for n in range(size)
        ]
    )
    locations = list(provider.locations.order_by("cqc_id"))
    user = ProviderUserFactory(provider=provider)
    supplier = SupplierFactory()
    supplier_key, supplier_raw = make_key("supplier", supplier=supplier)
    grant(user, provider, supplier)
    for location in locations[:3]:
        return_save(
            submitter=Submitter.of(user),
            location=location,
            care_type=CareType.CARE_HOME,
            window=world.december,
            kind=ReturnKind.NIL,
            source=ReturnSource.PORTAL,
            nil_reason="no_staff",
            now=NOW,
        )
        draft_receive(
            api_key=supplier_key,
            location=location,
            care_type=CareType.CARE_HOME,
            window=world.december,
            kind=ReturnKind.NIL,
            nil_reason="no_staff",
            now=NOW,
        )
    return provider, make_key("provider", provider=provider)[1], supplier_raw


# Key lookup, this window (one query for three months), the page of locations, its return
# heads, and the supplier's drafts; a margin of two for the framework (e.g. a savepoint).
MAX_QUERIES = 7


@pytest.mark.parametrize("size", [5, 500])
def test_query_count_does_not_grow_with_the_number_of_locations(
    world, size, django_assert_max_num_queries
):
    _, provider_raw, supplier_raw = _group(size, world)
    for raw in (provider_raw, supplier_raw):
        client = client_with(raw)
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(URL, {"page_size": 1000})
        assert len(cqc_ids(response)) == size
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(URL, {"page_size": 1000, "owing": "true"})
        assert response.status_code == 200
    rows = client_with(supplier_raw).get(URL, {"page_size": 1000}).json()["results"]
    waiting = [
        ob["waiting_draft_reference"]
        for row in rows
        for ob in row["this_window"]["obligations"]
        if ob["waiting_draft_reference"]
    ]
    assert len(waiting) == 3


def test_query_count_for_a_person_is_flat_too(world, django_assert_max_num_queries):
    _group(200, world)
    client = world.client("support")
    client.get(URL)  # the session's first request may touch more (e.g. the session row)
    with django_assert_max_num_queries(MAX_QUERIES + 3):  # the session and the user
        response = client.get(URL, {"page_size": 1000})
    assert len(cqc_ids(response)) == 205
