"""Who owes a return (returns.obligations): the one rule the dashboard, emails, sweep and
dissemination share."""

from __future__ import annotations

import datetime

import pytest

from providers.models import Location
from returns.deadlines import Period
from returns.models import CollectionWindow
from returns.obligations import obligations, owed_care_types, owes, owing_locations
from returns.services import windows_ensure
from tests.factories import LocationFactory, LocationStatusChangeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def june_july() -> list[CollectionWindow]:
    periods = [Period(2026, 6), Period(2026, 7)]
    windows_ensure(periods=periods)
    return [CollectionWindow.objects.get(period=p.first_day()) for p in periods]


def test_owing_means_active_on_the_opening_day_and_added_by_then(june_july):
    june, _ = june_july
    opening = june.opens_local.date()
    assert opening == datetime.date(2026, 6, 8)
    active = LocationFactory(name="Active")
    added_that_day = LocationFactory(name="Added on the day", added_to_service_on=opening)
    LocationFactory(name="Added the day after", added_to_service_on=datetime.date(2026, 6, 9))
    LocationFactory(name="Dormant, no history", status="dormant")
    dormant_later = LocationFactory(name="Dormant from the 9th", status="dormant")
    LocationStatusChangeFactory(location=dormant_later, status="active")
    LocationStatusChangeFactory(
        location=dormant_later, status="dormant", effective_from=datetime.date(2026, 6, 9)
    )
    back = LocationFactory(name="Reactivated on the 8th", status="active")
    LocationStatusChangeFactory(location=back, status="deregistered")
    LocationStatusChangeFactory(location=back, status="active", effective_from=opening)
    owing = owing_locations(june)
    assert {loc.name for loc in owing} == {
        "Active",
        "Added on the day",
        "Dormant from the 9th",
        "Reactivated on the 8th",
    }
    assert all(owes(loc, june) for loc in owing)
    assert [owed_care_types(loc, june) for loc in owing.filter(pk=active.pk)] == [["care_home"]]
    assert owing_locations(june, Location.objects.filter(pk=added_that_day.pk)).count() == 1


def test_owes_takes_a_status_for_another_window(june_july):
    june, july = june_july
    location = LocationFactory(status="deregistered")
    LocationStatusChangeFactory(location=location, status="active")
    LocationStatusChangeFactory(
        location=location, status="deregistered", effective_from=datetime.date(2026, 6, 20)
    )
    [annotated] = owing_locations(june)
    assert owes(annotated, june) is True
    assert owes(annotated, july, status="deregistered") is False
    assert not owing_locations(july).exists()


def test_obligations_list_every_window_location_and_care_type_in_one_query(
    june_july, django_assert_num_queries
):
    june, july = june_july
    both = LocationFactory(offers_home_care=True)
    home = LocationFactory()
    late = LocationFactory(added_to_service_on=datetime.date(2026, 7, 1))
    with django_assert_num_queries(1):
        rows = list(obligations(june_july, extra=["provider_id"]))
    assert sorted((r["window_id"], r["location_id"], r["care_type"]) for r in rows) == sorted(
        [
            (june.pk, both.pk, "care_home"),
            (june.pk, both.pk, "home_care"),
            (june.pk, home.pk, "care_home"),
            (july.pk, both.pk, "care_home"),
            (july.pk, both.pk, "home_care"),
            (july.pk, home.pk, "care_home"),
            (july.pk, late.pk, "care_home"),
        ]
    )
    assert {r["provider_id"] for r in rows if r["location_id"] == home.pk} == {home.provider_id}
    home_care = list(obligations([june], care_type="home_care"))
    assert [(r["location_id"], r["care_type"]) for r in home_care] == [(both.pk, "home_care")]
    only_home = obligations(june_july, locations=Location.objects.filter(pk=home.pk))
    assert only_home.count() == 2


def test_obligations_refuse_an_unstored_window_and_unknown_care_type(june_july):
    with pytest.raises(ValueError, match="stored windows"):
        obligations([CollectionWindow(period=june_july[0].period, opens_at=june_july[0].opens_at)])
    with pytest.raises(ValueError, match="care type"):
        obligations(june_july, care_type="day_care")
    assert list(obligations([])) == []
