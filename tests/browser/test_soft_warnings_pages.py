"""Soft warnings in the browser (issue 15 item 2): the check answers page with "Check this
figure", and the CSV preview's "Check these figures", each checked as every page is (axe-core
finds nothing, no sideways scrolling at 320 pixels), then sent anyway: never blocking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from returns.models import ReturnVersion
from tests.browser.test_bulk_journey import choose_file, download_template, fill_in, save_csv
from tests.browser.test_every_page_accessible import Audit, december_provider, sign_in
from tests.browser.test_every_page_accessible import audit as audit
from tests.browser.test_every_page_accessible import in_window as in_window
from tests.browser.test_portal_journeys import fill_in_care_home_return
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Against Beech House's November return (35 of 40 beds, 50 staff, 2 absent): 65% occupied,
# 22.5 points down, and 20 of 50 staff absent (40%).
SHARPLY_DIFFERENT = {
    **GOOD_CARE_HOME,
    "beds_occupied": "26",
    "vacc_residents_covid_booster": "20",
    "vacc_residents_flu": "20",
    "absent_direct_care": "20",
}


def test_the_pages_that_ask_to_check_a_figure(audit: Audit, in_window, tmp_path: Path):
    approver, _, beech = december_provider()
    page = audit.page
    sign_in(page, approver.email)

    page.goto(f"/returns/2026-12/{beech.cqc_id}/care_home/")
    fill_in_care_home_return(page, SHARPLY_DIFFERENT)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#figures-to-check")).to_contain_text(
        "2 figures look different from your last return. Check them before you send."
    )
    occupied = page.locator("#check-beds_occupied")
    expect(occupied).to_contain_text("Check this figure")
    expect(occupied).to_contain_text("Last return: 87.5%")
    audit.check("check answers, with figures to check")
    # The summary's link goes to the row it names.
    page.locator("#figures-to-check").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/check/#check-beds_occupied$"))
    page.get_by_role("button", name="Accept and send").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("sent")
    version = ReturnVersion.objects.get(return_head__window__period__month=12)
    assert [w["rule"] for w in version.warnings] == ["occupancy_change", "absence_high"]

    # A file with the same figures for Beech House: the preview asks to check them too.
    page.goto("/returns/bulk/")
    name, rows = download_template(page, "Care home file for December 2026", tmp_path)
    fill_in(rows)
    for row in rows:
        row.update({code: value for code, value in SHARPLY_DIFFERENT.items() if code in row})
        row["beds_occupied"] = "35"  # back to November's occupancy: December's is 65%
        row["vacc_residents_covid_booster"] = row["vacc_residents_flu"] = "20"
    choose_file(page, save_csv(tmp_path / name, rows))
    page.get_by_role("button", name="Upload and check the file").click()
    expect(page.get_by_role("heading", name="Check these figures")).to_be_visible()
    expect(page.locator("#warnings")).to_contain_text("Beech House")
    audit.check("an upload with figures to check")
    page.locator("main form").get_by_role("button").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("saved")
    audit.assert_clean({"returns:check", "bulk:upload"})
