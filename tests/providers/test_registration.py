"""Asking for an account, and what an unapproved account sees."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from notifications import gateway as mail_gateway
from notifications.models import OutboundMessage
from providers.models import AuditEvent, User
from tests.conftest import client_for
from tests.factories import ProviderUserFactory

pytestmark = pytest.mark.django_db


def form(location, **overrides: str) -> dict[str, str]:
    return {
        "first_name": "Jo",
        "last_name": "Bloggs",
        "email": "Jo.Bloggs@home.example",
        "provider_id": location.provider.cqc_id,
        "location_id": location.cqc_id,
        "password": "a long passphrase nobody guesses",
        **overrides,
    }


def test_a_request_creates_an_unapproved_account_and_tells_the_approvers(client, location):
    approver = ProviderUserFactory(provider=location.provider, is_provider_approver=True)
    response = client.post(reverse("providers:register"), form(location))
    assert response.status_code == 200
    assert "Request sent" in response.content.decode()
    user = User.objects.get(email="jo.bloggs@home.example")
    assert (user.role, user.provider, user.approved_at) == ("provider", location.provider, None)
    email = OutboundMessage.objects.get(kind="registration_pending")
    assert email.recipient == approver.email
    assert email.personalisation["applicant"] == "Jo Bloggs"
    assert AuditEvent.objects.filter(action="providers.user.registered").exists()


def test_an_unapproved_account_signs_in_to_a_waiting_page_and_sees_no_data(client, location):
    client.post(reverse("providers:register"), form(location))
    client.post(
        reverse("login"),
        {"username": "jo.bloggs@home.example", "password": "a long passphrase nobody guesses"},
    )
    home = client.get(reverse("home"))
    assert home.url == reverse("providers:awaiting-approval")
    assert "waiting for approval" in client.get(home.url).content.decode()
    assert client.get(reverse("providers:location", args=[location.cqc_id])).status_code == 403
    assert client.get(reverse("returns:dashboard")).status_code == 403


def test_approval_then_opens_the_dashboard(client, location):
    approver = ProviderUserFactory(provider=location.provider, is_provider_approver=True)
    client.post(reverse("providers:register"), form(location))
    applicant = User.objects.get(email="jo.bloggs@home.example")
    client_for(approver).post(
        reverse("providers:team-approve", args=[applicant.pk]), {"access": "all"}
    )
    assert client_for(User.objects.get(pk=applicant.pk)).get(reverse("home")).url == reverse(
        "returns:dashboard"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"provider_id": "1-999999999"}, "We cannot find a provider with that CQC provider ID"),
        ({"location_id": "1-9999999999"}, "That CQC location ID is not one of this provider"),
        ({"password": "short"}, "Your password must be 12 characters or more"),
        ({"password": "123456789012345"}, "Your password must include letters"),
        ({"password": "password123456"}, "Choose a password that is harder to guess"),
        ({"email": "nope"}, "Enter an email address in the correct format"),
        ({"first_name": ""}, "Enter your first name"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message(client, location, overrides, message):
    response = client.post(reverse("providers:register"), form(location, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.filter(email="jo.bloggs@home.example").exists()


def test_every_problem_is_shown_at_once(client, location):
    """A bad provider ID does not hide a bad location ID, a short password or a missing name."""
    response = client.post(
        reverse("providers:register"),
        form(location, provider_id="1-999999999", location_id="1-9999999999", password="short")
        | {"first_name": ""},
    )
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    start = page.index("govuk-error-summary__list")
    summary = page[start : page.index("</ul>", start)]
    expected = [
        ("id_first_name", "Enter your first name"),
        ("id_provider_id", "We cannot find a provider with that CQC provider ID"),
        ("id_location_id", "We cannot find a location with that CQC location ID"),
        ("id_password", "Your password must be 12 characters or more"),
    ]
    links = re.findall(r'<a href="#(id_\w+)">([^<]*)</a>', summary)
    assert [(target, text.split(".")[0]) for target, text in links] == expected
    for target, text in expected:  # each beside its field too
        inline = page.index(f'id="{target}-error"')
        assert text in page[inline : inline + 400]
    assert not User.objects.filter(email="jo.bloggs@home.example").exists()


def test_a_location_of_another_provider_is_named_as_such(client, location, other_provider):
    response = client.post(
        reverse("providers:register"),
        form(location, provider_id=other_provider.cqc_id, password="short"),
    )
    page = response.content.decode().replace("&#x27;", "'")
    assert "That CQC location ID is not one of this provider's locations" in page
    assert "Your password must be 12 characters or more" in page


def test_the_page_says_nothing_of_django(client, location):
    response = client.post(reverse("providers:register"), form(location, password="short"))
    page = response.content.decode()
    assert "<title>Error: Ask for an account" in page
    for django_words in ("This field is required", "This password is too short", "Please "):
        assert django_words not in page


def test_an_existing_email_gets_the_same_answer_and_its_owner_is_told(client, location):
    """Registration must not tell anyone which addresses have accounts (issue 11, item 7)."""
    ProviderUserFactory(provider=location.provider, is_provider_approver=True)
    fresh = client.post(reverse("providers:register"), form(location))
    owner = User.objects.get(email="jo.bloggs@home.example")
    OutboundMessage.objects.all().delete()
    again = client.post(
        reverse("providers:register"),
        form(location, email=" JO.BLOGGS@home.example", first_name="Someone", last_name="Else"),
    )
    assert again.status_code == fresh.status_code == 200
    assert "There is already an account" not in again.content.decode()
    # The same page, word for word, but for the address as typed.
    assert _page_text(again) == _page_text(fresh)
    assert User.objects.filter(email__iexact="jo.bloggs@home.example").count() == 1
    # The approvers hear nothing; the owner is told, once however often it is tried.
    client.post(reverse("providers:register"), form(location, email="jo.bloggs@home.example"))
    email = OutboundMessage.objects.get()
    assert (email.kind, email.recipient) == ("registration_existing", owner.email)
    assert "Someone" not in str(email.personalisation)  # nothing the asker typed goes in it
    subject, body = mail_gateway.render(email.template, email.personalisation)
    assert subject == "Someone asked for an account with your email address"
    assert "You already have an account" in body
    assert (
        AuditEvent.objects.filter(
            action="providers.user.registration_repeated", target_id=str(owner.pk)
        ).count()
        == 2
    )


def _page_text(response) -> str:  # type: ignore[no-untyped-def]
    page = response.content.decode()
    # The address as typed and the CSRF token are the only parts that may differ.
    page = re.sub(r"You can sign in with .*? now", "", page)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_an_existing_email_with_a_bad_provider_id_is_refused_as_anyone_would_be(client, location):
    ProviderUserFactory(provider=location.provider, email="jo.bloggs@home.example")
    response = client.post(reverse("providers:register"), form(location, provider_id="1-999999999"))
    assert response.status_code == 400
    assert "We cannot find a provider with that CQC provider ID" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_signed_in_people_are_sent_home(location):
    user = ProviderUserFactory(provider=location.provider)
    assert client_for(user).get(reverse("providers:register")).url == reverse("home")


def test_account_requests_from_one_address_are_limited(client, location, settings):
    settings.REGISTER_MAX_PER_HOUR = 2
    for n in range(2):
        client.post(reverse("providers:register"), form(location, email=f"person{n}@home.example"))
    limited = client.post(reverse("providers:register"), form(location, email="third@home.example"))
    assert limited.status_code == 429
    assert "Too many account requests" in limited.content.decode()
    assert not User.objects.filter(email="third@home.example").exists()
    assert client.get(reverse("providers:register")).status_code == 200  # reading the form is fine
