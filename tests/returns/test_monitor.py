"""The support desk's live window monitor (issue 11, item 5).

Built on the hand-countable world of the aggregate tests (tests/dissemination/aggregates_world):

July 2026 (both care types together; counts are of owed location x care type):
    owed 9: care homes A, B, C, D, E, H, J (F dormant, G deregistered in June) and home care
    B, I. Returned 7: full A, H, J (care home) and I (home care); unchanged B (both); nil C.
    Missing 2: D (Bradford) and E (Manchester).
    Leeds 5 owed, 5 returned (3 full, 2 unchanged); Bradford 2 owed, 1 nil, 1 missing;
    Manchester 2 owed, 1 full, 1 missing.
June 2026, after the close: owed 9 (A, B, C, D, E, G, J care home; B, I home care); returned 6
    (full A, G, B home care, I; unchanged B; nil C); D saved late; E and J missing.
"""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dissemination.selectors import Level, Scope, aggregate
from returns.monitor import area_counts, hourly, missing
from tests.conftest import client_for
from tests.dissemination.aggregates_world import World, build_world, save
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    LocalAuthorityFactory,
    LocationFactory,
    ProviderUserFactory,
    SupportUserFactory,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


@pytest.fixture
def world() -> World:
    return build_world()


def _at(instant: datetime.datetime):  # type: ignore[no-untyped-def]
    return mock.patch("capacity_tracker.lib.clock.now", return_value=instant)


def test_counts_by_england_region_and_council_match_the_hand_count(world):
    england, regions, councils = area_counts(world.july)
    assert (england.owing, england.returned, england.full, england.unchanged) == (9, 7, 4, 2)
    assert (england.nil, england.missing, england.late) == (1, 2, 0)
    by_code = {a.code: a.counts for a in [*regions, *councils]}
    leeds, bradford, manchester = (
        by_code[c.ons_code] for c in (world.leeds, world.bradford, world.manchester)
    )
    assert (leeds.owing, leeds.returned, leeds.full, leeds.unchanged, leeds.missing) == (
        5,
        5,
        3,
        2,
        0,
    )
    assert (bradford.owing, bradford.nil, bradford.missing) == (2, 1, 1)
    assert (manchester.owing, manchester.full, manchester.missing) == (2, 1, 1)
    yorkshire = by_code[world.yorkshire.ons_code]
    assert (yorkshire.owing, yorkshire.returned, yorkshire.missing) == (7, 6, 1)
    assert by_code[world.north_west.ons_code].owing == 2


def test_counts_agree_with_the_analysts_aggregates(world):
    """The monitor adds up the dissemination selector's rows: the same numbers, per care type."""
    england, _, _ = area_counts(world.june, "care_home")
    (row,) = aggregate(windows=[world.june], level=Level.ENGLAND, care_type="care_home")
    assert (england.owing, england.returned, england.late, england.missing) == (
        row.locations_owing,
        row.returned,
        row.late,
        row.missing,
    )
    assert (england.owing, england.returned, england.late, england.missing) == (7, 4, 1, 2)


def test_a_closed_window_counts_late_returns_apart_from_missing(world):
    england, _, _ = area_counts(world.june)
    assert (england.owing, england.returned, england.late, england.missing) == (9, 6, 1, 2)
    rows, total = missing(world.june)
    assert total == 3
    assert {(r.name, r.late) for r in rows} == {
        ("D House", True),
        ("E House", False),
        ("J House", False),
    }
    hours = hourly(world.june, now=world.june.closes_at + 5 * 24 * H, owing=england.owing)
    assert hours[-1].ends_at == world.june.closes_at  # nothing after the close
    assert (hours[-1].returned, hours[-1].missing) == (6, 3)  # the late save never counts


def test_hour_by_hour_counts_are_cumulative(world):
    july = world.july
    # One more return, early: E's care home, 3.5 hours after the window opened.
    save(world.loc["E"], "care_home", july, answers=GOOD_CARE_HOME, at=july.opens_at + 3.5 * H)
    rows = hourly(july, now=july.opens_at + 48 * H - datetime.timedelta(seconds=1), owing=9)
    assert len(rows) == 48  # the 48th is the hour in progress
    assert rows[0].ends_at == july.opens_at + H
    assert [r.returned for r in rows[:3]] == [0, 0, 0]
    assert (rows[3].full, rows[3].returned, rows[3].missing) == (1, 1, 8)  # 03:00-04:00
    assert rows[23].returned == 1
    # The world saves everything else one day after the window opened.
    assert (rows[24].full, rows[24].unchanged, rows[24].nil, rows[24].returned) == (5, 2, 1, 8)
    assert rows[-1].returned == 8 and rows[-1].missing == 1


def test_hour_by_hour_for_one_council(world):
    july = world.july
    rows = hourly(
        july,
        now=july.opens_at + 30 * H,
        owing=2,
        scope=Scope(local_authority_ids=[world.bradford.pk]),
    )
    assert len(rows) == 31  # 30 full hours and the one that has just begun
    assert (rows[-1].nil, rows[-1].returned, rows[-1].missing) == (1, 1, 1)


def test_missing_list_is_ordered_and_paged(world):
    rows, total = missing(world.july)
    assert total == 2
    # North West before Yorkshire and The Humber.
    assert [(r.name, r.council, r.care_type) for r in rows] == [
        ("E House", "Manchester", "care_home"),
        ("D House", "Bradford", "care_home"),
    ]
    page_two, total = missing(world.july, offset=1, limit=1)
    assert total == 2 and [r.name for r in page_two] == ["D House"]


