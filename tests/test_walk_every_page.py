"""A walk of every page as every role (issue 17, "Done when").

Each role of the authorisation matrix signs in (the same demo world, the same accounts) and
follows every same-site link it is shown, breadth-first and by GET only, from the start page and
its home pages, as a person clicking through the portal would. Every page it reaches is read
with a real HTML parser and must have:

- no dead end: a link a role was shown must not answer 403, 404, 405, 400 or 5xx to that role
  (an anonymous visitor sent to sign in is fine: that is the way in, not a dead end);
- a <title> that starts with the page's h1 (a GOV.UK caption inside the h1 is not part of its
  name), after "Error: " exactly when the page shows an error summary;
- no Django default wording ("This field is required.", "username", ...);
- no internal code in its text: a dotted audit action ("providers.contact.confirmed") or a
  64-hex hash.

And nothing the walk does may write to the database. Every problem is collected, so one run
lists them all. Axe is the browser tests' job (tests/browser/test_every_page_accessible.py).
"""

from __future__ import annotations

import os
import re
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import connection
from django.http import HttpResponseBase
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from tests.browser.conftest import FRAMEWORK_WORDING
from tests.test_authorisation_matrix import ROLES, _clients, _objects_of_a
from tests.test_no_get_writes import NOW, WRITE_SQL, _build_world, _changed, _fingerprints

# Where each role starts besides "/": the start page and every home page in the URLconf. A
# start page the role may not open is not a problem (nobody linked it there); it is just not
# walked from.
HOME_PAGES = (
    "start",
    "home",
    "returns:dashboard",
    "providers:locations",
    "providers:team",
    "api_access:index",
    "enforcement:queue",
    "dissemination:dashboard",
    "vacancies:finder",
    "two_factor:account",
    "calendar",
)

# Not followed: admin (its own browser test), signing out (it would end the walk; a GET
# answers 405 anyway), static files (not pages).
NOT_FOLLOWED = re.compile(r"^/(admin|static)/|^/sign-out/")
# Pagination, filter and "next" links could multiply without end: the first few query strings
# seen for a path are walked, the rest are not.
QUERIES_PER_PATH = 2
# Lists link to hundreds of pages of one kind (a location's history, each version of each
# return): the first few of each URL pattern are walked, so every kind of page is reached
# within the time a test may take.
PAGES_PER_PATTERN = 10
# Staff find providers with the search form (a GET form, not a link): its results for the two
# providers of the world are where their walk reaches providers and locations from.
SEARCHES = ("/locations/?q=Meadowbank", "/locations/?q=Brightside")
PAGES_PER_ROLE = 400

# What a link must not answer to the role that was shown it.
DEAD_END = {400, 403, 404, 405}
SIGN_IN = "/sign-in/"

DJANGO_WORDING = (*FRAMEWORK_WORDING, "username")
# An audit action is "<app label>.<thing>.<what happened>" (providers.contact.confirmed).
AUDIT_ACTION = re.compile(
    r"\b(?:"
    + "|".join(sorted(re.escape(config.label) for config in apps.get_app_configs()))
    + r")\.[a-z_]+\.[a-z_]+\b"
)
HASH = re.compile(r"\b[0-9a-fA-F]{64}\b")

# Elements that never show text, and elements HTML closes without an end tag.
INVISIBLE = {"script", "style", "template", "head"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}


# --- Reading a page ---------------------------------------------------------------------------


@dataclass
class _Open:
    tag: str
    invisible: bool
    caption: bool  # inside a GOV.UK caption, which is not part of the heading's text
    main: bool
    h1: bool


