"""Provider benchmarking in a real browser, with axe-core on each page.

A provider user signs in during the April 2026 collection, follows "Compare Alder House with
its area" from the dashboard, and reads the charts and their tables (the world and its
figures: ``tests/dissemination/benchmark_world.py``). Then the same page without JavaScript,
as some people get it: nothing on it needs a script.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_portal_journeys import path_is, sign_in
from tests.dissemination.benchmark_world import World, build

pytestmark = [
    pytest.mark.browser,
    # Committed data for the live server's threads; see test_journeys.py for serialized_rollback.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world() -> Iterator[World]:
    world = build()
    with mock.patch("capacity_tracker.lib.clock.now", return_value=world.now):
        yield world


def figures_table(page: Page, caption: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("table", name=caption)


def test_a_provider_compares_a_home_with_its_council_region_and_england(
    browser_page: Page, world: World, assert_accessible
):
    page = browser_page
    sign_in(page, world.user.email)
    expect(page).to_have_url(path_is("/returns/"))
    assert_accessible(page)

    page.get_by_role("link", name="Compare Alder House with its area").click()
    expect(page).to_have_url(path_is(f"/locations/{world.alder.cqc_id}/benchmark/"))
    expect(page).to_have_title(re.compile(r"^Compare Alder House with its area – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare Alder House with its area")

    # Each chart is one image, named by its title.
    chart = page.get_by_role(
        "img",
        name="Occupancy rate (care home): Alder House, Leeds, Yorkshire and The Humber and England",
    )
    expect(chart).to_be_visible()
    # The figures sit in a "details" beneath each chart, closed until asked for.
    page.get_by_text("Occupancy rate (care home): the figures").click()
    table = figures_table(page, "Occupancy rate (care home) by month, newest first")
    march = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="March 2026"))
    expect(march.get_by_role("cell")).to_have_text(
        ["75.0% 30 of 40", "83.3% 125 of 150", "82.9% 174 of 210", "85.2% 264 of 310"]
    )
    february = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="February 2026")
    )
    expect(february.get_by_role("cell").nth(1)).to_have_text("Not shown: fewer than 5 locations")
    # Home care: Leeds has two services, so it has no line and the page says why.
    expect(
        page.get_by_text(
            "Leeds: Not shown: fewer than 5 locations sent home care figures there in any of "
            "these months."
        )
    ).to_be_visible()
    # The contents list reaches every chart.
    page.get_by_role("link", name="Staff absence rate (home care)").click()
    expect(page.get_by_role("heading", name="Staff absence rate").last).to_be_in_viewport()
    assert_accessible(page)

    page.get_by_role("link", name="Back").click()
    expect(page).to_have_url(path_is(f"/locations/{world.alder.cqc_id}/"))
    expect(page.get_by_role("link", name="Compare this location with its area")).to_be_visible()


def test_the_benchmark_page_works_without_javascript(
    no_js_page: Page, world: World, assert_accessible
):
    page = no_js_page
    sign_in(page, world.user.email)
    page.goto(f"/locations/{world.cedar.cqc_id}/benchmark/")
    expect(
        page.get_by_role("img", name=re.compile(r"^Occupancy rate \(care home\)"))
    ).to_be_visible()
    # Bradford has three care homes: never shown.
    expect(
        page.get_by_text("Bradford: Not shown: fewer than 5 locations", exact=False)
    ).to_be_visible()
    assert_accessible(page)
