"""Receipts after every save (issue 15, item 1): portal, CSV, email link, API.

Each save queues its receipt in the outbox in its own transaction, keyed on the version's
reference; a CSV file gets one summary. Only the mail backend (Django's locmem, the gateway's
boundary) stands in for the outside world.
"""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import ApiKeyKind
from notifications import gateway as mail_gateway
from notifications.models import OutboundMessage
from notifications.outbox import outbox_send_due
from providers.models import Contact
from returns.deadlines import LONDON
from returns.email_links import make_token
from returns.models import CollectionWindow, ReturnVersion
from returns.receipts import RECEIPT, RECEIPT_CSV
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.api.keys import client_with, make_key
from tests.api.test_submit_api import full as api_full
from tests.conftest import client_for
from tests.factories import ContactFactory, LocationFactory
from tests.portal_data import GOOD_CARE_HOME
from tests.returns.test_bulk import csv_bytes, good_row, latest_upload, post_file

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
AFTER_WINDOW = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=LONDON)
PERIOD = "2026-12"


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


@pytest.fixture(autouse=True)
def frozen():
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


def receipts(kind: str = RECEIPT) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(kind=kind).order_by("pk"))


def portal_save(client: Client, location) -> None:
    args = [PERIOD, location.cqc_id, "care_home"]
    drafted = client.post(reverse("returns:form", args=args), {**GOOD_CARE_HOME, "based_on": "0"})
    assert drafted.status_code == 302
    sent = client.post(reverse("returns:check", args=args))
    assert sent.status_code == 302


def save(location, user, *, now=IN_WINDOW, kind="full", **fields) -> ReturnVersion:
    return return_save(
        submitter=Submitter.of(user),
        location=location,
        care_type="care_home",
        window=december(),
        kind=kind,
        source="portal",
        now=now,
        answers=GOOD_CARE_HOME if kind == "full" else None,
        **fields,
    )


def test_a_portal_save_queues_one_receipt_to_the_person_with_the_details(provider_user, location):
    portal_save(client_for(provider_user), location)

    version = ReturnVersion.objects.get()
    [email] = receipts()
    assert (email.recipient, email.scope, email.template) == (
        provider_user.email,
        version.reference,
        RECEIPT,
    )
    assert email.location_id == location.pk and email.contact_id is None
    values = email.personalisation
    assert values["reference"] == version.reference
    assert (values["location_name"], values["location_id"]) == (location.name, location.cqc_id)
    assert (values["care_type"], values["period"]) == ("Care home", "December 2026")
    assert values["saved_by"] == f"{provider_user.first_name} {provider_user.last_name}"
    assert values["on_time"] == "yes" and "saved on time" in values["timing"]
    assert "Beds occupied or used: 35" in values["figures"]
    assert len(values["figures"]) == len(version.answers)
    assert values["return_url"].endswith(f"/{PERIOD}/{location.cqc_id}/care_home/")


def test_a_double_submit_queues_one_receipt(provider_user, location):
    client = client_for(provider_user)
    args = [PERIOD, location.cqc_id, "care_home"]
    client.post(reverse("returns:form", args=args), {**GOOD_CARE_HOME, "based_on": "0"})
    before = dict(client.session.items())
    client.post(reverse("returns:check", args=args))
    session = client.session  # the second click read the session before the first cleared it
    session.update(before)
    session.save()
    client.post(reverse("returns:check", args=args))

    assert ReturnVersion.objects.count() == 1
    assert len(receipts()) == 1


def test_a_nil_return_receipt_gives_the_reason_and_no_figures(provider_user, location):
    version = save(
        location, provider_user, kind="nil", nil_reason="other", nil_reason_detail="Closed"
    )

    [email] = receipts()
    assert email.personalisation["figures"] == []
    assert email.personalisation["nil_reason"] == "Another reason: Closed"
    subject, body = mail_gateway.render(RECEIPT, email.personalisation)
    assert version.reference in subject and location.name in subject
    assert "Nil return\nReason: Another reason: Closed" in body
    assert "The figures you saved" not in body


def test_a_late_save_says_it_is_not_on_time(provider_user, location):
    save(location, provider_user, now=AFTER_WINDOW)

    [email] = receipts()
    assert email.personalisation["on_time"] == "no"
    assert "does not count as on time" in email.personalisation["timing"]


def test_a_csv_file_of_three_rows_queues_one_summary_to_the_uploader(provider, provider_user):
    homes = [LocationFactory(provider=provider, name=f"Home {n}") for n in "ABC"]
    client = client_for(provider_user)
    checked = post_file(client, csv_bytes([good_row(home) for home in homes]), name="dec.csv")
    assert checked.status_code == 302
    upload = latest_upload()
    with CaptureQueriesContext(connection) as captured:
        done = client.post(reverse("bulk:confirm", args=[upload.pk]))
    assert done.status_code == 302
    assert len(outbox_statements(captured)) == 1  # one INSERT for the file, not one per row
    # Confirming again (a double click) saves nothing more and queues nothing more.
    client.post(reverse("bulk:confirm", args=[upload.pk]))

    assert ReturnVersion.objects.count() == 3
    assert receipts() == []  # no receipt per row
    [email] = receipts(RECEIPT_CSV)
    assert (email.recipient, email.scope) == (provider_user.email, f"upload-{upload.pk}")
    values = email.personalisation
    assert (values["count"], values["on_time_count"], values["late_count"]) == ("3", "3", "0")
    assert values["file_name"] == "dec.csv"
    assert values["upload_url"].endswith(reverse("bulk:upload", args=[upload.pk]))
    subject, body = mail_gateway.render(RECEIPT_CSV, values)
    assert subject == "File saved: 3 returns for December 2026"
    assert "Returns saved: 3" in body and values["upload_url"] in body


