"""The monthly email cycle: jobs at frozen instants, the outbox, the gateway, the link."""

from __future__ import annotations

import datetime
import io
import re
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications import gateway as mail_gateway
from notifications.models import OutboundMessage
from notifications.outbox import backoff, outbox_claim, outbox_resend, outbox_send_due
from providers.models import AuditEvent
from providers.selectors import ONBOARDING_LISTED_AFTER_DAYS, onboarding_overdue
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
    LocationStatusChangeFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
)
from tests.fake_mail import FakeNotify, FlakyBackend
from tests.portal_data import GOOD_ANSWERS, GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DEC_OPEN = datetime.datetime(2026, 12, 8, 0, 0, tzinfo=UTC)  # GMT: London midnight
DEC_CLOSE = datetime.datetime(2026, 12, 15, 0, 0, tzinfo=UTC)  # end of Monday 14 December


@pytest.fixture(autouse=True)
def _windows_and_mail(settings):
    windows_ensure_ahead(now=datetime.datetime(2026, 9, 1, tzinfo=UTC))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_MAX_PER_MINUTE = 1_000_000  # no spacing between sends in tests
    settings.NOTIFY_API_KEY = ""


@pytest.fixture
def world(provider):
    """Two owing locations with contacts, a dormant one and one with no contact."""
    home = LocationFactory(provider=provider, name="Oak Lodge")
    both = LocationFactory(provider=provider, name="Elm Court", offers_home_care=True)
    dormant = LocationFactory(provider=provider, name="Sleepy Annexe", status="dormant")
    LocationStatusChangeFactory(
        location=dormant, status="dormant", effective_from=datetime.date(2026, 1, 1)
    )
    LocationFactory(provider=provider, name="No Contact House")
    contacts = [
        ContactFactory(location=home, email="oak.manager@example.org", is_primary=True),
        ContactFactory(location=home, email="oak.deputy@example.org"),
        ContactFactory(location=both, email="elm@example.org", is_primary=True),
        ContactFactory(location=dormant, email="sleepy@example.org", is_primary=True),
    ]
    return {"home": home, "both": both, "dormant": dormant, "contacts": contacts}


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


def recipients(kind: str) -> set[str]:
    return set(OutboundMessage.objects.filter(kind=kind).values_list("recipient", flat=True))


# --- Window open -----------------------------------------------------------------------------


def test_window_open_queues_one_email_per_contact_of_owing_locations(world):
    assert queue_window_open(now=DEC_OPEN + datetime.timedelta(minutes=5)) == 3
    assert recipients("window_open") == {
        "oak.manager@example.org",
        "oak.deputy@example.org",
        "elm@example.org",
    }
    email = OutboundMessage.objects.get(recipient="oak.manager@example.org")
    assert email.scope == "2026-12"
    assert email.personalisation["last_day"] == "Monday 14 December 2026"
    assert email.personalisation["update_url"].endswith(
        f"/returns/2026-12/{world['home'].cqc_id}/care_home/"
    )
    assert "/quick/" in email.personalisation["quick_url"]


def test_window_open_before_the_window_queues_nothing(world):
    assert queue_window_open(now=DEC_OPEN - datetime.timedelta(seconds=1)) == 0


def test_running_twice_queues_and_sends_once(world):
    now = DEC_OPEN + datetime.timedelta(minutes=5)
    assert queue_window_open(now=now) == 3
    assert queue_window_open(now=now) == 0
    outbox_send_due(now=now)
    outbox_send_due(now=now)
    assert len(mail.outbox) == 3
    assert OutboundMessage.objects.filter(status="sent").count() == 3


def test_a_run_three_days_late_still_sends_the_open_emails_once(world):
    late = DEC_OPEN + datetime.timedelta(days=3, hours=2)
    assert queue_window_open(now=late) == 3
    only = [
        "--only",
        "window_open_emails",
        "send_emails",
    ]  # the sweep's letters are tested elsewhere
    call_command("run_scheduled", "--now", late.isoformat(), *only, stdout=io.StringIO())
    assert OutboundMessage.objects.filter(kind="window_open").count() == 3
    assert len(mail.outbox) == 3


