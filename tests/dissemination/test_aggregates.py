"""The England / region / council / location aggregates against hand-counted figures."""

from __future__ import annotations

import datetime

import pytest

from dissemination.selectors import (
    AggregateRow,
    Level,
    Rate,
    Scope,
    aggregate,
    aggregate_columns,
    iter_aggregate,
)
from providers.models import Location
from returns.models import DatasetVersion, Return, ReturnVersion
from tests.dissemination.aggregates_world import World, build_world, in_window, windows_2026
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db

AREAS = [Level.ENGLAND, Level.REGION, Level.LOCAL_AUTHORITY]
STAFF_CODES = [
    f"staff_{g}_{r}" for g in ("direct", "agency") for r in ("nurses", "care", "non_care")
]


@pytest.fixture
def world() -> World:
    return build_world()


def by_area(rows: list[AggregateRow]) -> dict[str, AggregateRow]:
    return {row.area_name: row for row in rows}


def test_june_care_homes_in_england_match_the_hand_count(world):
    [england] = aggregate(windows=[world.june], level=Level.ENGLAND, care_type="care_home")
    assert (england.period, england.level, england.area_code) == (
        datetime.date(2026, 6, 1),
        Level.ENGLAND,
        "E92000001",
    )
    # Owing: A B C D E G J (F dormant, H added after the opening day).
    assert england.locations_owing == 7
    assert (england.returned_full, england.returned_unchanged, england.returned_nil) == (2, 1, 1)
    assert england.returned == 4
    assert england.late == 1  # D saved after the close
    assert england.missing == 2  # E and J
    assert england.compliance_rate == Rate(4, 7)
    assert england.registered_places == 40 + 20 + 30 + 25 + 15 + 10 + 12
    # Figures from A, B (carried forward by "unchanged") and G only: not C (nil), D (late), F.
    figures = england.figures
    assert figures["beds_max_capacity"] == 40 + 20 + 10
    assert figures["beds_occupied"] == 35 + 10 + 9
    assert figures["beds_vacant_reserved"] == 1 + 2 + 0
    assert figures["beds_vacant_accepting"] == 4 + 8 + 1
    assert figures["staff_total"] == 50 + 16 + 8
    assert figures["absent_total"] == 2 + 3 + 0
    assert figures["staff_direct_nurses"] == 6 + 2 + 1
    assert (figures["visiting_possible_yes"], figures["visiting_possible_no"]) == (2, 1)
    assert england.rates["occupancy_rate"] == Rate(54, 70)
    assert england.rates["vacancy_rate"] == Rate(16, 70)
    assert england.rates["absence_rate"] == Rate(5, 74)
    assert england.rates["absent_direct_nurses_rate"] == Rate(0 + 1 + 0, 6 + 2 + 1)


def test_rates_are_summed_numerators_over_summed_denominators_not_averages(world):
    [england] = aggregate(windows=[world.june], level=Level.ENGLAND, care_type="care_home")
    occupancy = england.rates["occupancy_rate"]
    assert occupancy.value == pytest.approx(54 / 70)
    average_of_rates = (35 / 40 + 10 / 20 + 9 / 10) / 3
    assert occupancy.value != pytest.approx(average_of_rates)
    exported = england.as_dict()
    assert exported["occupancy_rate_numerator"] == 54
    assert exported["occupancy_rate_denominator"] == 70
    assert exported["occupancy_rate"] == pytest.approx(54 / 70)


def test_vaccination_items_not_asked_are_not_collected_not_zero(world):
    [england] = aggregate(windows=[world.june], level=Level.ENGLAND, care_type="care_home")
    assert england.figures["vacc_staff_flu"] is None
    assert england.rates["vacc_staff_flu_uptake"] == Rate(None, None)
    assert england.rates["vacc_staff_flu_uptake"].value is None
    assert england.as_dict()["vacc_staff_flu_uptake"] is None


