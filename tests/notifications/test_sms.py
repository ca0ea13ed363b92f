"""Text messages: queued with the monthly emails for contacts who chose them, sent through the
same outbox and gateway under their own limit. Only the outside is faked: GOV.UK Notify (a fake
HTTP server), the clock, and a send limit with no slots left."""

from __future__ import annotations

import datetime
import logging
import re
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import send_limit
from notifications.models import OutboundMessage
from notifications.outbox import outbox_resend, outbox_send_due
from providers.models import AuditEvent, Contact
from returns.email_links import make_token
from returns.emails import (
    EMAIL_VETOES,
    queue_onboarding_chasers,
    queue_reminders,
    queue_window_open,
)
from returns.models import CollectionWindow, ReturnVersion, UsedEmailToken
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.conftest import client_for
from tests.factories import (
    ContactFactory,
    LocationFactory,
    ProviderUserFactory,
    SupportUserFactory,
)
from tests.fake_mail import FakeNotify
from tests.portal_data import GOOD_ANSWERS

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DEC_OPEN = datetime.datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
DEC_CLOSE = datetime.datetime(2026, 12, 15, 0, 0, tzinfo=UTC)
NOTIFY_KEY = "test_key-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
TEMPLATES = {
    "window_open": "f33517ff-2a88-4f6e-b855-c550268ce08a",
    "window_open_sms": "0b6c3f7e-6a43-4f0e-9c1a-3d2f6f1d8e11",
    "reminder_48h_sms": "4a9d0c2b-1e8f-4b6a-8c3d-2e5f7a9b0c1d",
}
CONSOLE = "django.core.mail.backends.console.EmailBackend"


class NoSlots:
    """A send limit that other runs have used up for longer than this run will wait."""

    limit, window = 100, 0.01

    def __init__(self) -> None:
        self.asked = 0

    def acquire(self, timeout: float) -> bool:
        self.asked += 1
        return False


def plenty() -> send_limit.LocalSendLimit:
    return send_limit.LocalSendLimit(limit=10_000, window=0.01)


@pytest.fixture(autouse=True)
def _windows_and_mail(settings):
    windows_ensure_ahead(now=datetime.datetime(2026, 9, 1, tzinfo=UTC))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_MAX_PER_MINUTE = 1_000_000
    settings.SMS_MAX_PER_MINUTE = 1_000_000
    settings.NOTIFY_API_KEY = ""


@pytest.fixture
def world(provider):
    oak = LocationFactory(provider=provider, name="Oak Lodge")
    elm = LocationFactory(provider=provider, name="Elm Court")
    texter = ContactFactory(
        location=oak, email="oak@example.org", is_primary=True, sms=True, mobile="+447700900982"
    )
    ContactFactory(location=oak, email="deputy@example.org")  # email only
    # Ticked, but the stored number is not a mobile (written straight to the table): no text.
    ContactFactory(location=elm, email="elm@example.org", sms=True, mobile="+441134960000")
    # A number kept but texts turned off: no text.
    ContactFactory(location=elm, email="kept@example.org", sms=False, mobile="+447700900123")
    return {"oak": oak, "elm": elm, "texter": texter}


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


def texts() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(channel="sms").order_by("id"))


# --- Queueing -----------------------------------------------------------------------------------


def test_window_open_twice_queues_one_text_per_opted_in_contact_with_the_emails(world):
    now = DEC_OPEN + datetime.timedelta(minutes=5)
    assert queue_window_open(now=now) == 5  # four emails and one text
    assert queue_window_open(now=now) == 0
    (text,) = texts()
    assert (text.kind, text.scope, text.template) == ("window_open", "2026-12", "window_open")
    assert (text.recipient, text.contact, text.location) == (
        "+447700900982",
        world["texter"],
        world["oak"],
    )
    emails = OutboundMessage.objects.filter(channel="email")
    assert set(emails.values_list("recipient", flat=True)) == {
        "oak@example.org",
        "deputy@example.org",
        "elm@example.org",
        "kept@example.org",
    }
    # The same signed link as the contact's email.
    email = emails.get(recipient="oak@example.org")
    assert text.personalisation["quick_url"] == email.personalisation["quick_url"]


