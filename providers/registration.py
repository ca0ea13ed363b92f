"""Self-registration (DOMAIN 1.5): a person at a provider asks for an account.

They prove a link to the provider by naming one of its CQC location IDs as well as the
provider ID (both are public, so this only guards against typos and casual mistakes: the real
check is a person's approval). The account can sign in at once but sees no data until an
approver at the provider, or support staff, approves it. Approvers are emailed through the
outbox.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from capacity_tracker.lib import clock
from providers.audit import audit_record
from providers.mail import AccountEmail, request_emails
from providers.models import Location, Provider, RegistrationStatus, Role, User
from providers.validators import normalise_cqc_id, validate_no_control_characters


@dataclass(frozen=True)
class Request:
    first_name: str
    last_name: str
    email: str
    password: str
    provider_id: str
    location_id: str


# Django's password messages ("This password is too short. It must contain at least 12
# characters.") in GOV.UK words, by the validators' codes.
_PASSWORD_MESSAGES = {
    "password_too_short": "Your password must be {min_length} characters or more",
    "password_too_common": "Choose a password that is harder to guess: this one is very common",
    "password_entirely_numeric": "Your password must include letters, not only numbers",
    "password_too_similar": "Choose a password that is not like your name or email address",
}


def password_problems(password: str, user: User) -> list[str]:
    """Every way ``password`` falls short, in plain words (empty if it is fine)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        messages: list[str] = []
        for error in exc.error_list:
            template = _PASSWORD_MESSAGES.get(error.code or "")
            params = error.params if isinstance(error.params, dict) else {}
            message = template.format(**params) if template else " ".join(error.messages)
            if message not in messages:
                messages.append(message)
        return messages
    return []


@dataclass(frozen=True)
class Found:
    provider: Provider | None
    location: Location | None
    errors: dict[str, list[str]]


def check_request(
    *,
    provider_id: str | None,
    location_id: str | None,
    password: str | None,
    user: User,
) -> Found:
    """Everything wrong with a request at once: so a bad provider ID does not hide a bad
    location ID or a short password. A part that is None was not given (or was already
    refused by the form) and is not checked."""
    errors: dict[str, list[str]] = {}
    provider = None
    if provider_id is not None:
        provider = Provider.objects.filter(cqc_id=normalise_cqc_id(provider_id)).first()
        if provider is None:
            errors["provider_id"] = [
                "We cannot find a provider with that CQC provider ID. "
                "Check it against your CQC registration certificate"
            ]
    location = None
    if location_id is not None:
        current = Location.objects.filter(cqc_id=normalise_cqc_id(location_id)).exclude(
            status=RegistrationStatus.DEREGISTERED
        )
        if provider is not None:
            location = current.filter(provider=provider).first()
            if location is None:
                errors["location_id"] = [
                    "That CQC location ID is not one of this provider's locations. "
                    "Enter the ID of a location your organisation runs"
                ]
        elif not current.exists():
            errors["location_id"] = [
                "We cannot find a location with that CQC location ID. "
                "Check it on the location's CQC registration certificate"
            ]
    if password is not None and (problems := password_problems(password, user)):
        errors["password"] = problems
    return Found(provider=provider, location=location, errors=errors)


def user_register(*, request: Request, now: datetime.datetime) -> User | None:
    """Make the account, or, if the address already has one, tell its owner instead.

    Both outcomes look the same to the person asking (the view shows "Request sent" either
    way), so the form cannot be used to find out which addresses have accounts. Returns the
    new user, or None when the address was taken.
    """
    user = User(
        email=request.email.strip().lower(),
        first_name=request.first_name.strip(),
        last_name=request.last_name.strip(),
        role=Role.PROVIDER,
    )
    found = check_request(
        provider_id=request.provider_id,
        location_id=request.location_id,
        password=request.password,
        user=user,
    )
    if found.errors:
        raise ValidationError(found.errors)
    provider, location = found.provider, found.location
    assert provider is not None and location is not None  # no errors means both were found
    user.provider = provider
    for name in (request.first_name, request.last_name):
        # The form checks this too; the service is the boundary for any other caller.
        validate_no_control_characters(name)
    # Hashed before looking the address up, so both outcomes take the same time.
    user.set_password(request.password)
    with transaction.atomic():
        owner = User.objects.filter(email__iexact=user.email).first()
        if owner is None:
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:  # registered a moment ago by a request running alongside
                owner = User.objects.filter(email__iexact=user.email).first()
                if owner is None:
                    raise  # some other rule broken: not a taken address, so not hidden
        if owner is not None:
            _tell_owner(owner, location, now)
            return None
        audit_record(
            actor=user,
            action="providers.user.registered",
            target=user,
            data={"provider": provider.cqc_id},
        )
        _tell_approvers(user, provider, now)
    return user


def _tell_owner(owner: User, location: Location, now: datetime.datetime) -> None:
    """Someone asked for an account with an address that has one: its owner should know.

    At most one such email per owner, location named and day (the outbox's unique key), so
    the form cannot be used to flood someone's inbox. Nothing the asker typed goes into it.
    """
    today = clock.local_date(now)
    request_emails(
        [
            AccountEmail(
                kind="registration_existing",
                scope=f"user-{owner.pk}-{today:%Y%m%d}",
                location_id=location.pk,
                recipient=owner.email,
                personalisation={
                    "name": owner.get_full_name(),
                    "sign_in_url": settings.SITE_URL + reverse("login"),
                    "support_email": settings.SUPPORT_EMAIL,
                },
            )
        ],
        now=now,
    )
    audit_record(
        actor=None,
        action="providers.user.registration_repeated",
        target=owner,
        data={"location": location.cqc_id},
    )


def _tell_approvers(user: User, provider: Provider, now: datetime.datetime) -> None:
    approvers = User.objects.filter(
        provider=provider, is_provider_approver=True, approved_at__isnull=False, is_active=True
    )
    location = provider.locations.order_by("name").first()
    request_emails(
        [
            AccountEmail(
                kind="registration_pending",
                scope=f"user-{user.pk}",
                location_id=location.pk if location else None,
                recipient=approver.email,
                personalisation={
                    "name": approver.get_full_name(),
                    "applicant": user.get_full_name(),
                    "applicant_email": user.email,
                    "provider_name": provider.name,
                    "approve_url": settings.SITE_URL + reverse("providers:team"),
                    "support_email": settings.SUPPORT_EMAIL,
                },
            )
            for approver in approvers
        ],
        now=now,
    )
