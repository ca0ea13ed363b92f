"""The support desk in a real browser: the live window monitor fills up without a reload, and
the location overview it links to; each page checked with axe-core.

The world is the aggregate tests' (tests/dissemination/aggregates_world): July 2026 has 9
obligations, 7 returned, D (Bradford) and E (Manchester) missing. The service's clock is
frozen two days into the July window by patching ``capacity_tracker.lib.clock.now``; the
page's own timers run on Playwright's fake clock, so the 30-second poll is fast-forwarded.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import pass_second_factor
from tests.dissemination.aggregates_world import World, build_world, save
from tests.factories import TEST_PASSWORD, SupportUserFactory
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def frozen(world: World) -> Iterator[datetime.datetime]:
    now = world.july.opens_at + datetime.timedelta(days=2)
    with mock.patch("capacity_tracker.lib.clock.now", return_value=now):
        yield now


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label(re.compile(r"^Email address")).fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    pass_second_factor(page, email)


def test_the_monitor_updates_without_a_reload(browser_page: Page, world, frozen, assert_accessible):
    page = browser_page
    support = SupportUserFactory(email="desk@necs.example")
    sign_in(page, support.email)
    page.clock.install()
    page.goto("/admin/returns/collectionwindow/monitor/")
    expect(page.get_by_role("heading", name="Hour by hour: England")).to_be_visible()
    returned = page.locator('[data-monitor="england.returned"]')
    bradford_full = page.locator(f'[data-monitor="areas.{world.bradford.ons_code}.full"]')
    expect(returned).to_have_text("7")
    expect(bradford_full).to_have_text("0")
    expect(page.locator('[data-monitor="missing_total"]')).to_have_text("2")
    assert_accessible(page)

    # D's manager saves July's return; the page is not reloaded.
    save(world.loc["D"], "care_home", world.july, answers=GOOD_CARE_HOME, at=frozen)
    page.clock.fast_forward(31_000)
    expect(returned).to_have_text("8")
    expect(bradford_full).to_have_text("1")
    expect(page.locator('[data-monitor="england.missing"]')).to_have_text("1")
    expect(page.locator('[data-monitor="missing_total"]')).to_have_text("1")
    # The newest hour's row shows the new return too.
    expect(page.locator("#hours tbody tr").first.locator("td").nth(3)).to_have_text("8")

    # The missing list links to the location's overview.
    page.get_by_role("link", name="E House").click()
    expect(page.get_by_role("heading", name="This window: July 2026")).to_be_visible()
    expect(page.locator("#owes-reason")).to_contain_text("Owes a return")
    expect(page.locator("#current-status")).to_contain_text("Not started")
    assert_accessible(page)


def test_the_monitor_works_without_javascript(no_js_page: Page, world, frozen):
    page = no_js_page
    support = SupportUserFactory(email="desk-nojs@necs.example")
    sign_in(page, support.email)
    page.goto("/admin/returns/collectionwindow/monitor/")
    expect(page.locator('[data-monitor="england.returned"]')).to_have_text("7")
    page.get_by_label("Council", exact=True).select_option(label="Manchester")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Hour by hour: Manchester")).to_be_visible()
    expect(page.locator("#missing")).to_contain_text("E House")
    expect(page.locator("#missing")).not_to_contain_text("D House")
    # No axe check here: with JavaScript off, Django admin's own theme toggle (in the header of
    # every admin page) has no accessible name, as its label is chosen by admin/js/theme.js.
    # The same page is checked with JavaScript on in the test above.
