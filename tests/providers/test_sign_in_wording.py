"""The sign-in page speaks GOV.UK, not Django (issue 17: sign-in)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from providers.forms import SignInForm
from tests.factories import TEST_PASSWORD, ProviderUserFactory

pytestmark = pytest.mark.django_db

DJANGO_WORDS = ("This field is required", "Please enter", "username", "case-sensitive")


def _summary_links(page: str) -> list[tuple[str, str]]:
    start = page.index("govuk-error-summary__list")
    summary = page[start : page.index("</ul>", start)]
    return re.findall(r'<a href="#(id_\w+)">([^<]*)</a>', summary)


def _inline_errors(page: str) -> list[str]:
    found = re.findall(r'class="govuk-error-message">\s*<span[^>]*>Error:</span> ([^<]*)', page)
    return [message.strip() for message in found]


def _visible_words(page: str) -> str:
    # Field names and autocomplete tokens ("username") are markup, not words on the page.
    return re.sub(r"<[^>]*>", " ", page)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"username": "", "password": ""}, [("id_username", "Enter your email address"), ("id_password", "Enter your password")]),
        ({"username": "jo@home.example", "password": ""}, [("id_password", "Enter your password")]),
        ({"username": "", "password": "secret"}, [("id_username", "Enter your email address")]),
        (
            {"username": "nobody@home.example", "password": "wrong password"},
            [("id_username", "Enter a correct email address and password")],
        ),
    ],
)  # fmt: skip
def test_each_problem_is_named_once_in_govuk_words(client, data, expected):
    response = client.post(reverse("login"), data)
    page = response.content.decode()
    assert "<title>Error: Sign in" in page
    assert _summary_links(page) == expected
    assert _inline_errors(page) == [message for _, message in expected]  # once beside it too
    for words in DJANGO_WORDS:
        assert words not in _visible_words(page)


def test_the_page_asks_for_an_email_address_and_links_to_a_password_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert "<title>Sign in" in page
    assert '<label class="govuk-label" for="id_username">Email address</label>' in page
    assert f'href="{reverse("password_reset")}">Forgotten your password?</a>' in page
    assert "username" not in _visible_words(page)


def test_a_right_email_address_and_password_still_sign_in(client, provider):
    user = ProviderUserFactory(provider=provider, email="manager@home.example")
    response = client.post(
        reverse("login"), {"username": "Manager@Home.Example", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_turned_down_account_is_told_nothing_more_than_a_wrong_password(client, provider):
    ProviderUserFactory(provider=provider, email="gone@home.example", is_active=False)
    response = client.post(
        reverse("login"), {"username": "gone@home.example", "password": TEST_PASSWORD}
    )
    page = response.content.decode()
    assert _summary_links(page) == [("id_username", "Enter a correct email address and password")]
    assert "inactive" not in page


def test_the_form_sets_govuk_messages_on_djangos_form():
    form = SignInForm(data={"username": "", "password": ""})
    assert not form.is_valid()
    assert form.errors == {
        "username": ["Enter your email address"],
        "password": ["Enter your password"],
    }
    assert form.fields["username"].label == "Email address"
