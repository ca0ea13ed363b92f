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


def user_register(*, request: Request, now: datetime.datetime) -> User | None:
    """Make the account, or, if the address already has one, tell its owner instead.

    Both outcomes look the same to the person asking (the view shows "Request sent" either
    way), so the form cannot be used to find out which addresses have accounts. Returns the
    new user, or None when the address was taken.
    """
    provider = Provider.objects.filter(cqc_id=normalise_cqc_id(request.provider_id)).first()
    location = (
        Location.objects.filter(provider=provider, cqc_id=normalise_cqc_id(request.location_id))
        .exclude(status=RegistrationStatus.DEREGISTERED)
        .first()
    )
    if provider is None:
        raise ValidationError(
            {"provider_id": "We cannot find a provider with that CQC provider ID"}
        )
    if location is None:
        raise ValidationError(
            {"location_id": "That CQC location ID is not one of this provider's locations"}
        )
    for name in (request.first_name, request.last_name):
        # The form checks this too; the service is the boundary for any other caller.
        validate_no_control_characters(name)
    user = User(
        email=request.email.strip().lower(),
        first_name=request.first_name.strip(),
        last_name=request.last_name.strip(),
        role=Role.PROVIDER,
        provider=provider,
    )
    try:
        validate_password(request.password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
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
