"""The last-day rush's people (bench/load/rush.py), made in the set-up process (Django set up).

Each is an approved provider user with its own four-location provider (six obligations, from
bench/load/seed.py, as the load run makes them), last month's returns saved, a password and an
authenticator app. The first ``sign_ins`` have no session: the rush signs each of them in
through the sign-in pages, password and code, as people arriving on the last day would. The
others signed in earlier in the day: each has a session past its second factor, written
through the session engine as the load run's users have (bench/load/seed.py), and its CSRF
cookie. (Every sign-in is a quarter of a second of PBKDF2: a short run on a shared machine
that signed everyone in would spend most of itself signing in.)

The password hash is PBKDF2 at production's strength (the web process checks it as it would a
real one), worked out once for the whole run: the hash takes a quarter of a second.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import asdict, dataclass, field

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.load.seed import (
    _provider_with_locations,
    _save_last_month,
    _signed_in_session,
    open_window_now,
)
from providers.models import LocalAuthority, Role, User
from returns.models import CollectionWindow
from tests.portal_data import GOOD_ANSWERS


@dataclass
class RushObligation:
    cqc_id: str
    care_type: str


@dataclass
class RushUser:
    """What one locust user needs to sign in and send its returns."""

    email: str
    password: str
    totp_key: str  # hex, as TOTPDevice stores it: the locust user works out the codes
    period: str
    session: str = ""  # signed in already: the session's key, and the CSRF cookie's secret
    csrf: str = ""
    obligations: list[RushObligation] = field(default_factory=list)


@dataclass
class RushWorld:
    window: CollectionWindow
    users: list[RushUser]

    def as_json(self) -> dict[str, object]:
        return {"users": [asdict(u) for u in self.users], "answers": GOOD_ANSWERS}

    @property
    def cqc_ids(self) -> list[str]:
        return [o.cqc_id for user in self.users for o in user.obligations]


def make_rush_users(count: int, now: datetime.datetime, *, sign_ins: int) -> RushWorld:
    """``count`` provider users, the first ``sign_ins`` ready to sign in and the others signed
    in, and this month's window, open at ``now``."""
    window = open_window_now(now)
    council = LocalAuthority.objects.get(ons_code="E08000035")  # Leeds, shipped reference data
    password = get_random_string(20)
    # Made by the hasher itself, not make_password: the test suite swaps in a fast hasher that
    # the web process (production settings) would not accept.
    hashed = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt())
    users = []
    for index in range(count):
        locations = _provider_with_locations(index, council)
        user = User.objects.create_user(
            f"rush{index:03d}@example.org",
            role=Role.PROVIDER,
            provider=locations[0].provider,
            first_name="Rush",
            last_name=f"User {index:03d}",
            approved_at=now,
        )
        user.password = hashed
        user.save(update_fields=["password"])
        key = secrets.token_hex(20)
        device = TOTPDevice.objects.create(user=user, name="Phone", key=key, confirmed=True)
        _save_last_month(user, locations, now)
        signed_in = index >= sign_ins
        users.append(
            RushUser(
                email=user.email,
                password=password,
                totp_key=key,
                period=window.period_key,
                session=_signed_in_session(user, device, now) if signed_in else "",
                csrf=get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
                if signed_in
                else "",
                obligations=[
                    RushObligation(location.cqc_id, care_type)
                    for location in locations
                    for care_type in location.care_types
                ],
            )
        )
    return RushWorld(window=window, users=users)