def test_after_the_window_closes_no_open_emails_are_queued(world):
    assert queue_window_open(now=DEC_CLOSE + datetime.timedelta(minutes=1)) == 0


def test_open_instant_follows_london_time_across_the_end_of_summer_time(world):
    # October 2026 opens at 00:00 BST = 23:00 UTC on the 7th; November (after the clocks go
    # back on 25 October) at 00:00 GMT = 00:00 UTC on the 8th.
    assert queue_window_open(now=datetime.datetime(2026, 10, 7, 22, 55, tzinfo=UTC)) == 0
    assert queue_window_open(now=datetime.datetime(2026, 10, 7, 23, 5, tzinfo=UTC)) == 3
    assert queue_window_open(now=datetime.datetime(2026, 11, 7, 23, 5, tzinfo=UTC)) == 0
    assert queue_window_open(now=datetime.datetime(2026, 11, 8, 0, 5, tzinfo=UTC)) == 3
    assert set(OutboundMessage.objects.values_list("scope", flat=True)) == {"2026-10", "2026-11"}


def test_queueing_is_a_constant_number_of_queries(provider, django_assert_max_num_queries):
    for _ in range(3):
        ContactFactory(location=LocationFactory(provider=provider))
    now = DEC_OPEN + datetime.timedelta(minutes=5)
    with django_assert_max_num_queries(8) as few:
        queue_window_open(now=now)
    OutboundMessage.objects.all().delete()
    for _ in range(40):
        ContactFactory(location=LocationFactory(provider=provider))
    with django_assert_max_num_queries(8) as many:
        assert queue_window_open(now=now) == 43
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Reminder ----------------------------------------------------------------------------------


def save(
    location, care_type: str, user, kind: str = "full", now=DEC_OPEN + datetime.timedelta(days=1)
):
    answers = GOOD_ANSWERS[care_type]
    return return_save(
        submitter=Submitter.of(user),
        location=location,
        care_type=care_type,
        window=december(),
        kind=kind,
        source="portal",
        now=now,
        answers=answers if kind == "full" else None,
        nil_reason="no_staff" if kind == "nil" else "",
    )


def test_reminder_goes_48_hours_before_close_only_to_locations_without_an_update(world, provider):
    user = ProviderUserFactory(provider=provider)
    save(world["home"], "care_home", user)
    save(world["both"], "care_home", user)  # home care still owed
    assert queue_reminders(now=DEC_CLOSE - datetime.timedelta(hours=48, seconds=1)) == 0
    assert queue_reminders(now=DEC_CLOSE - datetime.timedelta(hours=47)) == 1
    assert recipients("reminder_48h") == {"elm@example.org"}
    assert queue_reminders(now=DEC_CLOSE - datetime.timedelta(hours=1)) == 0  # once only
    assert queue_reminders(now=DEC_CLOSE) == 0


def test_a_nil_return_counts_as_an_update_for_the_reminder(world, provider):
    user = ProviderUserFactory(provider=provider)
    save(world["home"], "care_home", user, kind="nil")
    queue_reminders(now=DEC_CLOSE - datetime.timedelta(hours=40))
    assert "oak.manager@example.org" not in recipients("reminder_48h")


def test_a_location_that_updates_after_queueing_is_not_reminded(world, provider):
    now = DEC_CLOSE - datetime.timedelta(hours=40)
    queue_reminders(now=now)
    assert "oak.manager@example.org" in recipients("reminder_48h")
    save(world["home"], "care_home", ProviderUserFactory(provider=provider), now=now)
    report = outbox_send_due(now=now, vetoes=EMAIL_VETOES)
    assert report.cancelled == 2  # both Oak Lodge contacts
    reminded = {m.to[0] for m in mail.outbox if not m.subject.startswith("Return saved")}
    assert reminded == {"elm@example.org"}  # (the save's own receipt went too)
    cancelled = OutboundMessage.objects.filter(status="cancelled").first()
    assert "updated its return after the reminder was queued" in cancelled.last_error


