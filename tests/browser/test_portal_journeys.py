"""The monthly return in a real browser, each page checked with axe-core.

A provider with three care homes signs in during the December 2026 collection and sends a
full return (after fixing a mistake and changing an answer), confirms that nothing has changed,
and makes a nil return; then sees all three on the dashboard and the history page. The same
first step without JavaScript, and a return saved after the window closed, follow.

The service's clock is frozen by patching ``capacity_tracker.lib.clock.now``. That replaces the
module attribute, so the live server's threads read the same frozen instant as the test.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock

import pytest
from playwright.sync_api import Locator, Page, expect

from providers.models import Location, User
from returns.deadlines import LONDON
from returns.models import CollectionWindow, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.factories import TEST_PASSWORD, LocationFactory, ProviderFactory, ProviderUserFactory
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the test data must be committed; see
    # test_journeys.py for why serialized_rollback is needed too.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)  # window open 8-14 December
AFTER_WINDOW = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=LONDON)
PERIOD = "2026-12"
OVER_CAPACITY = "Occupied beds cannot be more than maximum capacity (40)"


@dataclass
class Homes:
    user: User
    alder: Location  # nothing sent before
    beech: Location  # sent figures for November
    cedar: Location  # nothing sent before
    november_sent_on: datetime.date


@pytest.fixture
def clock() -> Iterator[mock.MagicMock]:
    """The service's clock, stopped in the December window; set ``return_value`` to move it."""
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW) as now:
        yield now


@pytest.fixture
def homes(db) -> Homes:
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    provider = ProviderFactory(name="Greenfield Care Ltd")
    user = ProviderUserFactory(
        provider=provider, first_name="Ana", last_name="Lopez", email="ana@greenfield.example"
    )
    alder = LocationFactory(provider=provider, name="Alder House")
    beech = LocationFactory(provider=provider, name="Beech House")
    cedar = LocationFactory(provider=provider, name="Cedar House")
    november = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    sent_at = november.opens_at + datetime.timedelta(days=1)
    return_save(
        submitter=Submitter.of(user),
        location=beech,
        care_type="care_home",
        window=november,
        kind="full",
        source="portal",
        now=sent_at,
        answers=GOOD_CARE_HOME,
    )
    return Homes(user, alder, beech, cedar, sent_at.astimezone(LONDON).date())


# --- Helpers ----------------------------------------------------------------------------------


def sign_in(page: Page, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the real sign-in page, as a person would."""
    page.goto("/sign-in/")
    page.get_by_label(re.compile(r"^Email address")).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def path_is(path: str, fragment: str = "") -> re.Pattern[str]:
    """Match a page URL by its path (no query string), whatever the live server's port."""
    return re.compile(rf"^https?://[^/]+{re.escape(path + fragment)}$")


def on_path(path: str) -> re.Pattern[str]:
    """Match a page URL by its path, with or without a fragment.

    After a "Change" link (to the form, with the field's id as the fragment) the browser
    keeps that fragment through the form's POST to its own address and every redirect after
    it (whose Location has none), so the check and confirmation pages carry it too.
    """
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(#[^#]*)?$")


def obligation_path(location: Location, page: str = "") -> str:
    return f"/returns/{PERIOD}/{location.cqc_id}/care_home/{page}"


def dashboard_row(page: Page, location: Location) -> Locator:
    return (
        page.get_by_role("table", name="Locations and care types")
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name=location.name, exact=True))
    )


def status_this_month(page: Page, location: Location) -> Locator:
    # Cells after the row header: care type, this month, last month, actions.
    return dashboard_row(page, location).get_by_role("cell").nth(1)


def status_last_month(page: Page, location: Location) -> Locator:
    return dashboard_row(page, location).get_by_role("cell").nth(2)


def answer(page: Page, question: str) -> Locator:
    """The value shown for one question in a summary list."""
    key = page.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(question)}\s*$"))
    return page.locator(".govuk-summary-list__row").filter(has=key).locator("dd").first


