"""The return, the nil return and the CSV upload, done at 320 CSS pixels wide with the keyboard
alone: as a person who zooms to 400% (WCAG 1.4.10 Reflow: a 1280-pixel screen at 400% is 320
pixels wide) and cannot use a mouse.

On every page of each journey: the page does not scroll sideways at 320 pixels, axe-core
finds nothing (WCAG A/AA and best practice; the title must match the heading; see
conftest.assert_accessible), and the first Tab reaches the "Skip to main content" link, which
shows that it has focus. Nothing is clicked or filled in by Playwright: focus is moved with
Tab, text is typed, and buttons, links and radios are worked with Enter and Space. The one
exception is the operating system's file chooser (see test_keyboard_journeys.py).

Selectors are few and by role, name or the form's own field names, so that rewording a label
does not break the journey.

The service's clock is frozen by patching ``capacity_tracker.lib.clock.now``; see
test_portal_journeys.py.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from returns.models import ReturnVersion
from tests.browser.conftest import watched_page
from tests.browser.test_bulk_journey import Group, fill_in, save_csv
from tests.browser.test_bulk_journey import clock as clock
from tests.browser.test_bulk_journey import group as group
from tests.browser.test_keyboard_journeys import (
    choose_file_with_keyboard,
    expect_error_summary_focused,
    expect_focus_shown,
    is_focused,
    press,
    tab_to,
)
from tests.factories import TEST_PASSWORD
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the test data must be committed; see
    # test_journeys.py for why serialized_rollback is needed too.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NARROW = {"width": 320, "height": 640}
DECEMBER = "2026-12"
# Focus a marker at the very start of the body, where sequential focus navigation starts when a
# page loads.
TO_THE_TOP = """() => {
  const marker = document.createElement('span');
  marker.id = 'keyboard-start';
  marker.tabIndex = -1;
  document.body.prepend(marker);
  marker.focus();
  window.scrollTo(0, 0);
}"""


@pytest.fixture
def narrow_page(chromium_browser: Browser, live_server) -> Iterator[Page]:
    """A page 320 CSS pixels wide at a device scale of 1, in a fresh context."""
    yield from watched_page(
        chromium_browser, live_server.url, viewport=NARROW, device_scale_factor=1
    )


@pytest.fixture
def check_page(assert_accessible) -> Callable[[Page], None]:
    """Check the page now showing: no sideways scrolling at 320 pixels, nothing axe (or the
    title and wording check) finds, and the skip link first in the Tab order, with focus
    shown. Leaves focus at the top of the page, where a person arriving starts."""

    def check(page: Page) -> None:
        page.wait_for_load_state("load")
        assert page.viewport_size == NARROW
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= NARROW["width"], f"{page.url} scrolls sideways at 320px: {widths}"
        assert_accessible(page)
        # From the top of the page, as after loading it, the first Tab is the skip link. (A
        # page with errors has already moved focus to its summary, so Tab is pressed from a
        # marker put at the start of the body, as the browser starts from there.)
        page.evaluate(TO_THE_TOP)
        page.keyboard.press("Tab")
        page.evaluate("document.getElementById('keyboard-start')?.remove()")
        skip = page.get_by_role("link", name="Skip to main content")
        assert is_focused(skip), f"The first Tab on {page.url} did not reach the skip link"
        expect_focus_shown(page)

    return check


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def sign_in_with_keyboard(page: Page, email: str, check: Callable[[Page], None]) -> None:
    page.goto("/sign-in/")
    check(page)
    tab_to(page, page.locator("main input[name=username]"))
    page.keyboard.type(email)
    tab_to(page, page.locator("main input[name=password]"))
    page.keyboard.type(TEST_PASSWORD)
    press(page, page.get_by_role("button", name="Sign in"))
    page.wait_for_load_state("load")
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


def start_at(page: Page, path: str, check: Callable[[Page], None]) -> None:
    """Open a page (as the dashboard's link to it would) and check it."""
    page.goto(path)
    check(page)


def skip_to_content(page: Page) -> None:
    """Enter on the skip link (which check_page leaves focused) moves focus to the main
    content, so the next Tab is inside it, past the header's links."""
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "document.querySelector('main').contains(document.activeElement)"
    )
    assert focused_in_main, "Tab after the skip link left the main content"


