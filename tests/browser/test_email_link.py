"""The "nothing has changed, or make a nil return" link of the monthly email, in a real browser.

The link is taken from the email the window-open job queues, as the person would get it, and
each page it leads to is checked with axe-core. The service's clock is frozen by patching
``capacity_tracker.lib.clock.now``, which the live server's threads read too.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from notifications.models import OutboundMessage
from providers.models import Contact, Location
from returns.deadlines import LONDON
from returns.emails import WINDOW_OPEN, queue_window_open
from returns.models import CollectionWindow, ReturnVersion, UsedEmailToken
from returns.receipts import RECEIPT
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.factories import ContactFactory, LocationFactory, ProviderFactory
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the test data must be committed; see
    # test_journeys.py for why serialized_rollback is needed too.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)  # window open 8-14 December
GOOD_HOME_CARE = {
    "people_receiving_care": "120",
    "staff_direct_care": "50",
    "staff_direct_non_care": "5",
    "staff_agency": "4",
    "staff_absent_covid": "1",
    # Of 59 staff (December asks the seasonal items; 2027 on, the primary course every month).
    "vacc_staff_covid_primary": "52",
    "vacc_staff_covid_booster": "20",
    "vacc_staff_flu": "25",
}


@dataclass
class Emailed:
    location: Location
    contact: Contact
    window: CollectionWindow
    link_path: str  # the emailed link, less the site address


@pytest.fixture
def clock() -> Iterator[mock.MagicMock]:
    """The service's clock, stopped in the December window; set ``return_value`` to move it."""
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW) as now:
        yield now


@pytest.fixture
def emailed(db) -> Emailed:
    """A care home that also does home care, which sent both returns in November, and the
    window-open email its manager was sent for December."""
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    location = LocationFactory(
        provider=ProviderFactory(name="Harbour Care Ltd"),
        name="Harbour View",
        offers_home_care=True,
    )
    contact = ContactFactory(
        location=location, name="Grace Hopper", email="grace@harbour.example", is_primary=True
    )
    november = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    for care_type, answers in (("care_home", GOOD_CARE_HOME), ("home_care", GOOD_HOME_CARE)):
        return_save(
            submitter=Submitter(user=None, first_name="Grace", last_name="Hopper"),
            location=location,
            care_type=care_type,
            window=november,
            kind="full",
            source="portal",
            now=november.opens_at + datetime.timedelta(days=1),
            answers=answers,
        )
    december = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    assert queue_window_open(now=december.opens_at) == 1
    email = OutboundMessage.objects.get(kind=WINDOW_OPEN, contact=contact)
    quick_url = urlsplit(email.personalisation["quick_url"])
    assert quick_url.path.startswith("/quick/")
    return Emailed(location, contact, december, quick_url.path)


def december_versions():  # type: ignore[no-untyped-def]
    return ReturnVersion.objects.filter(return_head__window__period=datetime.date(2026, 12, 1))


