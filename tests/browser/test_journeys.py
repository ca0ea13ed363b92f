"""Journeys through the service in a real browser, each page checked with axe-core.

Run with the rest of the suite, or on their own with ``pytest tests/browser`` (or ``-m browser``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from providers.models import User
from tests.browser.conftest import pass_second_factor
from tests.factories import (
    TEST_PASSWORD,
    CaseworkerFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
)

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the test data must be committed (a
    # transactional test, flushed afterwards). serialized_rollback puts back the reference data
    # the migrations load (regions, local authorities) at the start of each test, as the
    # flush after the one before removed it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page: Page, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the real sign-in page, as a person would (django-axes sees the request)."""
    page.goto("/sign-in/")
    page.get_by_label(re.compile(r"^Email address")).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    pass_second_factor(page, email)  # staff (and providers who opted in) enter a code


def path_is(path: str) -> re.Pattern[str]:
    """Match a page URL by its path (and no query string), whatever the live server's port."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


@pytest.fixture
def meadow(db):
    provider = ProviderFactory(name="Meadowbank Care Group")
    LocationFactory(provider=provider, name="Meadowbank House")
    LocationFactory(provider=provider, name="Meadowbank Lodge")
    return provider


@pytest.fixture
def riverside(db):
    provider = ProviderFactory(name="Riverside Homes Ltd")
    LocationFactory(provider=provider, name="Riverside Court")
    return provider


@pytest.fixture
def meadow_user(meadow):
    return ProviderUserFactory(
        provider=meadow, first_name="Priya", last_name="Shah", email="priya@meadowbank.example"
    )


def test_public_pages(browser_page: Page, assert_accessible):
    page = browser_page
    page.goto("/")
    expect(page).to_have_title("Submit adult social care provider information – GOV.UK")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Submit adult social care provider information"
    )
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    assert_accessible(page)

    page.get_by_role("link", name="all collection dates for the year").click()
    expect(page).to_have_url(path_is("/calendar/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Collection dates \d{4}$")
    )
    expect(page.get_by_role("table")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(path_is("/sign-in/"))
    expect(page).to_have_title(re.compile(r"^Sign in – "))
    assert_accessible(page)


def test_wrong_password_shows_a_focused_error_summary(
    browser_page: Page, meadow_user: User, assert_accessible
):
    page = browser_page
    sign_in(page, meadow_user.email, "not-the-right-password")

    expect(page).to_have_url(path_is("/sign-in/"))
    expect(page).to_have_title(re.compile(r"^Error: Sign in – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    # GOV.UK Frontend's error summary script moves focus to the summary on page load.
    expect(summary).to_be_focused()
    # The email address typed is kept; the password is not.
    expect(page.get_by_label(re.compile(r"^Email address"))).to_have_value(meadow_user.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    error_link = summary.get_by_role("link")
    expect(error_link).to_have_count(1)
    expect(error_link).to_have_attribute("href", "#id_username")
    expect(page.locator("#id_username-error")).to_contain_text(error_link.inner_text())
    assert_accessible(page)

    error_link.click()
    expect(page.get_by_label(re.compile(r"^Email address"))).to_be_focused()


def test_provider_user_sees_only_their_locations_and_signs_out(
    browser_page: Page, meadow_user: User, riverside, assert_accessible
):
    page = browser_page
    sign_in(page, meadow_user.email)

    # Signing in lands provider users on their returns for the month, one row per location.
    expect(page).to_have_url(path_is("/returns/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Your returns for "))
    expect(page.get_by_text("Signed in as Priya Shah")).to_be_visible()
    expect(page.get_by_role("link", name="Meadowbank House", exact=True)).to_be_visible()
    expect(page.get_by_text("Riverside")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your locations").click()
    expect(page).to_have_url(path_is("/locations/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your locations")
    table = page.get_by_role("table", name="Locations you can submit data for")
    expect(table.get_by_role("link", name="Meadowbank House", exact=True)).to_be_visible()
    expect(table.get_by_role("link", name="Meadowbank Lodge", exact=True)).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(3)  # the header row and two locations
    expect(page.get_by_text("Riverside Court")).to_have_count(0)
    expect(page.get_by_text("Riverside Homes Ltd")).to_have_count(0)
    assert_accessible(page)

    location = meadow_user.provider.locations.get(name="Meadowbank Lodge")
    table.get_by_role("link", name="Meadowbank Lodge", exact=True).click()
    expect(page).to_have_url(path_is(f"/locations/{location.cqc_id}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meadowbank Lodge")
    expect(page.get_by_text(location.cqc_id, exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(path_is("/"))
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    # Signed out for real: the locations page sends us back to sign in.
    page.goto("/locations/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/locations/$"))


def test_another_providers_location_is_not_found(
    browser_page: Page, meadow_user: User, riverside, assert_accessible
):
    page = browser_page
    sign_in(page, meadow_user.email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    theirs = riverside.locations.get()
    response = page.goto(f"/locations/{theirs.cqc_id}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title(re.compile(r"^Page not found – "))
    expect(page.get_by_text("Riverside Court")).to_have_count(0)
    assert_accessible(page)

    response = page.goto(f"/providers/{riverside.cqc_id}/")
    assert response is not None
    assert response.status == 404


def test_caseworker_finds_a_provider(browser_page: Page, meadow, riverside, assert_accessible):
    caseworker = CaseworkerFactory(first_name="Sam", last_name="Okafor")
    page = browser_page
    sign_in(page, caseworker.email)

    # Caseworkers land on their case queue; the provider search is in the menu.
    expect(page).to_have_url(path_is("/cases/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enforcement cases")
    assert_accessible(page)
    page.get_by_role("link", name="Find a provider").click()
    expect(page).to_have_url(path_is("/locations/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a provider")
    assert_accessible(page)

    page.get_by_label("Search by name, CQC ID or postcode").fill("meadowbank")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/locations/\?q=meadowbank$"))
    expect(page.get_by_role("heading", level=2)).to_have_text("1 provider found for ‘meadowbank’")
    results = page.get_by_role("table")
    expect(results.get_by_role("row")).to_have_count(2)  # the header row and one provider
    expect(results.get_by_role("link", name="Riverside Homes Ltd", exact=True)).to_have_count(0)
    assert_accessible(page)

    results.get_by_role("link", name="Meadowbank Care Group", exact=True).click()
    # The search goes with it, so the back link returns to these results.
    expect(page).to_have_url(path_is(f"/providers/{meadow.cqc_id}/?q=meadowbank"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meadowbank Care Group")
    expect(page.get_by_role("link", name="Back to search results")).to_have_attribute(
        "href", "/locations/?q=meadowbank"
    )
    locations = page.get_by_role("table")
    expect(locations.get_by_role("link", name="Meadowbank House", exact=True)).to_be_visible()
    expect(locations.get_by_role("link", name="Meadowbank Lodge", exact=True)).to_be_visible()
    assert_accessible(page)


def test_approver_approves_a_pending_user(browser_page: Page, meadow, assert_accessible):
    approver = ProviderUserFactory(provider=meadow, is_provider_approver=True)
    pending = ProviderUserFactory(
        provider=meadow,
        approved_at=None,
        first_name="Tom",
        last_name="Baker",
        email="tom@meadowbank.example",
    )
    page = browser_page
    sign_in(page, approver.email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Manage users").click()
    expect(page).to_have_url(path_is("/account/users/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage users")
    waiting = page.get_by_role("table", name="People waiting for approval")
    row = waiting.get_by_role("row").filter(has_text="tom@meadowbank.example")
    expect(row).to_contain_text("Tom Baker")
    assert_accessible(page)

    row.get_by_role("link", name="Approve Tom Baker").click()
    page.get_by_label("All locations").check()
    page.get_by_role("button", name="Approve").click()
    expect(page).to_have_url(path_is("/account/users/"))
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Success")
    expect(banner).to_contain_text("Tom Baker can now sign in and submit data.")
    expect(page.get_by_text("Nobody is waiting for approval.")).to_be_visible()
    expect(page.get_by_role("table", name="Approved users")).to_contain_text(
        "tom@meadowbank.example"
    )
    assert_accessible(page)

    pending.refresh_from_db()
    assert pending.approved_at is not None
    assert pending.approved_by == approver


def test_signing_in_and_out_works_without_javascript(
    no_js_page: Page, meadow_user: User, assert_accessible
):
    page = no_js_page
    sign_in(page, meadow_user.email, "not-the-right-password")
    expect(page).to_have_url(path_is("/sign-in/"))
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    # Without JavaScript the password reveal button stays hidden.
    expect(page.get_by_role("button", name="Show password")).to_be_hidden()
    assert_accessible(page)

    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(path_is("/returns/"))
    expect(page.get_by_role("link", name="Meadowbank House", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Your locations").click()
    expect(page).to_have_url(path_is("/locations/"))
    expect(page.get_by_role("link", name="Meadowbank House", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(path_is("/"))
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
