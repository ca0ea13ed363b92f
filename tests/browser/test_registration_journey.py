"""A new manager asks for an account, and waits for approval."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import path_is, sign_in
from tests.factories import LocationFactory, ProviderFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a long passphrase nobody guesses"


def test_asking_for_an_account(browser_page: Page, assert_accessible):
    provider = ProviderFactory(name="Birchwood Care Ltd")
    home = LocationFactory(provider=provider, name="Birchwood House")
    page = browser_page
    page.goto("/sign-in/")
    page.get_by_role("link", name="Ask for an account").click()
    expect(page).to_have_url(path_is("/register/"))
    assert_accessible(page)
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Bloggs")
    page.get_by_label("Email address").fill("jo@birchwood.example")
    page.get_by_label("CQC provider ID").fill(provider.cqc_id)
    page.get_by_label("CQC location ID of one of your locations").fill("1-9999999999")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Ask for an account").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        ["That CQC location ID is not one of this provider's locations"]
    )
    assert_accessible(page)
    page.get_by_label("CQC location ID of one of your locations").fill(home.cqc_id)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Ask for an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
    assert_accessible(page)
    sign_in(page, "jo@birchwood.example", PASSWORD)
    expect(page).to_have_url(path_is("/account/waiting/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your account is waiting for approval"
    )
    assert_accessible(page)
