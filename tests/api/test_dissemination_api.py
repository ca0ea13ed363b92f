"""GET /api/v1/aggregates/ and /api/v1/compliance/: the pages' figures, scoped as the pages.

The world is ``tests.dissemination.aggregates_world`` (Leeds and Bradford in Yorkshire,
Manchester in the North West) seen on 20 July 2026; the expected figures are always the
selectors' own for the same scope, never typed-in numbers.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from dissemination.models import DisclosureRecord
from dissemination.selectors import Level, Scope, aggregate, compliance
from providers.models import LocalAuthority, Location, Role
from tests.api.keys import client_with, make_key
from tests.conftest import client_for
from tests.dissemination.aggregates_world import World, build_world, windows_2026
from tests.dissemination.pages_support import frozen_clock, la_user
from tests.factories import (
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

AGGREGATES = reverse("api-aggregates")
COMPLIANCE = reverse("api-compliance")


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _clock():
    with frozen_clock():
        yield


def dhsc():  # type: ignore[no-untyped-def]
    return client_with(make_key("dhsc")[1])


def council(la):  # type: ignore[no-untyped-def]
    return client_with(make_key("local_authority", local_authority=la)[1])


def ok(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return response.json()


def error_fields(response, status: int) -> list[str | None]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert errors and all(set(e) == {"field", "code", "message"} for e in errors)
    return [e["field"] for e in errors]


def assert_same_figures(results: list[dict[str, Any]], rows: list[Any]) -> None:
    """Each API row carries exactly the selector row's counts, figures and rates."""
    assert len(results) == len(rows)
    for got, row in zip(results, rows, strict=True):
        assert got["period"] == f"{row.period:%Y-%m}"
        if row.level is not Level.ENGLAND:  # (a narrowed England row is relabelled)
            assert (got["level"], got["area_code"], got["area_name"]) == (
                row.level.value,
                row.area_code,
                row.area_name,
            )
        assert (got["region_code"], got["local_authority_code"]) == (
            row.region_code,
            row.local_authority_code,
        )
        assert (got["provider_code"], got["care_type"]) == (row.provider_code, row.care_type)
        for name in ("locations_owing", "returned", "returned_full", "returned_nil", "late"):
            assert got[name] == getattr(row, name)
        assert got["missing"] == row.missing
        assert got["registered_places"] == row.registered_places
        assert got["compliance_rate"] == {
            "numerator": row.compliance_rate.numerator,
            "denominator": row.compliance_rate.denominator,
            "value": row.compliance_rate.value,
        }
        assert got["figures"] == dict(row.figures)
        assert got["rates"] == {
            name: {"numerator": r.numerator, "denominator": r.denominator, "value": r.value}
            for name, r in row.rates.items()
        }


# --- aggregates -----------------------------------------------------------------------------
def test_dhsc_key_gets_the_selectors_council_figures_for_england(world):
    body = ok(
        dhsc().get(
            AGGREGATES, {"period": "2026-06", "level": "local_authority", "care_type": "care_home"}
        )
    )
    rows = aggregate(windows=[world.june], level=Level.LOCAL_AUTHORITY, care_type="care_home")
    assert (body["period"], body["care_type"], body["level"]) == (
        "2026-06",
        "care_home",
        "local_authority",
    )
    assert body["total_label"] == "England"
    assert {r["area_name"] for r in body["results"]} == {"Bradford", "Leeds", "Manchester"}
    assert_same_figures(body["results"], rows)
    assert body["results"][0]["figures"]  # the catalogue's figures came through


def test_england_row_is_england_for_a_national_caller(world):
    body = ok(
        dhsc().get(AGGREGATES, {"period": "2026-06", "level": "england", "care_type": "home_care"})
    )
    [row] = aggregate(windows=[world.june], level=Level.ENGLAND, care_type="home_care")
    [got] = body["results"]
    assert (got["level"], got["area_code"], got["area_name"]) == ("england", "E92000001", "England")
    assert got["registered_places"] is None  # home care: no registered places
    assert_same_figures(body["results"], [row])


