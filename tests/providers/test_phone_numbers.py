"""A contact's telephone number is checked as one (issue 17: "not a phone" was saved)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from capacity_tracker.lib import clock
from providers import contacts
from providers.models import Contact
from providers.validators import PHONE_MESSAGE, normalise_uk_phone
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Ruth Ellis",
    "email": "ruth@home.example",
    "role": "Deputy",
    "is_primary": "no",
}


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("01632 960 001", "+441632960001"),
        ("(01632) 960001", "+441632960001"),
        ("0113-496-0001", "+441134960001"),
        ("07700 900 982", "+447700900982"),
        ("+44 808 157 0192", "+448081570192"),
        ("+44 (0)113 496 0001", "+441134960001"),
        ("0044 20 7946 0000", "+442079460000"),
        ("020 7946 0000", "+442079460000"),
    ],
)
def test_uk_numbers_written_the_usual_ways_are_accepted(typed, number):
    assert normalise_uk_phone(typed) == number


@pytest.mark.parametrize(
    "typed",
    ["not a phone", "12345", "0113 496", "01632 960 001 999", "+1 202 555 0100", "00 0000 0000"],
)
def test_anything_else_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        normalise_uk_phone(typed)
    assert refused.value.messages == [PHONE_MESSAGE]


def test_the_form_refuses_not_a_phone_with_a_govuk_message(provider_user, location):
    client = client_for(provider_user)
    url = reverse("providers:contact-add", args=[location.cqc_id])
    response = client.post(url, {**CONTACT, "phone": "not a phone"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: Add a contact" in page
    assert f'<a href="#id_phone">{PHONE_MESSAGE}</a>' in page  # linked from the summary
    assert 'id="id_phone-error"' in page  # and beside the field
    assert not Contact.objects.exists()


def test_the_form_keeps_a_good_number_as_typed(provider_user, location):
    client = client_for(provider_user)
    url = reverse("providers:contact-add", args=[location.cqc_id])
    assert client.post(url, {**CONTACT, "phone": "+44 (0)113 496 0001"}).status_code == 302
    assert Contact.objects.get().phone == "+44 (0)113 496 0001"


def test_no_number_is_fine(provider_user, location):
    client = client_for(provider_user)
    url = reverse("providers:contact-add", args=[location.cqc_id])
    assert client.post(url, {**CONTACT, "phone": ""}).status_code == 302


def test_the_service_refuses_it_too(provider_user, location):
    details = contacts.ContactDetails(**{**CONTACT, "is_primary": False, "phone": "call me"})
    with pytest.raises(ValidationError) as refused:
        contacts.contact_save(
            actor=provider_user, location=location, details=details, now=clock.now()
        )
    assert refused.value.message_dict == {"phone": [PHONE_MESSAGE]}