def test_an_update_saved_after_the_window_does_not_stop_the_reminder(world, provider):
    # Only a save inside the window counts; this one was made before the window opened
    # for the previous month and so does not cover December.
    queue_reminders(now=DEC_CLOSE - datetime.timedelta(hours=40))
    assert len(recipients("reminder_48h")) == 3


# --- Outbox ------------------------------------------------------------------------------------


def test_the_unique_key_refuses_a_second_identical_email(world):
    queue_window_open(now=DEC_OPEN)
    original = OutboundMessage.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.create(
            kind=original.kind,
            scope=original.scope,
            location=original.location,
            recipient=original.recipient.upper(),
            template=original.template,
        )


def test_two_claims_never_take_the_same_row(world):
    queue_window_open(now=DEC_OPEN)
    first = outbox_claim(now=DEC_OPEN, limit=2)
    second = outbox_claim(now=DEC_OPEN, limit=5)
    assert len(first) == 2 and len(second) == 1
    assert not set(first) & set(second)
    assert OutboundMessage.objects.filter(status="sending", attempts=1).count() == 3


def test_temporary_failures_retry_with_backoff_then_send(world, settings):
    settings.EMAIL_BACKEND = "tests.fake_mail.FlakyBackend"
    FlakyBackend.failures = 100
    queue_window_open(now=DEC_OPEN)
    report = outbox_send_due(now=DEC_OPEN)
    assert report.retrying == 3 and report.sent == 0
    email = OutboundMessage.objects.get(recipient="elm@example.org")
    assert email.status == "queued"
    assert email.next_attempt_at == DEC_OPEN + backoff(1)
    assert "refused the connection" in email.last_error
    assert outbox_send_due(now=DEC_OPEN).sent == 0  # not due yet: nothing claimed
    FlakyBackend.failures = 0
    later = DEC_OPEN + datetime.timedelta(minutes=2)
    assert outbox_send_due(now=later).sent == 3
    assert OutboundMessage.objects.get(recipient="elm@example.org").attempts == 2


def test_gives_up_after_the_bound_with_a_recorded_reason(world, settings):
    settings.EMAIL_BACKEND = "tests.fake_mail.FlakyBackend"
    settings.EMAIL_MAX_ATTEMPTS = 3
    FlakyBackend.failures = 1000
    queue_window_open(now=DEC_OPEN)
    now = DEC_OPEN
    for _ in range(5):
        outbox_send_due(now=now)
        now += datetime.timedelta(hours=7)
    FlakyBackend.failures = 0
    email = OutboundMessage.objects.get(recipient="elm@example.org")
    assert email.status == "failed"
    assert email.attempts == 3
    assert email.last_error.startswith("Gave up after 3 attempts")


def test_a_row_left_sending_by_a_dead_worker_is_failed_not_resent(world):
    queue_window_open(now=DEC_OPEN)
    outbox_claim(now=DEC_OPEN)
    OutboundMessage.objects.update(attempted_at=DEC_OPEN)  # each was handed to the gateway
    report = outbox_send_due(now=DEC_OPEN + datetime.timedelta(minutes=20))
    assert report.stuck == 3 and report.sent == 0
    assert len(mail.outbox) == 0
    assert "may or may not have gone" in OutboundMessage.objects.first().last_error


def test_backoff_grows_and_is_bounded():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == datetime.timedelta(hours=6)


def test_a_submission_never_fails_when_the_email_provider_is_down(world, provider, settings):
    settings.EMAIL_BACKEND = "tests.fake_mail.FlakyBackend"
    FlakyBackend.failures = 100
    queue_window_open(now=DEC_OPEN)
    outbox_send_due(now=DEC_OPEN)
    version = save(world["home"], "care_home", ProviderUserFactory(provider=provider))
    assert version.pk is not None
    FlakyBackend.failures = 0


# --- Gateway against a fake Notify --------------------------------------------------------------

NOTIFY_KEY = "test_key-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"