def test_council_key_sees_only_its_council_and_its_total_is_labelled(world):
    client = council(world.leeds)
    body = ok(
        client.get(AGGREGATES, {"period": "2026-06", "level": "england", "care_type": "care_home"})
    )
    leeds_only = Scope(local_authority_ids=[world.leeds.pk])
    [row] = aggregate(
        windows=[world.june], level=Level.ENGLAND, care_type="care_home", scope=leeds_only
    )
    [national] = aggregate(windows=[world.june], level=Level.ENGLAND, care_type="care_home")
    [got] = body["results"]
    assert body["total_label"] == "Total for Leeds"
    assert (got["level"], got["area_code"], got["area_name"]) == (
        "area_total",
        None,
        "Total for Leeds",
    )
    assert_same_figures(body["results"], [row])
    assert got["locations_owing"] < national.locations_owing  # not England's figures

    councils = ok(
        client.get(
            AGGREGATES, {"period": "2026-06", "level": "local_authority", "care_type": "care_home"}
        )
    )["results"]
    assert [r["local_authority_code"] for r in councils] == [world.leeds.ons_code]

    locations = ok(
        client.get(AGGREGATES, {"period": "2026-06", "level": "location", "care_type": "care_home"})
    )["results"]
    codes = {r["area_code"] for r in locations}
    leeds_codes = {world.loc[k].cqc_id for k in "ABJ"}  # H was added after June opened
    assert codes == leeds_codes
    assert world.loc["C"].cqc_id not in codes  # Bradford's
    assert_same_figures(
        locations,
        aggregate(
            windows=[world.june], level=Level.LOCATION, care_type="care_home", scope=leeds_only
        ),
    )


def test_council_key_cannot_reach_another_council_or_the_region_level(world):
    client = council(world.leeds)
    base = {"period": "2026-06", "care_type": "care_home"}
    response = client.get(
        AGGREGATES,
        {**base, "level": "local_authority", "local_authority": world.bradford.ons_code},
    )
    assert error_fields(response, 404) == ["local_authority"]
    # Manchester's region is not one a Leeds key can see either.
    response = client.get(
        AGGREGATES, {**base, "level": "england", "region": world.north_west.ons_code}
    )
    assert error_fields(response, 404) == ["region"]
    # The region level is not offered to a council on the export page.
    assert error_fields(client.get(AGGREGATES, {**base, "level": "region"}), 400) == ["level"]


def test_a_region_filter_narrows_and_relabels_the_total(world):
    body = ok(
        dhsc().get(
            AGGREGATES,
            {
                "period": "2026-06",
                "level": "england",
                "care_type": "care_home",
                "region": world.yorkshire.ons_code,
            },
        )
    )
    rows = aggregate(
        windows=[world.june],
        level=Level.ENGLAND,
        care_type="care_home",
        scope=Scope(region_ids=[world.yorkshire.pk]),
    )
    assert body["total_label"] == f"Total for {world.yorkshire.name}"
    assert body["results"][0]["level"] == "area_total"
    assert_same_figures(body["results"], rows)


@pytest.mark.parametrize("role", [Role.ANALYST, Role.SUPPORT])
def test_national_staff_read_the_aggregates_signed_in(world, role):
    client = client_for(UserFactory(role=role))
    body = ok(
        client.get(AGGREGATES, {"period": "2026-06", "level": "region", "care_type": "care_home"})
    )
    rows = aggregate(windows=[world.june], level=Level.REGION, care_type="care_home")
    assert_same_figures(body["results"], rows)


def test_a_local_authority_user_reads_their_own_councils(world):
    user = la_user(world.leeds, world.bradford)
    body = ok(
        client_for(user).get(
            AGGREGATES, {"period": "2026-06", "level": "local_authority", "care_type": "care_home"}
        )
    )
    assert [r["area_name"] for r in body["results"]] == ["Bradford", "Leeds"]
    assert body["total_label"] == "Total for Bradford and Leeds"


