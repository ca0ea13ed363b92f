"""Two-factor sign-in, support's reset, password reset by email and staff idle time-out
(issue 11, item 2)."""

from __future__ import annotations

import base64
import datetime
import logging
import re
import time
from binascii import unhexlify
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from capacity_tracker.lib.json_logs import SECURITY_LOGGER
from notifications.models import OutboundMessage
from providers import two_factor
from providers.models import AuditEvent, LocalAuthority, Role, User
from tests.conftest import client_for
from tests.factories import (
    TEST_PASSWORD,
    AnalystFactory,
    CaseworkerFactory,
    ProviderUserFactory,
    SupportUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VERIFY = "/sign-in/code/"
SETUP = "/sign-in/set-up-code/"


def sign_in(client: Client, user: User, password: str = TEST_PASSWORD):  # type: ignore[no-untyped-def]
    response = client.post(reverse("login"), {"username": user.email, "password": password})
    assert response.status_code == 302, "the password was not accepted"
    return response


def code_for(key: str, *, steps_ahead: int = 0) -> str:
    return f"{totp(unhexlify(key), t0=-30 * steps_ahead):06d}"


def wrong_code(key: str) -> str:
    """A 6-digit code the app does not show now, nor one step either side."""
    near = {code_for(key, steps_ahead=step) for step in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def give_app(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def security_events(caplog, name: str) -> list[logging.LogRecord]:  # type: ignore[no-untyped-def]
    return [r for r in caplog.records if r.name == SECURITY_LOGGER and r.getMessage() == name]


STAFF = {
    "support": lambda: SupportUserFactory(),
    "caseworker": lambda: CaseworkerFactory(),
    "analyst": lambda: AnalystFactory(),
    "local_authority": lambda: UserFactory(role=Role.LOCAL_AUTHORITY),
    "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
}


# --- Staff cannot get past the second factor --------------------------------------------------


@pytest.mark.parametrize("kind", STAFF)
def test_staff_reach_nothing_but_the_code_pages_before_verifying(kind):
    user = STAFF[kind]()
    give_app(user)
    client = Client()
    assert sign_in(client, user)["Location"] == reverse("home")
    for path in ["/home/", "/admin/", "/admin/providers/location/", "/locations/", "/data/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY + "?next="), path
    refused = client.get("/api/v1/calendar/")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "second_factor_needed"
    page = client.get(f"{VERIFY}?next=/admin/")
    assert page.status_code == 200
    assert b"Enter the code from your authenticator app" in page.content
    assert b'autocomplete="one-time-code"' in page.content
    assert b'inputmode="numeric"' in page.content
    # Signing out still works.
    assert client.post(reverse("logout")).status_code == 302
    assert SESSION_KEY not in client.session


def test_staff_with_no_app_are_sent_to_set_one_up():
    caseworker = CaseworkerFactory()
    client = Client()
    sign_in(client, caseworker)
    response = client.get("/cases/")
    assert response["Location"] == f"{VERIFY}?next=%2Fcases%2F"
    assert client.get(response["Location"])["Location"] == f"{SETUP}?next=%2Fcases%2F"


def test_admin_needs_the_code_even_through_the_admin_sign_in_form():
    support = SupportUserFactory()
    give_app(support)
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": support.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_a_right_code_lets_staff_in_and_cannot_be_used_twice():
    support = SupportUserFactory()
    device = give_app(support)
    client = Client()
    sign_in(client, support)
    code = code_for(device.key)
    response = client.post(VERIFY, {"otp_token": code, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # The same code again, in another session, is refused (django-otp keeps the last step).
    other = Client()
    sign_in(other, support)
    replay = other.post(VERIFY, {"otp_token": code})
    assert replay.status_code == 400
    assert other.get("/admin/")["Location"].startswith(VERIFY)


def test_a_wrong_code_is_refused_counted_and_logged(caplog):
    caseworker = CaseworkerFactory()
    device = give_app(caseworker)
    client = Client()
    sign_in(client, caseworker)
    caplog.set_level(logging.INFO, logger=SECURITY_LOGGER)
    response = client.post(VERIFY, {"otp_token": wrong_code(device.key)})
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert b"The code is not right" in response.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert client.get("/cases/")["Location"].startswith(VERIFY)
    [failed] = security_events(caplog, "two_factor_failed")
    assert failed.user_id == caseworker.pk and failed.failures == 1 and failed.method == "app"


def test_too_many_wrong_codes_make_the_person_wait_even_with_the_right_one(caplog):
    caseworker = CaseworkerFactory()
    device = give_app(caseworker)
    client = Client()
    sign_in(client, caseworker)
    caplog.set_level(logging.INFO, logger=SECURITY_LOGGER)
    for _ in range(4):  # each wrong code doubles the wait; pretend the person waited each time
        client.post(VERIFY, {"otp_token": wrong_code(device.key)})
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=5)
        )
    device.refresh_from_db()
    assert device.throttling_failure_count == 4
    client.post(VERIFY, {"otp_token": wrong_code(device.key)})
    # Now 5 failures: the wait is 16 seconds, and even the right code is not checked.
    response = client.post(VERIFY, {"otp_token": code_for(device.key)})
    assert response.status_code == 429
    wait = int(re.search(rb"Too many attempts\. Wait (\d+) seconds", response.content)[1])
    assert 1 <= wait <= 16
    assert client.get("/cases/")["Location"].startswith(VERIFY)
    assert security_events(caplog, "two_factor_throttled")[0].wait_seconds == wait
    # Once the wait is over, the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.post(VERIFY, {"otp_token": code_for(device.key)}).status_code == 302
    assert client.get("/cases/").status_code == 200


# --- Setting up ---------------------------------------------------------------------------------


def _setup_page(client: Client) -> tuple[str, str]:
    """The signed key field and the key as shown to people, from the set-up page."""
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    signed = re.search(r'name="key" value="([^"]+)"', html)[1]
    shown = re.search(r'id="setup-key">([A-Z2-7 ]+)<', html)[1].replace(" ", "")
    assert "<svg" in html and 'role="img"' in html and "<style" not in html
    return signed, shown


def _hex(base32_key: str) -> str:
    return base64.b32decode(base32_key + "=" * (-len(base32_key) % 8)).hex()


def test_setting_up_with_a_real_code_shows_ten_backup_codes_once():
    caseworker = CaseworkerFactory()
    client = Client()
    sign_in(client, caseworker)
    signed, shown = _setup_page(client)
    assert not TOTPDevice.objects.exists(), "a GET must not store anything"
    key = _hex(shown)

    wrong = client.post(SETUP, {"key": signed, "otp_token": wrong_code(key), "next": "/cases/"})
    assert wrong.status_code == 400 and b"The code is not right" in wrong.content
    assert not TOTPDevice.objects.exists()
    assert signed.encode() in wrong.content  # the same key, so the app still matches

    done = client.post(SETUP, {"key": signed, "otp_token": code_for(key), "next": "/cases/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    device = TOTPDevice.objects.get(user=caseworker)
    assert device.confirmed and device.key == key
    assert sorted(
        StaticToken.objects.filter(device__user=caseworker).values_list("token", flat=True)
    ) == sorted(codes)
    assert AuditEvent.objects.filter(
        action="providers.user.two_factor_set_up", target_id=str(caseworker.pk)
    ).exists()
    assert client.get("/cases/").status_code == 200  # verified by setting up
    # The set-up page is not offered again, and its codes are not shown again.
    assert client.get(SETUP).status_code == 302
    assert client.get(reverse("two_factor:account")).content.count(b"<code>") == 0


def test_a_tampered_or_foreign_key_is_not_accepted():
    caseworker = CaseworkerFactory()
    client = Client()
    sign_in(client, caseworker)
    chosen = "ab" * 20
    response = client.post(SETUP, {"key": chosen, "otp_token": code_for(chosen)})
    assert response.status_code == 200  # a fresh set-up page, nothing stored
    assert not TOTPDevice.objects.exists()
    # A key signed for someone else does not work either.
    other = two_factor.sign_key(AnalystFactory(), chosen)
    client.post(SETUP, {"key": other, "otp_token": code_for(chosen)})
    assert not TOTPDevice.objects.exists()


# --- Backup codes -------------------------------------------------------------------------------


def test_a_backup_code_works_once():
    analyst = AnalystFactory()
    give_app(analyst)
    codes = two_factor._new_backup_codes(analyst)
    client = Client()
    sign_in(client, analyst)
    response = client.post(VERIFY, {"backup_code": codes[0].upper(), "next": "/data/"})
    assert response.status_code == 302 and response["Location"] == "/data/"
    assert client.get("/data/").status_code == 200
    assert StaticToken.objects.filter(device__user=analyst).count() == 9
    client.post(reverse("logout"))

    again = Client()
    sign_in(again, analyst)
    refused = again.post(VERIFY, {"backup_code": codes[0]})
    assert refused.status_code == 400
    assert b"That backup code is not right, or it has been used" in refused.content
    assert again.get("/data/")["Location"].startswith(VERIFY)


def test_new_backup_codes_replace_the_old_ones():
    support = SupportUserFactory()
    give_app(support)
    old = two_factor._new_backup_codes(support)
    client = client_for(support)
    response = client.post(reverse("two_factor:backup-codes"))
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert client.get(reverse("two_factor:backup-codes")).status_code == 405


# --- Provider users opt in ---------------------------------------------------------------------


def test_provider_users_sign_in_with_a_password_until_they_opt_in():
    user = ProviderUserFactory()
    client = Client()
    sign_in(client, user)
    assert client.get("/home/")["Location"] == reverse("returns:dashboard")
    account = client.get(reverse("two_factor:account"))
    assert b"Set up two-factor sign-in" in account.content

    signed, shown = _setup_page(client)
    key = _hex(shown)
    assert client.post(SETUP, {"key": signed, "otp_token": code_for(key)}).status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    client.post(reverse("logout"))

    # From now on they need the code too.
    later = Client()
    sign_in(later, user)
    assert later.get("/home/")["Location"].startswith(VERIFY)
    assert later.get(reverse("returns:dashboard"))["Location"].startswith(VERIFY)
    assert later.post(VERIFY, {"otp_token": code_for(key, steps_ahead=1)}).status_code == 302
    assert later.get("/home/")["Location"] == reverse("returns:dashboard")


# --- Recovery by support staff ------------------------------------------------------------------


def test_support_resets_someones_second_factor_with_a_reason():
    support = SupportUserFactory()
    assert not support.is_superuser  # a plain support user, as the desk has
    caseworker = CaseworkerFactory()
    give_app(caseworker)
    two_factor._new_backup_codes(caseworker)
    client = client_for(support)
    url = reverse("two_factor:reset", args=[caseworker.pk])

    page = client.get(url)
    assert page.status_code == 200 and b"Reset two-factor sign-in" in page.content
    no_reason = client.post(url, {"reason": "  "})
    assert no_reason.status_code == 400
    assert TOTPDevice.objects.filter(user=caseworker).exists()

    done = client.post(url, {"reason": "Lost phone; checked identity by a call back"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    assert not StaticDevice.objects.filter(user=caseworker).exists()
    event = AuditEvent.objects.get(action="providers.user.two_factor_reset")
    assert event.actor == support and event.target_id == str(caseworker.pk)
    assert event.reason == "Lost phone; checked identity by a call back"
    assert event.data == {"devices_removed": 2}
    email = OutboundMessage.objects.get(kind="two_factor_reset")
    assert email.recipient == caseworker.email and email.status == OutboundMessage.Status.QUEUED
    assert email.created_by == support and email.reason == event.reason

    # The caseworker must set up again at the next sign-in.
    again = Client()
    sign_in(again, caseworker)
    assert again.get(VERIFY)["Location"].startswith(SETUP)


def test_support_cannot_reset_their_own_or_a_superusers_and_others_cannot_at_all():
    support = SupportUserFactory()
    give_app(support)
    client = client_for(support)
    own = reverse("two_factor:reset", args=[support.pk])
    assert client.get(own).status_code == 403
    assert client.post(own, {"reason": "I lost my phone"}).status_code == 403
    superuser = UserFactory(is_superuser=True, is_staff=True)
    give_app(superuser)
    assert (
        client.post(
            reverse("two_factor:reset", args=[superuser.pk]), {"reason": "asked"}
        ).status_code
        == 403
    )
    target = SupportUserFactory()
    give_app(target)
    for outsider in (CaseworkerFactory(), ProviderUserFactory()):
        response = client_for(outsider).post(
            reverse("two_factor:reset", args=[target.pk]), {"reason": "asked"}
        )
        assert response.status_code == 403
    assert TOTPDevice.objects.filter(user__in=[support, superuser, target]).count() == 3
    assert not AuditEvent.objects.filter(action="providers.user.two_factor_reset").exists()


# --- Password reset by email --------------------------------------------------------------------


def test_password_reset_is_queued_in_the_outbox_and_answers_the_same_for_unknown_addresses(
    mailoutbox,
):
    user = ProviderUserFactory(email="jo@example.org")
    client = Client()
    form = client.get(reverse("password_reset"))
    assert form.status_code == 200 and b'autocomplete="email"' in form.content

    known = client.post(reverse("password_reset"), {"email": "JO@example.org"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert mailoutbox == []  # queued, not sent in the request
    email = OutboundMessage.objects.get(kind="password_reset")
    assert email.recipient == "jo@example.org" and email.template == "password_reset"
    assert OutboundMessage.objects.count() == 1
    # Pressing the button again straight away queues nothing more.
    client.post(reverse("password_reset"), {"email": "jo@example.org"})
    assert OutboundMessage.objects.count() == 1

    link = email.personalisation["reset_url"]
    path = link.split("://", 1)[1].split("/", 1)[1]
    set_page = client.get("/" + path, follow=True)
    assert b"Choose a new password" in set_page.content
    saved = client.post(
        set_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-password-26", "new_password2": "a-brand-new-password-26"},
    )
    assert saved["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-password-26")
    assert AuditEvent.objects.filter(
        action="providers.user.password_reset", target_id=str(user.pk)
    ).exists()
    # The link works once.
    assert b"This link does not work" in client.get("/" + path, follow=True).content


def test_the_reset_email_renders_with_the_link():
    from notifications import gateway as mail_gateway

    subject, body = mail_gateway.render(
        "password_reset",
        {"name": "Jo", "reset_url": "https://x.example/r/", "hours": 1, "support_email": "s@x"},
    )
    assert subject.startswith("Reset your password") and "https://x.example/r/" in body
    assert "1 hour " in body


# --- Staff idle time-out ----------------------------------------------------------------------


def test_staff_are_signed_out_after_30_idle_minutes_and_providers_are_not(settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    start = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=datetime.UTC)
    with mock.patch("capacity_tracker.lib.clock.now") as now:
        now.return_value = start
        caseworker = CaseworkerFactory()
        staff = client_for(caseworker)
        provider = client_for(ProviderUserFactory())
        for minutes in (29, 58, 87):  # each request keeps the session alive
            now.return_value = start + datetime.timedelta(minutes=minutes)
            assert staff.get("/cases/").status_code == 200, minutes
        now.return_value = start + datetime.timedelta(minutes=87 + 31)
        response = staff.get("/cases/")
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next=/cases/"
        assert SESSION_KEY not in staff.session
        sign_in_page = staff.get(response["Location"])
        assert b"You were signed out because you did nothing for 30 minutes" in (
            sign_in_page.content
        )
        now.return_value = start + datetime.timedelta(hours=1, minutes=59)
        assert provider.get("/locations/").status_code == 200


def test_without_the_activity_cookie_the_sign_in_time_counts(settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    start = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=datetime.UTC)
    with mock.patch("capacity_tracker.lib.clock.now") as now:
        now.return_value = start
        staff = client_for(SupportUserFactory())
        now.return_value = start + datetime.timedelta(minutes=20)
        assert staff.get("/locations/").status_code == 200
        del staff.cookies["ct_staff_activity"]  # dropping it does not keep the session alive
        now.return_value = start + datetime.timedelta(minutes=40)
        assert staff.get("/locations/")["Location"].startswith(reverse("login"))


def test_a_page_polling_in_the_background_does_not_keep_a_staff_session_alive(settings):
    """The window monitor refreshes its figures every 30 seconds; that is not the person."""
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    start = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=datetime.UTC)
    with mock.patch("capacity_tracker.lib.clock.now") as now:
        now.return_value = start
        staff = client_for(SupportUserFactory())
        assert staff.get("/locations/").status_code == 200
        for minutes in (10, 20, 29):
            now.return_value = start + datetime.timedelta(minutes=minutes)
            polled = staff.get("/locations/", headers={"X-Background-Refresh": "1"})
            assert polled.status_code == 200, minutes
        now.return_value = start + datetime.timedelta(minutes=31)
        assert staff.get("/locations/")["Location"].startswith(reverse("login"))


def test_a_local_authority_user_needs_the_code_and_times_out_too():
    user = UserFactory(role=Role.LOCAL_AUTHORITY)
    user.local_authorities.set(LocalAuthority.objects.all()[:1])
    assert two_factor.is_staff_user(user)
    give_app(user)
    client = Client()
    sign_in(client, user)
    assert client.get("/data/")["Location"].startswith(VERIFY)
    assert "ct_staff_activity" in client.cookies


def test_totp_helper_matches_django_otp():
    key = "3132333435363738393031323334353637383930"
    device = TOTP(unhexlify(key))
    device.time = time.time()
    assert code_for(key) == f"{device.token():06d}"