def test_notify_gateway_sends_template_id_and_personalisation(settings):
    with FakeNotify() as notify:
        settings.NOTIFY_API_KEY = NOTIFY_KEY
        settings.NOTIFY_BASE_URL = notify.url
        settings.NOTIFY_TEMPLATE_IDS = {"window_open": "f33517ff-2a88-4f6e-b855-c550268ce08a"}
        sent = mail_gateway.send(
            template="window_open",
            recipient="a@example.org",
            personalisation={"name": "Amina", "days": 30, "none": None},
            reference="outbox-7",
        )
    assert sent.provider_reference == "notify-1"
    request = notify.requests[0]
    assert request["path"] == "/v2/notifications/email"
    assert request["headers"]["Authorization"].startswith("Bearer ")
    assert request["json"] == {
        "email_address": "a@example.org",
        "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
        "personalisation": {"name": "Amina", "days": "30", "none": ""},
        "reference": "outbox-7",
    }


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, mail_gateway.TemporaryFailure),
        (500, mail_gateway.TemporaryFailure),
        (400, mail_gateway.PermanentFailure),
    ],
)
def test_notify_errors_are_sorted_into_temporary_and_permanent(settings, status, error):
    with FakeNotify() as notify:
        notify.status = status
        settings.NOTIFY_API_KEY = NOTIFY_KEY
        settings.NOTIFY_BASE_URL = notify.url
        settings.NOTIFY_TEMPLATE_IDS = {"window_open": "f33517ff-2a88-4f6e-b855-c550268ce08a"}
        with pytest.raises(error):
            mail_gateway.send(
                template="window_open", recipient="a@example.org", personalisation={}, reference="r"
            )


def test_notify_unreachable_is_temporary(settings):
    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_BASE_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.NOTIFY_TEMPLATE_IDS = {"window_open": "f33517ff-2a88-4f6e-b855-c550268ce08a"}
    with pytest.raises(mail_gateway.TemporaryFailure):
        mail_gateway.send(
            template="window_open", recipient="a@example.org", personalisation={}, reference="r"
        )


def test_notify_without_a_template_id_is_a_permanent_failure_recorded_on_the_row(world, settings):
    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_TEMPLATE_IDS = {}
    queue_window_open(now=DEC_OPEN)
    assert outbox_send_due(now=DEC_OPEN).failed == 3
    assert (
        "No Notify template ID is set for 'window_open'"
        in OutboundMessage.objects.first().last_error
    )


def test_outbox_sends_through_notify_end_to_end(world, settings):
    with FakeNotify() as notify:
        settings.NOTIFY_API_KEY = NOTIFY_KEY
        settings.NOTIFY_BASE_URL = notify.url
        settings.NOTIFY_TEMPLATE_IDS = {"window_open": "f33517ff-2a88-4f6e-b855-c550268ce08a"}
        queue_window_open(now=DEC_OPEN)
        assert outbox_send_due(now=DEC_OPEN).sent == 3
    assert len(notify.requests) == 3
    assert set(OutboundMessage.objects.values_list("provider_reference", flat=True)) == {
        "notify-1",
        "notify-2",
        "notify-3",
    }


# --- The link ----------------------------------------------------------------------------------


def link_for(location, contact, window=None, expires_at=None) -> str:
    window = window or december()
    token = make_token(
        location_id=location.pk,
        window_id=window.pk,
        contact_id=contact.pk,
        expires_at=expires_at or window.closes_at,
    )
    return reverse("email-link", args=[token])


@pytest.fixture
def frozen_in_window():
    with mock.patch(
        "capacity_tracker.lib.clock.now", return_value=DEC_OPEN + datetime.timedelta(days=2)
    ):
        yield


@pytest.fixture
def previous_november(world, provider):
    november = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    user = ProviderUserFactory(provider=provider)
    return return_save(
        submitter=Submitter.of(user),
        location=world["home"],
        care_type="care_home",
        window=november,
        kind="full",
        source="portal",
        now=november.opens_at + datetime.timedelta(days=1),
        answers=GOOD_CARE_HOME,
    )


def test_following_the_link_changes_nothing(client, world, previous_november, frozen_in_window):
    queue_window_open(now=DEC_OPEN)
    url = link_for(world["home"], world["contacts"][0])
    for _ in range(3):  # a mail scanner, then the person
        response = client.get(url)
        assert response.status_code == 200
    assert "Nothing has changed since our last return" in response.content.decode()
    assert ReturnVersion.objects.count() == 1
    assert not UsedEmailToken.objects.exists()


