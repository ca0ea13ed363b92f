"""A supplier's draft from end to end, in a real browser with axe on each page.

The provider's approver gives a supplier access to one of two homes and makes it a key in the
portal; the supplier's system posts a draft for the granted home (and is refused for the other);
the approver sees the draft on the dashboard, checks the figures and confirms them; the return
is then the home's December return, sent "via" the supplier.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from providers.models import AuditEvent
from returns.deadlines import LONDON
from returns.models import Return, ReturnDraft, ReturnSource
from returns.services import windows_ensure_ahead
from tests.api.keys import client_with
from tests.api.test_submit_api import full
from tests.browser.test_portal_journeys import sign_in
from tests.factories import LocationFactory, ProviderFactory, ProviderUserFactory, SupplierFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)


@pytest.fixture
def clock() -> Iterator[None]:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


def test_a_supplier_draft_is_granted_sent_seen_and_confirmed(
    browser_page: Page, clock, assert_accessible
):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    provider = ProviderFactory(name="Greenfield Care Ltd")
    approver = ProviderUserFactory(
        provider=provider, email="ana@greenfield.example", is_provider_approver=True
    )
    alder = LocationFactory(provider=provider, name="Alder House")
    beech = LocationFactory(provider=provider, name="Beech House")
    SupplierFactory(name="CareNotes Systems")
    page = browser_page
    sign_in(page, approver.email)

    # 1. Give the supplier access to Alder House only.
    page.goto("/account/api-access/")
    expect(page.get_by_role("heading", level=1)).to_have_text("API access")
    assert_accessible(page)
    page.get_by_role("button", name="Give a supplier access").click()
    page.get_by_label("CareNotes Systems").check()
    page.get_by_label("Some locations", exact=True).check()
    page.get_by_label("Alder House").check()
    assert_accessible(page)
    page.get_by_role("button", name="Give access").click()
    expect(page.get_by_text("CareNotes Systems").first).to_be_visible()
    assert AuditEvent.objects.filter(action="api.grant.given", actor=approver).count() == 1

    # 2. Make the supplier a key: it is shown once, on this page only.
    page.get_by_role("button", name="Create a key for a supplier").click()
    page.get_by_label("CareNotes Systems").check()
    page.get_by_label("Name of the key").fill("CareNotes nightly")
    assert_accessible(page)
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name="Key created")).to_be_visible()
    assert_accessible(page)
    raw_key = page.locator("#api-key").inner_text().strip()
    assert "." in raw_key

    # 3. The supplier's system sends a draft for Alder House; Beech House is refused.
    supplier_api = client_with(raw_key)
    sent = supplier_api.post("/api/v1/returns/", full(alder), format="json")
    assert sent.status_code == 201, sent.content
    refused = supplier_api.post("/api/v1/returns/", full(beech), format="json")
    assert refused.status_code == 403
    draft = ReturnDraft.objects.get()

    # 4. The approver sees it on the dashboard, checks the figures and confirms them.
    page.goto("/returns/")
    expect(
        page.get_by_role("heading", name="Figures from your software supplier to check")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role(
        "link", name=re.compile("^Check the care home figures for Alder House")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the figures from CareNotes Systems"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.get_by_role("heading", name="Return sent")).to_be_visible()
    assert_accessible(page)

    draft.refresh_from_db()
    assert draft.status == ReturnDraft.Status.CONFIRMED and draft.decided_by == approver
    head = Return.objects.get(location=alder)
    assert head.counted == draft.version
    assert head.counted.source == ReturnSource.API
    assert head.counted.submitted_by == approver
    assert head.counted.via_supplier.name == "CareNotes Systems"
    assert not Return.objects.filter(location=beech).exists()
