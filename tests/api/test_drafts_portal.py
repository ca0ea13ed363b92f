"""Suppliers' drafts in the portal: listed, looked at, confirmed (or refused), discarded."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.urls import reverse

from providers.models import AuditEvent
from returns.deadlines import LONDON
from returns.drafts import draft_receive
from returns.models import CollectionWindow, ReturnDraft, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.api.keys import grant, make_key
from tests.conftest import client_for
from tests.factories import (
    CaseworkerFactory,
    LocationFactory,
    ProviderUserFactory,
    SupplierFactory,
    SupportUserFactory,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)  # window open 8-14 Dec


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


@pytest.fixture(autouse=True)
def frozen():
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


@pytest.fixture
def supplier():
    return SupplierFactory(name="CareSys Ltd")


@pytest.fixture
def draft(provider, location, provider_user, supplier) -> ReturnDraft:
    grant(provider_user, provider, supplier)
    api_key, _ = make_key("supplier", supplier=supplier)
    return draft_receive(
        api_key=api_key,
        location=location,
        care_type="care_home",
        window=december(),
        kind="full",
        now=IN_WINDOW - datetime.timedelta(hours=3),
        answers=GOOD_CARE_HOME,
    )


def _state() -> tuple[int, int, list[str]]:
    return (
        ReturnVersion.objects.count(),
        AuditEvent.objects.count(),
        list(ReturnDraft.objects.order_by("pk").values_list("status", flat=True)),
    )


def test_dashboard_lists_a_waiting_draft_for_its_provider_only(
    draft, provider_user, other_location
):
    mine = client_for(provider_user).get(reverse("returns:dashboard")).content.decode()
    assert "Figures from your software supplier to check" in mine
    assert "CareSys Ltd" in mine and draft.location.name in mine
    assert reverse("drafts:draft", args=[draft.reference]) in mine

    other = ProviderUserFactory(provider=other_location.provider)
    theirs = client_for(other).get(reverse("returns:dashboard")).content.decode()
    assert draft.reference not in theirs and "CareSys Ltd" not in theirs


def test_draft_page_shows_the_figures_and_writes_nothing(
    draft, provider_user, django_assert_max_num_queries
):
    client = client_for(provider_user)
    client.get(reverse("returns:dashboard"))
    before = _state()
    with django_assert_max_num_queries(20):
        page = client.get(reverse("drafts:draft", args=[draft.reference]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Check the figures from CareSys Ltd" in text
    assert "Beds occupied or used" in text and ">35 beds<" in text
    assert "Not sent yet" in text
    assert 'name="based_on" value="0"' in text
    assert "Confirm and send" in text
    assert _state() == before


def test_confirm_saves_an_api_version_from_the_provider_via_the_supplier(
    draft, provider_user, supplier, location
):
    client = client_for(provider_user)

    sent = client.post(reverse("drafts:confirm", args=[draft.reference]), {"based_on": "0"})

    version = ReturnVersion.objects.get()
    assert sent.status_code == 302 and sent.url == reverse(
        "returns:saved", args=[version.reference]
    )
    assert (version.source, version.submitted_by, version.via_supplier) == (
        "api",
        provider_user,
        supplier,
    )
    assert version.api_key == draft.api_key and version.in_window
    assert version.answers["beds_occupied"] == 35
    draft.refresh_from_db()
    assert (draft.status, draft.version, draft.decided_by) == ("confirmed", version, provider_user)
    assert AuditEvent.objects.filter(action="returns.draft.confirmed", actor=provider_user).exists()
    history = client.get(reverse("returns:history", args=[location.cqc_id])).content.decode()
    assert "API (CareSys Ltd)" in history
    # A second confirm of the same draft is refused with a message, and saves nothing.
    again = client.post(reverse("drafts:confirm", args=[draft.reference]), {"based_on": "1"})
    assert again.status_code == 409
    assert "confirmed by the provider already" in again.content.decode()
    assert ReturnVersion.objects.count() == 1


def test_a_stale_confirm_shows_the_conflict_and_saves_nothing(draft, provider_user, location):
    client = client_for(provider_user)
    shown = client.get(reverse("drafts:draft", args=[draft.reference])).content.decode()
    assert 'name="based_on" value="0"' in shown
    colleague = ProviderUserFactory(provider=location.provider, first_name="Priya")
    return_save(
        submitter=Submitter.of(colleague),
        location=location,
        care_type="care_home",
        window=december(),
        kind="full",
        source="portal",
        now=IN_WINDOW,
        answers=GOOD_CARE_HOME,
        based_on=0,
    )

    stale = client.post(reverse("drafts:confirm", args=[draft.reference]), {"based_on": "0"})

    assert stale.status_code == 409
    assert "This return changed since you opened it" in stale.content.decode()
    assert "Priya" in stale.content.decode()
    assert ReturnVersion.objects.count() == 1
    draft.refresh_from_db()
    assert draft.status == "waiting" and draft.version is None
    again = client.get(reverse("drafts:draft", args=[draft.reference])).content.decode()
    assert 'name="based_on" value="1"' in again and "Already sent" in again


def test_figures_that_no_longer_pass_the_checks_are_refused_with_a_message(draft, provider_user):
    ReturnDraft.objects.filter(pk=draft.pk).update(
        answers={**draft.answers, "beds_occupied": 99}  # more than the 40 beds
    )
    response = client_for(provider_user).post(
        reverse("drafts:confirm", args=[draft.reference]), {"based_on": "0"}
    )
    assert response.status_code == 400
    assert "cannot be sent as they are" in response.content.decode()
    assert not ReturnVersion.objects.exists()
    assert ReturnDraft.objects.get().status == "waiting"


def test_discard_records_the_reason(draft, provider_user):
    client = client_for(provider_user)
    assert client.get(reverse("drafts:discard", args=[draft.reference])).status_code == 200
    empty = client.post(reverse("drafts:discard", args=[draft.reference]), {"reason": ""})
    assert empty.status_code == 400 and "Enter the reason" in empty.content.decode()

    done = client.post(
        reverse("drafts:discard", args=[draft.reference]), {"reason": "Last month's figures"}
    )

    assert done.status_code == 302 and done.url == reverse("returns:dashboard")
    draft.refresh_from_db()
    assert (draft.status, draft.discard_reason, draft.decided_by) == (
        "discarded",
        "Last month's figures",
        provider_user,
    )
    assert AuditEvent.objects.get(action="returns.draft.discarded").actor == provider_user
    assert not ReturnVersion.objects.exists()
    dashboard = client.get(reverse("returns:dashboard")).content.decode()
    assert draft.reference not in dashboard


def test_who_may_see_and_decide_a_draft(draft, provider, other_location):
    page = reverse("drafts:draft", args=[draft.reference])
    confirm = reverse("drafts:confirm", args=[draft.reference])
    discard = reverse("drafts:discard", args=[draft.reference])
    before = _state()

    other_provider = client_for(ProviderUserFactory(provider=other_location.provider))
    limited_user = ProviderUserFactory(provider=provider)
    limited_user.limited_to_locations.add(LocationFactory(provider=provider))
    for client in (other_provider, client_for(limited_user)):
        assert client.get(page).status_code == 404
        assert client.post(confirm, {"based_on": "0"}).status_code == 404
        assert client.post(discard, {"reason": "no"}).status_code == 404

    support = client_for(SupportUserFactory())
    shown = support.get(page)
    assert shown.status_code == 200
    assert "Confirm and send" not in shown.content.decode()
    assert "Only someone at" in shown.content.decode()
    assert support.post(confirm, {"based_on": "0"}).status_code == 403
    assert support.post(discard, {"reason": "no"}).status_code == 403

    caseworker = client_for(CaseworkerFactory())
    assert caseworker.get(page).status_code == 403
    assert client_for(ProviderUserFactory(provider=provider)).get(confirm).status_code == 405
    assert _state() == before