def test_a_return_at_320_pixels_with_the_keyboard_alone(
    narrow_page: Page, group: Group, clock, check_page
):
    page = narrow_page
    alder = group.alder
    sign_in_with_keyboard(page, group.user.email, check_page)
    check_page(page)  # the dashboard
    skip_to_content(page)

    start_at(page, f"/returns/{DECEMBER}/{alder.cqc_id}/care_home/", check_page)
    expect(heading(page)).to_contain_text("Care home return")

    # Sent with nothing filled in: focus goes to the error summary.
    press(page, page.get_by_role("button", name="Continue"))
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect_error_summary_focused(page)
    check_page(page)

    # Every question the form shows, in the order Tab reaches them. A question revealed only
    # by an answer (the reason visiting is not possible) is hidden while "Yes" is chosen.
    asked = page.locator("main form").locator(
        "input[type=text]:visible, textarea:visible, input[type=radio]"
    )
    names = dict.fromkeys(asked.evaluate_all("boxes => boxes.map(box => box.name)"))
    for code in names:
        value = GOOD_CARE_HOME.get(code, "")
        if code == "visiting_possible":
            yes = page.locator("main form input[name=visiting_possible][value=yes]")
            press(page, yes, "Space")
            expect(yes).to_be_checked()
        elif value:
            field = page.locator(f"#id_{code}")
            tab_to(page, field)
            page.keyboard.press("Control+a")  # replace what the errored form kept
            page.keyboard.type(value)
    press(page, page.get_by_role("button", name="Continue"))

    expect(heading(page)).to_have_text(re.compile(r"^Check your answers"))
    check_page(page)
    assert not ReturnVersion.objects.filter(return_head__location=alder).exists()
    press(page, page.get_by_role("button", name=re.compile(r"^Accept and send")))

    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_be_visible()
    check_page(page)
    version = ReturnVersion.objects.get(return_head__location=alder)
    assert version.kind == "full"
    assert version.answers["beds_occupied"] == 35
    assert version.answers["visiting_possible"] == "yes"


def test_a_nil_return_at_320_pixels_with_the_keyboard_alone(
    narrow_page: Page, group: Group, clock, check_page
):
    page = narrow_page
    cedar = group.cedar
    sign_in_with_keyboard(page, group.user.email, check_page)

    start_at(page, f"/returns/{DECEMBER}/{cedar.cqc_id}/care_home/nil/", check_page)
    expect(heading(page)).to_have_text("Make a nil return")
    send = page.get_by_role("button", name=re.compile(r"nil return", re.IGNORECASE))

    # Sent without a reason: focus goes to the error summary, whose link leads to the radios.
    press(page, send)
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect_error_summary_focused(page)
    check_page(page)

    # The first reason, chosen with Space once Tab reaches the group.
    first_reason = page.locator("main form input[name=nil_reason]").first
    press(page, first_reason, "Space")
    expect(first_reason).to_be_checked()
    reason = first_reason.get_attribute("value")
    press(page, send)

    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_contain_text(
        re.compile(r"nil return", re.IGNORECASE)
    )
    check_page(page)
    nil = ReturnVersion.objects.get(return_head__location=cedar)
    assert (nil.kind, nil.nil_reason) == ("nil", reason)


def test_a_csv_upload_at_320_pixels_with_the_keyboard_alone(
    narrow_page: Page, group: Group, clock, check_page, tmp_path: Path
):
    page = narrow_page
    sign_in_with_keyboard(page, group.user.email, check_page)

    start_at(page, "/returns/bulk/", check_page)
    # The template, downloaded with Enter on its link, filled in as a spreadsheet would.
    with page.expect_download() as download:
        press(page, page.get_by_role("link", name=re.compile(r"^Care home file")))
    name = download.value.suggested_filename
    saved = tmp_path / "template.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    fill_in(rows)

    # Reload the page after the download (it may still be settling), then choose the file.
    start_at(page, "/returns/bulk/", check_page)
    choose_file_with_keyboard(page, save_csv(tmp_path / name, rows), "Enter")
    press(page, page.get_by_role("button", name="Upload and check the file"))

    expect(heading(page)).to_have_text("Check what will be saved")
    check_page(page)
    press(page, page.get_by_role("button", name=re.compile(r"^Save \d+ returns?$")))

    expect(page.locator(".govuk-panel--confirmation")).to_contain_text("3 returns saved")
    check_page(page)
    assert ReturnVersion.objects.filter(return_head__window__period__month=12).count() == 3


def test_a_form_sent_after_the_skip_link_still_takes_focus_to_its_errors(
    narrow_page: Page, group: Group, clock, check_page
):
    # The skip link's #main-content must not stay in the address: a form with no action posts
    # to the page's address, and the error page it answers with would open at that fragment.
    page = narrow_page
    sign_in_with_keyboard(page, group.user.email, check_page)
    start_at(page, f"/returns/{DECEMBER}/{group.alder.cqc_id}/care_home/", check_page)
    skip_to_content(page)
    assert "#" not in page.url
    press(page, page.get_by_role("button", name="Continue"))
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert "#" not in page.url
    expect_error_summary_focused(page)
