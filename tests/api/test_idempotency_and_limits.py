"""Idempotency-Key on writes (one effect, even for two requests at once) and per-key limits."""

from __future__ import annotations

import datetime
import threading
from unittest import mock

import pytest
from django.db import connection

from api.models import ApiKeyKind, IdempotencyRecord
from api.usage import housekeeping
from returns.deadlines import LONDON
from returns.models import ReturnDraft, ReturnVersion
from returns.services import windows_ensure_ahead
from tests.api.keys import client_with, grant, make_key
from tests.api.test_submit_api import IN_WINDOW, URL, full
from tests.factories import LocationFactory, ProviderUserFactory, SupplierFactory


@pytest.fixture
def open_window(db):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


@pytest.mark.django_db
def test_the_same_key_and_body_return_the_first_response_once(location, open_window):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    client = client_with(raw)
    first = client.post(URL, full(location), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post(URL, full(location), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert ReturnVersion.objects.count() == 1
    # Another body with the same key is the client's mistake: 409, nothing saved.
    other = client.post(
        URL,
        full(location, kind="unchanged", answers={}),
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
    )
    assert other.status_code == 409 and other.json()["errors"][0]["code"] == "conflict"
    assert ReturnVersion.objects.count() == 1
    # A new key is a new request.
    new = client.post(URL, full(location), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    assert new.status_code == 201 and ReturnVersion.objects.count() == 2


@pytest.mark.django_db
def test_a_refusal_is_replayed_too_and_keys_are_per_api_key(location, open_window):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    _, other_raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider, name="Second")
    bad = full(location, period="2027-03")
    first = client_with(raw).post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = client_with(raw).post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == again.status_code == 400 and first.json() == again.json()
    # The same Idempotency-Key from another API key is that key's own request.
    theirs = client_with(other_raw).post(
        URL, full(location), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert theirs.status_code == 201
    assert IdempotencyRecord.objects.count() == 2


@pytest.mark.django_db
def test_bad_idempotency_keys_are_refused(location, open_window):
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    sent = client_with(raw).post(URL, full(location), format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert sent.status_code == 400
    assert sent.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not ReturnVersion.objects.exists()


@pytest.mark.django_db
def test_old_records_are_purged_and_last_use_recorded_by_the_scheduled_job(location, open_window):
    api_key, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    client_with(raw).post(URL, full(location), format="json", HTTP_IDEMPOTENCY_KEY="old")
    api_key.refresh_from_db()
    assert api_key.last_used_at is None  # noted in the cache, not written by the request
    result = housekeeping(IN_WINDOW + datetime.timedelta(days=2))
    api_key.refresh_from_db()
    assert api_key.last_used_at == IN_WINDOW
    assert not IdempotencyRecord.objects.exists()
    assert "1 keys' last use recorded" in result


# Two requests with the same key at the same instant: one effect, both get the same answer.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("kind", [ApiKeyKind.PROVIDER, ApiKeyKind.SUPPLIER])
def test_two_concurrent_requests_with_one_key_have_one_effect(kind):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    location = LocationFactory()
    user = ProviderUserFactory(provider=location.provider)
    if kind == ApiKeyKind.SUPPLIER:
        supplier = SupplierFactory()
        grant(user, location.provider, supplier)
        _, raw = make_key(kind, supplier=supplier)
    else:
        _, raw = make_key(kind, provider=location.provider)
    barrier = threading.Barrier(2)
    answers: list = []

    def post() -> None:
        try:
            client = client_with(raw)
            barrier.wait()
            answers.append(
                client.post(URL, full(location), format="json", HTTP_IDEMPOTENCY_KEY="same")
            )
        finally:
            connection.close()

    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert IdempotencyRecord.objects.count() == 1
    if kind == ApiKeyKind.SUPPLIER:
        assert ReturnDraft.objects.count() == 1
    else:
        assert ReturnVersion.objects.count() == 1


@pytest.mark.django_db
def test_each_key_is_limited_and_told_when_to_retry(location, open_window, settings):
    settings.API_RATES = {"api_read": "3/minute", "api_write": "2/minute"}
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    _, other = make_key(ApiKeyKind.PROVIDER, provider=location.provider, name="Other")
    client = client_with(raw)
    assert [client.get("/api/v1/calendar/?year=2027").status_code for _ in range(3)] == [200] * 3
    writes = [client.post(URL, full(location), format="json").status_code for _ in range(2)]
    assert writes == [201, 201]
    limited = client.post(URL, full(location), format="json")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["errors"][0]["code"] == "throttled"
    assert ReturnVersion.objects.count() == 2
    # Another key has its own allowance.
    assert client_with(other).post(URL, full(location), format="json").status_code == 201
