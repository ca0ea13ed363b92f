"""The forgotten-password pages speak GOV.UK, not Django (issue 17: sign-in)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import ProviderUserFactory

pytestmark = pytest.mark.django_db


def _summary(page: str) -> list[tuple[str, str]]:
    start = page.index("govuk-error-summary__list")
    return re.findall(r'<a href="#(id_\w+)">([^<]*)</a>', page[start : page.index("</ul>", start)])


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address"),
        ("not an address", "Enter an email address in the correct format, like name@example.com"),
    ],
)
def test_asking_for_a_reset_names_the_problem_in_govuk_words(client, email, message):
    response = client.post(reverse("password_reset"), {"email": email})
    page = response.content.decode()
    assert "<title>Error: Reset your password" in page
    assert _summary(page) == [("id_email", message)]


@pytest.fixture
def set_password_url(provider):  # type: ignore[no-untyped-def]
    user = ProviderUserFactory(provider=provider, first_name="Jo", email="jo@home.example")
    client = Client()
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    page = client.get(path, follow=True)
    return client, page.redirect_chain[-1][0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"new_password1": "", "new_password2": ""},
            [
                ("id_new_password1", "Enter a new password"),
                ("id_new_password2", "Type the new password again"),
            ],
        ),
        (
            {"new_password1": "short", "new_password2": "short"},
            [("id_new_password1", "Your password must be 12 characters or more")],
        ),
        (
            {"new_password1": "a-brand-new-password-26", "new_password2": "something else"},
            [("id_new_password2", "Enter the same password in both boxes")],
        ),
    ],
)
def test_choosing_a_new_password_names_each_problem_once(set_password_url, data, expected):
    client, url = set_password_url
    page = client.post(url, data).content.decode()
    assert "<title>Error: Choose a new password" in page
    assert _summary(page) == expected
    for words in ("This field is required", "didn’t match", "This password is too short"):
        assert words not in page
