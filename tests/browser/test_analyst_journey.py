"""The analyst's and the council officer's data pages in a real browser, each checked with
axe-core.

The world is ``tests/dissemination/aggregates_world.py`` (May to July 2026, care homes and home
care in Leeds, Bradford and Manchester), seen on 20 July 2026. An analyst signs in, lands on
the dashboard with its two charts and their tables, exports the local authority figures as a
CSV (after first forgetting the purpose) and reads the data dictionary and the compliance
release. A Leeds officer sees Leeds only, on the dashboard, the release and in a download.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from dissemination.models import DisclosureRecord
from tests.browser.test_caseworker_journey import path_is, sign_in
from tests.dissemination.aggregates_world import World, build_world
from tests.dissemination.pages_support import NOW, la_user
from tests.factories import AnalystFactory

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the data must be committed; see
    # test_journeys.py for why serialized_rollback is needed too.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PURPOSE = "Regional capacity briefing for the market oversight team"


@pytest.fixture
def clock() -> Iterator[mock.MagicMock]:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW) as now:
        yield now


@pytest.fixture
def world(clock) -> World:
    return build_world()


def download_csv(page: Page, button: str = "Download") -> list[dict[str, str]]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    body = info.value.path().read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_an_analyst_sees_the_charts_and_downloads_a_csv(
    browser_page: Page, world: World, assert_accessible
):
    page = browser_page
    analyst = AnalystFactory(first_name="Alex", last_name="Analyst")
    sign_in(page, analyst.email)

    # 1. The dashboard: where an analyst lands, with "Data" in the navigation.
    expect(page).to_have_url(path_is("/data/"))
    expect(page).to_have_title(re.compile(r"^Data dashboard – "))
    expect(page.get_by_role("link", name="Data", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    compliance_chart = page.get_by_role(
        "img", name=re.compile(r"^Compliance rate by month, England")
    )
    expect(compliance_chart).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile(r"^Care home occupancy by month"))
    ).to_be_visible()
    occupancy = page.get_by_role("table", name=re.compile(r"^Care home occupancy by month"))
    expect(occupancy.get_by_role("row").nth(1)).to_have_text(
        re.compile(r"July 2026\s*115\s*140\s*82\.1%")
    )
    latest = page.get_by_role("table", name="Care homes, July 2026")
    expect(latest.get_by_role("rowheader")).to_have_text(
        ["North West", "Yorkshire and The Humber", "England"]
    )
    assert_accessible(page)

    # 2. The export: no purpose first, then local authority figures as CSV.
    page.get_by_role("link", name="Export aggregates").click()
    expect(page).to_have_url(path_is("/data/exports/"))
    page.get_by_label("Local authority", exact=True).check()
    page.get_by_role("button", name="Download").click()
    expect(page).to_have_title(re.compile(r"^Error: Export aggregates – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter what the data is for").click()
    expect(page.get_by_label("What is the data for?")).to_be_focused()
    expect(page.get_by_label("Local authority", exact=True)).to_be_checked()
    assert_accessible(page)
    page.get_by_label("What is the data for?").fill(PURPOSE)
    rows = download_csv(page)
    leeds = next(row for row in rows if row["area_name"] == "Leeds")
    assert (leeds["period"], leeds["locations_owing"], leeds["returned"]) == ("2026-07", "4", "4")
    assert (leeds["beds_occupied"], leeds["beds_max_capacity"]) == ("115", "140")
    record = DisclosureRecord.objects.get()
    assert (record.user_id, record.purpose, record.row_count) == (analyst.pk, PURPOSE, len(rows))

    # 3. The data dictionary and the compliance release.
    page.goto("/data/dictionary/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Data dictionary")
    expect(page.get_by_role("rowheader", name="occupancy_rate", exact=True).first).to_be_visible()
    assert_accessible(page)
    page.goto("/data/compliance/")
    expect(page.get_by_role("table", name="Summary")).to_contain_text("71.4%")
    assert_accessible(page)
    page.goto("/data/at-risk/")
    expect(page.get_by_role("table", name="3 locations at risk")).to_be_visible()
    assert_accessible(page)


def test_a_council_officer_sees_only_their_council(
    browser_page: Page, world: World, assert_accessible
):
    page = browser_page
    officer = la_user(world.leeds)
    sign_in(page, officer.email)

    expect(page).to_have_url(path_is("/data/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Data dashboard: Total for Leeds")
    latest = page.get_by_role("table", name="Care homes, July 2026")
    expect(latest.get_by_role("rowheader")).to_have_text(["Leeds", "Total for Leeds"])
    expect(
        page.get_by_role("img", name=re.compile(r"^Compliance rate by month, Total for Leeds"))
    ).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Bradford")
    expect(page.locator("main")).not_to_contain_text("North West")
    assert_accessible(page)

    page.get_by_role("link", name="Compliance by location and month").click()
    expect(page).to_have_url(path_is("/data/compliance/"))
    rows = page.get_by_role("table", name=re.compile(r"^Rows 1 to"))
    expect(rows.get_by_role("rowheader")).to_have_text(
        [re.compile(rf"^{name} House") for name in ("A", "B", "B", "H", "J")]
    )
    assert_accessible(page)
    page.get_by_label("What is the data for?").fill("Provider support visits in Leeds")
    released = download_csv(page)
    assert {row["local_authority_name"] for row in released} == {"Leeds"}
    assert len(released) == 5  # July: A, B (care home and home care), H, J