def test_a_contact_who_turns_texts_on_mid_window_gets_the_text_on_the_next_tick(world):
    queue_window_open(now=DEC_OPEN)
    Contact.objects.filter(email="deputy@example.org").update(sms=True, mobile="+447700900555")
    assert queue_window_open(now=DEC_OPEN + datetime.timedelta(minutes=5)) == 1
    assert [t.recipient for t in texts()] == ["+447700900982", "+447700900555"]


def test_onboarding_chasers_stay_email_only(world):
    world["oak"].added_to_service_on = datetime.date(2026, 11, 1)
    world["oak"].save(update_fields=["added_to_service_on"])
    assert queue_onboarding_chasers(today=datetime.date(2026, 12, 1)) == 2
    assert texts() == []


def test_queueing_takes_the_same_number_of_queries_for_many_contacts(provider):
    def queries_for(count: int) -> int:
        for _ in range(count):
            location = LocationFactory(provider=provider)
            ContactFactory(location=location, sms=True, mobile="+447700900982")
            ContactFactory(location=location)
        with CaptureQueriesContext(connection) as captured:
            queue_window_open(now=DEC_OPEN)
        return len(captured)

    few = queries_for(2)
    OutboundMessage.objects.all().delete()
    many = queries_for(30)
    assert many == few
    assert OutboundMessage.objects.filter(channel="sms").count() == 32


def test_queueing_many_contacts_stays_within_a_fixed_query_budget(
    provider, django_assert_max_num_queries
):
    for _ in range(40):
        location = LocationFactory(provider=provider)
        ContactFactory(location=location, sms=True, mobile="+447700900982")
        ContactFactory(location=location)
    with django_assert_max_num_queries(8):
        assert queue_window_open(now=DEC_OPEN) == 120


# --- Sending without Notify -----------------------------------------------------------------------


def test_in_console_mode_the_text_is_printed(world, settings, capsys):
    settings.EMAIL_BACKEND = CONSOLE
    queue_window_open(now=DEC_OPEN)
    report = outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=plenty())
    assert report.sent == 5
    out = capsys.readouterr().out
    match = re.search(r"Text message to \+447700900982 \(reference outbox-\d+\):\n(.+)\n", out)
    assert match, out
    text = match.group(1)
    assert text.startswith(
        "Adult social care data: the December 2026 collection for Oak Lodge is open until the "
        "end of Monday 14 December 2026. Nothing changed, or a nil return? Use this link: http"
    )
    assert re.search(r"Use this link: http://\S+/quick/\S+/ Otherwise sign in: http://\S+", text)
    # The signed link alone is about 150 characters, so the text is three fragments at most
    # (153 characters each), not two.
    assert len(text) <= 3 * 153
    (sent,) = texts()
    assert sent.status == "sent" and sent.provider_reference == f"console:outbox-{sent.pk}"


def test_elsewhere_the_text_is_logged_with_the_number_masked(world, caplog):
    queue_window_open(now=DEC_OPEN)
    with caplog.at_level(logging.INFO, logger="notifications.gateway"):
        outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=plenty())
    logged = [r.getMessage() for r in caplog.records if r.name == "notifications.gateway"]
    assert len(logged) == 1
    assert logged[0].startswith("text message to **********982 (outbox-")
    assert "7700900" not in logged[0]
    assert "Oak Lodge" in logged[0]
    assert len(mail.outbox) == 4  # the emails; the text is not an email
    assert {m.to[0] for m in mail.outbox} == {
        "oak@example.org",
        "deputy@example.org",
        "elm@example.org",
        "kept@example.org",
    }


# --- Notify -----------------------------------------------------------------------------------------


def with_notify(settings, notify: FakeNotify) -> None:
    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_BASE_URL = notify.url
    settings.NOTIFY_TEMPLATE_IDS = TEMPLATES


def test_texts_go_through_notifys_sms_api(world, settings):
    queue_window_open(now=DEC_OPEN)
    with FakeNotify() as notify:
        with_notify(settings, notify)
        report = outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=plenty())
    assert report.sent == 5
    sms = [r for r in notify.requests if r["path"] == "/v2/notifications/sms"]
    assert len(sms) == 1
    assert len([r for r in notify.requests if r["path"] == "/v2/notifications/email"]) == 4
    (text,) = texts()
    body = sms[0]["json"]
    assert body["phone_number"] == "+447700900982"
    assert body["template_id"] == TEMPLATES["window_open_sms"]
    assert body["reference"] == f"outbox-{text.pk}"
    assert body["personalisation"]["quick_url"] == text.personalisation["quick_url"]
    assert body["personalisation"]["location_name"] == "Oak Lodge"
    text.refresh_from_db()
    assert text.status == "sent" and text.provider_reference.startswith("notify-")