class PageReader(HTMLParser):
    """A page's links, title, level-one heading (the first in <main>, else the first anywhere,
    as the browser tests take it), whether it shows an error summary, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.title_parts: list[str] = []
        self.main_h1: list[str] | None = None
        self.any_h1: list[str] | None = None
        self.has_error_summary = False
        self.text_parts: list[str] = []
        self._stack: list[_Open] = []
        self._in_title = False
        self._h1_parts: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if "govuk-error-summary" in classes:
            self.has_error_summary = True
        # The document's title only: the GOV.UK logo's SVG has a <title> of its own.
        if (
            tag == "title"
            and not self.title_parts
            and not any(opened.tag == "svg" for opened in self._stack)
        ):
            self._in_title = True
        if tag in VOID:
            return
        parent = self._stack[-1] if self._stack else _Open("", False, False, False, False)
        opened = _Open(
            tag=tag,
            invisible=parent.invisible or tag in INVISIBLE,
            caption=parent.caption or any("govuk-caption" in name for name in classes),
            main=parent.main or tag == "main",
            h1=parent.h1 or tag == "h1",
        )
        if tag == "h1" and not parent.h1:
            self._h1_parts = []
        self._stack.append(opened)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if not any(opened.tag == tag for opened in self._stack):
            return  # a stray end tag
        while self._stack:
            opened = self._stack.pop()
            if (
                opened.tag == "h1"
                and self._h1_parts is not None
                and not any(above.h1 for above in self._stack)
            ):
                if opened.main and self.main_h1 is None:
                    self.main_h1 = self._h1_parts
                if self.any_h1 is None:
                    self.any_h1 = self._h1_parts
                self._h1_parts = None
            if opened.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        top = self._stack[-1] if self._stack else None
        if top is None or top.invisible:
            return
        self.text_parts.append(data)
        if top.h1 and not top.caption and self._h1_parts is not None:
            self._h1_parts.append(data)

    @property
    def title(self) -> str:
        return " ".join("".join(self.title_parts).split())

    @property
    def heading(self) -> str | None:
        parts = self.main_h1 if self.main_h1 is not None else self.any_h1
        return " ".join("".join(parts).split()) if parts is not None else None

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


def content_problems(reader: PageReader) -> list[str]:
    """What is wrong with a page's words."""
    problems = []
    title, heading = reader.title, reader.heading
    if title.startswith("Error: ") and not reader.has_error_summary:
        problems.append(f'title {title!r} starts "Error: " but the page shows no error summary')
    if reader.has_error_summary and not title.startswith("Error: "):
        problems.append(f'title {title!r} lacks "Error: " but the page shows an error summary')
    if heading is None:
        problems.append(f"no h1 (title {title!r})")
    elif not title.removeprefix("Error: ").startswith(heading):
        problems.append(f"title {title!r} does not start with the h1 {heading!r}")
    text = f"{title} {reader.text}"
    for wording in DJANGO_WORDING:
        if wording.lower() in text.lower():
            problems.append(f"Django default wording {wording!r}")
    for code in sorted(set(AUDIT_ACTION.findall(text))):
        problems.append(f"internal code {code!r} shown")
    for found in sorted(set(HASH.findall(text))):
        problems.append(f"hash {found[:12]}... shown")
    return problems


# --- The walk ---------------------------------------------------------------------------------


@dataclass
class RoleWalk:
    role: str
    client: Client
    problems: list[str]
    linked_from: dict[str, str] = field(default_factory=dict)  # URL -> the page that linked it
    queries_seen: dict[str, set[str]] = field(default_factory=dict)
    per_pattern: dict[str, int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)  # URL -> status code
    queued: set[str] = field(default_factory=set)
    pages: int = 0
    capped: bool = False

    def report(self, url: str, problem: str) -> None:
        source = self.linked_from.get(url, "(a start page)")
        self.problems.append(f"{self.role} | {url} | linked from {source} | {problem}")