def test_who_is_refused(world, provider):
    query = {"period": "2026-06", "level": "england", "care_type": "care_home"}
    refused = [
        client_with(make_key("provider", provider=provider)[1]),
        client_with(make_key("supplier", supplier=SupplierFactory())[1]),
        client_for(ProviderUserFactory(provider=provider)),
    ]
    for client in refused:
        assert error_fields(client.get(AGGREGATES, query), 403) == [None]
        assert error_fields(client.get(COMPLIANCE, {"period": "2026-06"}), 403) == [None]
    # Caseworkers have the compliance release, not the aggregates (as on the pages).
    caseworker = client_for(UserFactory(role=Role.CASEWORKER))
    assert error_fields(caseworker.get(AGGREGATES, query), 403) == [None]
    assert ok(caseworker.get(COMPLIANCE, {"period": "2026-06"}))["results"]
    # Nobody at all: 401.
    assert APIClient().get(AGGREGATES, query).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"level": "england", "care_type": "care_home"}, "period"),
        ({"period": "2026-13", "level": "england", "care_type": "care_home"}, "period"),
        ({"period": "June", "level": "england", "care_type": "care_home"}, "period"),
        ({"period": "0000-01", "level": "england", "care_type": "care_home"}, "period"),
        ({"period": "2026-09", "level": "england", "care_type": "care_home"}, "period"),  # not open
        ({"period": "2026-06", "level": "planet", "care_type": "care_home"}, "level"),
        ({"period": "2026-06", "level": "england"}, "care_type"),
        ({"period": "2026-06", "level": "england", "care_type": "x"}, "care_type"),
        ({"period": "2026-06", "level": "england", "care_type": "care_home", "page_size": "0"},
         "page_size"),
        ({"period": "2026-06", "level": "england", "care_type": "care_home", "page_size": "a"},
         "page_size"),
    ],
)  # fmt: skip
def test_invalid_parameters_are_400_naming_the_field(world, query, field):
    assert field in error_fields(dhsc().get(AGGREGATES, query), 400)


def test_a_bad_cursor_is_404_never_500(world):
    for cursor in ("!!!", "LTE=", "YWJj"):  # not base64, -1, "abc"
        response = dhsc().get(COMPLIANCE, {"period": "2026-06", "cursor": cursor})
        assert error_fields(response, 404) == ["cursor"]


def test_aggregate_pages_are_the_whole_answer_in_order(world):
    client = dhsc()
    url, seen = AGGREGATES, []
    query: dict[str, Any] | None = {
        "period": "2026-06",
        "level": "location",
        "care_type": "care_home",
        "page_size": "2",
    }
    while url:
        body = ok(client.get(url, query))
        assert len(body["results"]) <= 2
        seen += body["results"]
        url, query = body["next"], None
    rows = aggregate(windows=[world.june], level=Level.LOCATION, care_type="care_home")
    assert len(rows) > 2
    assert_same_figures(seen, rows)


# --- compliance -----------------------------------------------------------------------------
def test_compliance_pages_walk_forward_and_back_over_every_obligation(world):
    client = dhsc()
    expected = [row.as_dict() for row in compliance(windows=[world.june])]
    assert len(expected) > 5
    first = ok(client.get(COMPLIANCE, {"period": "2026-06", "page_size": "3"}))
    assert first["previous"] is None and first["care_type"] is None
    pages, body = [first], first
    while body["next"]:
        body = ok(client.get(body["next"]))
        pages.append(body)
    assert [row for page in pages for row in page["results"]] == expected
    assert all(len(page["results"]) == 3 for page in pages[:-1])
    back = ok(client.get(pages[1]["previous"]))
    assert back["results"] == first["results"]


def test_compliance_for_a_council_and_one_care_type(world):
    body = ok(
        council(world.manchester).get(COMPLIANCE, {"period": "2026-06", "care_type": "home_care"})
    )
    expected = compliance(
        windows=[world.june],
        care_type="home_care",
        scope=Scope(local_authority_ids=[world.manchester.pk]),
    )
    assert body["results"] == [row.as_dict() for row in expected]
    assert {r["local_authority_code"] for r in body["results"]} == {world.manchester.ons_code}
    leeds = ok(council(world.leeds).get(COMPLIANCE, {"period": "2026-06"}))["results"]
    assert {r["local_authority_name"] for r in leeds} == {"Leeds"}
    assert world.loc["E"].cqc_id not in {r["location_code"] for r in leeds}
    response = council(world.leeds).get(
        COMPLIANCE, {"period": "2026-06", "local_authority": world.manchester.ons_code}
    )
    assert error_fields(response, 404) == ["local_authority"]


