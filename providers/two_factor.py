"""Two-factor sign-in with an authenticator app (TOTP, django-otp), backup codes and recovery.

Who must use it: every staff account (support, caseworker, analyst, local authority user,
superuser, anyone with ``is_staff``), and provider users who chose to set it up. After the
password, ``providers.middleware.TwoFactorMiddleware`` keeps such a person on the two-factor
pages until a code is accepted.

- Setting up: the page shows a new random key (as a QR code and as text) and carries it to the
  POST in a signed form field, so a GET stores nothing. A right code from the app creates the
  confirmed device and ten single-use backup codes, shown once.
- Signing in: a 6-digit code is checked against the app's device, anything else against the
  backup codes. Both devices throttle wrong codes (1, 2, 4, 8 ... seconds), and the person is
  told how long to wait.
- Recovery: support staff remove someone's devices with a reason (audited, and the person is
  emailed through the outbox); at their next sign-in they set up again.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from capacity_tracker.lib import clock
from capacity_tracker.lib.json_logs import security_event
from providers.access import role_of
from providers.audit import audit_record
from providers.mail import AccountEmail, request_emails
from providers.models import Role, User

STAFF_ROLES = frozenset(
    {Role.SUPPORT, Role.CASEWORKER, Role.ANALYST, Role.LOCAL_AUTHORITY, Role.DISCHARGE}
)
# Set at sign-in: this session must pass the second factor (a provider user with a device).
SESSION_REQUIRED = "two_factor_required"
# When the password was accepted: the idle timeout's fallback when the activity cookie is gone.
SESSION_SIGNED_IN_AT = "signed_in_at"
ISSUER = "ASC collection"
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
SETUP_KEY_SALT = "providers.two_factor.setup-key"
SETUP_KEY_MAX_AGE = 30 * 60  # seconds to scan the code and type the first one in
TOTP_CODE = re.compile(r"\d{6}")
BACKUP_CODE = re.compile(r"[a-z2-7]{8}")


# --- Who needs it -------------------------------------------------------------------------------


def is_staff_user(user: Any) -> bool:
    """Staff: every role but provider users, and anyone Django treats as staff or superuser."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or user.role in STAFF_ROLES)


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user: User) -> bool:
    """Has this session's user given their second factor? django_otp's OTPMiddleware gives the
    request's user ``is_verified()`` at run time; the User model does not declare it."""
    # attr-defined: set on the instance by django_otp.middleware.OTPMiddleware, not on the class.
    return bool(user.is_verified())  # type: ignore[attr-defined]


def must_verify(request: HttpRequest) -> bool:
    """Is this signed-in session still waiting for its second factor?"""
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return False
    return is_staff_user(user) or bool(request.session.get(SESSION_REQUIRED))


@receiver(user_logged_in, dispatch_uid="providers.two_factor.signed_in")
def _remember_at_sign_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # Looked up once at sign-in, so that no page a provider opens costs a device query.
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_REQUIRED] = is_staff_user(user) or has_device(user)
    request.session[SESSION_SIGNED_IN_AT] = clock.now().timestamp()


# --- Keys, QR codes and codes -----------------------------------------------------------------


def new_key() -> str:
    """A new random 20-byte key, hex-encoded as TOTPDevice stores it."""
    return random_hex(20)


def sign_key(user: User, key: str) -> str:
    return signing.dumps(key, salt=f"{SETUP_KEY_SALT}:{user.pk}")


