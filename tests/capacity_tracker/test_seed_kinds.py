"""The kinds of care home (nursing, residential, dementia) in the demo and national seeds: a
realistic mix, so the vacancy finder's type of care filter has something to show."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from capacity_tracker.national_data import care_home_kinds
from dissemination.vacancies import KINDS, Filters, vacant_care_homes
from providers.models import Location

pytestmark = pytest.mark.django_db


def test_the_demo_finder_shows_homes_for_each_type_of_care():
    call_command("seed_demo", stdout=io.StringIO())
    homes = Location.objects.filter(offers_care_home=True)
    for kind in KINDS:
        assert homes.filter(**{kind: True}).count() >= 3, kind
        assert vacant_care_homes(Filters(kinds=(kind,))).exists(), kind
    # A mix, not every home everything: some dual-registered, some neither nursing nor dementia.
    assert homes.filter(nursing=True, residential=True).exists()
    assert homes.filter(nursing=False, dementia=False).exists()
    assert homes.filter(residential=True, dementia=False).exists()
    # Home care agencies that are not care homes say nothing of these.
    agencies = Location.objects.filter(offers_care_home=False)
    assert not agencies.filter(nursing=True).exists()
    assert not agencies.filter(residential=True).exists()
    calder = Location.objects.get(cqc_id="1-1000000013")  # Calder View Nursing Home
    assert (calder.nursing, calder.residential, calder.dementia) == (True, False, True)


def test_the_national_seed_gives_care_homes_a_realistic_mix():
    places = [8, 25, 40, 70, 110]
    homes = [care_home_kinds(index, places[index % 5]) for index in range(2000)]
    share = {kind: sum(home[kind] for home in homes) / len(homes) for kind in KINDS}
    assert 0.2 < share["nursing"] < 0.45
    assert 0.6 < share["residential"] < 0.9
    assert 0.5 < share["dementia"] < 0.7
    # Every home is nursing or residential (or both); small homes never nurse.
    assert all(home["nursing"] or home["residential"] for home in homes)
    assert any(home["nursing"] and home["residential"] for home in homes)
    assert not any(care_home_kinds(index, 8)["nursing"] for index in range(100))
    # An agency, with no registered places, has none.
    assert care_home_kinds(3, None) == {"nursing": False, "residential": False, "dementia": False}
