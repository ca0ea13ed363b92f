"""The load run's data and signed-in sessions, made in the set-up process (Django configured).

Providers, locations and users are made with the ORM; last month's returns go through the
save service, so the dashboard and the form see the history they would in production. Sessions
are written through the configured session engine (cached_db on Redis), exactly as a sign-in
with a right authenticator code leaves them, so no sign-in is measured.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import LocalAuthority, Location, Provider, Role, User
from providers.two_factor import SESSION_REQUIRED, SESSION_SIGNED_IN_AT
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow, Return
from returns.services import window_override, windows_ensure, windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.portal_data import GOOD_ANSWERS

LOCATIONS_PER_PROVIDER = 4
# Django's ModelBackend: the session names the backend that authenticated the user.
AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class Obligation:
    cqc_id: str
    care_type: str
    based_on: int = 0  # this month's version count: the form's optimistic lock


@dataclass
class LoadUser:
    """What one locust user needs: its cookies, its obligations and valid answers."""

    email: str
    session: str
    csrf: str
    period: str
    obligations: list[Obligation] = field(default_factory=list)


def open_window_now(now: datetime.datetime) -> CollectionWindow:
    """This month's window, open at ``now``: stored by the scheduled job's service, and moved
    with the staff override (a reason, an audit event) if the rules have it closed today."""
    windows_ensure_ahead(now=now)
    window = CollectionWindow.objects.get(
        period=Period.of(now.astimezone(LONDON).date()).first_day()
    )
    if window.contains(now):
        return window
    staff = User.objects.create_user(
        "load-support@example.org",
        role=Role.SUPPORT,
        is_staff=True,
        first_name="Load",
        last_name="Support",
    )
    return window_override(
        actor=staff,
        window_id=window.pk,
        opens_at=min(window.opens_at, now - datetime.timedelta(days=1)),
        closes_at=max(window.closes_at, now + datetime.timedelta(days=1)),
        reason="Load run: the form must be open while it runs.",
        now=now,
    )


def _provider_with_locations(index: int, council: LocalAuthority) -> list[Location]:
    provider = Provider.objects.create(
        cqc_id=f"1-{700000000 + index}", name=f"Load Group {index:02d} Ltd", postcode="LS1 4AP"
    )
    return Location.objects.bulk_create(
        Location(
            cqc_id=f"1-{7000000000 + index * 10 + n}",
            provider=provider,
            name=f"Load {index:02d} House {n}",
            local_authority=council,
            postcode="LS6 2QA",
            town="Leeds",
            offers_care_home=True,
            # Half the locations also offer home care: six obligations for four locations.
            offers_home_care=n % 2 == 0,
            registered_places=40,
            added_to_service_on=datetime.date(2023, 1, 1),
        )
        for n in range(LOCATIONS_PER_PROVIDER)
    )


def _save_last_month(user: User, locations: list[Location], now: datetime.datetime) -> None:
    last = Period.of(now.astimezone(LONDON).date()).previous()
    windows_ensure(periods=[last])
    window = CollectionWindow.objects.get(period=last.first_day())
    during = window.opens_at + datetime.timedelta(hours=1)
    for location in locations:
        for care_type in location.care_types:
            return_save(
                submitter=Submitter.of(user),
                location=location,
                care_type=care_type,
                window=window,
                kind="full",
                source="portal",
                now=during,
                answers=GOOD_ANSWERS[care_type],
            )


def _signed_in_session(user: User, device: TOTPDevice, now: datetime.datetime) -> str:
    """A session as django.contrib.auth.login and django_otp.login leave it, plus the two
    markers providers.two_factor puts at sign-in."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = AUTH_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[SESSION_REQUIRED] = True
    store[SESSION_SIGNED_IN_AT] = now.timestamp()
    store.create()
    return store.session_key


def make_users(count: int, now: datetime.datetime) -> list[LoadUser]:
    """``count`` approved provider users with an authenticator app, each with its own
    four-location provider, last month's returns saved and a verified session."""
    window = open_window_now(now)
    council = LocalAuthority.objects.get(ons_code="E08000035")  # Leeds, shipped reference data
    users = []
    for index in range(count):
        locations = _provider_with_locations(index, council)
        user = User.objects.create_user(
            f"load{index:02d}@example.org",
            role=Role.PROVIDER,
            provider=locations[0].provider,
            first_name="Load",
            last_name=f"User {index:02d}",
            approved_at=now,
        )
        device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
        _save_last_month(user, locations, now)
        users.append(
            LoadUser(
                email=user.email,
                session=_signed_in_session(user, device, now),
                # The CSRF cookie's secret; pages mask it into each form's token.
                csrf=get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS),
                period=window.period_key,
                obligations=[
                    Obligation(location.cqc_id, care_type)
                    for location in locations
                    for care_type in location.care_types
                ],
            )
        )
    return users


def as_json(users: list[LoadUser]) -> dict[str, object]:
    return {"users": [asdict(u) for u in users], "answers": GOOD_ANSWERS}


def refresh_version_counts(users: list[LoadUser]) -> None:
    """Each obligation's version count now (the warm-up saved some), so that a save user can
    post its first save without reading six forms first."""
    window = CollectionWindow.objects.get(period=Period.parse(users[0].period).first_day())
    counts = {
        (cqc_id, care_type): count
        for cqc_id, care_type, count in Return.objects.filter(window=window).values_list(
            "location__cqc_id", "care_type", "version_count"
        )
    }
    for user in users:
        for obligation in user.obligations:
            obligation.based_on = counts.get((obligation.cqc_id, obligation.care_type), 0)


def forget_sessions(users: list[LoadUser]) -> None:
    """Take the run's sessions out of Redis (the database they were written to is dropped)."""
    from importlib import import_module

    from django.conf import settings

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for user in users:
        store_class(user.session).delete()
