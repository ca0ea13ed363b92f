"""Names carry no control characters, subjects are one line, one bad email fails alone.

Issue 11, item 7: a carriage return in a registrant's name reached an email subject (Django
raised BadHeaderError and the whole claimed batch was left "sending"), and a line break let a
registrant write their own paragraph into an email sent in the service's name.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import timezone

from notifications import gateway as mail_gateway
from notifications.models import OutboundMessage
from notifications.outbox import outbox_send_due
from providers.models import Contact, User
from providers.validators import (
    has_control_characters,
    strip_control_characters,
    validate_no_control_characters,
)
from tests.conftest import client_for
from tests.factories import ContactFactory, ProviderUserFactory

pytestmark = pytest.mark.django_db

INJECTED = [
    "Jo\rBcc: victim@example.org",
    "Jo\nURGENT: re-enter your password at https://evil.example",
    "Jo\r\n\r\nURGENT",
    "Jo\tBloggs",
    "Jo\x00Bloggs",
    "Jo\x1bBloggs",
    "Jo\x7fBloggs",
    "Jo\x85Bloggs",  # C1 next line
    "Jo\u2028Bloggs",  # Unicode line separator
    "Jo\u2029Bloggs",  # Unicode paragraph separator
]
FINE = ["Jo Bloggs", "Zoë O'Brien-Smith", "Łukasz Żółć", "Anne-Marie (Annie)", ""]


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_MAX_PER_MINUTE = 1_000_000
    settings.NOTIFY_API_KEY = ""


@pytest.mark.parametrize("value", INJECTED)
def test_the_validator_refuses_control_characters(value):
    assert has_control_characters(value)
    with pytest.raises(ValidationError) as caught:
        validate_no_control_characters(value)
    assert caught.value.messages == [
        "Enter a name without line breaks, tabs or other special characters"
    ]


@pytest.mark.parametrize("value", FINE)
def test_the_validator_lets_real_names_through(value):
    validate_no_control_characters(value)
    assert strip_control_characters(value) == value


def test_stripping_turns_each_run_of_control_characters_into_one_space():
    assert strip_control_characters("Oak\r\n\tLodge\x85Care") == "Oak Lodge Care"


# --- Registration -------------------------------------------------------------------------


def registration(location, **overrides: str) -> dict[str, str]:
    return {
        "first_name": "Jo",
        "last_name": "Bloggs",
        "email": "jo.bloggs@home.example",
        "provider_id": location.provider.cqc_id,
        "location_id": location.cqc_id,
        "password": "a long passphrase nobody guesses",
        **overrides,
    }


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("value", INJECTED[:3])
def test_registration_refuses_a_name_with_a_line_break(client, location, field, value):
    ProviderUserFactory(provider=location.provider, is_provider_approver=True)
    response = client.post(reverse("providers:register"), registration(location, **{field: value}))
    assert response.status_code == 400
    assert "Enter a name without line breaks" in response.content.decode()
    assert not User.objects.filter(email="jo.bloggs@home.example").exists()
    assert not OutboundMessage.objects.exists()


# --- Contacts -------------------------------------------------------------------------------

CONTACT = {
    "name": "Ruth Ellis",
    "email": "ruth@home.example",
    "phone": "0113 496 0001",
    "role": "Deputy",
    "is_primary": "no",
}


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("name", "Enter a name without line breaks"),
        ("role", "Enter a name without line breaks"),
        # A phone number is checked as one, which refuses anything but digits and punctuation.
        ("phone", "Enter a telephone number, like 01632 960 001"),
    ],
)
def test_the_contact_form_refuses_control_characters(provider_user, location, field, message):
    client = client_for(provider_user)
    url = reverse("providers:contact-add", args=[location.cqc_id])
    response = client.post(url, {**CONTACT, field: "Ruth\r\nURGENT: call 0900 000 000"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Contact.objects.exists()


def test_a_contact_edit_with_a_line_break_changes_nothing(provider_user, location):
    contact = ContactFactory(location=location, name="Old Name")
    response = client_for(provider_user).post(
        reverse("providers:contact-edit", args=[location.cqc_id, contact.pk]),
        {**CONTACT, "name": "New\nName"},
    )
    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.name == "Old Name"


# --- Models (and so admin's forms) ------------------------------------------------------------


def test_a_users_name_with_a_line_break_fails_model_validation(provider):
    user = User(
        email="a@home.example", first_name="A\rB", last_name="C", role="provider", provider=provider
    )
    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])
    assert "first_name" in caught.value.message_dict


def test_admin_style_model_forms_refuse_control_characters(location):
    # Admin builds ModelForms, which run the model's clean(): the same check applies there.
    form_class = modelform_factory(Contact, fields=["location", "name", "email", "is_primary"])
    form = form_class(
        {"location": location.pk, "name": "Ruth\nEllis", "email": "ruth@home.example"}
    )
    assert not form.is_valid()
    assert form.errors["name"] == [
        "Enter a name without line breaks, tabs or other special characters"
    ]
    location.name = "Oak\rLodge"
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert "name" in caught.value.message_dict


# --- Sending --------------------------------------------------------------------------------


def test_a_subject_is_one_line_even_from_a_stored_name_with_line_breaks():
    subject, body = mail_gateway.render(
        "registration_pending",
        {
            "name": "Approver",
            "applicant": "Jo\r\nBcc: victim@example.org",
            "applicant_email": "jo@home.example",
            "provider_name": "Brightside\rCare",
            "approve_url": "https://example.org/account/users/",
            "support_email": "support@example.org",
        },
    )
    assert subject == "Jo Bcc: victim@example.org has asked to submit data for Brightside Care"
    assert "\r" not in subject and "\n" not in subject
    assert body.startswith("Dear Approver,")


def outbox_row(location, recipient: str, applicant: str = "Jo Bloggs") -> OutboundMessage:
    return OutboundMessage.objects.create(
        kind="registration_pending",
        scope=f"user-{recipient[:20]}",
        location=location,
        recipient=recipient,
        template="registration_pending",
        personalisation={
            "name": "Approver",
            "applicant": applicant,
            "applicant_email": "jo@home.example",
            "provider_name": "Brightside Care",
            "approve_url": "https://example.org/account/users/",
            "support_email": "support@example.org",
        },
    )


def test_one_email_that_cannot_be_built_fails_alone_and_the_batch_still_sends(location):
    first = outbox_row(location, "first@example.org")
    # Stored before names were checked: a header break in the address itself.
    bad = outbox_row(location, "bad@example.org\r\nBcc: victim@example.org")
    carriage = outbox_row(location, "third@example.org", applicant="Jo\rBcc: victim@example.org")
    last = outbox_row(location, "last@example.org")
    report = outbox_send_due(now=timezone.now())
    assert (report.sent, report.failed) == (3, 1)
    statuses = dict(OutboundMessage.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "sent", bad.pk: "failed", carriage.pk: "sent", last.pk: "sent"}
    bad.refresh_from_db()
    assert "BadHeaderError" in bad.last_error and "could not be built" in bad.last_error
    assert sorted(m.to[0] for m in mail.outbox) == [
        "first@example.org",
        "last@example.org",
        "third@example.org",
    ]
    assert all("\r" not in m.subject and "\n" not in m.subject for m in mail.outbox)


def test_an_unexpected_error_in_one_email_does_not_stop_the_rest(location, monkeypatch):
    rows = [outbox_row(location, f"person{n}@example.org") for n in range(3)]
    real_send = mail_gateway.send

    def send(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs["recipient"] == "person1@example.org":
            raise RuntimeError("renderer fell over")
        return real_send(**kwargs)

    monkeypatch.setattr(mail_gateway, "send", send)
    report = outbox_send_due(now=timezone.now())
    assert (report.sent, report.failed) == (2, 1)
    failed = OutboundMessage.objects.get(pk=rows[1].pk)
    assert failed.status == "failed"
    assert "RuntimeError: renderer fell over" in failed.last_error
    assert len(mail.outbox) == 2