def test_regions_and_councils_match_the_hand_count(world):
    rows = aggregate(windows=[world.june], level=AREAS, care_type="care_home")
    assert [(r.level, r.area_name) for r in rows] == [
        (Level.ENGLAND, "England"),
        (Level.REGION, "North West"),
        (Level.REGION, "Yorkshire and The Humber"),
        (Level.LOCAL_AUTHORITY, "Manchester"),
        (Level.LOCAL_AUTHORITY, "Bradford"),
        (Level.LOCAL_AUTHORITY, "Leeds"),
    ]
    areas = by_area(rows)
    yorkshire, north_west = areas["Yorkshire and The Humber"], areas["North West"]
    assert (yorkshire.area_code, yorkshire.region_code) == ("E12000003", "E12000003")
    assert (yorkshire.locations_owing, yorkshire.returned, yorkshire.late, yorkshire.missing) == (
        5,
        3,
        1,
        1,
    )
    assert yorkshire.figures["beds_occupied"] == 45
    assert (north_west.locations_owing, north_west.returned, north_west.missing) == (2, 1, 1)
    assert north_west.rates["occupancy_rate"] == Rate(9, 10)
    leeds = areas["Leeds"]
    assert (leeds.area_code, leeds.region_name) == ("E08000035", "Yorkshire and The Humber")
    assert leeds.registered_places == 40 + 20 + 12
    # Bradford: one nil return (adds no figures) and one late save: nothing to sum.
    bradford = areas["Bradford"]
    assert (bradford.returned_nil, bradford.late, bradford.compliance_rate) == (1, 1, Rate(1, 2))
    assert bradford.figures["beds_occupied"] is None
    assert bradford.rates["occupancy_rate"].value is None