def email_link(location, contact) -> str:
    window = december()
    token = make_token(
        location_id=location.pk,
        window_id=window.pk,
        contact_id=contact.pk,
        expires_at=window.closes_at,
    )
    return reverse("email-link", args=[token])


def test_an_email_link_save_sends_the_receipt_to_the_links_contact(provider):
    location = LocationFactory(provider=provider)
    ContactFactory(location=location, is_primary=True)
    contact = ContactFactory(location=location, name="Ann Other")

    response = Client().post(
        email_link(location, contact), {"choice": "nil", "nil_reason": "no_service_users"}
    )

    assert response.status_code == 200
    [email] = receipts()
    assert (email.recipient, email.contact_id) == (contact.email, contact.pk)
    assert email.personalisation["saved_by"] == "Ann Other"
    assert email.personalisation["nil_reason"] == "There are no people using the service"


def test_an_email_link_contact_with_receipts_off_gets_none(provider):
    location = LocationFactory(provider=provider)
    contact = ContactFactory(location=location, is_primary=True, receipts=False)

    Client().post(email_link(location, contact), {"choice": "nil", "nil_reason": "no_staff"})

    assert ReturnVersion.objects.count() == 1
    assert receipts() == []


def test_an_api_save_sends_the_receipt_to_the_primary_contact_only(location):
    primary = ContactFactory(location=location, is_primary=True)
    ContactFactory(location=location)
    api_key, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)

    sent = client_with(raw).post("/api/v1/returns/", api_full(location), format="json")

    assert sent.status_code == 201, sent.content
    [email] = receipts()
    assert (email.recipient, email.contact_id) == (primary.email, primary.pk)
    assert email.scope == sent.json()["reference"]
    assert f"(API key {api_key.prefix})" in email.personalisation["saved_by"]


def test_an_api_save_with_no_primary_contact_goes_to_each_contact_with_receipts_on(location):
    wants = ContactFactory(location=location)
    ContactFactory(location=location, receipts=False)
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)

    client_with(raw).post("/api/v1/returns/", api_full(location), format="json")

    assert [email.recipient for email in receipts()] == [wants.email]


def test_an_api_save_whose_primary_contact_turned_receipts_off_sends_none(location):
    ContactFactory(location=location, is_primary=True, receipts=False)
    ContactFactory(location=location)
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)

    sent = client_with(raw).post("/api/v1/returns/", api_full(location), format="json")

    assert sent.status_code == 201
    assert receipts() == []


def test_a_portal_user_who_is_a_contact_with_receipts_off_gets_none(provider_user, location):
    ContactFactory(location=location, email=provider_user.email.upper(), receipts=False)
    save(location, provider_user)
    assert ReturnVersion.objects.count() == 1
    assert receipts() == []


def test_a_portal_user_who_is_a_contact_with_receipts_on_gets_one_linked_to_the_contact(
    provider_user, location
):
    contact = ContactFactory(location=location, email=provider_user.email)
    save(location, provider_user)
    [email] = receipts()
    assert email.contact_id == contact.pk


def outbox_statements(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in captured.captured_queries if "notifications_outboundmessage" in q["sql"]
    ]


@pytest.mark.parametrize("receipts_on", [True, False])
def test_a_receipt_costs_the_save_one_statement_whoever_gets_it(
    provider_user, location, receipts_on
):
    ContactFactory(location=location, email=provider_user.email, receipts=receipts_on)
    with CaptureQueriesContext(connection) as captured:
        save(location, provider_user)
    [statement] = outbox_statements(captured)
    assert statement.lstrip().startswith("INSERT INTO")
    assert len(receipts()) == (1 if receipts_on else 0)


def test_a_rolled_back_save_leaves_no_receipt(provider_user, location):
    with pytest.raises(RuntimeError), transaction.atomic():
        save(location, provider_user)
        assert len(receipts()) == 1  # queued inside the save's transaction...
        raise RuntimeError("the request failed after the save")
    assert not ReturnVersion.objects.exists()
    assert receipts() == []  # ...and gone with it


def test_the_receipt_is_sent_once(provider_user, location):
    version = save(location, provider_user)

    outbox_send_due(now=IN_WINDOW)
    outbox_send_due(now=IN_WINDOW)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [provider_user.email]
    assert message.subject == (
        f"Return saved for {location.name}: December 2026, reference {version.reference}"
    )
    assert "Beds occupied or used: 35" in message.body and "saved on time" in message.body
    assert receipts()[0].status == OutboundMessage.Status.SENT


def receipts_box(page: str) -> str:
    """The receipts checkbox's <input> tag."""
    [tag] = re.findall(r'<input[^>]*name="receipts"[^>]*>', page)
    return tag


def test_the_contact_form_turns_receipts_off_and_on(provider_user, location):
    contact = ContactFactory(location=location, is_primary=True)
    client = client_for(provider_user)
    url = reverse("providers:contact-edit", args=[location.cqc_id, contact.pk])
    page = client.get(url).content.decode()
    assert "Email a receipt each time a return is saved for this location" in page
    assert " checked" in receipts_box(page)

    fields = {"name": contact.name, "email": contact.email, "is_primary": "yes"}
    assert client.post(url, fields).status_code == 302  # the box unticked: nothing sent
    contact.refresh_from_db()
    assert contact.receipts is False
    assert " checked" not in receipts_box(client.get(url).content.decode())

    assert client.post(url, {**fields, "receipts": "yes"}).status_code == 302
    assert Contact.objects.get(pk=contact.pk).receipts is True
