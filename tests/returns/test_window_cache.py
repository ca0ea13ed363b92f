"""The per-process window cache (returns/window_cache.py): no query once warm, a committed
override seen at once by every process, never one window served for another month.

These tests commit (transaction=True), as production does: the cache's invalidation is a new
generation after commit, which the usual test transaction never reaches.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from returns import window_cache
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow
from returns.selectors import window_current_or_next, window_for_period, windows_for_periods
from returns.services import window_override, windows_ensure, windows_ensure_ahead
from tests.factories import SupportUserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DECEMBER = Period(2026, 12)
JANUARY = Period(2027, 1)


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def test_a_warm_cache_reads_no_window_from_the_database(django_assert_num_queries):
    stored = CollectionWindow.objects.get(period=DECEMBER.first_day())
    window_for_period(DECEMBER)  # warm
    with django_assert_num_queries(0):
        again = window_for_period(DECEMBER)
    assert again.pk == stored.pk and again.closes_at == stored.closes_at
    assert not again._state.adding  # a stored row, as the database gives it


def test_an_override_is_seen_by_the_next_read_in_every_process():
    before = window_for_period(DECEMBER)
    # Another process's cache: entries it holds now, which a signal here never clears there.
    other_process = dict(window_cache._entries._data)
    later = before.closes_at + datetime.timedelta(days=2)
    window_override(
        actor=SupportUserFactory(),
        window_id=before.pk,
        opens_at=before.opens_at,
        closes_at=later,
        reason="Outage",
        now=before.opens_at + datetime.timedelta(days=3),
    )
    for key, value in other_process.items():
        window_cache._entries.put(key, value)
    after = window_for_period(DECEMBER)
    assert after.closes_at == later
    assert after.overridden and after.override_reason == "Outage"


def test_each_month_is_its_own_entry_and_callers_cannot_change_the_cache():
    december, january = windows_for_periods([DECEMBER, JANUARY])
    assert (december.period, january.period) == (DECEMBER.first_day(), JANUARY.first_day())
    assert window_for_period(JANUARY).period == JANUARY.first_day()
    assert window_for_period(DECEMBER).period == DECEMBER.first_day()
    december.closes_at = december.closes_at + datetime.timedelta(days=30)  # a caller's own copy
    assert window_for_period(DECEMBER).closes_at != december.closes_at


def test_a_window_stored_by_a_save_replaces_the_rules_dates_at_once():
    """bulk_create sends no signals: windows_ensure bumps the generation itself."""
    march = Period(2028, 3)  # beyond the scheduled job's year ahead: computed, unsaved
    assert window_for_period(march).pk is None
    windows_ensure(periods=[march])
    assert window_for_period(march).pk == CollectionWindow.objects.get(period=march.first_day()).pk


def test_a_rolled_back_override_is_never_cached():
    before = window_for_period(DECEMBER)
    with pytest.raises(RuntimeError), transaction.atomic():
        row = CollectionWindow.objects.get(pk=before.pk)
        row.overridden, row.override_reason = True, "Rolled back"
        row.save()
        # The writing connection reads around the cache: it sees its own change.
        assert window_for_period(DECEMBER).override_reason == "Rolled back"
        raise RuntimeError("roll back")
    assert window_for_period(DECEMBER).override_reason == ""


def test_the_start_page_shows_an_override_at_once(client):
    from unittest import mock

    now = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
    with mock.patch("capacity_tracker.lib.clock.now", return_value=now):
        assert window_current_or_next(now).period == DECEMBER.first_day()
        client.get("/")  # warm
        december = CollectionWindow.objects.get(period=DECEMBER.first_day())
        window_override(
            actor=SupportUserFactory(),
            window_id=december.pk,
            opens_at=december.opens_at,
            closes_at=december.closes_at + datetime.timedelta(days=3),
            reason="A national outage",
            now=now,
        )
        page = client.get("/").content.decode()
    assert "17 December 2026" in page and "A national outage" in page
