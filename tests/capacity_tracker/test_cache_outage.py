"""Redis unreachable: the cache answers misses and drops writes, quickly, never raising; signed-in
pages, registration and the rate limit keep working; what changed meanwhile is not revived."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from capacity_tracker import redis_cache
from capacity_tracker.lib import rate_limit
from capacity_tracker.redis_cache import RedisCache
from tests.conftest import client_for
from tests.faults.processes import RedisServer
from tests.providers.test_registration import form

pytestmark = pytest.mark.django_db

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture
def dead_cache(settings):
    """Django's cache (so sessions and the rate limit too) pointed at a Redis that is gone."""
    settings.CACHES = {
        "default": {"BACKEND": "capacity_tracker.redis_cache.RedisCache", "LOCATION": DEAD}
    }
    settings.SESSION_ENGINE = "capacity_tracker.sessions"
    from django.core.cache import cache

    yield cache
    assert cache.is_down()  # the pages really ran without Redis


def test_every_operation_is_a_miss_or_a_no_op_and_fast():
    cache = RedisCache(DEAD, {})
    started = time.monotonic()
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1}) == []
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    cache.delete_many(["a"])
    with pytest.raises(ValueError, match="not found"):
        cache.incr("k")
    assert cache.is_down()
    assert time.monotonic() - started < 1.0


def test_after_a_failure_redis_is_left_alone_for_a_few_seconds(monkeypatch):
    cache = RedisCache(DEAD, {})
    cache.get("k")
    calls = []
    monkeypatch.setattr(
        redis_cache.RedisCacheClient, "get", lambda *args: calls.append(args) or "never"
    )
    assert cache.get("k") is None and calls == []  # the breaker is open: no connection tried
    monkeypatch.setattr(redis_cache, "BREAK_SECONDS", 0)
    cache._cache.breaker.down_until = time.monotonic()  # the break is over: tried again
    assert cache.get("k") == "never" and len(calls) == 1
    assert not cache.is_down()


def test_keys_written_while_redis_was_unreachable_are_deleted_when_it_answers(
    tmp_path: Path, monkeypatch
):
    """A Redis that kept its data through the outage must not serve a value from before it."""
    monkeypatch.setattr(redis_cache, "BREAK_SECONDS", 0.05)
    server = RedisServer(tmp_path)
    server.start()
    try:
        cache = RedisCache(server.url, {})
        cache.set("session", "signed in")
        cache.set("other", "kept")
        client = cache._cache.get_client(write=True)
        # The server stops answering (it keeps its data): our reads time out after 1 s.
        client.execute_command("CLIENT", "PAUSE", "1300", "ALL")
        cache.delete("session")  # signed out during the outage: not reached
        assert cache.is_down()
        time.sleep(1.4)  # the pause is over
        assert cache.get("other") == "kept"
        assert cache.get("session") is None  # deleted first thing, not revived
        assert not cache.is_down()
    finally:
        server.stop()


def test_a_signed_in_provider_and_registration_work_with_redis_down(
    dead_cache, provider_user, location, settings
):
    client = client_for(provider_user)
    assert client.get(reverse("returns:dashboard")).status_code == 200
    assert client.get(reverse("returns:dashboard")).status_code == 200  # session from the db
    anonymous = Client()
    assert anonymous.get(reverse("providers:register")).status_code == 200
    response = anonymous.post(reverse("providers:register"), form(location))
    assert response.status_code == 200 and "Request sent" in response.content.decode()


def test_the_rate_limit_is_not_enforced_while_the_cache_is_down(dead_cache, caplog):
    assert all(rate_limit.allow("probe", limit=1, seconds=60) for _ in range(3))
    assert "not enforced" in caplog.text
