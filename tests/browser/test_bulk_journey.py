"""Bulk update by CSV in a real browser, each page checked with axe-core.

A provider user with three care homes (one of which also does home care) follows the
dashboard's link to the bulk page during the December 2026 collection, downloads the template,
fills it in as a spreadsheet would, uploads it with a mistake in one row, sees the row-numbered
error (and no way to save), fixes the file, uploads it again, checks the preview and saves it;
the dashboard then shows every location and care type updated. The upload also works with
JavaScript turned off.

The service's clock is frozen by patching ``capacity_tracker.lib.clock.now``; see
test_portal_journeys.py.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import Locator, Page, expect

from providers.models import Location, User
from returns.deadlines import LONDON
from returns.models import BulkUpload, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from tests.factories import TEST_PASSWORD, LocationFactory, ProviderFactory, ProviderUserFactory
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
OVER_CAPACITY = "Occupied beds cannot be more than maximum capacity (40)"


@dataclass
class Group:
    user: User
    alder: Location  # care home and home care
    beech: Location
    cedar: Location

    @property
    def homes(self) -> list[Location]:
        return [self.alder, self.beech, self.cedar]


@pytest.fixture
def clock() -> Iterator[mock.MagicMock]:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW) as now:
        yield now


@pytest.fixture
def group(db) -> Group:
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    provider = ProviderFactory(name="Oakfield Care Group")
    user = ProviderUserFactory(
        provider=provider, first_name="Sam", last_name="Okafor", email="sam@oakfield.example"
    )
    return Group(
        user=user,
        alder=LocationFactory(provider=provider, name="Alder Court", offers_home_care=True),
        beech=LocationFactory(provider=provider, name="Beech Court"),
        cedar=LocationFactory(provider=provider, name="Cedar Court"),
    )


# --- Helpers ----------------------------------------------------------------------------------


def sign_in(page: Page, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/sign-in/")
    # By the fields' names: the sign-in page's own wording is tested elsewhere.
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def path_is(path: str) -> re.Pattern[str]:
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


def download_template(page: Page, link_name: str, folder: Path) -> tuple[str, list[dict[str, str]]]:
    """Download a template by its link; its file name and rows, read as a spreadsheet would."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    assert download.failure() is None
    saved = folder / download.suggested_filename
    download.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so that Excel reads it as UTF-8
    with saved.open(encoding="utf-8-sig", newline="") as file:
        return download.suggested_filename, list(csv.DictReader(file))


def fill_in(rows: list[dict[str, str]]) -> None:
    """Type this month's figures into every row, as a person would in their spreadsheet:
    into the template's columns only (which questions are asked differs by month)."""
    for row in rows:
        answers = GOOD_CARE_HOME if row["care_type"] == "care_home" else GOOD_HOME_CARE
        row.update({code: value for code, value in answers.items() if code in row})