@pytest.mark.parametrize("status", [429, 500])
def test_a_temporary_notify_failure_puts_the_text_back_in_the_queue(world, settings, status):
    queue_window_open(now=DEC_OPEN)
    OutboundMessage.objects.filter(channel="email").delete()
    with FakeNotify() as notify:
        notify.status = status
        with_notify(settings, notify)
        report = outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=plenty())
    assert report.retrying == 1
    (text,) = texts()
    assert text.status == "queued" and text.attempts == 1
    assert text.next_attempt_at == DEC_OPEN + datetime.timedelta(minutes=1)
    assert f"Notify {status}" in text.last_error


def test_a_permanent_notify_failure_fails_the_text(world, settings):
    queue_window_open(now=DEC_OPEN)
    OutboundMessage.objects.filter(channel="email").delete()
    with FakeNotify() as notify:
        notify.status = 400
        with_notify(settings, notify)
        report = outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=plenty())
    assert report.failed == 1
    (text,) = texts()
    assert text.status == "failed" and text.last_error.startswith("Not sent: Notify 400")


def test_without_a_text_template_id_the_text_fails_and_the_emails_go(world, settings):
    queue_window_open(now=DEC_OPEN)
    with FakeNotify() as notify:
        with_notify(settings, notify)
        settings.NOTIFY_TEMPLATE_IDS = {"window_open": TEMPLATES["window_open"]}
        report = outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=plenty())
    assert (report.sent, report.failed) == (4, 1)
    (text,) = texts()
    assert "No Notify template ID is set for 'window_open_sms'" in text.last_error


# --- Their own limit --------------------------------------------------------------------------------


def test_a_full_email_limit_does_not_stop_texts(world):
    queue_window_open(now=DEC_OPEN)
    full = NoSlots()
    report = outbox_send_due(now=DEC_OPEN, limit=full, sms_limit=plenty())
    assert report.sent == 1 and full.asked == 1
    assert texts()[0].status == "sent"
    emails = OutboundMessage.objects.filter(channel="email")
    assert set(emails.values_list("status", "attempts", "claimed_at")) == {("queued", 0, None)}


def test_a_full_text_limit_does_not_stop_emails(world):
    queue_window_open(now=DEC_OPEN)
    full = NoSlots()
    report = outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=full)
    assert report.sent == 4 and full.asked == 1
    (text,) = texts()
    assert (text.status, text.attempts, text.claimed_at) == ("queued", 0, None)
    assert len(mail.outbox) == 4


def test_the_text_limit_has_its_own_key_and_setting(settings):
    settings.SMS_MAX_PER_MINUTE = 250
    sms = send_limit.for_sms()
    email = send_limit.for_email()
    assert isinstance(sms, send_limit.RedisSendLimit)
    assert (sms.limit, sms.window, sms.key) == (250, 60, send_limit.SMS_KEY)
    assert sms.key != email.key


def test_without_redis_texts_and_emails_take_from_separate_logs(settings):
    settings.REDIS_URL = ""
    settings.EMAIL_MAX_PER_MINUTE = 1
    settings.SMS_MAX_PER_MINUTE = 1
    email, sms = send_limit.for_email(), send_limit.for_sms()
    assert email is not sms and send_limit.for_sms() is sms
    assert email.acquire(timeout=0)
    assert not email.acquire(timeout=0.01)  # the email limit is full ...
    assert sms.acquire(timeout=0)  # ... and a text still gets its slot


# --- The reminder ---------------------------------------------------------------------------------


def test_the_reminder_text_is_vetoed_once_the_location_updates(world, provider, settings):
    now = DEC_CLOSE - datetime.timedelta(hours=40)
    assert queue_reminders(now=now) == 5
    assert queue_reminders(now=now + datetime.timedelta(minutes=5)) == 0
    (text,) = texts()
    assert text.kind == "reminder_48h"
    return_save(
        submitter=Submitter.of(ProviderUserFactory(provider=provider)),
        location=world["oak"],
        care_type="care_home",
        window=december(),
        kind="full",
        source="portal",
        now=now,
        answers=GOOD_ANSWERS["care_home"],
    )
    outbox_send_due(now=now, vetoes=EMAIL_VETOES, limit=plenty(), sms_limit=plenty())
    text.refresh_from_db()
    assert text.status == "cancelled"
    assert "updated its return after the reminder was queued" in text.last_error