def test_the_button_saves_unchanged_with_source_email_link_and_uses_the_link(
    client, world, previous_november, frozen_in_window
):
    queue_window_open(now=DEC_OPEN)
    contact = world["contacts"][0]
    url = link_for(world["home"], contact)
    response = client.post(url, {"choice": "unchanged"})
    assert response.status_code == 200
    assert "Figures confirmed" in response.content.decode()
    version = ReturnVersion.objects.get(return_head__window=december())
    assert (version.kind, version.source, version.in_window) == ("unchanged", "email_link", True)
    assert version.submitted_by is None
    assert f"{version.submitter_first_name} {version.submitter_last_name}".strip() == contact.name
    assert version.answers["beds_occupied"] == 35
    again = client.get(url)
    assert again.status_code == 410
    assert "This link has already been used" in again.content.decode()
    assert client.post(url, {"choice": "unchanged"}).status_code == 410
    assert ReturnVersion.objects.filter(return_head__window=december()).count() == 1


def test_a_nil_return_by_link_covers_every_care_type_and_needs_a_reason(
    client, world, frozen_in_window
):
    queue_window_open(now=DEC_OPEN)
    contact = world["contacts"][2]  # Elm Court: care home and home care
    url = link_for(world["both"], contact)
    page = client.get(url).content.decode()
    assert "Nothing has changed since our last return" not in page  # no earlier figures
    missing = client.post(url, {"choice": "nil"})
    assert missing.status_code == 400
    assert "Select why you are making a nil return" in missing.content.decode()
    client.post(url, {"choice": "nil", "nil_reason": "no_service_users"})
    kinds = set(ReturnVersion.objects.values_list("return_head__care_type", "kind"))
    assert kinds == {("care_home", "nil"), ("home_care", "nil")}


def test_an_expired_link_explains_what_to_do(client, world):
    url = link_for(world["home"], world["contacts"][0])
    with mock.patch("capacity_tracker.lib.clock.now", return_value=DEC_CLOSE):
        response = client.get(url)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_a_tampered_link_is_refused(client, world, frozen_in_window):
    url = link_for(world["home"], world["contacts"][0])
    token = url.rstrip("/").split("/")[-1]
    payload, rest = token.split(":", 1)
    tampered = url.replace(
        token, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest
    )
    response = client.get(tampered)
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert client.post(tampered, {"choice": "nil", "nil_reason": "no_staff"}).status_code == 404
    assert not ReturnVersion.objects.exists()


def test_a_link_for_the_wrong_location_is_refused(client, world, frozen_in_window):
    other_contact = world["contacts"][2]  # a contact of Elm Court, not Oak Lodge
    response = client.post(
        link_for(world["home"], other_contact), {"choice": "nil", "nil_reason": "no_staff"}
    )
    assert response.status_code == 404
    assert not ReturnVersion.objects.exists()


def test_link_signed_for_another_purpose_is_refused(client, world, frozen_in_window):
    from django.core import signing

    token = signing.dumps(
        {"l": world["home"].pk, "w": december().pk, "c": world["contacts"][0].pk, "x": 9999999999}
    )
    assert client.get(reverse("email-link", args=[token])).status_code == 404


# --- Onboarding --------------------------------------------------------------------------------


def test_onboarding_chasers_at_30_60_90_days_and_listing_at_100(db):
    today = datetime.date(2026, 12, 1)
    with_user = ProviderFactory()
    ProviderUserFactory(provider=with_user)
    registered = LocationFactory(
        provider=with_user, added_to_service_on=today - datetime.timedelta(days=45)
    )
    fresh = LocationFactory(added_to_service_on=today - datetime.timedelta(days=10))
    thirty = LocationFactory(added_to_service_on=today - datetime.timedelta(days=35))
    sixty = LocationFactory(added_to_service_on=today - datetime.timedelta(days=65))
    overdue = LocationFactory(added_to_service_on=today - datetime.timedelta(days=120))
    for location in (registered, fresh, thirty, sixty, overdue):
        ContactFactory(location=location, is_primary=True)
    assert queue_onboarding_chasers(today=today) == 2
    kinds = dict(OutboundMessage.objects.values_list("location_id", "kind"))
    assert kinds == {thirty.pk: "onboarding_30", sixty.pk: "onboarding_60"}
    assert queue_onboarding_chasers(today=today) == 0
    assert list(onboarding_overdue(today=today)) == [overdue]
    assert ONBOARDING_LISTED_AFTER_DAYS == 100


