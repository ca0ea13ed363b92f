"""The pages test_every_page_accessible.py cannot reach by following links or sending a form
once: each needs a state set up first (someone else's save, a supplier's grant, key or draft,
a stalled upload, a rate limit or lockout, a failing server). Each is checked the same way,
at 1280 and at 320 CSS pixels: axe-core finds nothing, and the page does not scroll sideways.
"""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from api.models import ApiKeyKind
from api.services import grant_set, key_create
from providers.models import Location, Provider
from returns.drafts import draft_receive
from returns.models import BulkUpload, CollectionWindow, ReturnDraft
from returns.submission import Submitter, return_save
from tests.browser.test_every_page_accessible import IN_WINDOW, Audit, december_provider, sign_in
from tests.browser.test_every_page_accessible import audit as audit
from tests.browser.test_every_page_accessible import in_window as in_window
from tests.browser.test_portal_journeys import fill_in_care_home_return
from tests.factories import TEST_PASSWORD, ProviderUserFactory, SupplierFactory
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the test data must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Someone else's figures for the same return: they differ from GOOD_CARE_HOME, so the save is
# a new version and not taken as a repeat of the same one.
OTHER_FIGURES = {**GOOD_CARE_HOME, "beds_occupied": "34", "beds_vacant_accepting": "5"}


def save_as_colleague(provider: Provider, location: Location, window: CollectionWindow) -> None:
    colleague = ProviderUserFactory(provider=provider)
    return_save(
        submitter=Submitter.of(colleague),
        location=location,
        care_type="care_home",
        window=window,
        kind="full",
        source="portal",
        now=IN_WINDOW,
        answers=OTHER_FIGURES,
    )


def test_a_providers_pages_that_need_a_state_set_up_first(audit: Audit, in_window):
    approver, alder, beech = december_provider()
    provider = approver.provider
    december = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    supplier = SupplierFactory(name="CareNotes Systems")
    grant = grant_set(
        actor=approver, provider=provider, supplier=supplier, locations=None, now=IN_WINDOW
    )
    key, _ = key_create(
        actor=approver,
        kind=ApiKeyKind.SUPPLIER,
        name="CareNotes nightly",
        now=IN_WINDOW,
        supplier=supplier,
        provider=provider,
    )
    draft = draft_receive(
        api_key=key,
        location=beech,
        care_type="care_home",
        window=december,
        kind="full",
        now=IN_WINDOW,
        answers=GOOD_CARE_HOME,
    )
    stalled = BulkUpload.objects.create(
        file_name="december.csv",
        sha256="0" * 64,
        size=1,
        content=b"x",
        uploaded_by=approver,
        provider=provider,
        window=december,
        status=BulkUpload.Status.CHECKING,
        rows_total=12,
        rows_checked=3,
        queued_at=None,  # the queue could not be reached
        created_at=IN_WINDOW - datetime.timedelta(minutes=5),
    )
    page = audit.page
    sign_in(page, approver.email)

    # API access: change and remove a supplier's access, revoke a key (with an error too).
    audit.visit(f"/account/api-access/suppliers/{grant.pk}/")
    audit.visit(f"/account/api-access/suppliers/{grant.pk}/remove/")
    audit.visit(f"/account/api-access/keys/{key.pk}/revoke/")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit.check("revoke a key, with an error")

    # A CSV upload the worker has not picked up for a while.
    audit.visit(f"/returns/bulk/{stalled.pk}/", "an upload that is taking too long")
    expect(page.locator("#bulk-delayed")).to_be_visible()

    # A supplier's draft: looked at, then confirmed after a colleague saved the same return.
    audit.visit(f"/returns/drafts/{draft.reference}/")
    save_as_colleague(provider, beech, december)
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("changed")
    audit.check("a draft that conflicts with a newer save")
    audit.visit(f"/returns/drafts/{draft.reference}/discard/")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit.check("discard a draft, with an error")
    assert ReturnDraft.objects.get(pk=draft.pk).status == ReturnDraft.Status.WAITING

    # A return someone else saved after this person opened the form.
    page.goto(f"/returns/2026-12/{alder.cqc_id}/care_home/")
    fill_in_care_home_return(page, GOOD_CARE_HOME)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Accept and send")).to_be_visible()
    save_as_colleague(provider, alder, december)
    page.get_by_role("button", name="Accept and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This return changed since you opened it"
    )
    audit.check("a return that changed since it was opened")

    audit.assert_clean(
        {
            "api_access:grant-change",
            "api_access:grant-remove",
            "api_access:key-revoke",
            "bulk:upload",
            "drafts:draft",
            "drafts:confirm",
            "drafts:discard",
            "returns:check",
        }
    )


def test_the_pages_for_refusals_and_failures(audit: Audit, in_window, settings):
    approver, _, beech = december_provider()
    page = audit.page

    # Asking for an account: sent, then refused as one request too many from this network.
    settings.REGISTER_MAX_PER_HOUR = 1
    for attempt in ("done", "limited"):
        page.goto("/register/")
        page.get_by_label("First name").fill("Jo")
        page.get_by_label("Last name").fill("Bloggs")
        page.get_by_label("Email address").fill(f"jo.{attempt}@greenfield.example")
        page.get_by_label("CQC provider ID").fill(approver.provider.cqc_id)
        page.get_by_label("CQC location ID of one of your locations").fill(beech.cqc_id)
        page.get_by_label("Create a password").fill("a long passphrase nobody guesses")
        page.get_by_role("button", name="Ask for an account").click()
        audit.check(f"register, {attempt}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many account requests")

    # Signing in with the wrong password until the account is locked.
    for _ in range(5):
        page.goto("/sign-in/")
        page.get_by_label("Email address").fill(approver.email)
        page.get_by_label("Password", exact=True).fill(TEST_PASSWORD + "wrong")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in for now")
    audit.check("locked out")

    # The server failing: a bug (500), and the database out of reach (503). The start page
    # reads the clock first, so making that fail reaches each handler as a real error would.
    with mock.patch("capacity_tracker.lib.clock.now", side_effect=RuntimeError("a bug")):
        response = page.goto("/")
        assert response is not None and response.status == 500
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Sorry, there is a problem with the service"
        )
        # Rendered without the request, it still names the service (the header link's text).
        expect(page).to_have_title(re.compile(f" – {re.escape(settings.SERVICE_NAME)} – GOV.UK$"))
        audit.check("server error (500)")
    with mock.patch("capacity_tracker.lib.clock.now", side_effect=OperationalError("gone")):
        response = page.goto("/")
        assert response is not None and response.status == 503
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Sorry, the service is unavailable"
        )
        expect(page).to_have_title(re.compile(f" – {re.escape(settings.SERVICE_NAME)} – GOV.UK$"))
        audit.check("database unavailable (503)")

    audit.assert_clean({"providers:register", "login"})
