"""The fixed cost of being signed in: what a signed-in GET does, and does not, do.

A signed-in GET reads the session from the cache and the user from the database, and nothing
else: no session query or write. A POST opens the row-history context, so every change stays
attributed to the person and the page. The cache client is built once per connection pool.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from pghistory import runtime

from capacity_tracker.redis_cache import RedisCache
from tests.conftest import client_for


@pytest.fixture
def history_contexts(monkeypatch) -> list[dict]:
    """The metadata of each history context opened by pghistory's middleware."""
    opened: list[dict] = []
    original = runtime.context.__enter__

    def spy(self):
        opened.append(dict(self.metadata))
        return original(self)

    monkeypatch.setattr(runtime.context, "__enter__", spy)
    return opened


@pytest.mark.django_db
def test_a_signed_in_get_reads_the_user_and_writes_nothing(
    provider_user, django_assert_max_num_queries
):
    client = client_for(provider_user)
    client.get(reverse("healthz"))  # warm the session cache
    before = Session.objects.get().session_data
    with django_assert_max_num_queries(2) as captured:  # the user, and healthz's own SELECT 1
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    sqls = [query["sql"] for query in captured.captured_queries]
    assert not [sql for sql in sqls if "django_session" in sql]
    assert Session.objects.get().session_data == before
    assert "no-store" in response["Cache-Control"]  # still a signed-in response


@pytest.mark.django_db
def test_a_signed_in_post_still_opens_a_history_context(provider_user, history_contexts):
    client = client_for(provider_user)
    client.post(reverse("logout"))
    assert history_contexts, "a POST must be attributed in row history"
    assert history_contexts[0]["url"] == reverse("logout")
    assert history_contexts[0]["user"] == provider_user.pk


def _cache() -> RedisCache:
    return RedisCache(settings.CACHES["default"]["LOCATION"], {"KEY_PREFIX": "redis_cache_test"})


def test_the_redis_cache_reuses_one_client_per_pool():
    cache = _cache()
    try:
        cache.set("answer", {"beds": 3}, 30)
        assert cache.get("answer") == {"beds": 3}
        client = cache._cache.get_client(write=True)
        assert cache._cache.get_client() is client
        assert cache._cache.get_client("other", write=False) is client
        assert cache.delete("answer")
        assert cache.get("answer") is None
    finally:
        cache.delete("answer")  # never clear(): that would empty the Redis database of the run


def test_with_read_replicas_each_server_keeps_its_own_client():
    location = settings.CACHES["default"]["LOCATION"]
    cache = RedisCache([location, location], {})
    write = cache._cache.get_client(write=True)
    read = cache._cache.get_client()  # the one replica: index 1
    assert read is not write
    assert read.connection_pool is cache._cache._pools[1]
    assert write.connection_pool is cache._cache._pools[0]
    assert cache._cache.get_client() is read