def _plus(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def _total(rows: list[AggregateRow]) -> dict[str, object]:
    counts = ["locations_owing", "returned", "returned_full", "returned_unchanged"]
    counts += ["returned_nil", "late", "missing", "registered_places"]
    total: dict[str, object] = {name: None for name in counts}
    figures: dict[str, int | None] = {}
    rates: dict[str, Rate] = {}
    for row in rows:
        for name in counts:
            total[name] = _plus(total[name], getattr(row, name))  # type: ignore[arg-type]
        for name, value in row.figures.items():
            figures[name] = _plus(figures.get(name), value)
        for name, rate in row.rates.items():
            rates[name] = rates.get(name, Rate(None, None)) + rate
    return {**total, "figures": figures, "rates": rates}


@pytest.mark.parametrize("care_type", ["care_home", "home_care"])
def test_england_is_the_sum_of_its_regions_and_of_its_councils(world, care_type):
    rows = aggregate(windows=world.windows, level=AREAS, care_type=care_type)
    for window in world.windows:
        of = [r for r in rows if r.period == window.period]
        [england] = [r for r in of if r.level == Level.ENGLAND]
        regions = [r for r in of if r.level == Level.REGION]
        councils = [r for r in of if r.level == Level.LOCAL_AUTHORITY]
        assert regions and councils
        assert _total([england]) == _total(regions) == _total(councils)


def test_dual_care_type_location_counts_once_in_each_care_type(world):
    [home_care] = aggregate(windows=[world.june], level=Level.ENGLAND, care_type="home_care")
    assert (home_care.locations_owing, home_care.returned_full) == (2, 2)  # B and I
    assert home_care.figures["people_receiving_care"] == 10 + 20
    assert home_care.rates["absence_rate"] == Rate(0 + 3, 6 + 12)
    assert home_care.registered_places is None
    assert "registered_places" not in home_care.as_dict()
    [may] = aggregate(windows=[world.may], level=Level.ENGLAND, care_type="home_care")
    assert (may.locations_owing, may.returned, may.missing) == (2, 0, 2)
    assert may.figures["people_receiving_care"] is None


def test_deregistered_stops_and_added_mid_year_starts_owing_from_the_next_window(world):
    rows = aggregate(windows=world.windows, level=Level.LOCATION, care_type="care_home")
    owing = {}
    for row in rows:
        owing.setdefault(row.period.month, set()).add(row.area_name[0])
    assert owing == {
        5: set("ABCDEGJ"),
        6: set("ABCDEGJ"),  # H added on 10 June, after the opening day
        7: set("ABCDEHJ"),  # G deregistered from 20 June; F dormant throughout
    }


def test_unchanged_carries_the_last_figures_forward_month_after_month(world):
    rows = aggregate(windows=world.windows, level=Level.LOCATION, care_type="care_home")
    b_rows = [r for r in rows if r.area_name == "B House"]
    assert [r.period.month for r in b_rows] == [5, 6, 7]
    assert [r.returned_unchanged for r in b_rows] == [0, 1, 1]
    assert [r.figures["beds_occupied"] for r in b_rows] == [10, 10, 10]
    assert [r.rates["vacancy_rate"] for r in b_rows] == [Rate(10, 20)] * 3


def test_location_rows_carry_their_council_region_and_provider(world):
    rows = aggregate(windows=[world.june], level=Level.LOCATION, care_type="care_home")
    assert [r.area_name for r in rows] == [
        "E House",
        "G House",
        "C House",
        "D House",
        "A House",
        "B House",
        "J House",
    ]
    d = next(r for r in rows if r.area_name == "D House")
    assert d.area_code == world.loc["D"].cqc_id
    assert (d.local_authority_name, d.region_code) == ("Bradford", "E12000003")
    assert d.provider_code == world.loc["D"].provider.cqc_id
    assert (d.late, d.missing, d.compliance_rate) == (1, 0, Rate(0, 1))
    assert d.figures["beds_occupied"] is None  # a late save is kept but not counted


def test_a_local_authority_scope_sees_only_its_locations(world):
    scope = Scope(local_authority_ids=[world.leeds.pk])
    rows = aggregate(windows=[world.june], level=AREAS, care_type="care_home", scope=scope)
    assert [(r.level, r.area_name) for r in rows] == [
        (Level.ENGLAND, "England"),
        (Level.REGION, "Yorkshire and The Humber"),
        (Level.LOCAL_AUTHORITY, "Leeds"),
    ]
    assert all(r.locations_owing == 3 for r in rows)  # A, B and J
    located = aggregate(
        windows=[world.june], level=Level.LOCATION, care_type="care_home", scope=scope
    )
    assert {r.area_name for r in located} == {"A House", "B House", "J House"}
    one = Scope(locations=Location.objects.filter(pk=world.loc["A"].pk))
    [only_a] = aggregate(
        windows=[world.june], level=Level.LOCATION, care_type="care_home", scope=one
    )
    assert only_a.area_name == "A House"


def test_as_dict_keys_are_the_documented_columns_in_order(world):
    for care_type in ("care_home", "home_care"):
        rows = aggregate(windows=[world.june], level=Level.LOCATION, care_type=care_type)
        names = [column.name for column in aggregate_columns(care_type)]
        assert rows and all(list(row.as_dict()) == names for row in rows)
        assert len(names) == len(set(names))
        assert all(name == name.lower() and " " not in name for name in names)


def test_streamed_rows_equal_the_list(world):
    args = {"windows": world.windows, "level": [Level.REGION, Level.LOCATION]}
    listed = aggregate(**args, care_type="care_home")
    assert list(iter_aggregate(**args, care_type="care_home")) == listed
    assert aggregate(windows=[], level=Level.ENGLAND, care_type="care_home") == []


def _stored_return(location, window, answers):  # type: ignore[no-untyped-def]
    """A return as the database holds it, with answers a save in a campaign month would have."""
    head = Return.objects.create(location=location, care_type="care_home", window=window)
    version = ReturnVersion.objects.create(
        return_head=head,
        number=1,
        kind="full",
        answers=answers,
        dataset_version=DatasetVersion.objects.first(),
        source="portal",
        submitter_first_name="T",
        submitter_last_name="P",
        submitted_at=in_window(window),
        in_window=True,
        reference=f"T-{location.pk}",
    )
    head.latest = head.counted = version
    head.version_count = 1
    head.save()


def test_vaccination_uptake_counts_only_returns_that_were_asked(db):
    [november] = windows_2026(11)
    staff = {code: 0 for code in STAFF_CODES} | {"staff_direct_care": 50}
    base = {"beds_max_capacity": 40, "beds_occupied": 30, **staff}
    asked, not_asked = LocationFactory(), LocationFactory()
    _stored_return(asked, november, {**base, "vacc_staff_flu": 20, "vacc_residents_flu": 27})
    _stored_return(not_asked, november, {**base, "staff_direct_care": 10})
    [england] = aggregate(windows=[november], level=Level.ENGLAND, care_type="care_home")
    assert england.figures["vacc_staff_flu"] == 20
    # Only the home that was asked adds to either side: 20 of its 50 staff, not of 60.
    assert england.rates["vacc_staff_flu_uptake"] == Rate(20, 50)
    assert england.figures["staff_total"] == 60
    assert england.rates["vacc_residents_flu_uptake"] == Rate(27, 30)
    assert england.figures["beds_occupied"] == 60


@pytest.mark.parametrize("count", [3, 30])
def test_query_count_is_flat_in_the_number_of_locations(db, count, django_assert_max_num_queries):
    [june] = windows_2026(6)
    for location in LocationFactory.create_batch(count, offers_home_care=True):
        _stored_return(location, june, {"beds_max_capacity": 10, "beds_occupied": 5})
    with django_assert_max_num_queries(1):
        rows = aggregate(windows=[june], level=[*AREAS, Level.LOCATION], care_type="care_home")
    assert sum(r.locations_owing for r in rows if r.level == Level.LOCATION) == count
    with django_assert_max_num_queries(1):
        streamed = list(iter_aggregate(windows=[june], level=Level.LOCATION, care_type="home_care"))
    assert len(streamed) == count
