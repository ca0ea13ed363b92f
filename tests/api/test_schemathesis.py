"""Property-based tests of the API against its own schema (issue 12), with Schemathesis.

For every operation of the live schema (served by the app, so a new endpoint is covered the
day it lands), Schemathesis generates requests valid by the schema and sends them in-process
to the WSGI app with a real key: the answers must never be a server error, and must match the
schema (documented status code, content type, headers and body).

The WSGI app runs in this thread, so it sees the test database and the frozen clock. Hypothesis
is derandomised (the same examples every run, as CI needs) and keeps no example database.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiKeyKind
from providers.models import Location
from returns.deadlines import LONDON, Period, window_dates
from returns.models import CollectionWindow, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.api.keys import grant, make_key
from tests.factories import LocationFactory, ProviderUserFactory, SupplierFactory
from tests.portal_data import ASKED_FROM_2027, GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)  # December's window is open
MAX_EXAMPLES = 30  # per operation: enough to find the edges, fast enough for every CI run

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Every operation the API must offer; the schema may grow, never lose one silently.
OPERATIONS = {
    "GET /api/v1/calendar/",
    "GET /api/v1/data-items/",
    "GET /api/v1/locations/",
    "GET /api/v1/returns/",
    "POST /api/v1/returns/",
    "GET /api/v1/aggregates/",
    "GET /api/v1/compliance/",
}


@dataclass(frozen=True)
class World:
    granted: Location
    ungranted: Location


@pytest.fixture
def world() -> Iterator[World]:
    """Two providers' care homes with November's returns saved (so the aggregates and the
    compliance report have figures), December's window open, the clock in it."""
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    november = CollectionWindow.objects.get(period=Period(2026, 11).first_day())
    granted = LocationFactory(offers_care_home=True)
    ungranted = LocationFactory(provider=granted.provider, offers_care_home=True)
    elsewhere = LocationFactory(offers_care_home=True)
    saved_at = window_dates(Period(2026, 11)).opens_at + datetime.timedelta(days=1)
    answers = {k: v for k, v in GOOD_CARE_HOME.items() if k not in ASKED_FROM_2027}
    for location in (granted, ungranted, elsewhere):
        user = ProviderUserFactory(provider=location.provider)
        return_save(
            submitter=Submitter.of(user),
            location=location,
            care_type="care_home",
            window=november,
            kind="full",
            source="portal",
            now=saved_at,
            answers=answers,
        )
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield World(granted=granted, ungranted=ungranted)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The real WSGI handler closes the database connection as a request starts and finishes, which
    would close the test's transaction; Django's test client stops it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _schema() -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", WSGIHandler())
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels >= OPERATIONS, f"operations missing from the schema: {OPERATIONS - labels}"
    return schema


def _known_good(world: World) -> dict[str, list[dict[str, Any]]]:
    """Requests a client would really send, per operation, beside the generated ones: random
    values rarely hit a real location or a month with figures, and these must answer too."""
    december = {
        "location": world.granted.cqc_id,
        "care_type": "care_home",
        "period": "2026-12",
        "kind": "nil",
        "nil_reason": "no_service_users",
    }
    return {
        "GET /api/v1/calendar/": [{"query": {"year": 2026}}],
        "GET /api/v1/data-items/": [{"query": {"care_type": "care_home", "period": "2026-12"}}],
        "GET /api/v1/locations/": [{"query": {}}, {"query": {"owing": "true"}}],
        "GET /api/v1/returns/": [
            {"query": {"location": world.granted.cqc_id}},
            {"query": {"location": world.ungranted.cqc_id, "period": "2026-11"}},
        ],
        "POST /api/v1/returns/": [
            {"body": december},
            {"body": {**december, "location": world.ungranted.cqc_id}},
        ],
        "GET /api/v1/aggregates/": [
            {"query": {"period": "2026-11", "level": level, "care_type": "care_home"}}
            for level in ("england", "region", "local_authority", "location")
        ],
        "GET /api/v1/compliance/": [{"query": {"period": "2026-11"}}],
    }


def _fuzz(world: World, raw_key: str) -> dict[str, int]:
    """Every operation: the known-good requests, then ``MAX_EXAMPLES`` generated ones, sent
    with the key. Returns how many answers of each status came back, so the caller can see
    real work was done."""
    headers = {"Authorization": f"Api-Key {raw_key}"}
    statuses: dict[str, int] = {}
    known_good = _known_good(world)

    def send(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        key = f"{case.operation.label} {response.status_code}"
        statuses[key] = statuses.get(key, 0) + 1

    for result in _schema().get_all_operations():
        operation = result.ok()
        for request in known_good.get(operation.label, []):
            send(operation.Case(**request))

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            send(case)

        run()
    return statuses


def test_a_supplier_key_gets_only_answers_the_schema_describes(world: World) -> None:
    supplier = SupplierFactory()
    approver = ProviderUserFactory(provider=world.granted.provider, is_provider_approver=True)
    grant(approver, world.granted.provider, supplier, locations=[world.granted])
    _key, raw = make_key(ApiKeyKind.SUPPLIER, supplier=supplier)

    statuses = _fuzz(world, raw)

    assert any(key.startswith("GET /api/v1/calendar/ 200") for key in statuses), statuses
    assert any(key.startswith("GET /api/v1/locations/ 200") for key in statuses), statuses
    # The known-good drafts: stored for the granted location, refused for the other.
    assert statuses.get("POST /api/v1/returns/ 201", 0) >= 1, statuses
    assert statuses.get("POST /api/v1/returns/ 403", 0) >= 1, statuses
    # A supplier reads no figures: the dissemination endpoints refuse it, as documented.
    assert not any(key.startswith("GET /api/v1/aggregates/ 200") for key in statuses)


def test_a_dhsc_key_gets_only_answers_the_schema_describes(world: World) -> None:
    _key, raw = make_key(ApiKeyKind.DHSC)

    statuses = _fuzz(world, raw)

    assert any(key.startswith("GET /api/v1/calendar/ 200") for key in statuses), statuses
    assert any(key.startswith("GET /api/v1/aggregates/ 200") for key in statuses), statuses
    assert any(key.startswith("GET /api/v1/compliance/ 200") for key in statuses), statuses
    # DHSC changes nothing: every generated return was refused.
    assert not any(key.startswith("POST /api/v1/returns/ 2") for key in statuses), statuses
    assert ReturnVersion.objects.count() == 3


def test_a_provider_key_gets_only_answers_the_schema_describes(world: World) -> None:
    _key, raw = make_key(ApiKeyKind.PROVIDER, provider=world.granted.provider)

    statuses = _fuzz(world, raw)

    assert any(key.startswith("GET /api/v1/locations/ 200") for key in statuses), statuses
    # Both known-good returns are for its own provider's locations: both saved.
    assert statuses.get("POST /api/v1/returns/ 201", 0) >= 2, statuses
