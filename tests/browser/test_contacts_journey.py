"""A provider user adds, corrects and removes a location's contacts in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from providers.models import Contact
from tests.browser.test_journeys import path_is, sign_in
from tests.factories import ContactFactory, LocationFactory, ProviderFactory, ProviderUserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_keeping_contacts_up_to_date(browser_page: Page, assert_accessible):
    provider = ProviderFactory(name="Elmwood Care Ltd")
    home = LocationFactory(provider=provider, name="Elmwood House")
    ContactFactory(
        location=home, name="Leaving Person", email="leaver@elmwood.example", is_primary=True
    )
    user = ProviderUserFactory(provider=provider, email="manager@elmwood.example")
    page = browser_page
    sign_in(page, user.email)
    page.goto(f"/locations/{home.cqc_id}/")
    expect(page.get_by_role("cell", name="Leaving Person Main contact")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a contact")
    assert_accessible(page)
    page.get_by_label("Full name").fill("New Manager")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_label("Telephone number (optional)").fill("not a phone")
    page.get_by_role("button", name="Save contact").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Enter an email address in the correct format, like name@example.com",
            "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
            "Select yes if this is the main contact",
        ]
    )
    summary.get_by_role("link", name="Enter a telephone number").click()
    expect(page.get_by_label("Telephone number (optional)")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Email address").fill("new.manager@elmwood.example")
    page.get_by_label("Telephone number (optional)").fill("+44 (0)1632 960 001")
    page.get_by_role("group", name="Is this the main contact for the location?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Save contact").click()
    expect(page).to_have_url(path_is(f"/locations/{home.cqc_id}/"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Contact added: New Manager."
    )
    expect(page.get_by_role("cell", name="New Manager Main contact")).to_be_visible()

    page.get_by_role("link", name="Remove Leaving Person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove Leaving Person as a contact?")
    assert_accessible(page)
    page.get_by_role("button", name="Remove contact").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Leaving Person is no longer a contact"
    )
    assert_accessible(page)
    assert list(Contact.objects.values_list("email", "is_primary")) == [
        ("new.manager@elmwood.example", True)
    ]
