"""A discharge team user finds vacant beds in a council (issue 15, item 5), in a real browser,
checked with axe-core at desktop and narrow phone widths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from providers.models import Location, Role
from tests.browser.test_caseworker_journey import path_is, sign_in
from tests.dissemination.pages_support import NOW
from tests.dissemination.vacancy_world import build_vacancy_world
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the data must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def homes() -> Iterator[dict[str, Location]]:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW):
        homes = build_vacancy_world()
        # The kinds of care CQC registers: A nursing and dementia, B residential.
        Location.objects.filter(pk=homes["A"].pk).update(nursing=True, dementia=True)
        Location.objects.filter(pk=homes["B"].pk).update(residential=True)
        yield homes


def test_a_discharge_team_user_finds_vacant_beds_in_a_council(
    browser_page: Page, homes: dict[str, Location], assert_accessible
):
    page = browser_page
    user = UserFactory(role=Role.DISCHARGE, first_name="Dana", last_name="Discharge")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, user.email)

    # Signing in lands on the finder, every home with beds accepting admissions listed.
    expect(page).to_have_url(path_is("/vacancies/"))
    expect(page).to_have_title(re.compile(r"^Find care homes with vacant beds"))
    table = page.get_by_role("table", name=re.compile(r"^Care homes 1 to 4 of 4"))
    expect(table).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Council").select_option(label="Leeds")
    page.get_by_role("button", name="Apply filters").click()
    table = page.get_by_role("table", name=re.compile(r"^Care homes 1 to 2 of 2"))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("B House")
    expect(rows.nth(0)).to_contain_text("Not updated")
    expect(rows.nth(1)).to_contain_text("A House")
    expect(rows.nth(1).locator("time")).to_have_text("3 days ago")
    expect(rows.nth(1).get_by_role("link", name="0113 496 005")).to_have_attribute(
        "href", "tel:0113496005"
    )
    assert_accessible(page)

    # Type of care: a home with any ticked type is listed, with its types in its row.
    page.get_by_role("checkbox", name="Dementia").check()
    page.get_by_role("button", name="Apply filters").click()
    table = page.get_by_role("table", name=re.compile(r"^Care homes 1 to 1 of 1"))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("A House")
    expect(rows.nth(0)).to_contain_text("Nursing")
    expect(page.get_by_role("checkbox", name="Dementia")).to_be_checked()
    assert_accessible(page)

    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    assert_accessible(page)