def fill_in_care_home_return(page: Page, answers: dict[str, str]) -> None:
    """Answer every question the form asks, from ``answers`` (a KeyError if one is missing).

    The form drives, not the answers: which questions are asked differs by month (the
    seasonal vaccination items), and ``answers`` may hold more.
    """
    asked = page.locator("main form").locator("input[type=text], textarea, input[type=radio]")
    names = dict.fromkeys(asked.evaluate_all("boxes => boxes.map(box => box.name)"))
    for code in names:
        value = answers[code]
        if code == "visiting_possible":
            page.get_by_role(
                "group", name="Can the home accommodate residents receiving visitors?"
            ).get_by_label("Yes" if value == "yes" else "No", exact=True).check()
        elif page.locator(f"#id_{code}").is_visible():  # not a follow-up hidden in its reveal
            page.locator(f"#id_{code}").fill(value)


def expect_over_capacity_error(page: Page) -> Locator:
    """The error summary and the field's own message for occupied beds > capacity."""
    expect(page).to_have_title(re.compile(r"^Error: Care home return for December 2026 – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    error_link = summary.get_by_role("link")
    expect(error_link).to_have_count(1)
    expect(error_link).to_have_text(OVER_CAPACITY)
    expect(error_link).to_have_attribute("href", "#id_beds_occupied")
    field = page.get_by_label("Beds occupied or used", exact=True)
    expect(field).to_have_value("41")
    expect(field).to_have_class(re.compile(r"\bgovuk-input--error\b"))
    expect(page.locator("#id_beds_occupied-error")).to_have_text(f"Error: {OVER_CAPACITY}")
    expect(field).to_have_attribute(
        "aria-describedby", "id_beds_occupied-hint id_beds_occupied-error"
    )
    # What was typed in the other fields is kept.
    expect(page.get_by_label("Maximum bed capacity", exact=True)).to_have_value("40")
    return summary


# --- Tests ------------------------------------------------------------------------------------


def test_a_full_return_nothing_changed_and_a_nil_return_for_three_homes(
    browser_page: Page, homes: Homes, clock, assert_accessible
):
    page = browser_page
    alder, beech, cedar = homes.alder, homes.beech, homes.cedar
    sign_in(page, homes.user.email)

    expect(page).to_have_url(path_is("/returns/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your returns for December 2026")
    expect(
        page.get_by_text("The collection is open until the end of Monday 14 December 2026")
    ).to_be_visible()
    expect(page.get_by_text("5 days left, including today. 3 returns still to do.")).to_be_visible()
    for home in (alder, beech, cedar):
        expect(status_this_month(page, home)).to_have_text("Not started")
    expect(status_last_month(page, beech)).to_have_text("Updated")
    assert_accessible(page)

    # a. A full return for Alder House: a mistake first.
    dashboard_row(page, alder).get_by_role(
        "link", name="Fill in care home return for Alder House"
    ).click()
    expect(page).to_have_url(path_is(obligation_path(alder)))
    expect(page).to_have_title(re.compile(r"^Care home return for December 2026 – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Care home return for December 2026")
    expect(page.get_by_text(f"Alder House ({alder.cqc_id})")).to_be_visible()
    expect(
        page.get_by_text(
            "The collection for December 2026 is open until the end of Monday 14 December 2026."
        )
    ).to_be_visible()
    expect(page.get_by_label("Beds occupied or used", exact=True)).to_have_value("")
    assert_accessible(page)

    fill_in_care_home_return(page, {**GOOD_CARE_HOME, "beds_occupied": "41"})
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(path_is(obligation_path(alder)))
    summary = expect_over_capacity_error(page)
    # GOV.UK Frontend's error summary script moves focus to the summary on page load.
    expect(summary).to_be_focused()
    assert_accessible(page)
    assert not ReturnVersion.objects.filter(return_head__location=alder).exists()

    summary.get_by_role("link").click()
    occupied = page.get_by_label("Beds occupied or used", exact=True)
    expect(occupied).to_be_focused()
    occupied.fill("35")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(path_is(obligation_path(alder, "check/")))
    expect(page).to_have_title(re.compile(r"^Check your answers before sending – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    expect(answer(page, "Maximum bed capacity")).to_have_text("40 beds")
    expect(answer(page, "Beds occupied or used")).to_have_text("35 beds")
    expect(answer(page, "Can the home accommodate residents receiving visitors?")).to_have_text(
        "Yes"
    )
    # Not asked when visiting is possible, so not listed (issue 17: no "Not answered" row).
    expect(page.get_by_text("Why can the home not accommodate visitors?")).to_have_count(0)
    expect(page.get_by_text("Not answered")).to_have_count(0)
    assert_accessible(page)
    assert not ReturnVersion.objects.filter(return_head__location=alder).exists()

    # Change one answer and come back.
    page.get_by_role("link", name="Change beds occupied or used", exact=True).click()
    expect(page).to_have_url(path_is(obligation_path(alder), "#id_beds_occupied"))
    expect(occupied).to_have_value("35")  # the answers given so far are kept
    expect(page.get_by_label("Maximum bed capacity", exact=True)).to_have_value("40")
    occupied.fill("34")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(on_path(obligation_path(alder, "check/")))
    expect(answer(page, "Beds occupied or used")).to_have_text("34 beds")

    page.get_by_role("button", name="Accept and send").click()
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Return sent")
    version = ReturnVersion.objects.get(return_head__location=alder)
    expect(page).to_have_url(on_path(f"/returns/saved/{version.reference}/"))
    expect(panel).to_contain_text(f"Your reference number{version.reference}")
    assert re.fullmatch(r"2612-[A-Z0-9]{6}", version.reference)
    expect(
        page.get_by_text(
            "Alder House: care home return for December 2026, saved at 9pm on "
            "Thursday 10 December 2026 by Ana Lopez."
        )
    ).to_be_visible()
    expect(page.get_by_text("This counts as your December 2026 return.")).to_be_visible()
    assert_accessible(page)
    assert (version.kind, version.source, version.in_window) == ("full", "portal", True)
    assert version.answers["beds_occupied"] == 34
    assert version.submitted_by == homes.user

    # b. Beech House sent figures in November: nothing has changed.
    page.get_by_role("link", name="Back to your returns").click()
    expect(page).to_have_url(path_is("/returns/"))
    expect(status_this_month(page, alder)).to_have_text("Updated")
    dashboard_row(page, beech).get_by_role(
        "link", name="Nothing has changed at Beech House (care home)"
    ).click()
    expect(page).to_have_url(path_is(obligation_path(beech, "unchanged/")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm nothing has changed")
    sent = homes.november_sent_on
    sent_on = f"{sent:%A} {sent.day} November 2026"
    expect(
        page.get_by_text(f"These are the figures sent on {sent_on} by Ana Lopez for November 2026.")
    ).to_be_visible()
    expect(answer(page, "Beds occupied or used")).to_have_text("35 beds")
    assert_accessible(page)

    page.get_by_role("button", name="Confirm nothing has changed").click()
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Figures confirmed")
    unchanged = ReturnVersion.objects.get(return_head__location=beech, kind="unchanged")
    expect(page).to_have_url(path_is(f"/returns/saved/{unchanged.reference}/"))
    expect(panel).to_contain_text(unchanged.reference)
    assert_accessible(page)
    assert unchanged.answers["beds_occupied"] == 35

    # c. Cedar House: a nil return, forgetting the reason first.
    page.get_by_role("link", name="Back to your returns").click()
    dashboard_row(page, cedar).get_by_role(
        "link", name="Nil return for Cedar House (care home)"
    ).click()
    expect(page).to_have_url(path_is(obligation_path(cedar, "nil/")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a nil return")
    assert_accessible(page)

    page.get_by_role("button", name="Send nil return").click()
    expect(page).to_have_title(re.compile(r"^Error: Make a nil return – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    error_link = summary.get_by_role("link", name="Select why you are making a nil return")
    expect(error_link).to_have_attribute("href", "#id_nil_reason")
    expect(page.locator("#id_nil_reason-error")).to_contain_text(
        "Select why you are making a nil return"
    )
    assert_accessible(page)
    error_link.click()
    reasons = page.get_by_role("group", name="Why are you making a nil return?")
    expect(reasons.get_by_role("radio").first).to_be_focused()

    reasons.get_by_label("There are no people using the service", exact=True).check()
    page.get_by_role("button", name="Send nil return").click()
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Nil return sent")
    nil = ReturnVersion.objects.get(return_head__location=cedar)
    expect(page).to_have_url(path_is(f"/returns/saved/{nil.reference}/"))
    expect(panel).to_contain_text(nil.reference)
    assert_accessible(page)
    assert (nil.kind, nil.nil_reason) == ("nil", "no_service_users")

    # d. The dashboard and the history page.
    page.get_by_role("link", name="Back to your returns").click()
    expect(page).to_have_url(path_is("/returns/"))
    expect(status_this_month(page, alder)).to_have_text("Updated")
    expect(status_this_month(page, beech)).to_have_text("Updated")
    expect(status_this_month(page, cedar)).to_have_text("Nil return sent")
    expect(page.get_by_text("5 days left, including today.", exact=True)).to_be_visible()
    # "Fill in" has become "Update" where a return was saved.
    expect(
        dashboard_row(page, alder).get_by_role(
            "link", name="Update care home return for Alder House"
        )
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Alder House", exact=True).click()
    expect(page).to_have_url(path_is(f"/locations/{alder.cqc_id}/"))
    page.get_by_role("link", name="See every return for this location").click()
    expect(page).to_have_url(path_is(f"/locations/{alder.cqc_id}/history/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns for Alder House")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # the header row and the one version
    expect(rows.nth(1)).to_contain_text(version.reference)
    assert_accessible(page)

    heads = {head.location_id: head for head in Return.objects.filter(window__period__month=12)}
    assert heads[alder.pk].counted == version
    assert heads[beech.pk].counted == unchanged
    assert heads[cedar.pk].counted == nil


def test_the_first_step_works_without_javascript(
    no_js_page: Page, homes: Homes, clock, assert_accessible
):
    page = no_js_page
    alder = homes.alder
    sign_in(page, homes.user.email)
    expect(page).to_have_url(path_is("/returns/"))
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))

    page.get_by_role("link", name="Fill in care home return for Alder House").click()
    expect(page).to_have_url(path_is(obligation_path(alder)))
    fill_in_care_home_return(page, {**GOOD_CARE_HOME, "beds_occupied": "41"})
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(path_is(obligation_path(alder)))
    summary = expect_over_capacity_error(page)
    expect(summary).to_be_visible()
    assert_accessible(page)
    assert not ReturnVersion.objects.filter(return_head__location=alder).exists()

    # Without the script the summary's link is an ordinary link to the field.
    summary.get_by_role("link").click()
    expect(page).to_have_url(path_is(obligation_path(alder), "#id_beds_occupied"))
    page.get_by_label("Beds occupied or used", exact=True).fill("35")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(on_path(obligation_path(alder, "check/")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    expect(answer(page, "Beds occupied or used")).to_have_text("35 beds")
    assert_accessible(page)


def test_a_return_saved_after_the_window_is_kept_but_late(
    browser_page: Page, homes: Homes, clock, assert_accessible
):
    clock.return_value = AFTER_WINDOW
    page = browser_page
    alder = homes.alder
    closed = (
        "The collection for December 2026 closed at the end of Monday 14 December 2026. "
        "You can still update this return, and we will keep it, but it will not count as sent "
        "on time for December 2026."
    )
    sign_in(page, homes.user.email)
    expect(page).to_have_url(path_is("/returns/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your returns for December 2026")
    expect(
        page.get_by_text(
            "The collection for December 2026 closed at the end of Monday 14 December 2026. "
            "Updates you make now are kept, but do not count as sent on time."
        )
    ).to_be_visible()
    expect(status_this_month(page, alder)).to_have_text("Missed")
    assert_accessible(page)

    page.get_by_role("link", name="Fill in care home return for Alder House").click()
    expect(page).to_have_url(path_is(obligation_path(alder)))
    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text(closed)
    assert_accessible(page)

    fill_in_care_home_return(page, GOOD_CARE_HOME)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(path_is(obligation_path(alder, "check/")))
    expect(page.locator(".govuk-warning-text")).to_contain_text(closed)
    page.get_by_role("button", name="Accept and send").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Return sent")
    version = ReturnVersion.objects.get(return_head__location=alder)
    expect(page).to_have_url(path_is(f"/returns/saved/{version.reference}/"))
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "This was saved outside the collection window, so it does not count as sent on time "
        "for December 2026."
    )
    assert_accessible(page)
    assert not version.in_window
    assert Return.objects.get(location=alder).counted is None

    page.get_by_role("link", name="Back to your returns").click()
    expect(page).to_have_url(path_is("/returns/"))
    expect(status_this_month(page, alder)).to_have_text("Sent late")
    expect(status_this_month(page, homes.beech)).to_have_text("Missed")
    assert_accessible(page)


# --- Issue 17: follow-up questions revealed, and the page before the window opens -------------

VISITING = "Can the home accommodate residents receiving visitors?"
VISITING_REASON = "Why can the home not accommodate visitors?"


def test_the_visiting_reason_is_revealed_under_no_and_checked_for_it(
    browser_page: Page, homes: Homes, clock, assert_accessible
):
    page = browser_page
    alder = homes.alder
    sign_in(page, homes.user.email)
    page.goto(page.url.split("/returns/")[0] + obligation_path(alder))
    reason = page.get_by_label(VISITING_REASON, exact=True)
    visiting = page.get_by_role("group", name=VISITING)
    # Asked only for "No": revealed in the conditional block directly under it, hidden again
    # for "Yes", not marked optional, and no aria-expanded on the radio (ARIA forbids it).
    expect(reason).to_be_hidden()
    visiting.get_by_label("No", exact=True).check()
    expect(
        page.locator("#id_visiting_possible-conditional").get_by_label(VISITING_REASON)
    ).to_be_visible()
    assert_accessible(page)
    visiting.get_by_label("Yes", exact=True).check()
    expect(reason).to_be_hidden()
    expect(page.locator("input[aria-expanded]")).to_have_count(0)
    expect(page.get_by_text("(required)")).to_have_count(0)
    expect(page.get_by_text("(optional)")).to_have_count(0)
    expect(page.locator("#id_beds_occupied + .govuk-input__suffix")).to_have_text("beds")

    assert_accessible(page)
    fill_in_care_home_return(page, {**GOOD_CARE_HOME, "visiting_possible": "no"})
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Error: Care home return for December 2026 – "))
    summary = page.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name="Enter why the home cannot accommodate visitors")
    expect(link).to_have_attribute("href", "#id_visiting_reason")
    link.click()
    expect(reason).to_be_focused()
    reason.fill("An outbreak: visits paused")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Check your answers before sending – "))
    expect(answer(page, VISITING)).to_have_text("No")
    expect(answer(page, VISITING_REASON)).to_have_text("An outbreak: visits paused")
    assert_accessible(page)


def test_without_javascript_the_follow_up_questions_are_simply_shown(
    no_js_page: Page, homes: Homes, clock, assert_accessible
):
    page = no_js_page
    sign_in(page, homes.user.email)
    base = page.url.split("/returns/")[0]
    page.goto(base + obligation_path(homes.alder))
    expect(page.get_by_label(VISITING_REASON, exact=True)).to_be_visible()
    assert_accessible(page)
    page.goto(base + obligation_path(homes.cedar, "nil/"))
    expect(page.get_by_label("What is the reason?", exact=True)).to_be_visible()


def test_the_nil_returns_details_are_revealed_under_another_reason(
    browser_page: Page, homes: Homes, clock, assert_accessible
):
    page = browser_page
    cedar = homes.cedar
    sign_in(page, homes.user.email)
    page.goto(page.url.split("/returns/")[0] + obligation_path(cedar, "nil/"))
    details = page.locator("#id_nil_reason-conditional").get_by_label("What is the reason?")
    expect(details).to_be_hidden()
    page.get_by_label("Another reason", exact=True).check()
    expect(details).to_be_visible()  # under "Another reason", the answer that needs it
    page.get_by_role("button", name="Send nil return").click()
    expect(page).to_have_title(re.compile(r"^Error: Make a nil return – "))
    link = page.locator(".govuk-error-summary").get_by_role(
        "link", name="Enter the reason for the nil return"
    )
    expect(link).to_have_attribute("href", "#id_nil_reason_detail")
    assert_accessible(page)
    details.fill("Closed for building work")
    page.get_by_role("button", name="Send nil return").click()
    expect(page).to_have_title(re.compile(r"^Nil return sent – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nil return sent")
    nil = ReturnVersion.objects.get(return_head__location=cedar)
    assert (nil.nil_reason, nil.nil_reason_detail) == ("other", "Closed for building work")


def test_before_the_window_opens_the_return_says_when_it_opens(
    browser_page: Page, homes: Homes, clock, assert_accessible
):
    clock.return_value = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=LONDON)
    page = browser_page
    sign_in(page, homes.user.email)
    response = page.goto(page.url.split("/returns/")[0] + obligation_path(homes.alder))
    assert response is not None and response.status == 200  # the emailed link: never a 404
    heading = "The collection for December 2026 has not opened yet"
    expect(page).to_have_title(re.compile(rf"^{heading} – "))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text("It opens on Tuesday 8 December 2026.")).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Back to your returns").click()
    expect(page).to_have_url(path_is("/returns/"))