def test_the_emailed_link_makes_a_nil_return_for_every_care_type_once(
    browser_page: Page, emailed: Emailed, clock, assert_accessible
):
    page = browser_page
    response = page.goto(emailed.link_path)
    assert response is not None and response.status == 200
    expect(page).to_have_title(re.compile(r"^Your return for December 2026 – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your return for December 2026")
    expect(page.get_by_text(f"Harbour View ({emailed.location.cqc_id})")).to_be_visible()
    expect(
        page.get_by_text(
            "You are confirming as Grace Hopper. This covers every care type Harbour View "
            "provides: care home and home care."
        )
    ).to_be_visible()
    expect(
        page.get_by_text(
            "The collection for December 2026 is open until the end of Monday 14 December 2026."
        )
    ).to_be_visible()
    choice = page.get_by_role("group", name="What do you want to do?")
    # Two choices; the nil return's reasons sit in the block under the second.
    expect(choice.locator('input[name="choice"]')).to_have_count(2)
    expect(
        choice.get_by_label("Nothing has changed since our last return", exact=True)
    ).not_to_be_checked()
    assert_accessible(page)
    # Opening the link (as a mail scanner would) saves nothing and does not use it up.
    assert not december_versions().exists()
    assert not UsedEmailToken.objects.exists()

    # The reason is asked under "Make a nil return" (in its conditional block), unmarked.
    reasons = page.locator("#id_choice-conditional").get_by_role(
        "group", name="Why are you making a nil return?", exact=True
    )
    expect(reasons).to_be_hidden()  # until "Make a nil return" is chosen
    expect(page.get_by_text("(optional)")).to_have_count(0)
    choice.get_by_label("Make a nil return", exact=True).check()
    expect(reasons).to_be_visible()
    page.get_by_role("button", name="Save and send").click()
    expect(page).to_have_title(re.compile(r"^Error: Your return for December 2026 – "))
    link = page.locator(".govuk-error-summary").get_by_role(
        "link", name="Select why you are making a nil return"
    )
    expect(link).to_have_attribute("href", "#id_nil_reason")
    expect(reasons).to_be_visible()
    assert_accessible(page)
    reasons.get_by_label("There are no staff", exact=True).check()
    page.get_by_role("button", name="Save and send").click()

    expect(page).to_have_title(re.compile(r"^Nil return sent – "))
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Nil return sent")
    versions = list(december_versions().order_by("return_head__care_type"))
    assert [(v.return_head.care_type, v.kind, v.source, v.nil_reason) for v in versions] == [
        ("care_home", "nil", "email_link", "no_staff"),
        ("home_care", "nil", "email_link", "no_staff"),
    ]
    assert all(v.in_window and v.submitted_by is None for v in versions)
    assert {(v.submitter_first_name, v.submitter_last_name) for v in versions} == {
        ("Grace", "Hopper")
    }
    expect(panel).to_contain_text("References")
    expect(panel.locator("strong")).to_have_text(", ".join(v.reference for v in versions))
    expect(
        page.get_by_text("We have saved the December 2026 return for Harbour View.")
    ).to_be_visible()
    expect(page.get_by_text("This link cannot be used again.")).to_be_visible()
    assert_accessible(page)
    # The window-open email carried the link; the contact's other emails are the receipts.
    assert OutboundMessage.objects.exclude(kind=RECEIPT).get(contact=emailed.contact)
    assert UsedEmailToken.objects.get().used_at == IN_WINDOW
    # One receipt to the contact for each return the link saved (November's saves had theirs).
    receipts = OutboundMessage.objects.filter(kind=RECEIPT, contact=emailed.contact)
    references = {v.reference for v in versions}
    assert receipts.filter(scope__in=references).count() == len(references)

    response = page.goto(emailed.link_path)
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
    expect(
        page.get_by_text(
            "Each link can be used once. Sign in to the service to see or change what was saved."
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name="Sign in to the service")).to_be_visible()
    assert_accessible(page)
    assert december_versions().count() == 2


def test_a_tampered_or_expired_link_explains_what_to_do(
    browser_page: Page, emailed: Emailed, clock, assert_accessible
):
    page = browser_page
    token = emailed.link_path.removeprefix("/quick/").rstrip("/")
    payload, signature = token.split(":", 1)
    swapped = "AA" if payload[-2:] != "AA" else "BB"
    response = page.goto(f"/quick/{payload[:-2]}{swapped}:{signature}/")
    assert response is not None and response.status == 404
    expect(page).to_have_title(re.compile(r"^This link is not valid – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid")
    expect(
        page.get_by_text("Check you copied the whole link from the email", exact=False)
    ).to_be_visible()
    assert_accessible(page)

    clock.return_value = emailed.window.closes_at  # the first instant after the last day
    response = page.goto(emailed.link_path)
    assert response is not None and response.status == 410
    expect(page).to_have_title(re.compile(r"^This link has expired – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    expect(
        page.get_by_text(
            "The collection this link was for has closed. "
            "Sign in to the service to update your data."
        )
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Sign in to the service").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/sign-in/$"))
    assert not december_versions().exists()


def test_the_emailed_link_before_the_window_opens_says_when_and_offers_no_button(
    browser_page: Page, emailed: Emailed, clock, assert_accessible
):
    """Issue 17: support staff moved the window's opening later after the email went. The
    link said the window had closed, then refused with "has not opened yet"."""
    window = emailed.window
    window.opens_at = datetime.datetime(2026, 12, 9, 9, 0, tzinfo=LONDON)
    window.overridden, window.override_reason = True, "A national outage"
    window.save()
    clock.return_value = datetime.datetime(2026, 12, 8, 12, 0, tzinfo=LONDON)
    page = browser_page
    response = page.goto(emailed.link_path)
    assert response is not None and response.status == 200
    heading = "The collection for December 2026 has not opened yet"
    expect(page).to_have_title(re.compile(rf"^{heading} – "))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(
        page.get_by_text(
            "It opens at 9am on Wednesday 9 December 2026. You can send your return from then "
            "until the end of Monday 14 December 2026."
        )
    ).to_be_visible()
    main = page.locator("main")
    expect(main.get_by_text("closed", exact=False)).to_have_count(0)
    expect(main.get_by_role("button")).to_have_count(0)
    assert_accessible(page)
    assert not december_versions().exists() and not UsedEmailToken.objects.exists()
