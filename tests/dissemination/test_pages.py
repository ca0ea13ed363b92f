"""The dissemination pages, each role as itself, against the selectors and hand counts.

The world (``aggregates_world``) seen on 20 July 2026. July care homes owe from A B C D E H J
(F dormant, G deregistered): returned A B C H J (C nil), missing D and E. Occupancy from A, B
(carried forward), H and J: 35 + 10 + 35 + 35 = 115 of 40 + 20 + 40 + 40 = 140 beds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from dissemination.selectors import (
    AT_RISK_COLUMNS,
    RELEASE_COLUMNS,
    Level,
    Scope,
    aggregate,
    aggregate_columns,
    compliance,
)
from tests.conftest import client_for
from tests.dissemination.aggregates_world import World, build_world
from tests.dissemination.pages_support import frozen_clock, la_user, page
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with frozen_clock():
        yield


@pytest.fixture
def world() -> World:
    return build_world()


PAGES = ["dashboard", "dictionary", "exports", "compliance", "at-risk"]


def table(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row of the table with this id, cell by cell."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    assert found, table_id
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


# --- Who sees what ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(world):
    client = Client()
    for name in PAGES:
        response = client.get(reverse(f"dissemination:{name}"))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_provider_users_are_refused_every_page(world):
    client = client_for(ProviderUserFactory(provider=world.loc["A"].provider))
    for name in PAGES:
        assert client.get(reverse(f"dissemination:{name}")).status_code == 403, name


def test_caseworkers_get_the_compliance_release_but_not_the_analyst_pages(world):
    client = client_for(CaseworkerFactory())
    for name, status in [
        ("dashboard", 403),
        ("exports", 403),
        ("dictionary", 200),
        ("compliance", 200),
        ("at-risk", 200),
    ]:
        assert client.get(reverse(f"dissemination:{name}")).status_code == status, name


@pytest.mark.parametrize("make", [AnalystFactory, SupportUserFactory])
def test_analysts_and_support_staff_see_every_page(world, make):
    client = client_for(make())
    for name in PAGES:
        assert client.get(reverse(f"dissemination:{name}")).status_code == 200, name


def test_analysts_and_council_users_land_on_the_dashboard_with_a_data_link(world):
    for user in (AnalystFactory(), la_user(world.leeds)):
        client = client_for(user)
        assert client.get(reverse("home")).url == reverse("dissemination:dashboard")
        html = client.get(reverse("dissemination:dashboard")).content.decode()
        assert f'href="{reverse("dissemination:dashboard")}" aria-current="page"' in html


def test_the_caseworker_queue_links_to_the_release_and_the_old_csv_address_forwards(world):
    client = client_for(CaseworkerFactory())
    queue = client.get(reverse("enforcement:queue")).content.decode()
    assert reverse("dissemination:compliance") in queue
    assert "enforcement:compliance-csv" not in queue
    old = client.get(reverse("enforcement:compliance-csv"))
    assert (old.status_code, old.url) == (302, reverse("dissemination:compliance"))


# --- The dashboard ------------------------------------------------------------------------------


def test_the_dashboard_shows_july_by_region_as_the_selectors_and_the_hand_count(world):
    html = page(AnalystFactory(), "dashboard")
    rows = table(html, "latest-care-homes")
    assert rows == [
        # area, owing, returned, late, missing, compliance, occupied, capacity, occupancy
        ["North West", "1", "0", "0", "1", "0.0%", "no data", "no data", "no data"],
        ["Yorkshire and The Humber", "6", "5", "0", "1", "83.3%", "115", "140", "82.1%"],
        ["England", "7", "5", "0", "2", "71.4%", "115", "140", "82.1%"],
    ]
    [england] = aggregate(windows=[world.july], level=Level.ENGLAND, care_type="care_home")
    assert (england.returned, england.locations_owing) == (5, 7)
    assert england.rates["occupancy_rate"].numerator == 115
    home_care = table(html, "latest-home-care")
    assert home_care[-1][:6] == ["England", "2", "2", "0", "0", "100.0%"]


def test_the_charts_are_accessible_svg_with_the_same_figures_in_a_table(world):
    html = page(AnalystFactory(), "dashboard")
    for chart in ("compliance-chart", "occupancy-chart"):
        svg = re.search(rf'<svg[^>]*aria-labelledby="{chart}-title {chart}-desc"[^>]*>', html)
        assert svg and 'role="img"' in svg.group(0), chart
        assert f'<title id="{chart}-title">' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    months = table(html, "compliance-table")
    june = aggregate(windows=[world.june], level=Level.ENGLAND, care_type="care_home")[0]
    assert [m[0] for m in months] == ["July 2026", "June 2026", "May 2026"]
    assert months[1][1:3] == [f"{june.returned} / {june.locations_owing}", "57.1%"]  # 4 / 7
    occupancy = table(html, "occupancy-table")
    assert occupancy[0] == ["July 2026", "115", "140", "82.1%"]
    assert "Care home occupancy by month, England, May 2026 to July 2026." in html


def test_a_council_user_sees_their_area_total_never_england_or_another_council(world):
    leeds_html = page(la_user(world.leeds), "dashboard")
    rows = table(leeds_html, "latest-care-homes")
    # Leeds in July: A, B, H, J all returned; occupancy 115 of 140 (all four are in Leeds).
    assert rows == [
        ["Leeds", "4", "4", "0", "0", "100.0%", "115", "140", "82.1%"],
        ["Total for Leeds", "4", "4", "0", "0", "100.0%", "115", "140", "82.1%"],
    ]
    for other in ("Bradford", "Manchester", "North West", ">England<"):
        assert other not in leeds_html, other

    bradford_html = page(la_user(world.bradford), "dashboard")
    assert table(bradford_html, "latest-care-homes")[-1][:6] == [
        "Total for Bradford",
        "2",
        "1",
        "0",
        "1",
        "50.0%",
    ]
    assert "Leeds" not in bradford_html and "A House" not in bradford_html


def test_a_user_of_two_councils_sees_both_and_their_total(world):
    html = page(la_user(world.leeds, world.bradford), "dashboard")
    rows = table(html, "latest-care-homes")
    assert [row[0] for row in rows] == ["Bradford", "Leeds", "Total for Bradford and Leeds"]
    assert rows[-1][1:3] == ["6", "5"]


@pytest.mark.parametrize("count", [3, 30])
def test_dashboard_queries_do_not_grow_with_locations(world, count, django_assert_max_num_queries):
    provider = ProviderFactory()
    for _ in range(count):
        LocationFactory(provider=provider, local_authority=world.leeds)
    client = client_for(la_user(world.leeds))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("dissemination:dashboard")).status_code == 200
    client = client_for(AnalystFactory())
    with django_assert_max_num_queries(8):
        assert client.get(reverse("dissemination:dashboard")).status_code == 200


# --- The data dictionary ------------------------------------------------------------------------


def test_the_dictionary_lists_every_column_of_every_export_and_the_markers(world, settings):
    settings.DISCLOSURE_MIN_LOCATIONS = 5
    html = page(CaseworkerFactory(), "dictionary")
    columns = [
        *aggregate_columns("care_home"),
        *aggregate_columns("home_care"),
        *RELEASE_COLUMNS,
        *AT_RISK_COLUMNS,
    ]
    for column in columns:
        assert f"<code>{column.name}</code>" in html, column.name
    occupancy = re.search(r"<code>occupancy_rate</code></th>(.*?)</tr>", html, re.S).group(1)
    assert "proportion (0 to 1)" in occupancy and "beds_occupied / beds_max_capacity" in occupancy
    assert "<code>[c]</code>" in html and "fewer than 5 locations" in html
    assert "<code>[x]</code>" in html and "area_total" in html
    # Where each column comes from, in words: no model or field names of the service's own.
    for internal in ("ReturnVersion", "CollectionWindow", "LocalAuthority", "submitted_at"):
        assert internal not in html, internal


# --- The compliance release and the at-risk list --------------------------------------------------


def test_the_compliance_page_shows_the_selectors_rows_for_a_council(world):
    html = page(
        CaseworkerFactory(),
        "compliance",
        from_period="2026-06",
        to_period="2026-06",
        local_authority=world.bradford.ons_code,
    )
    expected = compliance(
        windows=[world.june], scope=Scope(local_authority_ids=[world.bradford.pk])
    )
    rows = table(html, "compliance-rows")
    assert [(r[0].split()[0] + " House", r[5]) for r in rows] == [
        (row.location_name, str(row.compliant)) for row in expected
    ]
    assert [r[5] for r in rows] == ["1", "0"]  # C nil (returned), D late
    assert "Late" in rows[1][6]
    # What each return said, in words, not the stored kind ("nil", "full").
    assert rows[0][6] == "Nil return"
    assert rows[1][6].startswith("Late") and not re.search(r"\b(full|nil|unchanged)\b", rows[1][6])
    summary = table(html, "compliance-summary")
    assert summary == [["June 2026", "Care homes", "2", "1", "1", "50.0%"]]


def test_the_compliance_page_pages_through_rows_without_reading_them_all(world):
    provider = ProviderFactory()
    for _ in range(105):
        LocationFactory(provider=provider, local_authority=world.manchester)
    client = client_for(AnalystFactory())
    url = reverse("dissemination:compliance")
    first = client.get(url, {"local_authority": world.manchester.ons_code}).content.decode()
    assert "Rows 1 to 100 of 107" in first
    # GOV.UK pagination: page 1 marked current, a link to page 2 and "Next".
    assert 'aria-label="Page 1" aria-current="page"' in first
    assert 'aria-label="Page 2"' in first and 'rel="next"' in first
    second = client.get(
        url, {"local_authority": world.manchester.ons_code, "page": "2"}
    ).content.decode()
    assert "Rows 101 to 107 of 107" in second


def test_a_council_user_asking_for_another_councils_data_gets_404(world):
    client = client_for(la_user(world.leeds))
    for name in ("compliance", "at-risk"):
        url = reverse(f"dissemination:{name}")
        assert client.get(url, {"local_authority": world.bradford.ons_code}).status_code == 404
        assert client.get(url, {"region": world.north_west.ons_code}).status_code == 404
        own = client.get(url, {"local_authority": world.leeds.ons_code})
        assert own.status_code == 200


def test_a_council_users_compliance_page_lists_their_locations_only(world):
    html = page(la_user(world.bradford), "compliance", from_period="2026-05", to_period="2026-07")
    names = {row[0].split()[0] for row in table(html, "compliance-rows")}
    assert names == {"C", "D"}
    assert "Leeds" not in html.split('id="compliance-rows"')[1]


def test_the_at_risk_page_lists_what_the_selector_does(world):
    html = page(SupportUserFactory(), "at-risk", window="2026-07")
    rows = table(html, "at-risk-rows")
    assert [row[0].split()[0] for row in rows] == ["E", "D", "J"]
    assert rows[1][3:5] == ["Yes", "2 of 3"]  # D: late June, nothing in July
    leeds = page(la_user(world.leeds), "at-risk", window="2026-07")
    assert [row[0].split()[0] for row in table(leeds, "at-risk-rows")] == ["J"]
