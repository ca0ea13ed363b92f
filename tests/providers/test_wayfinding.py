"""Finding your way (issue 17): back links right for each role, audit codes in plain words,
the one pagination component and the back link's landmark."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse

from enforcement.transitions import Action
from providers.audit import ACTION_LABELS, action_label, audit_record
from providers.models import RegistrationStatus
from returns.models import ReturnKind
from tests.conftest import client_for
from tests.factories import (
    ContactFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = [
    "api",
    "capacity_tracker",
    "dissemination",
    "enforcement",
    "notifications",
    "providers",
    "returns",
]
AUDIT_CALLS = {"audit_record", "audit_record_many", "_record"}
# The f-string action codes in the code, and every value each can take.
TEMPLATES = {
    "providers.location.{status}": [f"providers.location.{s}" for s in RegistrationStatus.values],
    "returns.return.{kind}": [f"returns.return.{k}" for k in ReturnKind.values],
    "enforcement.case.{action}": [],  # each enforcement _record call is read on its own
}
CODE = re.compile(
    r"^(api|dissemination|enforcement|notifications|providers|returns)\.[a-z_]+\.[a-z_]+$"
)


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def emitted_action_codes() -> set[str]:
    """Every action code the project writes to the audit trail, read from its source."""
    codes: set[str] = {f"enforcement.case.{action.value}" for action in Action}
    for directory in SOURCE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _name(node.func) in AUDIT_CALLS:
                    for keyword in node.keywords:
                        if keyword.arg != "action":
                            continue
                        value = keyword.value
                        prefix = "enforcement.case." if _name(node.func) == "_record" else ""
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            codes.add(prefix + value.value)
                        elif isinstance(value, ast.JoinedStr):
                            template = ast.unparse(value)[2:-1]  # f"..." -> ...
                            assert template in TEMPLATES, f"{path}: unknown action {template}"
                            codes.update(TEMPLATES[template])
                        elif isinstance(value, ast.IfExp):
                            for branch in (value.body, value.orelse):
                                if isinstance(branch, ast.Constant):
                                    codes.add(prefix + branch.value)
                # Codes held in a mapping and passed on by name (the CQC import's audit).
                if isinstance(node, ast.Dict):
                    for key in node.keys:
                        if isinstance(key, ast.Constant) and CODE.match(str(key.value)):
                            codes.add(key.value)
    return codes


def test_every_action_code_the_project_writes_has_plain_words():
    codes = emitted_action_codes()
    assert "providers.contact.confirmed" in codes and "returns.return.nil" in codes
    assert len(codes) > 50
    missing = sorted(codes - set(ACTION_LABELS))
    assert not missing, f"Action codes with no label in providers/audit.py: {missing}"
    for code in codes:
        label = ACTION_LABELS[code]
        assert label[0].isupper() and "." not in label and "_" not in label, label


def test_a_code_without_a_label_still_reads_as_words():
    assert action_label("providers.contact.confirmed") == "Contacts confirmed"
    assert action_label("returns.something.new_thing") == "New thing"


@pytest.mark.django_db
def test_support_staff_see_plain_words_in_a_locations_recent_changes():
    location = LocationFactory()
    ContactFactory(location=location)
    support = SupportUserFactory()
    audit_record(actor=support, action="providers.contact.confirmed", target=location)
    page = client_for(support).get(reverse("providers:location", args=[location.cqc_id]))
    html = page.content.decode()
    assert "Contacts confirmed by" in html
    assert "providers.contact.confirmed" not in html


@pytest.mark.django_db
def test_provider_pages_send_provider_users_back_to_their_locations():
    location = LocationFactory()
    user = ProviderUserFactory(provider=location.provider)
    client = client_for(user)
    for url in (
        reverse("providers:provider", args=[location.provider.cqc_id]),
        reverse("providers:location", args=[location.cqc_id]),
    ):
        html = client.get(url).content.decode()
        assert (
            f'<nav aria-label="Back"><a href="{reverse("providers:locations")}" '
            'class="govuk-back-link">Back to your locations</a></nav>'
        ) in html
        assert "Back to search" not in html


@pytest.mark.django_db
def test_support_staff_go_back_to_the_same_search_results():
    provider = ProviderFactory(name="Meadow Care Ltd")
    location = LocationFactory(provider=provider, name="Meadow House")
    client = client_for(SupportUserFactory())
    results = client.get(reverse("providers:locations"), {"q": "Meadow & co"}).content.decode()
    results = client.get(reverse("providers:locations"), {"q": "Meadow"}).content.decode()
    provider_url = reverse("providers:provider", args=[provider.cqc_id])
    assert f'href="{provider_url}?q=Meadow"' in results

    page = client.get(provider_url, {"q": "Meadow"}).content.decode()
    assert (
        f'<a href="{reverse("providers:locations")}?q=Meadow" class="govuk-back-link">'
        "Back to search results</a>"
    ) in page
    location_url = reverse("providers:location", args=[location.cqc_id])
    assert f'href="{location_url}?q=Meadow"' in page

    html = client.get(location_url, {"q": "Meadow"}).content.decode()
    assert (
        f'<a href="{provider_url}?q=Meadow" class="govuk-back-link">Back to Meadow Care Ltd</a>'
    ) in html
    # Straight to the provider's page (no search): back to Find a provider.
    direct = client.get(provider_url).content.decode()
    assert "Back to find a provider</a>" in direct


def test_the_back_link_block_sits_in_a_landmark_and_an_empty_one_renders_nothing():
    back = Template("{% load wayfinding %}{% filter back_nav %}{{ link }}{% endfilter %}")
    assert back.render(Context({"link": ""})) == ""
    html = back.render(Context({"link": "<a>&</a>"}))
    assert html == '<nav aria-label="Back">&lt;a&gt;&amp;&lt;/a&gt;</nav>'


def test_pagination_lists_first_last_and_neighbours_with_ellipses():
    items = Template("{% load wayfinding %}{{ n|pagination_items:p }}")
    assert items.render(Context({"n": 6, "p": 12})) == "[1, None, 5, 6, 7, None, 12]"
    assert items.render(Context({"n": 1, "p": 3})) == "[1, 2, 3]"
    assert items.render(Context({"n": 3, "p": 3})) == "[1, 2, 3]"


def test_the_pagination_include_is_govuk_pagination_with_arrows_and_the_current_page():
    html = Template(
        '{% include "includes/pagination.html" with number=2 pages=5 query="a=1" label="Pages of rows" %}'
    ).render(Context({}))
    assert '<nav class="govuk-pagination" aria-label="Pages of rows">' in html
    assert "govuk-pagination__icon--prev" in html and "govuk-pagination__icon--next" in html
    assert (
        'href="?a=1&amp;page=1" rel="prev"' in html and 'href="?a=1&amp;page=3" rel="next"' in html
    )
    assert 'aria-label="Page 2" aria-current="page">2</a>' in html
    assert "govuk-pagination__item--ellipses" in html  # 1 2 3 … 5
    assert (
        Template('{% include "includes/pagination.html" with number=1 pages=1 %}')
        .render(Context({}))
        .strip()
        == ""
    )


def test_every_paginated_page_uses_the_one_include():
    templates = ROOT / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        if "admin" in path.parts or path.name == "pagination.html":
            continue
        if "govuk-pagination__list" in text or "govuk-pagination__prev" in text:
            # Only the calendar's year-by-year links are their own (GOV.UK's block variant).
            assert path.name == "calendar.html", f"{path}: use includes/pagination.html"


def test_no_template_writes_its_own_back_link_landmark():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if path.name == "base.html":
            continue
        assert '<nav aria-label="Back">' not in text, f"{path}: use {{% block back_link %}}"
        for line in text.splitlines():
            if "govuk-back-link" in line:
                assert "{% block back_link %}" in line, f"{path}: {line.strip()}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("provider", '<a class="govuk-link" href="/home/">Back to your returns</a>'),
        ("support", '<a class="govuk-link" href="{location}">Back to Larch House</a>'),
    ],
)
def test_after_a_save_the_way_back_is_each_roles_own(role, expected):
    """A provider goes back to their returns; support staff, who have none, to the location
    they saved for (home would take them to Find a provider)."""
    location = LocationFactory(name="Larch House")
    user = (
        ProviderUserFactory(provider=location.provider)
        if role == "provider"
        else SupportUserFactory()
    )
    head = SimpleNamespace(
        location=location,
        get_care_type_display="Care home",
        window=SimpleNamespace(label="May 2026", last_day=None),
    )
    version = SimpleNamespace(
        kind="full", reference="2605-ABCDEF", in_window=True, submitter_name="A B"
    )
    html = render_to_string("returns/saved.html", {"user": user, "head": head, "version": version})
    location_url = reverse("providers:location", args=[location.cqc_id])
    assert expected.format(location=location_url) in html