def test_the_reminder_text_says_two_days_left(world, settings, capsys):
    settings.EMAIL_BACKEND = CONSOLE
    queue_reminders(now=DEC_CLOSE - datetime.timedelta(hours=40))
    outbox_send_due(now=DEC_CLOSE - datetime.timedelta(hours=40), vetoes=EMAIL_VETOES)
    out = capsys.readouterr().out
    assert (
        "Adult social care data: 2 days left to send December 2026 figures for Oak Lodge. "
        "The collection closes at the end of Monday 14 December 2026." in out
    )


# --- The link in the text ----------------------------------------------------------------------------


def test_the_link_in_the_text_works_and_uses_up_the_emails_link(world, settings, client):
    settings.EMAIL_BACKEND = CONSOLE
    queue_window_open(now=DEC_OPEN)
    (text,) = texts()
    path = re.search(r"https?://[^/]+(/quick/\S+/)", text.personalisation["quick_url"]).group(1)
    in_window = DEC_OPEN + datetime.timedelta(days=2)
    with mock.patch("capacity_tracker.lib.clock.now", return_value=in_window):
        page = client.get(path)
        assert page.status_code == 200
        assert not UsedEmailToken.objects.exists()
        saved = client.post(path, {"choice": "nil", "nil_reason": "no_service_users"})
        assert saved.status_code == 200
        version = ReturnVersion.objects.get(return_head__location=world["oak"])
        assert (version.kind, version.source) == ("nil", "email_link")
        # The reminder email would carry its own token for the same contact: used up too.
        reminder_token = make_token(
            location_id=world["oak"].pk,
            window_id=december().pk,
            contact_id=world["texter"].pk,
            expires_at=december().closes_at,
        )
        assert client.get(reverse("email-link", args=[reminder_token])).status_code == 410
        assert client.get(path).status_code == 410


# --- Admin -----------------------------------------------------------------------------------------


def test_support_staff_see_texts_and_resend_one(world, caplog):
    queue_window_open(now=DEC_OPEN)
    outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=plenty())
    support = SupportUserFactory()
    assert not support.is_superuser
    client = client_for(support)
    listing = client.get(
        reverse("admin:notifications_outboundmessage_changelist"), {"channel__exact": "sms"}
    )
    page = listing.content.decode()
    assert "+447700900982" in page and "oak@example.org" not in page
    (text,) = texts()
    detail = client.get(reverse("admin:notifications_outboundmessage_change", args=[text.pk]))
    assert "Text message" in detail.content.decode()
    assert "(withheld: a secret link for the recipient only)" in detail.content.decode()
    # Resent at the instant the test sends as of (the copy is due from when it is made): not
    # at the real time, which after the test's December opening would leave it not yet due.
    with mock.patch("capacity_tracker.lib.clock.now", return_value=DEC_OPEN):
        client.post(
            reverse("admin:notifications_outboundmessage_changelist"),
            {
                "action": "resend",
                "_selected_action": [text.pk],
                "apply": "1",
                "reason": "Lost phone",
            },
        )
    copy = OutboundMessage.objects.get(resend_of=text)
    assert (copy.channel, copy.recipient, copy.created_by) == ("sms", "+447700900982", support)
    assert AuditEvent.objects.get(action="providers.email.resent").actor == support
    with caplog.at_level(logging.INFO, logger="notifications.gateway"):
        assert outbox_send_due(now=DEC_OPEN, limit=plenty(), sms_limit=plenty()).sent == 1
    assert any(f"(outbox-{copy.pk})" in r.getMessage() for r in caplog.records)


def test_resend_in_code_keeps_the_channel(world):
    queue_window_open(now=DEC_OPEN)
    (text,) = texts()
    copy = outbox_resend(
        actor=SupportUserFactory(), email_id=text.pk, reason="Asked again", now=DEC_OPEN
    )
    assert copy.channel == "sms" and copy.template == "window_open"
