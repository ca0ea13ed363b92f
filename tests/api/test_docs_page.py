"""The API docs page, /api/v1/docs/: public, served from our own static files, and working
under the site's Content-Security-Policy (issue 12).

The Django-client tests check what the server sends; the browser test loads the page in
Chromium and fails on a CSP violation, a script error or a request to another origin.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import browser_page, chromium_browser  # noqa: F401 - fixtures
from tests.conftest import client_for

DOCS = "/api/v1/docs/"
SIDECAR = "/static/drf_spectacular_sidecar/swagger-ui-dist/"


def _csp(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_docs_route_is_the_one_the_readme_names() -> None:
    assert reverse("api-docs") == DOCS
    assert reverse("api-schema") == "/api/v1/schema/"


@pytest.mark.django_db
def test_the_page_is_public_and_loads_only_our_own_scripts(
    django_assert_num_queries,
) -> None:
    with django_assert_num_queries(0):  # nobody is looked up: it is the same for everyone
        response = Client().get(DOCS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="en">' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    sources = [re.search(r'src="([^"]+)"', attrs)[1] for attrs, _ in scripts]
    assert sources == [
        f"{SIDECAR}swagger-ui-bundle.js",
        f"{SIDECAR}swagger-ui-standalone-preset.js",
        f"{DOCS}?script=",
    ]
    assert all(body.strip() == "" for _, body in scripts), "no inline script"
    assert "<style" not in html and " style=" not in html, "no inline style"
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheets == [f"{SIDECAR}swagger-ui.css", "/static/api/docs.css"]
    for url in [*sources[:2], *stylesheets]:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among our static files"
    # The site's policy, not a relaxed one.
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]


@pytest.mark.django_db
def test_the_init_script_is_served_as_javascript_and_loads_our_schema() -> None:
    response = Client().get(f"{DOCS}?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert 'url: "/api/v1/schema/"' in script
    assert '"validatorUrl": null' in script  # no badge fetched from swagger.io
    assert "<" not in script.split("SwaggerUIBundle(")[0].replace("<=", ""), "not HTML"


@pytest.mark.django_db
def test_a_bad_key_does_not_shut_out_the_docs_or_the_schema() -> None:
    """Neither authenticates: a stale key left in a browser or script is no 401 here."""
    client = Client(HTTP_AUTHORIZATION="Api-Key abcdefgh.not-a-real-key")
    assert client.get(DOCS).status_code == 200
    assert client.get(f"{DOCS}?script=").status_code == 200
    assert client.get("/api/v1/schema/").status_code == 200


@pytest.mark.django_db
def test_a_signed_in_provider_sees_the_same_page(provider_user) -> None:  # type: ignore[no-untyped-def]
    response = client_for(provider_user).get(DOCS)
    assert response.status_code == 200
    assert f"{DOCS}?script=" in response.content.decode()


# --- In a real browser ----------------------------------------------------------------------

# Installed before any of the page's scripts: records every CSP violation the page meets.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_swagger_ui_renders_every_operation_within_the_policy(
    browser_page: Page,  # noqa: F811 - the fixture imported above
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    page = browser_page
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text) if message.type == "error" else None,
    )
    elsewhere: list[str] = []
    ours = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda request: (
            elsewhere.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(request.url).netloc != ours
            else None
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)

    page.goto(DOCS)
    expect(page.get_by_role("heading", name=re.compile("Adult social care"))).to_be_visible()
    # One block per operation of the schema, each under its method's colour.
    schema = yaml.safe_load(Client().get("/api/v1/schema/").content)
    methods = [method for operations in schema["paths"].values() for method in operations]
    assert len(methods) >= 7  # calendar, data items, locations, returns (2), aggregates...
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() == len(methods)
    assert page.locator(".opblock-get").count() == methods.count("get")
    assert page.locator(".opblock-post").count() == methods.count("post")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/returns/").first).to_be_visible()
    # The "Authorize" button, for trying the API with a key.
    expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
    # Try one: the calendar, sent from the page to our own origin (CSP connect-src 'self').
    calendar = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path[data-path='/api/v1/calendar/']")
    )
    calendar.locator(".opblock-summary-control").click()
    calendar.get_by_role("button", name="Try it out").click()
    calendar.locator("input[placeholder='year']").fill("2026")
    calendar.get_by_role("button", name="Execute").click()
    answer = calendar.locator(".live-responses-table tbody .response-col_status")
    expect(answer).to_have_text("200")
    expect(calendar.locator(".live-responses-table")).to_contain_text("2026-12")

    violations = page.evaluate("window.__cspViolations")
    assert violations == [], violations
    assert [text for text in console if "Content Security Policy" in text] == []
    assert console == [], console
    assert elsewhere == [], elsewhere
