"""Approvers choose the locations a new user sends data for, and change them later (issue 17)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from providers.models import AuditEvent, RegistrationStatus, User
from tests.conftest import client_for
from tests.factories import LocationFactory, ProviderUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(provider):  # type: ignore[no-untyped-def]
    return ProviderUserFactory(provider=provider, is_provider_approver=True)


@pytest.fixture
def homes(provider):  # type: ignore[no-untyped-def]
    return [LocationFactory(provider=provider, name=name) for name in ("Ash", "Beech", "Cedar")]


@pytest.fixture
def pending(provider):  # type: ignore[no-untyped-def]
    return ProviderUserFactory(provider=provider, approved_at=None, first_name="Newt")


@pytest.fixture
def member(provider):  # type: ignore[no-untyped-def]
    return ProviderUserFactory(provider=provider, first_name="Morag", last_name="Reid")


def limits_of(user: User) -> set[str]:
    return set(user.limited_to_locations.values_list("name", flat=True))


def test_approving_for_some_locations_limits_the_user_to_them(approver, pending, homes):
    url = reverse("providers:team-approve", args=[pending.pk])
    ash, _, cedar = homes
    response = client_for(approver).post(url, {"access": "some", "locations": [ash.pk, cedar.pk]})
    assert response.url == reverse("providers:team")
    pending.refresh_from_db()
    assert pending.approved_by == approver
    assert limits_of(pending) == {"Ash", "Cedar"}
    event = AuditEvent.objects.get(action="providers.user.approved")
    assert event.actor == approver
    assert event.data == {"locations": sorted([ash.cqc_id, cedar.cqc_id])}


def test_approving_for_all_locations_sets_no_limit(approver, pending, homes):
    url = reverse("providers:team-approve", args=[pending.pk])
    client_for(approver).post(url, {"access": "all", "locations": [homes[0].pk]})
    pending.refresh_from_db()
    assert pending.is_approved and limits_of(pending) == set()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "id_access", "Select which locations they can send data for"),
        ({"access": "some"}, "id_locations", "Select the locations they can send data for"),
    ],
)
def test_a_choice_is_needed_to_approve(approver, pending, homes, data, field, message):
    response = client_for(approver).post(reverse("providers:team-approve", args=[pending.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"<title>Error: Approve {pending.get_full_name()}" in page
    assert f'<a href="#{field}">{message}</a>' in page
    assert f'id="{field}-error"' in page
    pending.refresh_from_db()
    assert not pending.is_approved
    assert not AuditEvent.objects.filter(target_id=str(pending.pk)).exists()


def test_another_providers_location_cannot_be_given(approver, pending, homes, other_location):
    response = client_for(approver).post(
        reverse("providers:team-approve", args=[pending.pk]),
        {"access": "some", "locations": [other_location.pk]},
    )
    assert response.status_code == 400
    pending.refresh_from_db()
    assert not pending.is_approved


def test_a_deregistered_location_is_not_offered(approver, pending, homes):
    homes[1].status = RegistrationStatus.DEREGISTERED
    homes[1].save()
    page = client_for(approver).get(reverse("providers:team-approve", args=[pending.pk]))
    assert "Ash" in page.content.decode() and "Beech" not in page.content.decode()


def test_an_approver_changes_a_users_locations_later_and_it_is_audited(approver, member, homes):
    ash, beech, cedar = homes
    member.limited_to_locations.set([ash])
    client = client_for(approver)
    url = reverse("providers:team-locations", args=[member.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<title>Which locations can Morag Reid send data for?" in text
    assert f'value="{ash.pk}" checked' in text  # the current choice shown
    assert not AuditEvent.objects.filter(target_id=str(member.pk)).exists()  # GET writes nothing

    response = client.post(url, {"access": "some", "locations": [beech.pk, cedar.pk]})
    assert response.url == reverse("providers:team")
    assert limits_of(member) == {"Beech", "Cedar"}
    event = AuditEvent.objects.get(action="providers.user.locations_changed")
    assert (event.actor, event.target_id) == (approver, str(member.pk))
    assert event.data == {"before": [ash.cqc_id], "after": sorted([beech.cqc_id, cedar.cqc_id])}
    assert event.at is not None  # when: stamped by the audit helper

    client.post(url, {"access": "all"})
    assert limits_of(member) == set()
    latest = AuditEvent.objects.filter(action="providers.user.locations_changed").latest("pk")
    assert latest.data["after"] == "all"
    # The same choice again is not an event.
    client.post(url, {"access": "all"})
    assert AuditEvent.objects.filter(action="providers.user.locations_changed").count() == 2


def test_changing_locations_needs_one_ticked(approver, member, homes):
    response = client_for(approver).post(
        reverse("providers:team-locations", args=[member.pk]), {"access": "some"}
    )
    assert response.status_code == 400
    assert "Select the locations they can send data for" in response.content.decode()
    assert not AuditEvent.objects.filter(action="providers.user.locations_changed").exists()


def test_another_providers_approver_gets_a_404(other_provider, member, pending, homes):
    outsider = ProviderUserFactory(provider=other_provider, is_provider_approver=True)
    client = client_for(outsider)
    url = reverse("providers:team-locations", args=[member.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"access": "some", "locations": [homes[0].pk]}).status_code == 404
    approve = reverse("providers:team-approve", args=[pending.pk])
    assert client.get(approve).status_code == 404
    assert limits_of(member) == set()


def test_a_colleague_who_is_not_an_approver_is_refused(provider, member, homes):
    colleague = ProviderUserFactory(provider=provider)
    url = reverse("providers:team-locations", args=[member.pk])
    assert client_for(colleague).get(url).status_code == 403
    assert client_for(colleague).post(url, {"access": "all"}).status_code == 403


def test_the_team_page_links_each_user_and_its_queries_stay_flat(
    provider, approver, homes, django_assert_max_num_queries
):
    for n in range(12):
        user = ProviderUserFactory(provider=provider, last_name=f"Member {n}")
        user.limited_to_locations.set(homes[: n % 3 + 1])
        ProviderUserFactory(provider=provider, approved_at=None, last_name=f"Waiting {n}")
    client = client_for(approver)
    client.get(reverse("providers:team"))  # session and caches warmed
    with django_assert_max_num_queries(8):
        page = client.get(reverse("providers:team"))
    text = page.content.decode()
    assert text.count("Change locations") == 13  # 12 members and the approver
    assert text.count(">Approve<") == 12
