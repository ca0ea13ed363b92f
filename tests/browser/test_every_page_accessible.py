"""Every page outside Django admin, for every role, checked at desktop width and at 320 CSS
pixels (a 1280-pixel screen zoomed to 400%, WCAG 1.4.10 Reflow).

On each page: axe-core finds nothing (WCAG A/AA and best practice, see conftest.AXE_OPTIONS)
at either width, and at 320 pixels the page does not scroll sideways (a wide table may scroll
inside its own labelled, focusable container; the page itself must not).

Each role's pages are found by following the links on them, as a person would, from where
signing in lands them: one page per URL pattern (one location's page stands for every
location's). The states a link cannot reach (a form sent with errors, check your answers, the
confirmation) are reached by sending forms. Each test then checks that the pages it was meant
to reach were reached, so a broken link cannot quietly shrink what is checked.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.urls import Resolver404, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from notifications.models import OutboundMessage
from returns.deadlines import LONDON
from returns.emails import WINDOW_OPEN, queue_window_open
from returns.models import CollectionWindow
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.browser.conftest import axe_violations, pass_second_factor
from tests.browser.test_bulk_journey import choose_file, download_template, fill_in, save_csv
from tests.browser.test_caseworker_journey import NOI_DAY
from tests.browser.test_caseworker_journey import missed_three as missed_three
from tests.browser.test_portal_journeys import fill_in_care_home_return
from tests.dissemination.aggregates_world import build_world
from tests.dissemination.pages_support import NOW as DATA_DAY
from tests.dissemination.pages_support import la_user
from tests.factories import (
    TEST_PASSWORD,
    AnalystFactory,
    CaseworkerFactory,
    ContactFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = [
    pytest.mark.browser,
    # The live server answers from other threads, so the test data must be committed; see
    # test_journeys.py for why serialized_rollback is needed too.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)  # window open 8-14 December
DESKTOP = {"width": 1280, "height": 900}
ZOOMED = {"width": 320, "height": 640}  # 1280 x 2560 at 400%

# Links not followed: files and data rather than pages, Django admin, the API, other sites.
NOT_PAGES = re.compile(r"(\.(csv|pdf|json|xlsx)$)|^/(admin|api)/|^/static/")
# URL names whose pages are not visited by following links (a GET that would change something,
# or a page reached another way below).
NOT_FOLLOWED = {"logout", "healthz"}
# The pages anyone can see: checked once, signed out, and not again for each role.
PUBLIC = {
    "start",
    "calendar",
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "providers:register",
}

# Lists every element wider than the viewport that is not inside a container that scrolls
# sideways: what makes the page itself scroll at 320 pixels.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (['auto', 'scroll'].includes(style.overflowX) || style.overflowX === 'hidden') return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1) && !scrolls(el)) {
      found.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')}`
        + ` (${Math.round(box.left)}..${Math.round(box.right)})`);
    }
  }
  return found.slice(0, 8);
}"""


