"""Only approvers see or act on their organisation's pending requests (issue 11, item 8)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from providers.models import AuditEvent, User
from tests.conftest import client_for
from tests.factories import ProviderUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(provider):  # type: ignore[no-untyped-def]
    return ProviderUserFactory(
        provider=provider,
        first_name="Pending",
        last_name="Person",
        email="pending.person@home.example",
        approved_at=None,
    )


def test_a_colleague_who_is_not_an_approver_cannot_open_the_turn_down_page(provider_user, pending):
    client = client_for(provider_user)
    url = reverse("providers:team-reject", args=[pending.pk])
    page = client.get(url)
    assert page.status_code == 403
    assert "pending.person@home.example" not in page.content.decode()
    assert "Pending Person" not in page.content.decode()
    assert client.post(url, {"reason": "Do not know them"}).status_code == 403
    assert client.post(reverse("providers:team-approve", args=[pending.pk])).status_code == 403
    assert client.get(reverse("providers:team")).status_code == 403
    pending.refresh_from_db()
    assert pending.is_active and pending.approved_at is None
    assert not AuditEvent.objects.filter(target_id=str(pending.pk)).exists()


def test_a_non_approver_cannot_tell_real_user_ids_from_made_up_ones(provider_user, pending):
    client = client_for(provider_user)
    made_up = User.objects.order_by("-pk").first().pk + 1000
    for user_id in (pending.pk, made_up):
        assert client.get(reverse("providers:team-reject", args=[user_id])).status_code == 403


def test_an_approver_still_sees_the_page_and_turns_the_request_down(provider, pending):
    approver = ProviderUserFactory(provider=provider, is_provider_approver=True)
    client = client_for(approver)
    url = reverse("providers:team-reject", args=[pending.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "pending.person@home.example" in page.content.decode()
    assert client.post(url, {"reason": "Not one of ours"}).url == reverse("providers:team")
    pending.refresh_from_db()
    assert not pending.is_active
    assert AuditEvent.objects.filter(action="providers.user.rejected", actor=approver).exists()


def test_an_approver_of_another_provider_gets_a_404(other_provider, pending):
    outsider = ProviderUserFactory(provider=other_provider, is_provider_approver=True)
    response = client_for(outsider).get(reverse("providers:team-reject", args=[pending.pk]))
    assert response.status_code == 404
