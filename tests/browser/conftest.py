"""Fixtures for the browser tests: a headless Chromium and a fresh page for each test.

They drive Debian's Chromium (/usr/bin/chromium) through Playwright's sync API against Django's
live server. pytest-playwright's own ``browser``/``page`` fixtures are not used: they would start
a second Playwright and try to launch a browser Playwright downloaded itself, which it cannot do
here. Ours are called ``chromium_browser``, ``browser_page`` and ``no_js_page`` instead.
"""

from __future__ import annotations

import base64
import os
import time
import weakref
from binascii import unhexlify
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# Every WCAG 2.0, 2.1 and 2.2 success criterion at levels A and AA that axe-core can test,
# and axe-core's best-practice rules: those catch what WCAG's tags do not, such as content
# outside any landmark (region), no or two main landmarks, no level-one heading, landmarks
# with the same name, or no way to skip the header (bypass).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
# Fail fast rather than wait Playwright's default 30 seconds on a broken page.
TIMEOUT_MS = 5_000

expect.set_options(timeout=TIMEOUT_MS)

# Contexts made with JavaScript turned off. axe-core cannot run in them (see axe_violations).
_NO_JS_CONTEXTS: weakref.WeakSet[BrowserContext] = weakref.WeakSet()


@pytest.fixture
def chromium_browser() -> Iterator[Browser]:
    """Playwright and a headless Chromium, started for one test and stopped after it.

    Not shared across tests, on purpose. Playwright's sync API runs an asyncio event loop in
    the main thread from start() to stop() (it switches to it with greenlets, and marks it as
    the running loop between calls). While a loop runs, Django keeps its database connections
    per asyncio context rather than per thread, so the ORM gets connection objects of its own
    that know nothing of the test database's serialized contents. A browser kept across tests
    would therefore be running when pytest-django flushes the database after one test and
    restores the reference data before the next; serialized_rollback then silently does
    nothing, post_migrate recreates the content types, and every later serialized_rollback
    test (anywhere in the suite) fails with IntegrityError. Starting Playwright here, after the
    database fixtures, stops it again before they tear down. The cost is about 0.7 seconds a
    test.

    The running loop also makes Django raise SynchronousOnlyOperation for any ORM call in the
    test thread (the factories, the test's own queries). Nothing here is async code: the live
    server answers in its own threads, with no loop. So DJANGO_ALLOW_ASYNC_UNSAFE is set for
    exactly as long as Playwright runs, and put back afterwards; set for the whole session, it
    would leak into other tests (``manage.py check --deploy`` reports it as async.E001).
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: run bash scripts/test, which installs it (apt-get install chromium)"
        )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()
        finally:
            # Close the database connections the ORM opened while the loop ran (those of
            # the loop's context only), so none is left open when the test database is dropped.
            connections.close_all()
            playwright.stop()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _new_context(browser: Browser, base_url: str, **options: object) -> BrowserContext:
    context = browser.new_context(base_url=base_url, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS * 2)
    return context


def _watch_for_breakage(page: Page) -> list[str]:
    """Collect what a person would notice as a broken page: assets missing, scripts failing."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} for {response.url}")
            if "/static/" in response.url and response.status >= 400
            else None
        ),
    )
    return problems


def watched_page(browser: Browser, base_url: str, **options: object) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies) made with ``options``, pointed at
    ``base_url``. After the test, it fails if a stylesheet, script or image was missing or a
    script threw. For a fixture: ``yield from watched_page(...)``."""
    context = _new_context(browser, base_url, **options)
    if options.get("java_script_enabled") is False:
        _NO_JS_CONTEXTS.add(context)
    try:
        page = context.new_page()
        problems = _watch_for_breakage(page)
        yield page
    finally:
        context.close()
    assert not problems, "The pages broke in the browser:\n" + "\n".join(problems)


@pytest.fixture
def browser_page(chromium_browser: Browser, live_server) -> Iterator[Page]:
    """A page in a fresh browser context pointed at the live server (see watched_page)."""
    yield from watched_page(chromium_browser, live_server.url)


@pytest.fixture
def no_js_page(chromium_browser: Browser, live_server) -> Iterator[Page]:
    """The same, with JavaScript turned off, as for people whose browser did not run it."""
    yield from watched_page(chromium_browser, live_server.url, java_script_enabled=False)


AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}

# Django's own form wording, which the service replaces with GOV.UK's (an error message says
# what to do to fix it, in the field's own words).
FRAMEWORK_WORDING = (
    "This field is required.",
    "Enter a valid",
    "Please enter",
    "Ensure this value",
)
# The page's level-one heading as a person reads it: a caption inside the heading (GOV.UK's
# "section" caption, such as the location's name) is not part of the page's name.
HEADING_TEXT = r"""() => {
  const h1 = document.querySelector('main h1') || document.querySelector('h1');
  if (!h1) return null;
  const copy = h1.cloneNode(true);
  copy.querySelectorAll('[class*="govuk-caption"]').forEach(el => el.remove());
  return copy.textContent.replace(/\s+/g, ' ').trim();
}"""


def content_problems(page: Page) -> list[dict]:
    """What GOV.UK's content style finds wrong on the page, in the shape of axe's violations
    so that every check of a page reports it with axe's findings: the <title> must start with
    the h1 (after "Error: ", which it has exactly when the page shows an error summary), and no
    page may show Django's default form wording."""
    found: list[dict] = []

    def problem(rule: str, help_text: str, detail: str) -> None:
        found.append(
            {
                "id": rule,
                "impact": "serious",
                "help": help_text,
                "helpUrl": "https://www.gov.uk/guidance/content-design/writing-for-gov-uk",
                "nodes": [{"target": [detail], "failureSummary": detail}],
            }
        )

    title = " ".join(page.title().split())
    heading = page.evaluate(HEADING_TEXT)
    has_errors = page.locator(".govuk-error-summary").count() > 0
    named = title.removeprefix("Error: ")
    if has_errors != title.startswith("Error: "):
        problem(
            "title-error-prefix",
            'The title starts "Error: " exactly when the page shows an error summary',
            f"title {title!r}, error summary {'shown' if has_errors else 'not shown'}",
        )
    if heading and not named.startswith(heading):
        problem(
            "title-matches-heading",
            "The page title starts with the page's h1",
            f"title {title!r}, h1 {heading!r}",
        )
    text = page.locator("body").inner_text()
    for wording in FRAMEWORK_WORDING:
        if wording in text:
            problem(
                "framework-wording",
                "No Django default wording on the page",
                f"shows {wording!r}",
            )
    return found


