"""A double click on "Accept and send": one save, and both requests land on its confirmation.

A browser's double click sends two POSTs that both read the session before the first has
cleared the draft, so both name the same base version. The second must be recognised as the
person's own save (same person, same base, same figures), not shown a conflict against it;
anyone else's save, or other figures, is still a conflict.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from returns.deadlines import LONDON
from returns.models import CollectionWindow, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from tests.conftest import client_for
from tests.factories import ProviderUserFactory
from tests.portal_data import GOOD_CARE_HOME
from tests.returns.lock_waits import wait_until_blocked_on_me

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
PERIOD = "2026-12"


@pytest.fixture(autouse=True)
def windows(db):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


@pytest.fixture(autouse=True)
def frozen():
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


def url(name: str, location, care_type: str = "care_home") -> str:
    return reverse(name, args=[PERIOD, location.cqc_id, care_type])


def drafted(client: Client, location, figures: dict[str, str]) -> dict[str, Any]:
    """Fill in the return form; the session as the check answers page then reads it."""
    response = client.post(url("returns:form", location), {**figures, "based_on": "0"})
    assert response.status_code == 302
    return dict(client.session.items())


def as_read_before(client: Client, state: dict[str, Any]) -> None:
    """Put the session back as a request that started before the previous one finished read
    it: the second request of a double click."""
    session = client.session
    session.update(state)
    session.save()


@pytest.mark.django_db
def test_second_click_gets_the_first_save_not_a_conflict(provider_user, location):
    client = client_for(provider_user)
    before = drafted(client, location, GOOD_CARE_HOME)
    first = client.post(url("returns:check", location))
    as_read_before(client, before)
    second = client.post(url("returns:check", location))

    version = ReturnVersion.objects.get()
    saved = reverse("returns:saved", args=[version.reference])
    assert (first.status_code, first.url) == (302, saved)
    assert (second.status_code, second.url) == (302, saved)
    assert Return.objects.get().version_count == 1
    page = client.get(saved).content.decode()
    assert version.reference in page
    assert "changed since you opened it" not in page


@pytest.mark.django_db
def test_send_again_after_the_draft_is_cleared_shows_the_same_save(provider_user, location):
    client = client_for(provider_user)
    drafted(client, location, GOOD_CARE_HOME)
    first = client.post(url("returns:check", location))
    again = client.post(url("returns:check", location))  # the session has no draft any more
    assert again.status_code == 302
    assert (
        again.url
        == first.url
        == reverse("returns:saved", args=[ReturnVersion.objects.get().reference])
    )
    # A new draft starts afresh: checking it goes to its own page, not the old confirmation.
    drafted(client, location, {**GOOD_CARE_HOME, "beds_occupied": "30"})
    assert client.get(url("returns:check", location)).status_code == 200


@pytest.mark.django_db
def test_same_person_with_other_figures_still_sees_the_conflict(provider_user, location):
    client = client_for(provider_user)
    before = drafted(client, location, GOOD_CARE_HOME)
    client.post(url("returns:check", location))
    other = drafted(client, location, {**GOOD_CARE_HOME, "beds_occupied": "30"})
    key = next(k for k in other if k.startswith("return-draft:") and not k.endswith(":saved"))
    as_read_before(client, {key: {**other[key], "based_on": before[key]["based_on"]}})

    conflict = client.post(url("returns:check", location))
    page = conflict.content.decode()
    assert conflict.status_code == 409
    assert "This return changed since you opened it" in page
    assert "You saved other figures for it" in page
    assert ReturnVersion.objects.count() == 1


@pytest.mark.django_db
def test_another_person_with_the_same_figures_still_sees_the_conflict(provider, location):
    first = client_for(ProviderUserFactory(provider=provider))
    second_user = ProviderUserFactory(provider=provider)
    second = client_for(second_user)
    drafted(first, location, GOOD_CARE_HOME)
    drafted(second, location, GOOD_CARE_HOME)
    assert first.post(url("returns:check", location)).status_code == 302

    conflict = second.post(url("returns:check", location))
    assert conflict.status_code == 409
    assert "You saved other figures" not in conflict.content.decode()
    assert ReturnVersion.objects.count() == 1


@pytest.mark.django_db
def test_nil_return_double_click_saves_once(provider_user, location):
    client = client_for(provider_user)
    form = {"nil_reason": "no_service_users", "nil_reason_detail": "", "based_on": "0"}
    first = client.post(url("returns:nil", location), form)
    second = client.post(url("returns:nil", location), form)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert ReturnVersion.objects.get().kind == "nil"


# serialized_rollback: put back the migrations' reference data after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clicks_at_the_same_moment_save_once(provider_user, location):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    one = client_for(provider_user)
    drafted(one, location, GOOD_CARE_HOME)
    two = Client()
    two.cookies = one.cookies  # the same browser: one session, two requests
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    responses: list[tuple[int, str]] = []

    def click(client: Client) -> None:
        try:
            response = client.post(url("returns:check", location))
            responses.append((response.status_code, getattr(response, "url", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(c,)) for c in (one, two)]
    # The month's first save creates the head: while this connection is creating it, both
    # requests have read the session (with the draft) and wait inside the save, together.
    with transaction.atomic():
        Return.objects.create(location=location, care_type="care_home", window=window)
        for thread in threads:
            thread.start()
        wait_until_blocked_on_me(2)
    for thread in threads:
        thread.join(timeout=30)

    version = ReturnVersion.objects.get()
    saved = reverse("returns:saved", args=[version.reference])
    assert responses == [(302, saved), (302, saved)]
    assert Return.objects.get().version_count == 1