# --- run_scheduled and admin -------------------------------------------------------------------


def test_run_scheduled_plays_the_month_and_prints_what_it_did(world):
    out = io.StringIO()
    only = ["--only", "ensure_windows", "window_open_emails", "reminder_emails", "send_emails"]
    call_command("run_scheduled", "--now", "2026-12-08T00:05:00+00:00", *only, stdout=out)
    text = out.getvalue()
    assert "Running scheduled jobs as of 2026-12-08T00:05:00+00:00" in text
    assert "window_open_emails: 3 window-open emails queued" in text
    assert "emails: 3 sent" in text
    assert {m.subject for m in mail.outbox} >= {
        "Send your adult social care data for December 2026: Oak Lodge"
    }
    out = io.StringIO()
    call_command("run_scheduled", "--now", "2026-12-13T09:00:00+00:00", *only, stdout=out)
    assert "reminder_emails: 3 48-hour reminders queued" in out.getvalue()


@pytest.mark.parametrize("bad", ["tomorrow", "2026-12-08T00:05:00"])
def test_run_scheduled_refuses_a_bad_or_naive_instant(bad):
    with pytest.raises(CommandError, match="--now must"):
        call_command("run_scheduled", "--now", bad, stdout=io.StringIO())


def test_support_staff_resend_an_email_with_a_reason(world):
    support = SupportUserFactory()  # a plain support officer, not a superuser
    queue_window_open(now=DEC_OPEN)
    email = OutboundMessage.objects.get(recipient="elm@example.org")
    client = client_for(support)
    listing = client.get(
        reverse("admin:notifications_outboundmessage_changelist"), {"status__exact": "queued"}
    )
    assert listing.status_code == 200 and "elm@example.org" in listing.content.decode()
    url = reverse("admin:notifications_outboundmessage_changelist")
    ask = client.post(url, {"action": "resend", "_selected_action": [email.pk]})
    assert "Resend" in ask.content.decode()
    client.post(
        url,
        {
            "action": "resend",
            "_selected_action": [email.pk],
            "apply": "1",
            "reason": "Bounced: new address",
        },
    )
    copy = OutboundMessage.objects.get(resend_of=email)
    assert copy.reason == "Bounced: new address" and copy.created_by == support
    assert AuditEvent.objects.get(action="providers.email.resent").actor == support
    with pytest.raises(ValueError, match="reason"):
        outbox_resend(actor=support, email_id=email.pk, reason=" ", now=DEC_OPEN)


def test_email_text_follows_the_template(world):
    queue_window_open(now=DEC_OPEN)
    outbox_send_due(now=DEC_OPEN)
    message = next(m for m in mail.outbox if m.to == ["elm@example.org"])
    assert message.subject == "Send your adult social care data for December 2026: Elm Court"
    assert "by the end of Monday 14 December 2026" in message.body
    assert re.search(r"http://\S+/quick/\S+/", message.body)


def test_support_staff_see_locations_overdue_for_onboarding_in_admin(db):
    support = SupportUserFactory()  # a plain support officer, not a superuser
    overdue = LocationFactory(name="Forgotten Court", added_to_service_on=datetime.date(2020, 1, 1))
    LocationFactory(name="Brand New House", added_to_service_on=timezone.localdate())
    page = client_for(support).get(
        reverse("admin:providers_location_changelist"), {"onboarding": "overdue"}
    )
    text = page.content.decode()
    assert overdue.name in text
    assert "Brand New House" not in text


def test_choosing_nothing_on_the_link_page_links_the_error_to_the_question(
    client, world, frozen_in_window
):
    response = client.post(link_for(world["home"], world["contacts"][0]), {})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_choice"' in page
    assert "Select what you want to do" in page
    assert not ReturnVersion.objects.exists()
