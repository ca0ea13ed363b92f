"""Self-registration (DOMAIN 1.5): a person at a provider asks for an account.

They prove a link to the provider by naming one of its CQC location IDs as well as the
provider ID (both are public, so this only guards against typos and casual mistakes: the real
check is a person's approval). The account can sign in at once but sees no data until an
approver at the provider, or support staff, approves it. Approvers are emailed through the
outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from providers.audit import audit_record
from providers.models import Location, OutboundEmail, Provider, RegistrationStatus, Role, User
from providers.validators import normalise_cqc_id


@dataclass(frozen=True)
class Request:
    first_name: str
    last_name: str
    email: str
    password: str
    provider_id: str
    location_id: str


def user_register(*, request: Request) -> User:
    provider = Provider.objects.filter(cqc_id=normalise_cqc_id(request.provider_id)).first()
    location_ok = Location.objects.filter(
        provider=provider, cqc_id=normalise_cqc_id(request.location_id)
    ).exclude(status=RegistrationStatus.DEREGISTERED)
    if provider is None:
        raise ValidationError(
            {"provider_id": "We cannot find a provider with that CQC provider ID"}
        )
    if not location_ok.exists():
        raise ValidationError(
            {"location_id": "That CQC location ID is not one of this provider's locations"}
        )
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
    user.set_password(request.password)
    with transaction.atomic():
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError(
                {"email": "There is already an account with this email address. Sign in instead."}
            ) from None
        audit_record(
            actor=user,
            action="providers.user.registered",
            target=user,
            data={"provider": provider.cqc_id},
        )
        _tell_approvers(user, provider)
    return user


def _tell_approvers(user: User, provider: Provider) -> None:
    approvers = User.objects.filter(
        provider=provider, is_provider_approver=True, approved_at__isnull=False, is_active=True
    )
    location = provider.locations.order_by("name").first()
    OutboundEmail.objects.bulk_create(
        [
            OutboundEmail(
                kind="registration_pending",
                scope=f"user-{user.pk}",
                location=location,
                recipient=approver.email,
                template="registration_pending",
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
        ignore_conflicts=True,
    )
