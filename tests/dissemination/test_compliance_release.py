"""The compliance release: a 0/1 flag per obligation per window, and the at-risk list."""

from __future__ import annotations

import pytest

from dissemination.selectors import (
    AT_RISK_COLUMNS,
    RELEASE_COLUMNS,
    Level,
    Scope,
    aggregate,
    at_risk,
    compliance,
    iter_compliance,
)
from tests.dissemination.aggregates_world import World, after_close, build_world, in_window
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_june_care_homes_in_yorkshire_flag_kind_time_and_lateness(world):
    rows = compliance(
        windows=[world.june], care_type="care_home", scope=Scope(region_ids=[world.yorkshire.pk])
    )
    got = [
        (r.location_name, r.local_authority_name, r.compliant, r.return_kind, r.late) for r in rows
    ]
    assert got == [
        ("C House", "Bradford", 1, "nil", False),
        ("D House", "Bradford", 0, "full", True),
        ("A House", "Leeds", 1, "full", False),
        ("B House", "Leeds", 1, "unchanged", False),
        ("J House", "Leeds", 0, None, False),
    ]
    saved = {r.location_name: r.saved_at for r in rows}
    assert saved["A House"] == in_window(world.june)
    assert saved["D House"] == after_close(world.june)  # the late save, flagged 0
    assert saved["J House"] is None
    d = rows[1]
    assert d.as_dict()["period"] == "2026-06"
    assert (d.as_dict()["compliant"], d.as_dict()["late"]) == (0, 1)
    assert d.location_code == world.loc["D"].cqc_id
    assert (d.region_code, d.local_authority_code) == ("E12000003", "E08000032")
    assert list(d.as_dict()) == [column.name for column in RELEASE_COLUMNS]


def test_compliance_lists_every_owed_care_type_and_agrees_with_the_aggregates(world):
    rows = compliance(windows=world.windows)
    b_june = [(r.care_type, r.compliant) for r in rows if r.location_name == "B House"]
    assert b_june[:2] == [("care_home", 1), ("home_care", 0)]  # May: home care missed
    for care_type in ("care_home", "home_care"):
        totals = aggregate(windows=world.windows, level=Level.ENGLAND, care_type=care_type)
        for total in totals:
            flags = [
                r.compliant for r in rows if r.period == total.period and r.care_type == care_type
            ]
            assert (len(flags), sum(flags)) == (total.locations_owing, total.returned)


def test_a_council_filter_and_a_stream(world):
    scope = Scope(local_authority_ids=[world.manchester.pk])
    rows = compliance(windows=[world.june], scope=scope)
    assert {(r.location_name, r.care_type) for r in rows} == {
        ("E House", "care_home"),
        ("G House", "care_home"),
        ("I House", "home_care"),
    }  # F is dormant: it owes nothing, whatever it saved
    assert list(iter_compliance(windows=[world.june], scope=scope)) == rows


def test_at_risk_missed_the_last_window_or_two_of_the_last_three(world):
    rows = at_risk(window=world.july)
    assert [r.location_name for r in rows] == ["E House", "D House", "J House"]
    e, d, j = rows
    assert (e.missed_last, e.missed_of_last_3, e.owed_of_last_3) == (True, 3, 3)
    assert e.missed_periods == (world.july.period, world.june.period, world.may.period)
    assert (d.missed_last, d.missed_of_last_3) == (True, 2)  # late in June still missed it
    assert d.missed_periods == (world.july.period, world.june.period)
    assert (j.missed_last, j.missed_of_last_3) == (False, 2)
    assert j.last_period == world.july.period
    assert j.as_dict()["missed_periods"] == "2026-06 2026-05"
    assert list(j.as_dict()) == [column.name for column in AT_RISK_COLUMNS]
    # B missed only May's home care return: one of three, not the last: not at risk.
    assert "B House" not in {r.location_name for r in rows}


def test_at_risk_for_one_council_and_one_care_type(world):
    leeds = at_risk(window=world.july, scope=Scope(local_authority_ids=[world.leeds.pk]))
    assert [r.location_name for r in leeds] == ["J House"]
    home_care = at_risk(window=world.june, care_type="home_care")
    # June's last three are June and May (no April window stored): I and B missed May only.
    assert home_care == []


@pytest.mark.parametrize("count", [3, 30])
def test_release_queries_do_not_grow_with_locations(world, count, django_assert_max_num_queries):
    LocationFactory.create_batch(count, local_authority=world.leeds)
    with django_assert_max_num_queries(1):
        rows = compliance(windows=world.windows)
    assert len(rows) > count
    with django_assert_max_num_queries(2):
        risky = at_risk(window=world.july)
    assert len(risky) == 3 + count  # the new locations returned nothing