def unsign_key(user: User, signed: str) -> str | None:
    try:
        key = signing.loads(signed, salt=f"{SETUP_KEY_SALT}:{user.pk}", max_age=SETUP_KEY_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    return key if isinstance(key, str) and re.fullmatch(r"[0-9a-f]{40}", key) else None


def base32_key(key: str) -> str:
    return b32encode(unhexlify(key)).decode().rstrip("=")


def key_for_people(key: str) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    secret = base32_key(key)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def config_url(user: User, key: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    label = quote(f"{ISSUER}:{user.email}")
    return (
        f"otpauth://totp/{label}?secret={base32_key(key)}&issuer={quote(ISSUER)}"
        "&algorithm=SHA1&digits=6&period=30"
    )


def qr_svg(url: str) -> SafeString:
    """The QR code as inline SVG: drawn with attributes only (no style), so CSP allows it."""
    svg = segno.make(url, error="m").svg_inline(
        scale=5, dark="#0b0c0c", light="#ffffff", svgclass="app-qr-code", lineclass=None
    )
    label = format_html('<svg role="img" aria-label="{}" ', "QR code to scan with your app")
    return mark_safe(svg.replace("<svg ", str(label), 1))  # noqa: S308 - segno's own markup


def normalise_code(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").lower()


def _matching_step(key: str, code: str) -> int | None:
    """The time step a code from the app matches now (one step either side), or None."""
    if not TOTP_CODE.fullmatch(code):
        return None
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    return totp.t() if totp.verify(int(code), tolerance=1) else None


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Setting up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolled:
    device: TOTPDevice
    backup_codes: list[str]


def two_factor_enrol(*, user: User, key: str, code: str) -> Enrolled:
    """Confirm the app with its first code; store the device and new backup codes."""
    step = _matching_step(key, normalise_code(code))
    if step is None:
        security_event(
            "two_factor_setup_failed", level=logging.WARNING, user_id=user.pk, role=user.role
        )
        raise ValidationError(
            {"otp_token": "The code is not right. Enter the 6-digit code your app shows now"}
        )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one set-up at a time
        if has_device(user):
            raise ValidationError({"otp_token": "Two-factor sign-in is already set up"})
        TOTPDevice.objects.filter(user=user).delete()  # unconfirmed leftovers, if any
        device = TOTPDevice.objects.create(
            user=user, name=APP_DEVICE_NAME, key=key, confirmed=True, last_t=step
        )
        codes = _new_backup_codes(user)
        audit_record(actor=user, action="providers.user.two_factor_set_up", target=user)
    security_event("two_factor_set_up", user_id=user.pk, role=user.role)
    return Enrolled(device=device, backup_codes=codes)


def backup_codes_renew(*, user: User) -> list[str]:
    """New backup codes for a verified person; the old ones stop working."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if not has_device(user):
            raise ValidationError("Set up two-factor sign-in first")
        codes = _new_backup_codes(user)
        audit_record(actor=user, action="providers.user.backup_codes_renewed", target=user)
    security_event("two_factor_backup_codes_renewed", user_id=user.pk)
    return codes


# --- Signing in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    device: TOTPDevice | StaticDevice | None
    wait_seconds: int = 0  # more than 0: refused unchecked, too many wrong codes
    used_backup_code: bool = False


def two_factor_verify(
    *, user: User, code: str, now: datetime.datetime, ip: str = "unknown"
) -> Verified:
    """Check a code from the app (6 digits) or a backup code, under each device's throttle."""
    code = normalise_code(code)
    model: type[TOTPDevice] | type[StaticDevice] = (
        TOTPDevice if TOTP_CODE.fullmatch(code) else StaticDevice
    )
    kind = "app" if model is TOTPDevice else "backup_code"
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            outcome = Verified(device=None)
        else:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                wait = (info["locked_until"] - now).total_seconds()
                outcome = Verified(device=None, wait_seconds=max(1, math.ceil(wait)))
            elif (kind == "app" or BACKUP_CODE.fullmatch(code)) and device.verify_token(code):
                outcome = Verified(device=device, used_backup_code=kind == "backup_code")
            else:
                if kind == "backup_code" and not BACKUP_CODE.fullmatch(code):
                    device.throttle_increment()  # not even the shape of a code: still a try
                outcome = Verified(device=None)
    if outcome.device is not None:
        security_event("two_factor_verified", user_id=user.pk, method=kind, ip=ip)
    elif outcome.wait_seconds:
        security_event(
            "two_factor_throttled",
            level=logging.WARNING,
            user_id=user.pk,
            method=kind,
            wait_seconds=outcome.wait_seconds,
            ip=ip,
        )
    else:
        security_event(
            "two_factor_failed",
            level=logging.WARNING,
            user_id=user.pk,
            method=kind,
            failures=device.throttling_failure_count if device else 0,
            ip=ip,
        )
    return outcome


# --- Recovery by support staff ------------------------------------------------------------------


def can_reset(actor: User, user: User) -> bool:
    """Support staff reset anyone's second factor but their own (and a superuser's only if
    they are one themselves)."""
    if role_of(actor) is not Role.SUPPORT or actor.pk == user.pk:
        return False
    return actor.is_superuser or not user.is_superuser


def two_factor_reset(*, actor: User, user_id: int, reason: str, now: datetime.datetime) -> int:
    """Remove someone's app and backup codes; audited, and the person is emailed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you are resetting their two-factor sign-in"})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if not can_reset(actor, user):
            raise PermissionDenied("You cannot reset this person's two-factor sign-in.")
        removed = sum(
            model.objects.filter(user=user).count() for model in (TOTPDevice, StaticDevice)
        )
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        event = audit_record(
            actor=actor,
            action="providers.user.two_factor_reset",
            target=user,
            reason=reason,
            data={"devices_removed": removed},
        )
        request_emails(
            [
                AccountEmail(
                    kind="two_factor_reset",
                    scope=f"audit-{event.pk}",  # one email per reset
                    recipient=user.email,
                    personalisation={
                        "name": user.get_full_name(),
                        "sign_in_url": settings.SITE_URL + reverse("login"),
                        "support_email": settings.SUPPORT_EMAIL,
                    },
                    created_by_id=actor.pk,
                    reason=reason,
                )
            ],
            now=now,
        )
    security_event("two_factor_reset", level=logging.WARNING, user_id=user.pk, by_user_id=actor.pk)
    return removed