class Audit:
    """Checks pages and keeps every problem found, so that one run reports them all."""

    def __init__(self, page: Page, axe: Axe) -> None:
        self.page = page
        self.axe = axe
        self.problems: list[str] = []
        self.seen: dict[str, str] = {}  # URL name -> the path checked for it

    def check(self, label: str | None = None) -> None:
        """Check the page now showing, at desktop width and at 320 pixels."""
        page = self.page
        page.wait_for_load_state("load")
        where = label or urlsplit(page.url).path
        name = url_name(urlsplit(page.url).path)
        if name:
            self.seen.setdefault(name, where)
        for viewport in (DESKTOP, ZOOMED):
            page.set_viewport_size(viewport)
            size = f"{viewport['width']}px"
            if viewport is ZOOMED:
                widths = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                if widths[0] > widths[1]:
                    culprits = ", ".join(page.evaluate(OVERFLOWING))
                    self.problems.append(
                        f"{where} at {size}: scrolls sideways ({widths[0]} > {widths[1]}): "
                        f"{culprits}"
                    )
            for violation in axe_violations(self.axe, page):
                targets = "; ".join(str(node["target"]) for node in violation["nodes"][:4])
                self.problems.append(
                    f"{where} at {size}: axe {violation['id']}: {violation['help']} [{targets}]"
                )
        page.set_viewport_size(DESKTOP)

    def visit(self, path: str, label: str | None = None) -> None:
        self.page.goto(path)
        self.check(label)

    def crawl(self, start: str, skip: set[str] = PUBLIC, limit: int = 40) -> None:
        """Follow links from ``start``, checking the first page found for each URL name."""
        queue = [start]
        while queue and len(self.seen) < limit:
            path = queue.pop(0)
            name = url_name(path)
            if name is None or name in self.seen or name in NOT_FOLLOWED | skip:
                continue
            self.visit(path)
            if urlsplit(self.page.url).path != path:  # redirected: do not follow it again
                self.seen.setdefault(name, path)
            queue.extend(links_on(self.page))

    def assert_clean(self, expected: set[str]) -> None:
        missing = expected - set(self.seen)
        assert not missing, f"Pages never reached: {sorted(missing)}; reached {sorted(self.seen)}"
        assert not self.problems, f"{len(self.problems)} problem(s):\n" + "\n".join(self.problems)


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def links_on(page: Page) -> list[str]:
    """This site's page links on the page: paths, without query strings or fragments."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    origin = urlsplit(page.url).netloc
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc == origin and not NOT_PAGES.search(parts.path):
            paths.append(parts.path)
    return paths


def sign_in(page: Page, email: str, audit: Audit | None = None) -> None:
    """Sign in; with ``audit``, check the page signing in leads to (for staff, the page
    asking for a code from their app, or setting one up) before going on."""
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    if audit is not None:
        audit.check()
    pass_second_factor(page, email)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


@pytest.fixture
def audit(browser_page: Page, axe: Axe) -> Audit:
    return Audit(browser_page, axe)


@pytest.fixture
def in_window() -> Iterator[None]:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


def december_provider() -> tuple:  # type: ignore[type-arg]
    """A provider with two homes (one also does home care) that sent November's returns."""
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    provider = ProviderFactory(name="Greenfield Care Ltd")
    approver = ProviderUserFactory(
        provider=provider, email="ana@greenfield.example", is_provider_approver=True
    )
    ProviderUserFactory(provider=provider, email="tom@greenfield.example", approved_at=None)
    alder = LocationFactory(provider=provider, name="Alder House", offers_home_care=True)
    beech = LocationFactory(provider=provider, name="Beech House")
    ContactFactory(location=alder, email="manager@alder.example", is_primary=True)
    november = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    return_save(
        submitter=Submitter.of(approver),
        location=beech,
        care_type="care_home",
        window=november,
        kind="full",
        source="portal",
        now=november.opens_at + datetime.timedelta(days=1),
        answers=GOOD_CARE_HOME,
    )
    return approver, alder, beech


# --- Tests ------------------------------------------------------------------------------------
# Two tests, not one per role: each browser test costs a browser and a database flush.


