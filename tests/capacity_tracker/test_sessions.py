"""The session store: cached reads, one-statement writes, a deleted session stays deleted."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import transaction

from capacity_tracker.sessions import SessionStore

# serialized_rollback: the flush after a transactional test would otherwise take the
# migrations' reference data away from the transactional tests that run after this one.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_suite_uses_this_store_with_redis():
    assert settings.REDIS_URL
    assert settings.SESSION_ENGINE == "capacity_tracker.sessions"


def test_a_read_is_served_by_the_cache_and_a_change_is_one_update(django_assert_num_queries):
    store = SessionStore()
    store["draft"] = {"beds": 3}
    store.create()
    with django_assert_num_queries(0):
        assert SessionStore(store.session_key)["draft"] == {"beds": 3}
    again = SessionStore(store.session_key)
    again["draft"] = {"beds": 4}
    with django_assert_num_queries(1) as captured:
        again.save()
    assert captured.captured_queries[0]["sql"].startswith("UPDATE")
    stored = Session.objects.get(session_key=store.session_key)
    assert SessionStore().decode(stored.session_data)["draft"] == {"beds": 4}
    with django_assert_num_queries(0):
        assert SessionStore(store.session_key)["draft"] == {"beds": 4}


def test_saving_a_session_deleted_meanwhile_fails_as_django_does():
    store = SessionStore()
    store["draft"] = {"beds": 3}
    store.create()
    stale = SessionStore(store.session_key)
    assert stale["draft"] == {"beds": 3}  # read before the other tab signs out
    store.delete()  # signed out in another tab
    stale["draft"] = {"beds": 5}
    with pytest.raises(UpdateError):
        stale.save()
    assert not Session.objects.filter(session_key=store.session_key).exists()


def test_inside_a_transaction_the_write_keeps_djangos_savepoint():
    store = SessionStore()
    store.create()
    with transaction.atomic():
        store["draft"] = {"beds": 6}
        store.save()
    assert SessionStore(store.session_key)["draft"] == {"beds": 6}