def axe_violations(axe: Axe, page: Page) -> list[dict]:
    """What axe-core finds wrong on the page (see AXE_TAGS), as its list of violations, and
    after them what content_problems finds."""
    page.wait_for_load_state("load")
    return _axe_only(axe, page) + content_problems(page)


def _axe_only(axe: Axe, page: Page) -> list[dict]:
    if page.context not in _NO_JS_CONTEXTS:
        return axe.run(page, options=AXE_OPTIONS).response["violations"]
    # With JavaScript off Playwright can still evaluate scripts, but timers never fire, and
    # axe.run() waits on setTimeout, so it would hang. Check the same page as its users got
    # it instead: serve the HTML this page has (no script has changed it) at the same
    # address, with the stylesheets and images from the live server but every script
    # blocked, in a context where axe-core can run.
    html, address = page.content(), page.url
    context = page.context.browser.new_context(locale="en-GB")
    try:
        context.route("**/*.js", lambda route: route.abort())
        context.route(
            lambda url: url == address,
            lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html
            ),
        )
        copy = context.new_page()
        copy.goto(address)
        copy.wait_for_load_state("load")
        assert copy.evaluate("document.body.classList.contains('js-enabled')") is False
        return axe.run(copy, options=AXE_OPTIONS).response["violations"]
    finally:
        context.close()


def app_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now (django-otp refuses a code of a time
    step already used, so a second sign-in in the same 30 seconds types the next one)."""
    device.refresh_from_db()
    otp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    otp.time = time.time()
    if device.last_t + 1 - otp.t() > 1:  # two steps ahead is refused: wait for the next one
        time.sleep(device.step - otp.time % device.step + 0.5)
        otp.time = time.time()
    otp.time += max(0, device.last_t + 1 - otp.t()) * device.step
    return f"{otp.token():0{device.digits}d}"


def pass_second_factor(page: Page, email: str) -> None:
    """After the password, do what a person does on the two-factor page they land on: enter
    the code from their app, or (staff with no app yet) set one up from the key shown."""
    path = urlsplit(page.url).path
    if path == "/sign-in/code/":
        device = TOTPDevice.objects.get(user__email=email, confirmed=True)
        page.get_by_label("Enter the code from your authenticator app").fill(app_code(device))
        page.get_by_role("button", name="Continue").click()
    elif path == "/sign-in/set-up-code/":
        shown = (page.locator("#setup-key").text_content() or "").replace(" ", "").strip()
        key = base64.b32decode(shown + "=" * (-len(shown) % 8)).hex()
        code = TOTP(unhexlify(key))
        code.time = time.time()
        page.get_by_label("Enter the 6-digit code from the app").fill(f"{code.token():06d}")
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("link", name="Continue").click()  # past the backup codes
    else:
        return
    page.wait_for_load_state("load")


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_accessible(axe: Axe):
    """Call with a page: axe-core must find no WCAG 2.0/2.1/2.2 A or AA failures on it, and
    break none of its best-practice rules; and its title and wording must pass
    content_problems."""

    def check(page: Page) -> None:
        violations = axe_violations(axe, page)
        if violations:
            lines = [f"axe-core found {len(violations)} accessibility problem(s) on {page.url}:"]
            for violation in violations:
                lines.append(
                    f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                    f" <{violation['helpUrl']}>"
                )
                for node in violation["nodes"]:
                    lines.append(f"    target: {node['target']}")
                    if node.get("failureSummary"):
                        summary = node["failureSummary"].replace("\n", "\n      ")
                        lines.append(f"      {summary}")
            pytest.fail("\n".join(lines), pytrace=False)

    return check