def save_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """Save as "CSV UTF-8" does: a BOM, the header row, CRLF line ends."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def choose_file(page: Page, path: Path) -> None:
    """Choose a file with the GOV.UK file upload, as a person would.

    With JavaScript, GOV.UK Frontend hides the native input and puts a button labelled by the
    field's label in its place; the button opens the file chooser. Without it, the native
    input is there to use.
    """
    if page.evaluate("document.body.classList.contains('js-enabled')"):
        button = page.get_by_role("button", name=re.compile(r"^Upload your file"))
        expect(button).to_contain_text("No file chosen")
        with page.expect_file_chooser() as chooser:
            button.click()
        chooser.value.set_files(path)
        expect(button).to_contain_text(path.name)
    else:
        page.get_by_label("Upload your file").set_input_files(path)


def summary_value(page: Page, key: str) -> Locator:
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    )
    return row.locator("dd")


def dashboard_status(page: Page, location: Location, care_type: str) -> Locator:
    """The December status of one location and care type on the dashboard."""
    row = (
        page.get_by_role("table", name="Locations and care types")
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name=location.name, exact=True))
        .filter(has=page.get_by_role("cell", name=care_type, exact=True))
    )
    expect(row).to_have_count(1)
    return row.get_by_role("cell").nth(1)


# --- Tests ------------------------------------------------------------------------------------


def test_download_fill_in_upload_fix_reupload_and_save_every_location(
    browser_page: Page, group: Group, clock, assert_accessible, tmp_path: Path
):
    page = browser_page
    alder, beech, cedar = group.homes
    sign_in(page, group.user.email)

    expect(page).to_have_url(path_is("/returns/"))
    for home, care_type in [
        (alder, "Care home"),
        (alder, "Home care"),
        (beech, "Care home"),
        (cedar, "Care home"),
    ]:
        expect(dashboard_status(page, home, care_type)).to_have_text("Not started")
    page.get_by_role("link", name="Update them all at once with a CSV file").click()

    # The bulk page: a file per care type, and one with both.
    expect(page).to_have_url(path_is("/returns/bulk/"))
    expect(page).to_have_title(re.compile(r"^Update many locations with a CSV file – "))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Update many locations with a CSV file"
    )
    expect(
        page.get_by_text(
            "The returns in your file will be saved for December 2026. "
            "The collection is open until the end of Monday 14 December 2026."
        )
    ).to_be_visible()
    for text in (
        "Care home file for December 2026 (3 rows, CSV)",
        "Home care file for December 2026 (1 row, CSV)",
        "One file for both care types for December 2026 (4 rows, CSV)",
    ):
        expect(page.get_by_role("listitem").filter(has_text=text)).to_have_count(1)
    assert_accessible(page)

    name, rows = download_template(page, "One file for both care types for December 2026", tmp_path)
    assert name == f"returns-2026-12-{group.user.provider.cqc_id}-all.csv"
    assert [
        (r["location_id"], r["location_name"], r["care_type"], r["return_kind"]) for r in rows
    ] == [
        (alder.cqc_id, "Alder Court", "care_home", "full"),
        (alder.cqc_id, "Alder Court", "home_care", "full"),
        (beech.cqc_id, "Beech Court", "care_home", "full"),
        (cedar.cqc_id, "Cedar Court", "care_home", "full"),
    ]
    assert {
        value
        for row in rows
        for key, value in row.items()
        if key not in ("location_id", "location_name", "care_type", "return_kind")
    } == {""}  # nothing sent before, so no figures to pre-fill

    # Uploading before choosing a file: the error summary leads to the file upload's button.
    page.get_by_role("button", name="Upload and check the file").click()
    expect(page).to_have_url(path_is("/returns/bulk/"))
    expect(page).to_have_title(re.compile(r"^Error: Update many locations with a CSV file – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page.locator("#id_file-error")).to_have_text("Error: Select a CSV file")
    assert_accessible(page)
    summary.get_by_role("link", name="Select a CSV file").click()
    chooser_button = page.get_by_role("button", name=re.compile(r"^Upload your file"))
    expect(chooser_button).to_be_focused()
    expect(chooser_button).to_have_attribute("aria-describedby", "id_file-hint id_file-error")
    assert not BulkUpload.objects.exists()

    # Filled in, with one slip: more beds occupied than Beech Court has (spreadsheet row 4).
    fill_in(rows)
    rows[2]["beds_occupied"] = "41"
    choose_file(page, save_csv(tmp_path / name, rows))
    page.get_by_role("button", name="Upload and check the file").click()

    first = BulkUpload.objects.get()
    expect(page).to_have_url(path_is(f"/returns/bulk/{first.pk}/"))
    expect(page).to_have_title(re.compile(r"^Error: There are problems with your file – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("There are problems with your file")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        f"We found 1 problem in {name}. Nothing has been saved. Fix it in your spreadsheet "
        "and upload the file again."
    )
    error_link = summary.get_by_role("link")
    expect(error_link).to_have_text(f"Row 4, beds_occupied: {OVER_CAPACITY}")
    table = page.get_by_role("table", name="Every problem")
    expect(table.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["4", "beds_occupied", OVER_CAPACITY]
    )
    # There is nothing to save: only the corrected file can be uploaded.
    expect(page.get_by_role("button", name=re.compile(r"^Save"))).to_have_count(0)
    expect(page.get_by_role("heading", name="Upload the corrected file")).to_be_visible()
    assert_accessible(page)
    error_link.click()
    expect(page).to_have_url(re.compile(r"#error-1$"))
    assert first.status == BulkUpload.Status.INVALID
    assert not ReturnVersion.objects.exists()

    # Fixed in the spreadsheet, saved over the same file, and uploaded again.
    rows[2]["beds_occupied"] = "35"
    choose_file(page, save_csv(tmp_path / name, rows))
    page.get_by_role("button", name="Upload and check the file").click()

    second = BulkUpload.objects.latest("pk")
    assert second.pk != first.pk
    expect(page).to_have_url(path_is(f"/returns/bulk/{second.pk}/"))
    expect(page).to_have_title(re.compile(r"^Check what will be saved – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what will be saved")
    expect(page.locator(".govuk-caption-l")).to_have_text(name)
    expect(
        page.get_by_text("We checked all 4 rows of your file and found no problems.")
    ).to_be_visible()
    for key, value in (
        ("Returns to save", "4"),
        ("With figures from the file", "4"),
        ("Nothing has changed (your last figures are saved again)", "0"),
        ("Nil returns", "0"),
        ("Already sent for December 2026 (a new version will be saved)", "0"),
        ("Your locations and care types not in the file (left as they are)", "0"),
    ):
        expect(summary_value(page, key)).to_have_text(value)
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    # What will change, location by location: first returns, so every figure is new.
    expect(page.get_by_role("heading", name="What will change")).to_be_visible()
    beech_table = page.get_by_role("table", name="Beech Court (care home)")
    expect(
        beech_table.get_by_role("row").filter(has_text="Beds occupied or used").get_by_role("cell")
    ).to_have_text(["No earlier return", "35 beds"])
    expect(page.get_by_text("SHA-256")).to_have_count(0)
    assert_accessible(page)
    assert not ReturnVersion.objects.exists()  # nothing until confirmed

    page.get_by_role("button", name="Save 4 returns").click()
    expect(page).to_have_url(path_is(f"/returns/bulk/{second.pk}/"))
    expect(page).to_have_title(re.compile(r"^4 returns saved – "))
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("4 returns saved")
    expect(panel).to_contain_text("for December 2026")
    expect(
        page.get_by_text(
            "Saved on Thursday 10 December 2026 at 9pm by Sam Okafor: 4 with figures from the file, "
            "0 unchanged and 0 nil."
        )
    ).to_be_visible()
    expect(
        page.get_by_text(
            "They count as your December 2026 returns. You can update them until the end of "
            "Monday 14 December 2026."
        )
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Back to your returns").click()
    expect(page).to_have_url(path_is("/returns/"))
    for home, care_type in [
        (alder, "Care home"),
        (alder, "Home care"),
        (beech, "Care home"),
        (cedar, "Care home"),
    ]:
        expect(dashboard_status(page, home, care_type)).to_have_text("Updated")
    expect(page.get_by_text("still to do")).to_have_count(0)
    assert_accessible(page)

    versions = list(ReturnVersion.objects.select_related("return_head"))
    assert sorted((v.return_head.location_id, v.return_head.care_type) for v in versions) == sorted(
        [
            (alder.pk, "care_home"),
            (alder.pk, "home_care"),
            (beech.pk, "care_home"),
            (cedar.pk, "care_home"),
        ]
    )
    assert all(
        (v.source, v.kind, v.in_window, v.submitted_by_id) == ("csv", "full", True, group.user.pk)
        for v in versions
    )
    by_pair = {(v.return_head.location_id, v.return_head.care_type): v for v in versions}
    assert by_pair[(beech.pk, "care_home")].answers["beds_occupied"] == 35
    assert by_pair[(alder.pk, "home_care")].answers["people_receiving_care"] == 120
    assert all(head.counted_id == head.latest_id for head in Return.objects.all())


def test_the_upload_works_without_javascript(
    no_js_page: Page, group: Group, clock, assert_accessible, tmp_path: Path
):
    page = no_js_page
    sign_in(page, group.user.email)
    page.goto("/returns/bulk/")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    # The native file input, labelled, not replaced by a button.
    file_input = page.get_by_label("Upload your file")
    expect(file_input).to_have_attribute("type", "file")
    expect(file_input).to_have_attribute(
        "accept",
        ".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

    # No file at all: the form's own error, linked to the input.
    page.get_by_role("button", name="Upload and check the file").click()
    expect(page).to_have_url(path_is("/returns/bulk/"))
    expect(page).to_have_title(re.compile(r"^Error: Update many locations with a CSV file – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Select a CSV file")).to_have_attribute(
        "href", "#id_file"
    )
    expect(page.locator("#id_file-error")).to_have_text("Error: Select a CSV file")
    expect(file_input).to_have_attribute("aria-describedby", "id_file-hint id_file-error")
    assert_accessible(page)

    name, rows = download_template(page, "Care home file for December 2026", tmp_path)
    assert [r["location_id"] for r in rows] == [home.cqc_id for home in group.homes]
    fill_in(rows)
    rows[0]["beds_occupied"] = "41"
    choose_file(page, save_csv(tmp_path / name, rows))
    page.get_by_role("button", name="Upload and check the file").click()

    expect(page).to_have_title(re.compile(r"^Error: There are problems with your file – "))
    expect(page.locator(".govuk-error-summary").get_by_role("link")).to_have_text(
        f"Row 2, beds_occupied: {OVER_CAPACITY}"
    )
    expect(page.get_by_role("button", name=re.compile(r"^Save"))).to_have_count(0)
    assert_accessible(page)

    rows[0]["beds_occupied"] = "35"
    choose_file(page, save_csv(tmp_path / name, rows))
    page.get_by_role("button", name="Upload and check the file").click()
    expect(page).to_have_title(re.compile(r"^Check what will be saved – "))
    expect(summary_value(page, "Returns to save")).to_have_text("3")
    # Alder Court's home care is not in a care home file, and is left as it is.
    expect(
        summary_value(page, "Your locations and care types not in the file (left as they are)")
    ).to_have_text("1")
    assert_accessible(page)

    page.get_by_role("button", name="Save 3 returns").click()
    expect(page.locator(".govuk-panel--confirmation").get_by_role("heading", level=1)).to_have_text(
        "3 returns saved"
    )
    assert_accessible(page)
    assert ReturnVersion.objects.filter(source="csv").count() == 3