def _same_site(href: str, base: str) -> str | None:
    """The link as a path and query on this site, or None for another site, a fragment, a
    mailto: or a page the walk does not follow."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(f"http://testserver{base}", href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if NOT_FOLLOWED.search(parts.path):
        return None
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _read_body(response: HttpResponseBase) -> bytes:
    if response.streaming:  # downloads do their reads while streaming
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


@contextmanager
def _writes_seen(into: list[str], where: list[str]) -> Iterator[None]:
    """Every write statement sent while walking, with who sent it from where."""

    def spy(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if found := WRITE_SQL.search(sql):
            into.append(f"{where[0]}: {sql[found.start(1) :][:160]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        yield


def _enqueue(walk: RoleWalk, queue: deque[str], url: str, source: str) -> None:
    path, _, query = url.partition("?")
    if url in walk.queued:
        # A start page nobody had linked yet: now someone has, so it must not be a dead end.
        if url not in walk.linked_from:
            walk.linked_from[url] = source
            if walk.answered.get(url) in DEAD_END:
                walk.report(url, f"answers {walk.answered[url]}")
        return
    try:
        pattern = resolve(path).route
    except Resolver404:
        pattern = path  # walked, to report the dead end
    if not query:
        if walk.per_pattern.get(pattern, 0) >= PAGES_PER_PATTERN:
            return
        walk.per_pattern[pattern] = walk.per_pattern.get(pattern, 0) + 1
    if query:
        seen = walk.queries_seen.setdefault(path, set())
        if len(seen) >= QUERIES_PER_PATH:
            return
        seen.add(query)
    walk.queued.add(url)
    walk.linked_from.setdefault(url, source)
    queue.append(url)


def _walk_role(walk: RoleWalk, where: list[str]) -> None:
    queue: deque[str] = deque()
    for start in ["/", *(reverse(name) for name in HOME_PAGES), *SEARCHES]:
        if start not in walk.queued:
            walk.queued.add(start)
            queue.append(start)
    while queue:
        if walk.pages >= PAGES_PER_ROLE:
            walk.capped = True
            return
        url = queue.popleft()
        where[0] = f"{walk.role} GET {url}"
        response = walk.client.get(url)
        body = _read_body(response)
        walk.pages += 1
        if os.environ.get("WALK_PRINT"):  # to see what a role walked
            with open(os.environ["WALK_PRINT"], "a") as out:
                out.write(
                    f"{walk.role} {response.status_code} {url} <- {walk.linked_from.get(url)}\n"
                )
        status = walk.answered[url] = response.status_code
        linked = url in walk.linked_from
        if status in (301, 302, 303, 307, 308):
            target = _same_site(response["Location"], url)
            signing_in = urlsplit(response["Location"]).path == SIGN_IN
            if signing_in and walk.role != "anonymous" and linked:
                walk.report(url, f"sends a signed-in {walk.role} to sign in")
            if target and target not in walk.queued:
                # Whoever linked the redirecting URL linked where it leads.
                walk.linked_from.setdefault(target, f"{walk.linked_from.get(url, url)} via {url}")
                _enqueue(walk, queue, target, url)
            continue
        if status >= 500 or (status in DEAD_END and linked):
            walk.report(url, f"answers {status}")
            continue
        if status != 200:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue  # a download or data: fine, not a page to read
        page = read_page(body.decode(response.charset or "utf-8"))
        if os.environ.get("WALK_PRINT"):
            with open(os.environ["WALK_PRINT"], "a") as out:
                out.write(f"    title {page.title!r} h1 {page.heading!r}\n")
        for problem in content_problems(page):
            walk.report(url, problem)
        for href in page.links:
            target = _same_site(href, url)
            if target:
                _enqueue(walk, queue, target, url)


@pytest.mark.django_db
def test_every_page_as_every_role_is_reachable_and_well_worded() -> None:
    started = time.monotonic()
    problems: list[str] = []
    writes: list[str] = []
    where = ["(none yet)"]
    walks = []
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW):
        _objects_of_a(_build_world())  # checks the world is the matrix's
        clients = _clients()  # signing in writes: before the first fingerprint
        before = _fingerprints()
        with _writes_seen(writes, where):
            for role in ROLES:
                walk = RoleWalk(role=role, client=clients[role], problems=problems)
                _walk_role(walk, where)
                walks.append(walk)
        changed = _changed(before, _fingerprints())

    summary = ", ".join(f"{w.role} {w.pages}{' (capped)' if w.capped else ''}" for w in walks)
    print(f"\nPages walked per role: {summary}; {time.monotonic() - started:.0f}s")
    # Each role really walked: the signed-in roles reach more than the start pages.
    assert all(walk.pages > len(HOME_PAGES) for walk in walks), summary
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
    assert changed == [], "GETs wrote:\n" + "\n".join(writes)
    assert writes == []


# --- The reader itself ------------------------------------------------------------------------


def test_the_reader_finds_what_is_wrong_with_a_page() -> None:
    html = """<html><head><title>Error: Your returns - GOV.UK</title></head><body>
      <a href="/returns/">Back</a><main><h1><span class="govuk-caption-l">Meadowbank</span>
      Your locations</h1><p>providers.contact.confirmed by Username
      <br>{hash}</p><script>var x = "returns.draft.received";</script></main></body></html>
    """.replace("{hash}", "ab" * 32)
    page = read_page(html)
    assert page.links == ["/returns/"]
    assert content_problems(page) == [
        "title 'Error: Your returns - GOV.UK' starts \"Error: \" but the page shows no error "
        "summary",
        "title 'Error: Your returns - GOV.UK' does not start with the h1 'Your locations'",
        "Django default wording 'username'",
        "internal code 'providers.contact.confirmed' shown",
        "hash abababababab... shown",
    ]


def test_a_well_made_page_has_no_problems() -> None:
    html = """<html><head><title>Error: Your locations - GOV.UK</title></head><body>
      <main><div class="govuk-error-summary">Enter a number of beds</div>
      <h1><span class="govuk-caption-l">Meadowbank</span> Your locations</h1>
      <p>Write to support@necs.example or see www.gov.uk.</p></main></body></html>"""
    page = read_page(html)
    assert (content_problems(page), page.links) == ([], [])