def test_monitor_page_shows_the_figures_to_a_plain_support_user(world):
    support = SupportUserFactory()
    assert not support.is_superuser
    with _at(world.july.opens_at + 2 * 24 * H):
        response = client_for(support).get(reverse("admin:returns_collectionwindow_monitor"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert 'data-monitor="england.returned">7<' in html
    assert 'data-monitor="england.missing">2<' in html
    assert f'data-monitor="areas.{world.leeds.ons_code}.unchanged">2<' in html
    assert f'data-monitor="areas.{world.bradford.ons_code}.nil">1<' in html
    assert reverse("admin:providers_location_overview", args=[world.loc["D"].pk]) in html
    assert "js/window-monitor.js" in html
    assert "<script>" not in html.replace('<script type="module"', "")


def test_monitor_for_a_council_narrows_the_hours_and_the_missing_list(world):
    with _at(world.july.opens_at + 2 * 24 * H):
        response = client_for(SupportUserFactory()).get(
            reverse("admin:returns_collectionwindow_monitor_period", args=["2026-07"]),
            {"council": world.manchester.ons_code},
        )
    assert response.status_code == 200
    assert [r.name for r in response.context["missing_rows"]] == ["E House"]
    assert response.context["scoped"].owing == 2


def test_json_endpoint_gives_the_counts(world):
    url = reverse("admin:returns_collectionwindow_monitor_data", args=["2026-07"])
    with _at(world.july.opens_at + 2 * 24 * H):
        response = client_for(SupportUserFactory()).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["period"] == "2026-07"
    assert data["is_open"] is True
    assert {k: data["england"][k] for k in ("owing", "returned", "full", "unchanged", "nil")} == {
        "owing": 9,
        "returned": 7,
        "full": 4,
        "unchanged": 2,
        "nil": 1,
    }
    assert data["england"]["missing"] == 2
    assert data["areas"][world.manchester.ons_code]["missing"] == 1
    assert data["areas"][world.yorkshire.ons_code]["returned"] == 6
    assert len(data["hours"]) == 49  # 48 full hours and the one that has just begun
    assert data["hours"][0]["returned"] == 7  # newest first
    assert data["missing_total"] == 2

    # A return saved now shows up at the next poll.
    save(world.loc["D"], "care_home", world.july, answers=GOOD_CARE_HOME)
    with _at(world.july.opens_at + 2 * 24 * H):
        again = client_for(SupportUserFactory()).get(url).json()
    assert again["england"]["returned"] == 8
    assert again["areas"][world.bradford.ons_code]["full"] == 1


def test_unknown_or_unstored_window_is_404(world):
    client = client_for(SupportUserFactory())
    url = reverse("admin:returns_collectionwindow_monitor_period", args=["2019-01"])
    assert client.get(url).status_code == 404
    url = reverse("admin:returns_collectionwindow_monitor_period", args=["not-a-month"])
    assert client.get(url).status_code == 404


def _queries(client, url) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_monitor_queries_do_not_grow_with_locations(world):
    client = client_for(SupportUserFactory())
    page = reverse("admin:returns_collectionwindow_monitor_period", args=["2026-07"])
    data = reverse("admin:returns_collectionwindow_monitor_data", args=["2026-07"])
    with _at(world.july.opens_at + 2 * 24 * H):
        before = (_queries(client, page), _queries(client, data))
        sheffield = LocalAuthorityFactory(ons_code="E08000039", name="Sheffield")
        for n in range(25):
            location = LocationFactory(local_authority=sheffield, offers_home_care=n % 2 == 0)
            if n % 3:
                save(location, "care_home", world.july, answers=GOOD_CARE_HOME)
        after = (_queries(client, page), _queries(client, data))
        assert client.get(page).context["england"].owing == 9 + 25 + 13
    assert after == before


def test_monitor_link_on_the_window_changelist(world):
    # The changelist itself needs the view permission the support group grants (another part
    # of the issue); here the support user is given it explicitly.
    from django.contrib.auth.models import Permission

    support = SupportUserFactory()
    support.user_permissions.add(Permission.objects.get(codename="view_collectionwindow"))
    response = client_for(support).get(reverse("admin:returns_collectionwindow_changelist"))
    assert response.status_code == 200
    assert reverse("admin:returns_collectionwindow_monitor") in response.content.decode()


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: CaseworkerFactory(is_staff=True), 403),
        (lambda: AnalystFactory(is_staff=True), 403),
        (lambda: CaseworkerFactory(), 302),  # not staff: admin sends them to sign in
        (lambda: ProviderUserFactory(), 302),
        (lambda: SupportUserFactory(is_staff=False), 302),
        (lambda: SupportUserFactory(is_superuser=True), 200),
    ],
)
def test_only_support_staff_use_the_monitor(world, make, expected):
    client = client_for(make())
    for url in (
        reverse("admin:returns_collectionwindow_monitor"),
        reverse("admin:returns_collectionwindow_monitor_data", args=["2026-07"]),
    ):
        with _at(world.july.opens_at + 2 * 24 * H):
            assert client.get(url).status_code == expected, url


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("admin:returns_collectionwindow_monitor"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
