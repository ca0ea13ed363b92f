"""Django admin, as NECS support staff use it, in a real browser: the sign-in page, the index,
every model's list, a change form of each main model and the support desk's own pages, each
checked with axe-core (WCAG A/AA and best practice, see conftest.AXE_OPTIONS) and with no
Content Security Policy refusal in the browser's console (admin must work under the portal's
strict policy, with no inline style or script let through).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from enforcement.models import Breach, EnforcementCase
from notifications.models import OutboundMessage
from providers.models import Contact, User
from returns.models import ReturnVersion
from tests.browser.conftest import axe_violations, pass_second_factor
from tests.browser.test_caseworker_journey import missed_three as missed_three
from tests.dissemination.aggregates_world import save, windows_2026
from tests.factories import (
    TEST_PASSWORD,
    ContactFactory,
    LocationFactory,
    SupportUserFactory,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A model's list page in admin: /admin/<app>/<model>/ (not its add or change pages).
CHANGELIST = re.compile(r"^/admin/[a-z_]+/[a-z_]+/$")


class AdminAudit:
    """Checks admin pages and keeps every problem found, so that one run reports them all."""

    def __init__(self, page: Page, axe: Axe) -> None:
        self.page = page
        self.axe = axe
        self.problems: list[str] = []
        self.checked: list[str] = []
        self.console: list[str] = []
        self.axe_running = False
        page.on("console", self._console)
        # The browser's own report of each refusal, with where it came from.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'Content Security Policy refused ' + e.violatedDirective + ' at ' + e.sourceFile"
            " + ':' + e.lineNumber + ' ' + e.sample))"
        )

    def _console(self, message: ConsoleMessage) -> None:
        # Not while axe runs: axe-core itself copies the page's stylesheets into <style>
        # elements to test them, which the policy refuses too; that is no fault of the page.
        if self.axe_running:
            return
        if message.type == "error" and (
            "Content Security Policy" in message.text or "Failed to load resource" in message.text
        ):
            self.console.append(f"{urlsplit(self.page.url).path}: {message.text}")

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        self.check()

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        where = urlsplit(self.page.url).path
        self.checked.append(where)
        self.axe_running = True
        try:
            violations = axe_violations(self.axe, self.page)
        finally:
            self.axe_running = False
        for violation in violations:
            targets = "; ".join(str(node["target"]) for node in violation["nodes"][:4])
            self.problems.append(f"{where}: axe {violation['id']}: {violation['help']} [{targets}]")

    def assert_clean(self) -> None:
        found = self.problems + [f"Console: {line}" for line in self.console]
        assert not found, f"{len(found)} problem(s):\n" + "\n".join(found)


@pytest.fixture
def admin_audit(browser_page: Page, axe: Axe) -> AdminAudit:
    return AdminAudit(browser_page, axe)


@pytest.fixture
def admin_world(missed_three: EnforcementCase) -> dict[str, object]:
    """missed_three's case, breaches, letters and emails, and a location with a contact and a
    saved return."""
    (may,) = windows_2026(5)
    location = LocationFactory(name="Larch House")
    ContactFactory(location=location, email="manager@larch.example", is_primary=True)
    save(location, "care_home", may, answers=GOOD_CARE_HOME)
    support = SupportUserFactory(email="desk@necs.example")
    return {"case": missed_three, "location": location, "support": support}


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label(re.compile(r"^Email address")).fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    pass_second_factor(page, email)


def change_url(obj: object) -> str:
    meta = obj._meta  # type: ignore[attr-defined]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])  # type: ignore[attr-defined]


def test_admin_pages_are_accessible_under_the_csp(admin_audit: AdminAudit, admin_world) -> None:
    page = admin_audit.page
    # Signed out: admin's own sign-in page.
    admin_audit.visit("/admin/login/")

    support: User = admin_world["support"]  # type: ignore[assignment]
    sign_in(page, support.email)
    admin_audit.visit("/admin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    changelists = sorted(
        {
            path
            for path in (
                urlsplit(href).path
                for href in page.eval_on_selector_all(
                    "#content-main a[href]", "links => links.map(a => a.href)"
                )
            )
            if CHANGELIST.match(path)
        }
    )
    assert "/admin/enforcement/breach/" in changelists, changelists
    for path in changelists:
        admin_audit.visit(path)

    case: EnforcementCase = admin_world["case"]  # type: ignore[assignment]
    contact = Contact.objects.get(email="manager@larch.example")
    main_objects = [
        Breach.objects.filter(provider=case.provider).first().window,  # type: ignore[union-attr]
        contact.location,  # its contacts inline
        contact.location.provider,
        support,
        ReturnVersion.objects.first(),
        Breach.objects.filter(provider=case.provider).first(),
        case,
        OutboundMessage.objects.first(),
    ]
    for obj in main_objects:
        assert obj is not None
        admin_audit.visit(change_url(obj))

    # The support desk's own pages (templates/admin/support/): the window monitor and, from it,
    # a location's overview.
    admin_audit.visit(reverse("admin:returns_collectionwindow_monitor"))
    admin_audit.visit(reverse("admin:providers_location_overview", args=[contact.location.pk]))
    admin_audit.assert_clean()
