"""Pages through the test client: who may see what, and what they see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from providers.models import AuditEvent, User
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD, ContactFactory, LocationFactory, ProviderUserFactory

pytestmark = pytest.mark.django_db


def test_public_pages_need_no_sign_in(client):
    for name in ("start", "calendar", "login"):
        response = client.get(reverse(name))
        assert response.status_code == 200
    start = client.get(reverse("start")).content.decode()
    assert "between the 8th and the 14th" in start
    assert "Sign in to start" in start


def test_signed_in_pages_send_anonymous_people_to_sign_in(client, location):
    for url in (
        reverse("home"),
        reverse("providers:locations"),
        reverse("providers:location", args=[location.cqc_id]),
        reverse("providers:team"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


def test_sign_in_with_email_lands_on_home_and_wrong_password_shows_error_summary(
    client, provider_user
):
    bad = client.post(reverse("login"), {"username": provider_user.email, "password": "nope"})
    assert bad.status_code == 200
    assert "There is a problem" in bad.content.decode()
    good = client.post(
        reverse("login"), {"username": provider_user.email.upper(), "password": TEST_PASSWORD}
    )
    assert good.status_code == 302
    assert good.url == reverse("home")
    assert client.get(reverse("home")).url == reverse("returns:dashboard")


def test_sign_in_locks_after_five_wrong_passwords(client, provider_user):
    for _ in range(5):
        client.post(reverse("login"), {"username": provider_user.email, "password": "wrong"})
    locked = client.post(
        reverse("login"), {"username": provider_user.email, "password": TEST_PASSWORD}
    )
    assert locked.status_code == 429
    assert "You cannot sign in for now" in locked.content.decode()


def test_provider_user_lists_only_own_locations(provider_user, location, other_location):
    page = client_for(provider_user).get(reverse("providers:locations")).content.decode()
    assert location.name in page
    assert other_location.cqc_id not in page


def test_provider_user_cannot_open_another_providers_location_by_guessing_its_url(
    provider_user, other_location
):
    client = client_for(provider_user)
    assert (
        client.get(reverse("providers:location", args=[other_location.cqc_id])).status_code == 404
    )
    assert (
        client.get(reverse("providers:provider", args=[other_location.provider.cqc_id])).status_code
        == 404
    )


def test_location_page_shows_contacts_to_its_provider(provider_user, location):
    ContactFactory(location=location, name="Ruth Ellis", is_primary=True)
    page = client_for(provider_user).get(reverse("providers:location", args=[location.cqc_id]))
    assert page.status_code == 200
    assert "Ruth Ellis" in page.content.decode()


def test_unapproved_provider_user_is_refused(provider, location):
    pending = ProviderUserFactory(provider=provider, approved_at=None)
    assert client_for(pending).get(reverse("providers:locations")).status_code == 403


def test_staff_search_finds_providers_by_name_id_and_location(caseworker, location, other_location):
    client = client_for(caseworker)
    by_name = client.get(
        reverse("providers:locations"), {"q": location.provider.name[:6]}
    ).content.decode()
    assert location.provider.name in by_name
    by_location_id = client.get(
        reverse("providers:locations"), {"q": other_location.cqc_id}
    ).content.decode()
    assert other_location.provider.name in by_location_id
    assert (
        client.get(reverse("providers:provider", args=[location.provider.cqc_id])).status_code
        == 200
    )


def test_staff_search_query_count_is_flat(caseworker, provider, django_assert_max_num_queries):
    LocationFactory.create_batch(30, provider=provider)
    client = client_for(caseworker)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("providers:provider", args=[provider.cqc_id]))
    assert response.content.decode().count("govuk-table__row") == 31


def test_provider_location_list_query_count_is_flat(provider, django_assert_max_num_queries):
    LocationFactory.create_batch(40, provider=provider)
    user = ProviderUserFactory(provider=provider)
    client = client_for(user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("providers:locations"))
    assert response.status_code == 200


class TestApprovers:
    def test_approver_approves_a_pending_user_of_their_provider(self, provider):
        approver = ProviderUserFactory(provider=provider, is_provider_approver=True)
        pending = ProviderUserFactory(provider=provider, approved_at=None, first_name="Newt")
        client = client_for(approver)
        assert "Newt" in client.get(reverse("providers:team")).content.decode()
        response = client.post(
            reverse("providers:team-approve", args=[pending.pk]), {"access": "all"}
        )
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.approved_at is not None
        assert pending.approved_by == approver
        event = AuditEvent.objects.get(action="providers.user.approved")
        assert event.actor == approver
        assert event.target_id == str(pending.pk)
        assert event.data == {"locations": "all"}

    def test_the_approve_page_only_asks(self, provider):
        approver = ProviderUserFactory(provider=provider, is_provider_approver=True)
        pending = ProviderUserFactory(provider=provider, approved_at=None)
        page = client_for(approver).get(reverse("providers:team-approve", args=[pending.pk]))
        assert page.status_code == 200
        assert "Which locations can they send data for?" in page.content.decode()
        pending.refresh_from_db()
        assert pending.approved_at is None

    def test_approver_cannot_approve_another_providers_user(self, provider, other_provider):
        approver = ProviderUserFactory(provider=provider, is_provider_approver=True)
        stranger = ProviderUserFactory(provider=other_provider, approved_at=None)
        response = client_for(approver).post(reverse("providers:team-approve", args=[stranger.pk]))
        assert response.status_code == 404
        stranger.refresh_from_db()
        assert stranger.approved_at is None

    def test_non_approver_cannot_manage_users(self, provider):
        plain = ProviderUserFactory(provider=provider)
        assert client_for(plain).get(reverse("providers:team")).status_code == 403

    def test_turning_down_needs_a_reason_and_deactivates(self, provider):
        approver = ProviderUserFactory(provider=provider, is_provider_approver=True)
        pending = ProviderUserFactory(provider=provider, approved_at=None)
        client = client_for(approver)
        url = reverse("providers:team-reject", args=[pending.pk])
        empty = client.post(url, {"reason": ""})
        assert "Enter why you are turning down this request" in empty.content.decode()
        assert User.objects.get(pk=pending.pk).is_active
        client.post(url, {"reason": "Not one of our staff"})
        pending.refresh_from_db()
        assert not pending.is_active
        assert (
            AuditEvent.objects.get(action="providers.user.rejected").reason
            == "Not one of our staff"
        )


def test_support_staff_can_open_the_admin_and_find_a_location(support_user, location):
    assert not support_user.is_superuser
    client = client_for(support_user)
    response = client.get(reverse("admin:providers_location_changelist"), {"q": location.cqc_id})
    assert response.status_code == 200
    assert location.name in response.content.decode()


def test_provider_users_cannot_open_the_admin(provider_user):
    response = client_for(provider_user).get(reverse("admin:index"))
    assert response.status_code == 302


def test_health_check_reports_database_and_cache(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_security_headers_are_sent(client):
    response = client.get(reverse("start"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
