"""Return history you can open, in a real browser, each page checked with axe-core: the
history links each version to its own page, which links to its comparison with the version
before it; the bulk preview lists what will change beside the last figures. Also at 320 px
wide (400% zoom)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from returns.deadlines import LONDON
from returns.models import CollectionWindow
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.browser.test_bulk_journey import choose_file, save_csv
from tests.factories import TEST_PASSWORD, LocationFactory, ProviderFactory, ProviderUserFactory
from tests.portal_data import ASKED_FROM_2027, GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)


@pytest.fixture
def clock() -> Iterator[mock.MagicMock]:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW) as now:
        yield now


@pytest.fixture
def saved(db):
    """A care home with two versions of its December return, the second with fewer beds."""
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    provider = ProviderFactory(name="Oakfield Care Group")
    user = ProviderUserFactory(
        provider=provider, first_name="Sam", last_name="Okafor", email="sam@oakfield.example"
    )
    home = LocationFactory(provider=provider, name="Alder Court")
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    for hour, occupied in ((9, "35"), (21, "30")):
        return_save(
            submitter=Submitter.of(user),
            location=home,
            care_type="care_home",
            window=window,
            kind="full",
            source="portal",
            now=datetime.datetime(2026, 12, 9, hour, 5, tzinfo=LONDON),
            answers={**GOOD_CARE_HOME, "beds_occupied": occupied},
        )
    return user, home


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("width", [1024, 320])
def test_open_a_version_and_compare_it_with_the_one_before(
    browser_page: Page, saved, clock, assert_accessible, width: int
):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    user, home = saved
    sign_in(page, user.email)
    page.goto(f"/locations/{home.cqc_id}/history/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns for Alder Court")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"^Version 2 ")).click()
    heading = "December 2026 care home return: version 2"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(re.compile(rf"^{heading} – "))
    about = page.locator(".govuk-summary-list").first
    expect(about).to_contain_text("Sam Okafor")
    expect(about).to_contain_text("Online form")
    expect(about).to_contain_text("Wednesday 9 December 2026 at 9:05pm")
    expect(about).to_contain_text("Sent on time")
    assert_accessible(page)

    page.get_by_role("link", name="Compare with version 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("compared with the version before")
    changed = page.locator("tr.app-row--changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Beds occupied or used")
    expect(changed.get_by_role("cell")).to_have_text(["35 beds", "30 beds"])
    assert_accessible(page)

    page.get_by_role("link", name="Back to version 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.locator(".govuk-back-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns for Alder Court")


def test_the_bulk_preview_lists_each_change_beside_the_last_figure(
    browser_page: Page, saved, clock, assert_accessible, tmp_path: Path
):
    page = browser_page
    user, home = saved
    sign_in(page, user.email)
    page.goto("/returns/bulk/")
    row = {
        "location_id": home.cqc_id,
        "location_name": home.name,
        "care_type": "care_home",
        "return_kind": "full",
        **{k: v for k, v in GOOD_CARE_HOME.items() if k not in ASKED_FROM_2027},
        "beds_occupied": "33",
        "nil_reason": "",
        "nil_reason_detail": "",
    }
    choose_file(page, save_csv(tmp_path / "returns.csv", [row]))
    page.get_by_role("button", name="Upload and check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what will be saved")
    table = page.get_by_role("table", name="Alder Court (care home)")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Figure", "Last return (December 2026)", "This file"]
    )
    expect(table.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(["30 beds", "33 beds"])
    expect(page.get_by_text("SHA-256")).to_have_count(0)
    assert_accessible(page)
