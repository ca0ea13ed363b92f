"""UK mobile numbers for text messages: the check, and saving them on a contact in the
portal (as a provider user) and in admin (as a plain support officer)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from providers.models import AuditEvent, Contact
from providers.validators import MOBILE_MESSAGE, normalise_uk_mobile
from tests.conftest import client_for
from tests.factories import ContactFactory, LocationFactory, SupportUserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "written",
    [
        "07700900982",
        "07700 900 982",
        "07700 900982",
        "07700-900-982",
        "(07700) 900982",
        "07700.900.982",
        "+447700900982",
        "+44 7700 900982",
        "+44 (0)7700 900982",
        "0044 7700 900982",
        "0044 (0) 7700 900 982",
        "447700900982",
        "44 7700 900 982",
        " 07700 900982 ",
    ],
)
def test_each_usual_way_of_writing_a_mobile_is_accepted_and_normalised(written):
    assert normalise_uk_mobile(written) == "+447700900982"


@pytest.mark.parametrize(
    "number", ["07123456789", "07412345678", "07512345678", "07812345678", "07912345678"]
)
def test_every_mobile_range_is_accepted(number):
    assert normalise_uk_mobile(number) == "+44" + number[1:]


@pytest.mark.parametrize(
    "written",
    [
        "",
        "01134960000",  # Leeds landline
        "020 7946 0000",  # London landline
        "0300 123 4567",  # non-geographic
        "0800 123 4567",  # freephone
        "07012345678",  # 070 personal number, not a mobile
        "07612345678",  # 076 pager
        "0770090098",  # one digit short
        "077009009821",  # one digit long
        "+4477009009",  # short after the country code
        "07700 9OO 982",  # letters O for zeros
        "07700 900 98a",
        "+33 6 12 34 56 78",  # France
        "+1 202 555 0143",  # United States
        "7700900982",  # no leading 0 or country code
        "++447700900982",
        "07700/900982",  # a slash is not one of the separators
        "٠٧٧٠٠٩٠٠٩٨٢",  # Arabic-Indic digits
    ],
)
def test_landlines_other_07_ranges_wrong_lengths_letters_and_other_countries_are_refused(written):
    with pytest.raises(ValidationError) as refused:
        normalise_uk_mobile(written)
    assert refused.value.messages == [MOBILE_MESSAGE]


# --- The portal's contact form, as a provider user -----------------------------------------------

NEW = {
    "name": "Ruth Ellis",
    "email": "ruth@home.example",
    "phone": "",
    "role": "Deputy manager",
    "is_primary": "no",
}


def test_a_provider_user_adds_a_contact_who_gets_texts(provider_user, location):
    client = client_for(provider_user)
    url = reverse("providers:contact-add", args=[location.cqc_id])
    page = client.get(url).content.decode()
    assert "Send me text messages too" in page and 'data-aria-controls="conditional-id_sms"' in page
    response = client.post(url, {**NEW, "sms": "yes", "mobile": "07700 900-982"})
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.sms, contact.mobile) == (True, "+447700900982")
    event = AuditEvent.objects.get(action="providers.contact.added")
    assert event.actor == provider_user
    assert event.data["after"]["mobile"] == "+447700900982" and event.data["after"]["sms"]
    # The change page shows what is stored, and the location page says texts go there.
    edit = client.get(reverse("providers:contact-edit", args=[location.cqc_id, contact.pk]))
    assert 'value="+447700900982"' in edit.content.decode()
    detail = client.get(reverse("providers:location", args=[location.cqc_id])).content.decode()
    assert "Texts to +447700900982" in detail


def test_ticking_texts_without_a_mobile_is_an_error_on_the_mobile_field(provider_user, location):
    client = client_for(provider_user)
    response = client.post(
        reverse("providers:contact-add", args=[location.cqc_id]), {**NEW, "sms": "yes"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_mobile">Enter a mobile number to get text messages</a>' in page
    assert 'id="id_mobile-error"' in page
    assert not Contact.objects.exists()


def test_a_landline_in_the_mobile_field_is_refused(provider_user, location):
    response = client_for(provider_user).post(
        reverse("providers:contact-add", args=[location.cqc_id]),
        {**NEW, "sms": "yes", "mobile": "0113 496 0000"},
    )
    assert response.status_code == 400
    assert '<a href="#id_mobile">Enter a UK mobile number, like 07700 900 982</a>' in (
        response.content.decode()
    )
    assert not Contact.objects.exists()


def test_turning_texts_off_keeps_the_number_and_stops_the_texts(provider_user, location):
    contact = ContactFactory(location=location, sms=True, mobile="+447700900982")
    response = client_for(provider_user).post(
        reverse("providers:contact-edit", args=[location.cqc_id, contact.pk]),
        {**NEW, "email": contact.email, "mobile": "07700900982"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.sms, contact.mobile) == (False, "+447700900982")


# --- Admin, as a plain support officer -----------------------------------------------------------


def admin_post(contact: Contact, **changes: str) -> dict[str, str]:
    return {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "role": contact.role,
        "is_primary": "on" if contact.is_primary else "",
        "receipts": "on",
        **changes,
    }


def test_a_support_officer_turns_texts_on_in_admin():
    support = SupportUserFactory()
    assert not support.is_superuser
    contact = ContactFactory(location=LocationFactory(), is_primary=True)
    client = client_for(support)
    url = reverse("admin:providers_contact_change", args=[contact.pk])
    form = client.get(url).content.decode()
    assert 'name="sms"' in form and 'name="mobile"' in form
    response = client.post(url, admin_post(contact, sms="on", mobile="+44 (0)7700 900982"))
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert (contact.sms, contact.mobile, contact.receipts) == (True, "+447700900982", True)
    event = AuditEvent.objects.get(action="providers.contact.changed")
    assert event.actor == support
    assert event.data["before"]["sms"] is False and event.data["after"]["sms"] is True
    listing = client.get(reverse("admin:providers_contact_changelist"), {"sms__exact": "1"})
    assert contact.name in listing.content.decode()


def test_admin_refuses_texts_without_a_mobile_and_a_bad_number():
    support = SupportUserFactory()
    contact = ContactFactory(location=LocationFactory(), is_primary=True)
    client = client_for(support)
    url = reverse("admin:providers_contact_change", args=[contact.pk])
    empty = client.post(url, admin_post(contact, sms="on", mobile=""))
    assert empty.status_code == 200
    assert "Enter a mobile number to get text messages" in empty.content.decode()
    landline = client.post(url, admin_post(contact, sms="on", mobile="020 7946 0000"))
    assert "Enter a UK mobile number, like 07700 900 982" in landline.content.decode()
    # The number's error alone: not also "enter a mobile number".
    assert "Enter a mobile number to get text messages" not in landline.content.decode()
    contact.refresh_from_db()
    assert (contact.sms, contact.mobile) == (False, "")
