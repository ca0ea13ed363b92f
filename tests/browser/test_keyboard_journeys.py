"""The monthly return and the CSV upload, done with the keyboard alone.

Nothing is clicked or filled in by Playwright: focus is moved with Tab, text is typed, and
buttons, links and radios are worked with Enter and Space, as a person who cannot use a mouse
does. Each element the journey stops on must show where focus is (GOV.UK's yellow focus
style), and a form sent with errors must move focus to its error summary (GOV.UK Frontend's
ErrorSummary component does that, so it must have been initialised on the page).

The one exception to "keyboard only" is the operating system's file chooser: Enter on the
focused file upload opens it, and Playwright then picks the file, as a person would in the
chooser's own dialog.

The service's clock is frozen by patching ``capacity_tracker.lib.clock.now``; see
test_portal_journeys.py.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import FileChooser, Locator, Page, expect

from returns.models import BulkUpload, ReturnVersion
from tests.browser.test_bulk_journey import Group, fill_in, save_csv
from tests.browser.test_bulk_journey import clock as clock
from tests.browser.test_bulk_journey import group as group
from tests.factories import TEST_PASSWORD
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the test data must be committed; see
    # test_journeys.py for why serialized_rollback is needed too.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FOCUS_YELLOW = "rgb(255, 221, 0)"
# How the focused element shows focus. GOV.UK's focus styles are all yellow: an outline
# (inputs, the error summary, the file upload), a yellow background (links, buttons), or, for
# a radio, a yellow ring drawn by its label's ::before (the input itself is invisible).
FOCUS_STYLE = """(yellow) => {
  const el = document.activeElement;
  const shows = (style) =>
    (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
      && style.outlineColor === yellow)
    || style.backgroundColor === yellow
    || style.boxShadow.includes(yellow);
  let visible = shows(getComputedStyle(el));
  if (!visible && el.matches('.govuk-radios__input, .govuk-checkboxes__input')) {
    const label = document.querySelector(`label[for="${el.id}"]`);
    visible = label !== null && shows(getComputedStyle(label, '::before'));
  }
  if (!visible && el.matches('.govuk-file-upload-button')) {
    const pseudo = el.querySelector('.govuk-file-upload-button__pseudo-button');
    visible = pseudo !== null && shows(getComputedStyle(pseudo));
  }
  return {visible, focusVisible: el.matches(':focus-visible'), tag: el.outerHTML.slice(0, 120)};
}"""


def expect_focus_shown(page: Page) -> None:
    style = page.evaluate(FOCUS_STYLE, FOCUS_YELLOW)
    assert style["visible"] and style["focusVisible"], f"No visible focus on {style['tag']}"


def is_focused(target: Locator) -> bool:
    return target.evaluate("element => element === document.activeElement")


def tab_to(page: Page, target: Locator, limit: int = 120) -> None:
    """Press Tab until ``target`` has focus, then check that focus can be seen."""
    expect(target).to_have_count(1)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_focused(target):
            expect_focus_shown(page)
            return
    pytest.fail(f"Tab never reached {target} ({limit} presses)")


def press(page: Page, target: Locator, key: str = "Enter") -> None:
    """Tab to ``target`` and press ``key`` on it."""
    tab_to(page, target)
    page.keyboard.press(key)


def expect_error_summary_focused(page: Page) -> None:
    """GOV.UK Frontend's ErrorSummary component ran and moved focus to the summary."""
    page.wait_for_load_state("load")
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    summary = page.locator('.govuk-error-summary[data-module="govuk-error-summary"]')
    expect(summary).to_have_attribute("data-govuk-error-summary-init", "")
    expect(summary).to_be_focused()
    assert page.evaluate(
        "document.activeElement.matches('.govuk-error-summary[data-module=govuk-error-summary]')"
    )
    expect_focus_shown(page)


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in/")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Password", exact=True))
    page.keyboard.type(TEST_PASSWORD)
    press(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your returns for December 2026")


def choose_file_with_keyboard(page: Page, path: Path, key: str) -> None:
    """Open the file chooser with ``key`` on the focused "Upload your file" button.

    On a loaded machine Chromium has once let a key press on a page still settling go without
    opening the chooser; a person would press the key again, and so does this (the same key:
    a button that ignores it fails both times)."""
    button = page.get_by_role("button", name=re.compile(r"^Upload your file"))
    tab_to(page, button)
    page.wait_for_load_state("load")
    choosers: list[FileChooser] = []

    def collect(chooser: FileChooser) -> None:
        choosers.append(chooser)

    page.on("filechooser", collect)
    try:
        for _ in range(2):
            expect(button).to_be_focused()
            page.keyboard.press(key)
            for _ in range(40):  # up to 8 s
                if choosers:
                    break
                page.wait_for_timeout(200)
            if choosers:
                break
        assert choosers, f"{key} on the focused button never opened the file chooser"
    finally:
        page.remove_listener("filechooser", collect)
    choosers[0].set_files(path)
    expect(button).to_contain_text(path.name)


def test_a_return_sent_with_the_keyboard_alone(browser_page: Page, group: Group, clock):
    page = browser_page
    alder = group.alder
    sign_in(page, group.user.email)

    press(page, page.get_by_role("link", name="Fill in care home return for Alder Court"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Care home return for December 2026")

    # Sent with nothing filled in: focus goes to the error summary.
    press(page, page.get_by_role("button", name="Continue"))
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect_error_summary_focused(page)

    # Every question the form asks, in the order Tab reaches them.
    asked = page.locator("main form").locator("input[type=text], textarea, input[type=radio]")
    names = dict.fromkeys(asked.evaluate_all("boxes => boxes.map(box => box.name)"))
    for code in names:
        value = GOOD_CARE_HOME[code]
        if code == "visiting_possible":
            group_ = page.get_by_role("group", name=re.compile(r"^Can the home accommodate"))
            yes = group_.get_by_label("Yes", exact=True)
            press(page, yes, "Space")
            expect(yes).to_be_checked()
        elif value:
            tab_to(page, page.locator(f"#id_{code}"))
            page.keyboard.type(value)
    press(page, page.get_by_role("button", name="Continue"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    assert not ReturnVersion.objects.filter(return_head__location=alder).exists()
    press(page, page.get_by_role("button", name="Accept and send"))

    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Return sent")
    version = ReturnVersion.objects.get(return_head__location=alder)
    assert version.answers["beds_occupied"] == 35
    assert version.answers["visiting_possible"] == "yes"


def test_a_csv_upload_with_the_keyboard_alone(
    browser_page: Page,
    group: Group,
    clock,
    tmp_path: Path,
):
    page = browser_page
    sign_in(page, group.user.email)
    press(page, page.get_by_role("link", name="Update them all at once with a CSV file"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Update many locations with a CSV file"
    )

    # The template, downloaded with Enter on its link, filled in with one mistake.
    with page.expect_download() as download:
        press(page, page.get_by_role("link", name="Care home file for December 2026", exact=True))
    name = download.value.suggested_filename
    saved = tmp_path / "template.csv"
    download.value.save_as(saved)

    with saved.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    fill_in(rows)
    rows[0]["beds_occupied"] = "41"

    # Uploading before choosing a file: focus goes to the error summary. (This also reloads
    # the page after the download, which could otherwise still be settling when the file
    # chooser is asked for.)
    press(page, page.get_by_role("button", name="Upload and check the file"))
    expect(page.locator("#id_file-error")).to_have_text("Error: Select a CSV file")
    expect_error_summary_focused(page)
    choose_file_with_keyboard(page, save_csv(tmp_path / name, rows), "Enter")
    press(page, page.get_by_role("button", name="Upload and check the file"))

    expect(page.get_by_role("heading", level=1)).to_have_text("There are problems with your file")
    expect_error_summary_focused(page)
    assert BulkUpload.objects.get().status == "invalid"

    # Fixed and uploaded again from the same page; this time the chooser opens with Space.
    rows[0]["beds_occupied"] = "35"
    choose_file_with_keyboard(page, save_csv(tmp_path / name, rows), "Space")
    press(page, page.get_by_role("button", name="Upload and check the file"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what will be saved")

    press(page, page.get_by_role("button", name=re.compile(r"^Save 3 returns$")))
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text("3 returns saved")
    assert ReturnVersion.objects.filter(return_head__window__period__month=12).count() == 3