# --- no writes, the log, the schema --------------------------------------------------------
def test_reads_write_nothing_and_are_logged(world, caplog):
    key, raw = make_key("local_authority", local_authority=world.leeds)
    client = client_with(raw)
    before = DisclosureRecord.objects.count()
    with (
        caplog.at_level(logging.INFO, logger="capacity_tracker.security"),
        CaptureQueriesContext(connection) as queries,
    ):
        ok(
            client.get(
                AGGREGATES, {"period": "2026-06", "level": "location", "care_type": "care_home"}
            )
        )
        ok(client.get(COMPLIANCE, {"period": "2026-06"}))
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert DisclosureRecord.objects.count() == before
    events = [r for r in caplog.records if r.getMessage() == "api_disclosure"]
    assert [(e.key_prefix, e.endpoint, e.period, e.data_level) for e in events] == [
        (key.prefix, "aggregates", "2026-06", "location"),
        (key.prefix, "compliance", "2026-06", "location"),
    ]


def nullable(prop: dict[str, Any]) -> bool:
    """A nullable field: ``null`` among its types (OpenAPI 3.1), ``nullable`` (3.0), or for an
    enum, the null enum among its choices."""
    types = prop.get("type", [])
    refs = [choice.get("$ref", "") for choice in prop.get("oneOf", [])]
    return (
        "null" in (types if isinstance(types, list) else [types])
        or bool(prop.get("nullable"))
        or "#/components/schemas/NullEnum" in refs
    )


def test_the_schema_describes_the_real_rows(world):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    row = ok(
        dhsc().get(AGGREGATES, {"period": "2026-06", "level": "location", "care_type": "care_home"})
    )["results"][0]
    described = components["AggregateRow"]
    assert set(described["properties"]) == set(row)
    assert set(described["required"]) == set(row)
    for name, value in row.items():
        if value is None:
            assert nullable(described["properties"][name]), name
    release = ok(dhsc().get(COMPLIANCE, {"period": "2026-06"}))["results"]
    described = components["ComplianceRow"]
    for got in release:
        assert set(described["properties"]) == set(got)
        for name, value in got.items():
            if value is None:
                assert nullable(described["properties"][name]), name
    paths = schema["paths"]
    for path in ("/api/v1/aggregates/", "/api/v1/compliance/"):
        assert set(paths[path]["get"]["responses"]) >= {"200", "400", "401", "403", "404"}


# --- query counts ---------------------------------------------------------------------------
def _calls(client) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        for query in (
            {"level": "location", "care_type": "care_home"},
            {"level": "local_authority", "care_type": "care_home"},
        ):
            ok(client.get(AGGREGATES, {"period": "2026-06", "page_size": "1000", **query}))
        ok(client.get(COMPLIANCE, {"period": "2026-06", "page_size": "1000"}))
    return len(queries.captured_queries)


def test_query_counts_do_not_grow_with_locations(django_assert_max_num_queries):
    windows_2026(6)
    provider = ProviderFactory()
    councils = list(LocalAuthority.objects.filter(ons_code__in=["E08000035", "E08000032"]))
    client = council(councils[0])
    national = dhsc()

    def add(count: int) -> None:
        built = LocationFactory.build_batch(count, provider=provider)
        for i, location in enumerate(built):
            location.local_authority = councils[i % 2]
        Location.objects.bulk_create(built)

    add(5)
    small = (_calls(client), _calls(national))
    add(195)
    assert (_calls(client), _calls(national)) == small
    release = ok(national.get(COMPLIANCE, {"period": "2026-06", "page_size": "1000"}))
    assert len(release["results"]) == 200  # every location owes June: the rows were all read
    # The key (and, for a council's, its council), the window, then one selector query.
    with django_assert_max_num_queries(4):
        ok(client.get(COMPLIANCE, {"period": "2026-06", "page_size": "1000"}))
