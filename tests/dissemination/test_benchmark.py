"""Provider benchmarking in the portal: a location beside its council, region and England.

The world and its figures by hand: ``tests/dissemination/benchmark_world.py``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dissemination.charts_lines import STYLES, Series, line_chart, scale_for
from providers.models import Location, Role, User
from tests.conftest import client_for
from tests.dissemination.aggregates_world import in_window, windows_2026
from tests.dissemination.benchmark_world import World, build
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OCCUPANCY = "Occupancy rate (care home) by month, newest first"
VACANCY = "Vacancy rate (care home) by month, newest first"
ABSENCE = "Staff absence rate (care home) by month, newest first"
STAFF_FLU = "Vaccination: staff who have had the flu vaccine (care home) by month, newest first"
RESIDENTS_FLU = (
    "Vaccination: residents who have had the flu vaccine (care home) by month, newest first"
)
HC_ABSENCE = "Staff absence rate (home care) by month, newest first"
HC_FLU = "Vaccination: staff who have had the flu vaccine (home care) by month, newest first"
HIDDEN = "Not shown: fewer than 5 locations"


@pytest.fixture
def world() -> World:
    return build()


@pytest.fixture
def frozen(world: World) -> Iterator[None]:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=world.now):
        yield


def url(location: Location) -> str:
    return reverse("benchmark:location", args=[location.cqc_id])


# --- Reading the page's tables ----------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table's caption and rows of cell text (whitespace collapsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        if tag == "table":
            self._rows, self._caption = [], []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._rows is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "caption" and self._caption is not None:
            self._caption = [" ".join("".join(self._caption).split())]
        elif tag == "table" and self._rows is not None:
            caption = self._caption[0] if self._caption else ""
            self.tables[caption] = self._rows
            self._rows = self._caption = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None and self._rows == []:
            self._caption.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def page(client: Client, location: Location) -> str:
    response = client.get(url(location))
    assert response.status_code == 200
    return response.content.decode()


# --- The figures --------------------------------------------------------------------------------


def test_care_home_rates_beside_council_region_and_england_match_the_hand_count(world, frozen):
    found = tables(page(client_for(world.user), world.alder))
    header = ["Month", "Alder House", "Leeds", "Yorkshire and The Humber", "England"]
    # Leeds: A, B, L1, L2, L3 (5 with figures; L4's nil adds none). Yorkshire adds Bradford's
    # three homes; England adds M1. Each rate is a sum over a sum.
    assert found[OCCUPANCY][0] == header
    assert found[OCCUPANCY][1] == [
        "March 2026",
        "75.0% 30 of 40",
        "83.3% 125 of 150",  # 30 + 18 + 27 + 10 + 40 over 40 + 20 + 30 + 10 + 50
        "82.9% 174 of 210",  # + 5 + 20 + 24 over + 10 + 20 + 30
        "85.2% 264 of 310",  # + 90 over + 100
    ]
    assert found[VACANCY][1] == [
        "March 2026",
        "25.0% 10 of 40",
        "16.7% 25 of 150",  # (2+8) + (0+2) + (1+2) + 0 + (5+5)
        "17.1% 36 of 210",  # + (0+5) + 0 + (3+3)
        "14.8% 46 of 310",  # + (5+5)
    ]
    assert found[ABSENCE][1] == [
        "March 2026",
        "10.0% 5 of 50",
        "8.8% 15 of 170",
        "7.7% 18 of 235",
        "8.4% 28 of 335",
    ]
    assert found[STAFF_FLU][1] == [
        "March 2026",
        "50.0% 25 of 50",
        "50.0% 85 of 170",
        "47.2% 111 of 235",
        "51.0% 171 of 335",
    ]
    # Residents' uptake is over occupied beds.
    assert found[RESIDENTS_FLU][1] == [
        "March 2026",
        "50.0% 15 of 30",
        "55.2% 69 of 125",
        "53.4% 93 of 174",
        "61.7% 163 of 264",
    ]


def test_an_area_with_fewer_than_5_locations_sending_figures_is_not_shown_that_month(world, frozen):
    found = tables(page(client_for(world.user), world.alder))
    # February: Leeds has 6 owing and 5 returned, but only 4 with figures (L4 made a nil
    # return, L3 none): not shown. Yorkshire (4 + 3 homes) and England are.
    assert found[OCCUPANCY][2] == [
        "February 2026",
        "75.0% 30 of 40",
        HIDDEN,
        "83.8% 134 of 160",
        "86.2% 224 of 260",
    ]
    assert len(found[OCCUPANCY]) == 3  # header, March, February: April is still open


def test_an_area_too_small_in_every_month_gets_no_line_and_says_why(world, frozen):
    html = page(client_for(world.user), world.cedar)
    found = tables(html)
    # Bradford has 3 care homes: no column, no line, and the page says so.
    assert found[OCCUPANCY][0] == ["Month", "Cedar House", "Yorkshire and The Humber", "England"]
    assert found[OCCUPANCY][1] == [
        "March 2026",
        "50.0% 5 of 10",
        "82.9% 174 of 210",
        "85.2% 264 of 310",
    ]
    assert f"Bradford: {HIDDEN} sent care home figures there" in " ".join(html.split())


def test_home_care_shows_absence_and_vaccination_only_with_a_too_small_council_hidden(
    world, frozen
):
    html = page(client_for(world.user), world.alder)
    found = tables(html)
    assert found[HC_ABSENCE][0] == ["Month", "Alder House", "Yorkshire and The Humber", "England"]
    # Yorkshire: Alder, the other Leeds service and three in Bradford; England adds Manchester.
    assert found[HC_ABSENCE][1] == [
        "March 2026",
        "10.0% 1 of 10",
        "13.3% 8 of 60",
        "10.0% 10 of 100",
    ]
    # February: no home care returns anywhere.
    assert found[HC_ABSENCE][2] == ["February 2026", "No figures", HIDDEN, HIDDEN]
    assert found[HC_FLU][1] == ["March 2026", "50.0% 5 of 10", "40.0% 24 of 60", "44.0% 44 of 100"]
    assert f"Leeds: {HIDDEN} sent home care figures there" in " ".join(html.split())
    assert not any("Occupancy" in caption and "home care" in caption for caption in found)
    assert not any("Vacancy" in caption and "home care" in caption for caption in found)


def test_a_location_that_offers_only_care_homes_gets_no_home_care_section(world, frozen):
    found = tables(page(client_for(world.user), world.birch))
    assert OCCUPANCY in found
    assert not any("(home care)" in caption for caption in found)


def test_each_chart_is_an_accessible_image_named_by_its_title_and_described(world, frozen):
    html = page(client_for(world.user), world.alder)
    svgs = re.findall(r"<svg[^>]*role=\"img\" aria-labelledby=[^>]*>", html)
    found = tables(html)
    charted = [caption for caption in found if caption.endswith("by month, newest first")]
    # Care home: occupancy, vacancy, absence and 4 uptakes (staff and residents, booster and
    # flu); home care: absence and 2 uptakes.
    assert len(svgs) == len(charted) == 7 + 3
    for svg in svgs:
        title_id, desc_id = re.search(r'aria-labelledby="([^" ]+) ([^"]+)"', svg).groups()
        assert f'<title id="{title_id}">' in html
        assert f'<desc id="{desc_id}">' in html
    assert "The figures are in the table below the chart." in html
    main = html.split('id="main-content"', 1)[1].split("</main>", 1)[0]
    assert "<script" not in main


def test_vaccination_items_not_asked_in_the_months_shown_get_no_chart(world, frozen):
    found = tables(page(client_for(world.user), world.alder))
    # The July 2023 notice asks the seasonal booster and flu items, not the primary course.
    assert not any("primary course" in caption for caption in found)
    assert any("seasonal COVID-19 booster (care home)" in caption for caption in found)


def test_the_open_windows_figures_are_not_shown(world, frozen):
    html = page(client_for(world.user), world.alder)
    assert "April 2026" not in html
    assert "1 of 40" not in html  # Alder's April occupancy


# --- Who can see it ---------------------------------------------------------------------------


def test_a_provider_user_cannot_open_another_providers_location(world, frozen):
    stranger = ProviderUserFactory(provider=ProviderFactory())
    assert client_for(stranger).get(url(world.alder)).status_code == 404


def test_a_user_limited_to_one_location_cannot_open_another_of_the_same_provider(world, frozen):
    limited = ProviderUserFactory(provider=world.provider)
    limited.limited_to_locations.add(world.alder)
    client = client_for(limited)
    assert client.get(url(world.alder)).status_code == 200
    assert client.get(url(world.birch)).status_code == 404


def test_a_provider_user_waiting_for_approval_is_refused(world, frozen):
    waiting = ProviderUserFactory(provider=world.provider, approved_at=None)
    assert client_for(waiting).get(url(world.alder)).status_code == 403


def test_support_staff_can_open_any_locations_benchmark(world, frozen):
    response = client_for(SupportUserFactory()).get(url(world.cedar))
    assert response.status_code == 200
    assert OCCUPANCY in tables(response.content.decode())


@pytest.mark.parametrize("make", [CaseworkerFactory, AnalystFactory], ids=["caseworker", "analyst"])
def test_caseworkers_and_analysts_are_refused(world, frozen, make):
    assert client_for(make()).get(url(world.alder)).status_code == 403


def test_a_local_authority_user_of_the_locations_council_is_refused(world, frozen):
    user = UserFactory(role=Role.LOCAL_AUTHORITY)
    user.local_authorities.set([world.alder.local_authority])
    assert client_for(user).get(url(world.alder)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(world, frozen):
    response = Client().get(url(world.alder))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url(world.alder)}"


# --- Links from the portal --------------------------------------------------------------------


def test_the_dashboard_links_each_location_once(world, frozen):
    html = client_for(world.user).get(reverse("returns:dashboard")).content.decode()
    for location in (world.alder, world.birch, world.cedar):
        assert html.count(f'href="{url(location)}"') == 1  # Alder twice in the table: once here


def test_the_location_page_links_for_its_provider_and_not_for_an_analyst(world, frozen):
    location_page = reverse("providers:location", args=[world.alder.cqc_id])
    assert url(world.alder) in client_for(world.user).get(location_page).content.decode()
    assert url(world.alder) not in client_for(AnalystFactory()).get(location_page).content.decode()


# --- Cost -------------------------------------------------------------------------------------


def _queries(user: User, location: Location) -> tuple[int, str]:
    client = client_for(user)  # signing in is not the page's cost
    cache.clear()  # the first visit of the month: nothing cached
    with CaptureQueriesContext(connection) as captured:
        html = page(client, location)
    return len(captured), html


# The session, the user, their location limits, the location, the windows, and two selector
# calls (areas; the location) for each of the location's two care types.
MAX_QUERIES = 9


def test_query_count_is_flat_in_windows_and_locations(django_assert_max_num_queries):
    small = build()
    with mock.patch("capacity_tracker.lib.clock.now", return_value=small.now):
        small_count, html = _queries(small.user, small.alder)
        assert len(tables(html)[OCCUPANCY]) == 1 + 2
        client = client_for(small.user)
        cache.clear()
        with django_assert_max_num_queries(MAX_QUERIES):
            page(client, small.alder)
    # Five more closed windows (January, and April to July) and 30 more locations.
    big_world_windows = windows_2026(1, 5, 6, 7)
    big = build(extra_locations=30)
    later = in_window(big_world_windows[-1]) + datetime.timedelta(days=10)
    with mock.patch("capacity_tracker.lib.clock.now", return_value=later):
        big_count, html = _queries(big.user, big.alder)
    assert len(tables(html)[OCCUPANCY]) == 1 + 7  # January to July
    assert big_count == small_count


def test_a_second_visit_reads_the_areas_from_the_cache(world, frozen):
    client = client_for(world.user)
    page(client, world.alder)
    with CaptureQueriesContext(connection) as captured:
        second = page(client, world.alder)
    assert not any("UNION ALL" in q["sql"] or "GROUP BY" in q["sql"] for q in captured)
    assert tables(second)[OCCUPANCY][1][2] == "83.3% 125 of 150"


# --- The chart helper -------------------------------------------------------------------------


def test_a_missing_value_breaks_the_line_and_is_never_drawn_as_zero():
    chart = line_chart(
        chart_id="c",
        title="t",
        description="d",
        x_labels=["a", "b", "c", "d"],
        series=[Series("one", [0.5, None, 0.4, 0.45])],
    )
    [line] = chart.lines
    assert len(line.markers) == 3
    assert len(line.segments) == 1  # a-b broken; c-d joined
    assert chart.y_ticks[-1].label == "50%"


def test_the_axis_starts_at_zero_and_rounds_up_to_a_plain_scale():
    assert scale_for([0.03, None]) == (0.05, 0.01)
    assert scale_for([0.83, 0.91]) == (1.0, 0.2)
    assert scale_for([None]) == (0.05, 0.01)


def test_a_line_keeps_its_look_when_a_line_before_it_is_left_out():
    chart = line_chart(
        chart_id="c",
        title="t",
        description="d",
        x_labels=["a"],
        series=[Series("here", [0.5], style=0), Series("England", [0.4], style=3)],
    )
    assert [line.style for line in chart.lines] == [STYLES[0], STYLES[3]]
