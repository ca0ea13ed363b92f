"""Provider users keep their locations' contacts up to date; every change is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from providers.models import AuditEvent, Contact
from tests.conftest import client_for
from tests.factories import ContactFactory, ProviderUserFactory

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Ruth Ellis",
    "email": "ruth@home.example",
    "phone": "0113 496 0001",
    "role": "Deputy",
    "is_primary": "no",
}


def test_a_provider_user_adds_a_contact(provider_user, location):
    client = client_for(provider_user)
    response = client.post(reverse("providers:contact-add", args=[location.cqc_id]), NEW)
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.name, contact.email, contact.is_primary) == (
        "Ruth Ellis",
        "ruth@home.example",
        False,
    )
    assert contact.last_confirmed_on is not None
    event = AuditEvent.objects.get(action="providers.contact.added")
    assert event.actor == provider_user and event.data["after"]["email"] == "ruth@home.example"
    page = client.get(reverse("providers:location", args=[location.cqc_id])).content.decode()
    assert "Ruth Ellis" in page and "Add a contact" in page


def test_making_a_contact_main_demotes_the_old_one(provider_user, location):
    old = ContactFactory(location=location, is_primary=True)
    client_for(provider_user).post(
        reverse("providers:contact-add", args=[location.cqc_id]), {**NEW, "is_primary": "yes"}
    )
    old.refresh_from_db()
    assert not old.is_primary
    assert Contact.objects.get(email="ruth@home.example").is_primary


def test_changing_a_contact_records_before_and_after(provider_user, location):
    contact = ContactFactory(location=location, name="Old Name", email="old@home.example")
    client_for(provider_user).post(
        reverse("providers:contact-edit", args=[location.cqc_id, contact.pk]),
        {**NEW, "name": "New Name"},
    )
    contact.refresh_from_db()
    assert contact.name == "New Name"
    event = AuditEvent.objects.get(action="providers.contact.changed")
    assert event.data["before"]["name"] == "Old Name" and event.data["after"]["name"] == "New Name"


def test_bad_input_gets_clear_messages_and_saves_nothing(provider_user, location):
    ContactFactory(location=location, email="ruth@home.example")
    client = client_for(provider_user)
    url = reverse("providers:contact-add", args=[location.cqc_id])
    empty = client.post(url, {}).content.decode()
    assert "Enter the contact&#x27;s full name" in empty or "Enter the contact's full name" in empty
    assert "Select yes if this is the main contact" in empty
    bad = client.post(url, {**NEW, "email": "not-an-email"}).content.decode()
    assert "Enter an email address in the correct format" in bad
    twice = client.post(url, {**NEW, "email": "RUTH@home.example"})
    assert twice.status_code == 400
    assert "already a contact for this location" in twice.content.decode()
    assert Contact.objects.count() == 1


def test_removing_a_contact_who_has_left(provider_user, location):
    keep = ContactFactory(location=location, is_primary=False, name="Keeps")
    leaver = ContactFactory(location=location, is_primary=True, name="Leaver")
    client = client_for(provider_user)
    url = reverse("providers:contact-remove", args=[location.cqc_id, leaver.pk])
    assert "Remove Leaver as a contact?" in client.get(url).content.decode()
    assert Contact.objects.count() == 2  # the GET only asks
    client.post(url)
    assert list(Contact.objects.values_list("name", "is_primary")) == [("Keeps", True)]
    assert (
        AuditEvent.objects.get(action="providers.contact.removed").data["removed"]["name"]
        == "Leaver"
    )
    last = client.post(reverse("providers:contact-remove", args=[location.cqc_id, keep.pk]))
    assert last.status_code == 400
    assert "only contact" in last.content.decode()
    assert Contact.objects.count() == 1


def test_confirming_contacts_stamps_today(provider_user, location):
    contact = ContactFactory(location=location, last_confirmed_on=None)
    client_for(provider_user).post(reverse("providers:contacts-confirm", args=[location.cqc_id]))
    contact.refresh_from_db()
    assert contact.last_confirmed_on is not None
    assert AuditEvent.objects.filter(action="providers.contact.confirmed").exists()


def test_another_providers_contacts_are_out_of_reach(provider_user, other_location):
    contact = ContactFactory(location=other_location)
    client = client_for(provider_user)
    for url in (
        reverse("providers:contact-add", args=[other_location.cqc_id]),
        reverse("providers:contact-edit", args=[other_location.cqc_id, contact.pk]),
        reverse("providers:contact-remove", args=[other_location.cqc_id, contact.pk]),
        reverse("providers:contacts-confirm", args=[other_location.cqc_id]),
    ):
        assert client.post(url, NEW).status_code == 404, url
    assert Contact.objects.get().email == contact.email


def test_a_contact_id_of_another_location_is_404_even_with_my_location(
    provider_user, location, other_location
):
    stranger = ContactFactory(location=other_location)
    url = reverse("providers:contact-edit", args=[location.cqc_id, stranger.pk])
    assert client_for(provider_user).post(url, NEW).status_code == 404


def test_read_only_staff_see_contacts_but_cannot_change_them(caseworker, location):
    ContactFactory(location=location, name="Visible Person")
    client = client_for(caseworker)
    page = client.get(reverse("providers:location", args=[location.cqc_id])).content.decode()
    assert "Visible Person" in page and "Add a contact" not in page
    assert (
        client.post(reverse("providers:contact-add", args=[location.cqc_id]), NEW).status_code
        == 403
    )


def test_limited_provider_user_cannot_change_a_location_outside_their_limit(provider, location):
    from tests.factories import LocationFactory

    mine = LocationFactory(provider=provider)
    user = ProviderUserFactory(provider=provider)
    user.limited_to_locations.set([mine])
    assert (
        client_for(user)
        .post(reverse("providers:contact-add", args=[location.cqc_id]), NEW)
        .status_code
        == 404
    )
