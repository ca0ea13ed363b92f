"""Staff sign-in with a second factor in a real browser, each page checked with axe-core.

A support officer with an authenticator app signs in: after the password comes the code page;
a mistyped code is refused, a quick retry is told to wait, and the right code lets them into
the service and the admin. A caseworker with no app yet sets one up from the key shown on the
page, sees the backup codes once, and lands on the case queue.
"""

from __future__ import annotations

import base64
import re
import time
from binascii import unhexlify

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.conftest import app_code, pass_second_factor
from tests.browser.test_journeys import path_is
from tests.factories import TEST_PASSWORD, CaseworkerFactory, SupportUserFactory

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the data must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def enter_password(page: Page, email: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def test_support_signs_in_with_a_code_from_their_app(browser_page: Page, assert_accessible):
    support = SupportUserFactory(first_name="Sam", last_name="Support")
    device = TOTPDevice.objects.create(user=support, name="Phone", confirmed=True)
    page = browser_page

    enter_password(page, support.email)
    expect(page).to_have_url(re.compile(r"/sign-in/code/\?next=%2Fhome%2F$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Enter the code from your authenticator app")
    code_box = page.get_by_label("Enter the code from your authenticator app")
    expect(code_box).to_have_attribute("autocomplete", "one-time-code")
    expect(code_box).to_have_attribute("inputmode", "numeric")
    assert_accessible(page)

    # Nothing else answers yet, the admin included.
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/sign-in/code/\?next=%2Fadmin%2F$"))

    right = app_code(device)
    code_box.fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The code is not right")
    expect(page).to_have_title(re.compile(r"^Error: Enter the code"))
    assert_accessible(page)

    # Straight away again, even the right code is held back, and the page says for how long.
    page.get_by_label("Enter the code from your authenticator app").fill(right)
    page.get_by_role("button", name="Continue").click()
    expect(summary).to_contain_text(re.compile(r"Too many attempts\. Wait \d+ seconds?"))
    assert_accessible(page)

    time.sleep(1.2)  # the wait after one wrong code is a second
    page.get_by_label("Enter the code from your authenticator app").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(path_is("/admin/"))
    expect(page).to_have_title(re.compile(r"^Providers, locations, returns and emails"))

    page.goto("/home/")
    expect(page).to_have_url(path_is("/locations/"))
    assert_accessible(page)


def test_a_caseworker_sets_up_an_app_at_first_sign_in(browser_page: Page, assert_accessible):
    caseworker = CaseworkerFactory(first_name="Chris", last_name="Caseworker")
    page = browser_page

    enter_password(page, caseworker.email)
    expect(page).to_have_url(re.compile(r"/sign-in/set-up-code/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name="QR code to scan with your app")).to_be_visible()
    page.get_by_text("I cannot scan the QR code").click()
    expect(page.locator("#setup-key")).to_be_visible()
    assert_accessible(page)
    assert not TOTPDevice.objects.filter(user=caseworker).exists()

    page.get_by_label("Enter the 6-digit code from the app").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    assert_accessible(page)

    # The page keeps the same key after the error: a code from it sets the app up, then the
    # backup codes are shown once, then the page they were going to.
    pass_second_factor(page, caseworker.email)
    assert TOTPDevice.objects.get(user=caseworker).confirmed
    expect(page).to_have_url(path_is("/cases/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enforcement cases")
    assert_accessible(page)


def test_the_backup_codes_page_is_accessible(browser_page: Page, assert_accessible):
    caseworker = CaseworkerFactory()
    page = browser_page
    enter_password(page, caseworker.email)
    shown = (page.locator("#setup-key").text_content() or "").replace(" ", "")
    otp = TOTP(unhexlify(base64.b32decode(shown + "=" * (-len(shown) % 8)).hex()))
    otp.time = time.time()
    page.get_by_label("Enter the 6-digit code from the app").fill(f"{otp.token():06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in is set up")
    expect(page.locator(".app-backup-codes li")).to_have_count(10)
    assert_accessible(page)
