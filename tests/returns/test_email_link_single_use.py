"""The emailed link is single use by itself, not by its sent-email row (issue 11, item 8).

A validly signed link whose email row does not exist (never queued, or since removed) was
accepted again and again. Now the use is recorded against the link's claim, in the same
transaction as the returns it saves, under a unique key that only one use can win.
"""

from __future__ import annotations

import datetime
import threading
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from notifications.models import OutboundMessage
from returns import link_saves
from returns.email_links import claim_digest, make_token, read_token
from returns.models import CollectionWindow, ReturnVersion, UsedEmailToken
from returns.services import windows_ensure_ahead
from tests.factories import ContactFactory, LocationFactory

UTC = datetime.UTC
IN_WINDOW = datetime.datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
NIL = {"choice": "nil", "nil_reason": "no_service_users"}


@pytest.fixture
def link(provider):  # type: ignore[no-untyped-def]
    windows_ensure_ahead(now=datetime.datetime(2026, 9, 1, tzinfo=UTC))
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    location = LocationFactory(provider=provider, name="Oak Lodge")
    contact = ContactFactory(location=location, is_primary=True)
    token = make_token(
        location_id=location.pk,
        window_id=window.pk,
        contact_id=contact.pk,
        expires_at=window.closes_at,
    )
    return reverse("email-link", args=[token])


@pytest.fixture
def in_window():  # type: ignore[no-untyped-def]
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


def nil_versions() -> int:
    return ReturnVersion.objects.filter(kind="nil").count()


@pytest.mark.django_db
def test_a_link_with_no_email_row_is_used_once(client, link, in_window):
    assert not OutboundMessage.objects.exists()
    first = client.post(link, NIL)
    assert first.status_code == 200
    assert nil_versions() == 1
    used = UsedEmailToken.objects.get()
    token = link.rstrip("/").split("/")[-1]
    assert used.digest == claim_digest(read_token(token, now=IN_WINDOW))
    for again in (client.get(link), client.post(link, NIL)):
        assert again.status_code == 410
        assert "This link has already been used" in again.content.decode()
    assert nil_versions() == 1


@pytest.mark.django_db
def test_a_second_use_that_slips_past_the_first_check_is_still_refused(client, link, in_window):
    client.post(link, NIL)
    # As if the second request read "not used" just before the first one committed.
    with mock.patch("returns.link_saves.link_used", return_value=False):
        again = client.post(link, NIL)
    assert again.status_code == 410
    assert "This link has already been used" in again.content.decode()
    assert nil_versions() == 1
    assert UsedEmailToken.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_uses_at_the_same_moment_save_once(link, in_window):
    # Both requests pass the "already used?" check together, then race to save.
    both_checked = threading.Barrier(2, timeout=20)
    real_check = link_saves.link_used

    def check_then_wait(*args):  # type: ignore[no-untyped-def]
        result = real_check(*args)
        both_checked.wait()
        return result

    statuses: list[int] = []

    def use() -> None:
        try:
            statuses.append(Client().post(link, NIL).status_code)
        finally:
            connection.close()

    with mock.patch("returns.link_saves.link_used", side_effect=check_then_wait):
        threads = [threading.Thread(target=use) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(statuses) == [200, 410]
    assert nil_versions() == 1
    assert UsedEmailToken.objects.count() == 1