def test_the_public_pages_and_a_provider_users_pages(audit: Audit, in_window, tmp_path: Path):
    approver, alder, beech = december_provider()
    page = audit.page

    # Signed out.
    audit.crawl("/", skip=set())
    audit.visit("/no-such-page/", "page not found")
    audit.visit("/sign-in/forgotten-password/")
    page.get_by_role("button").filter(has_text=re.compile("Send")).first.click()
    audit.check("forgotten password, with an error")
    page.get_by_label(re.compile("Email address")).fill("nobody@greenfield.example")
    page.get_by_role("button").filter(has_text=re.compile("Send")).first.click()
    audit.check()
    user = ProviderUserFactory(provider=beech.provider, email="new@greenfield.example")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    audit.visit(f"/sign-in/new-password/{uid}/{default_token_generator.make_token(user)}/")
    audit.visit(f"/sign-in/new-password/{uid}/not-a-token/", "a broken password reset link")
    audit.visit("/register/")
    page.locator("main form").get_by_role("button").last.click()
    audit.check("register, with errors")
    audit.visit("/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    audit.check("sign in, with errors")
    # The link in the window-open email.
    december = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    queue_window_open(now=december.opens_at)
    email = OutboundMessage.objects.filter(kind=WINDOW_OPEN).first()
    assert email is not None
    link = urlsplit(email.personalisation["quick_url"]).path
    audit.visit(link)
    audit.visit(link[:-3] + "xx/", "a broken emailed link")

    # Signed in as the provider's approver.
    sign_in(page, approver.email)
    audit.crawl("/returns/")
    for path in (
        f"/returns/2026-12/{alder.cqc_id}/care_home/nil/",
        f"/returns/2026-12/{beech.cqc_id}/care_home/unchanged/",
        f"/locations/{alder.cqc_id}/contacts/add/",
        "/account/api-access/suppliers/add/",
        "/account/api-access/keys/add/",
    ):
        audit.visit(path)
    audit.visit("/cases/", "a page provider users may not see (403)")
    sign_out(page)
    sign_in(page, "tom@greenfield.example", audit)  # not approved yet
    sign_out(page)
    sign_in(page, approver.email)

    # A return: sent with errors, then check your answers, then sent.
    audit.visit(f"/returns/2026-12/{alder.cqc_id}/care_home/")
    page.get_by_role("button", name="Continue").click()
    audit.check("the return form, with errors")
    fill_in_care_home_return(page, GOOD_CARE_HOME)
    page.get_by_role("button", name="Continue").click()
    audit.check()
    page.get_by_role("button", name="Accept and send").click()
    audit.check()

    # A CSV upload: with a mistake, then good, then saved.
    audit.visit("/returns/bulk/")
    page.get_by_role("button", name="Upload and check the file").click()
    audit.check("the upload page, with an error")
    name, rows = download_template(page, "Care home file for December 2026", tmp_path)
    fill_in(rows)
    rows[0]["beds_occupied"] = "41"
    choose_file(page, save_csv(tmp_path / name, rows))
    page.get_by_role("button", name="Upload and check the file").click()
    audit.check("an upload with a mistake")
    audit.visit("/returns/bulk/")
    rows[0]["beds_occupied"] = "35"
    choose_file(page, save_csv(tmp_path / name, rows))
    page.get_by_role("button", name="Upload and check the file").click()
    audit.check("an upload ready to save")
    page.locator("main form").get_by_role("button").first.click()
    audit.check("an upload saved")

    audit.assert_clean(
        PUBLIC
        | {
            "email-link",
            "providers:awaiting-approval",
            "returns:dashboard",
            "returns:form",
            "returns:check",
            "returns:saved",
            "returns:nil",
            "returns:unchanged",
            "returns:history",
            "bulk:start",
            "bulk:upload",
            "providers:locations",
            "providers:location",
            "providers:contact-add",
            "providers:contact-edit",
            "providers:team",
            "api_access:index",
            "two_factor:account",
            "benchmark:location",
        }
    )


def test_the_staff_pages_outside_admin(audit: Audit, missed_three):
    """A caseworker's, the support desk's, an analyst's and a council officer's pages."""
    page = audit.page
    quietwater = missed_three.provider
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOI_DAY) as now:
        caseworker = CaseworkerFactory()
        sign_in(page, caseworker.email, audit)  # sets up an authenticator app
        audit.crawl("/cases/")
        audit.visit(f"/cases/?q={quietwater.name}", "the case queue, filtered")
        audit.visit(f"/locations/?q={quietwater.name[:5]}", "provider search results")
        audit.visit(audit.seen["enforcement:action"])
        page.locator("main form button[type=submit]").last.click()
        audit.check("a case action, sent as it came")
        sign_out(page)
        sign_in(page, caseworker.email, audit)  # asked for the code from the app
        sign_out(page)

        person = ProviderUserFactory(provider=quietwater)
        sign_in(page, SupportUserFactory().email)
        audit.visit(f"/locations/?q={quietwater.name[:5]}", "provider search, support desk")
        audit.visit(f"/providers/{quietwater.cqc_id}/", "a provider, support desk")
        audit.visit(f"/support/users/{person.pk}/two-factor/")
        sign_out(page)

        now.return_value = DATA_DAY
        world = build_world()
        sign_in(page, AnalystFactory().email)
        audit.crawl("/data/")
        audit.visit("/data/exports/")
        page.get_by_role("button", name="Download").click()
        audit.check("an export with no purpose given")
        sign_out(page)
        reached = set(audit.seen)
        audit.seen.clear()  # a council officer's pages show less: check them all again
        sign_in(page, la_user(world.leeds).email)
        audit.crawl("/data/")
    audit.seen.update(dict.fromkeys(reached, ""))
    audit.assert_clean(
        {
            "enforcement:queue",
            "enforcement:case",
            "enforcement:action",
            "providers:locations",
            "providers:provider",
            "two_factor:reset",
            "two_factor:setup",
            "two_factor:verify",
            "dissemination:dashboard",
            "dissemination:dictionary",
            "dissemination:exports",
            "dissemination:compliance",
            "dissemination:at-risk",
        }
    )
