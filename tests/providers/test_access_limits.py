"""A provider user's location limit, read in the same query as the locations it limits."""

from __future__ import annotations

import pytest

from providers.access import editable_locations, get_location_for, visible_locations
from tests.factories import LocationFactory, ProviderFactory, ProviderUserFactory

pytestmark = pytest.mark.django_db


def test_building_the_scope_costs_no_query(provider, django_assert_num_queries):
    mine = LocationFactory(provider=provider)
    LocationFactory(provider=provider)
    user = ProviderUserFactory(provider=provider)
    user.limited_to_locations.set([mine])
    with django_assert_num_queries(0):
        scope = visible_locations(user)
    with django_assert_num_queries(1):
        assert list(scope) == [mine]
    with django_assert_num_queries(1):
        assert get_location_for(user, mine.cqc_id, write=True) == mine


def test_no_limit_means_every_location_of_the_provider_and_no_other(provider):
    first, second = LocationFactory(provider=provider), LocationFactory(provider=provider)
    elsewhere = LocationFactory(provider=ProviderFactory())
    user = ProviderUserFactory(provider=provider)
    assert set(visible_locations(user)) == {first, second}
    assert set(editable_locations(user)) == {first, second}
    assert elsewhere not in set(visible_locations(user))


def test_another_users_limit_does_not_limit_this_user(provider):
    first, second = LocationFactory(provider=provider), LocationFactory(provider=provider)
    limited = ProviderUserFactory(provider=provider)
    limited.limited_to_locations.set([first])
    free = ProviderUserFactory(provider=provider)
    assert set(visible_locations(free)) == {first, second}
    assert set(visible_locations(limited)) == {first}


def test_a_limit_naming_only_another_providers_location_lets_through_nothing(provider):
    LocationFactory(provider=provider)
    theirs = LocationFactory(provider=ProviderFactory())
    user = ProviderUserFactory(provider=provider)
    user.limited_to_locations.set([theirs])
    # Never all of the provider's locations, and never the other provider's one.
    assert not visible_locations(user).exists()


def test_a_limit_of_several_locations_lists_each_once(provider):
    first, second = LocationFactory(provider=provider), LocationFactory(provider=provider)
    LocationFactory(provider=provider)
    user = ProviderUserFactory(provider=provider)
    user.limited_to_locations.set([first, second])
    assert sorted(location.pk for location in visible_locations(user)) == sorted(
        [first.pk, second.pk]
    )


def test_an_unapproved_limited_user_sees_nothing(provider):
    mine = LocationFactory(provider=provider)
    pending = ProviderUserFactory(provider=provider, approved_at=None)
    pending.limited_to_locations.set([mine])
    assert not visible_locations(pending).exists()
    assert not editable_locations(pending).exists()
