"""The one authorisation helper, role by role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from providers.access import (
    can_approve_users_of,
    editable_locations,
    get_location_for,
    get_provider_for,
    role_of,
    visible_locations,
    visible_providers,
)
from providers.models import Role
from tests.factories import LocationFactory, ProviderUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_provider_user_sees_only_own_providers_locations(provider_user, location, other_location):
    assert list(visible_locations(provider_user)) == [location]
    assert list(editable_locations(provider_user)) == [location]
    assert list(visible_providers(provider_user)) == [provider_user.provider]


def test_provider_user_cannot_fetch_another_providers_location_or_provider(
    provider_user, other_location
):
    with pytest.raises(Http404):
        get_location_for(provider_user, other_location.cqc_id)
    with pytest.raises(Http404):
        get_location_for(provider_user, other_location.cqc_id, write=True)
    with pytest.raises(Http404):
        get_provider_for(provider_user, other_location.provider.cqc_id)


def test_limited_provider_user_sees_only_their_locations(provider):
    mine, theirs = LocationFactory(provider=provider), LocationFactory(provider=provider)
    user = ProviderUserFactory(provider=provider)
    user.limited_to_locations.set([mine])
    assert list(visible_locations(user)) == [mine]
    with pytest.raises(Http404):
        get_location_for(user, theirs.cqc_id)


def test_unapproved_provider_user_sees_nothing(provider, location):
    pending = ProviderUserFactory(provider=provider, approved_at=None)
    assert not visible_locations(pending).exists()
    assert not visible_providers(pending).exists()


def test_inactive_and_anonymous_users_see_nothing(location):
    inactive = ProviderUserFactory(provider=location.provider, is_active=False)
    assert role_of(inactive) is None
    assert not visible_locations(inactive).exists()
    assert role_of(AnonymousUser()) is None
    assert not visible_locations(AnonymousUser()).exists()


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.CASEWORKER, Role.ANALYST])
def test_staff_roles_read_every_location(role, location, other_location):
    staff = UserFactory(role=role)
    assert set(visible_locations(staff)) == {location, other_location}
    assert get_location_for(staff, other_location.cqc_id) == other_location


def test_only_support_staff_and_provider_users_can_change_provider_data(
    support_user, caseworker, analyst, location
):
    assert list(editable_locations(support_user)) == [location]
    assert not editable_locations(caseworker).exists()
    assert not editable_locations(analyst).exists()
    with pytest.raises(Http404):
        get_location_for(caseworker, location.cqc_id, write=True)


def test_superuser_counts_as_support(location):
    root = UserFactory(role=Role.ANALYST, is_superuser=True)
    assert role_of(root) is Role.SUPPORT
    assert list(editable_locations(root)) == [location]


def test_only_approvers_of_the_same_provider_approve_users(provider, other_provider, support_user):
    approver = ProviderUserFactory(provider=provider, is_provider_approver=True)
    plain = ProviderUserFactory(provider=provider)
    assert can_approve_users_of(approver, provider)
    assert not can_approve_users_of(approver, other_provider)
    assert not can_approve_users_of(plain, provider)
    assert can_approve_users_of(support_user, other_provider)
