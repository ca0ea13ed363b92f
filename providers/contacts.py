"""Keeping a location's contacts up to date (DOMAIN 1.5): every write audited, one primary."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from capacity_tracker.lib import clock
from providers.audit import audit_record
from providers.models import Contact, Location, User
from providers.validators import SMS_NEEDS_MOBILE, normalise_uk_mobile, validate_uk_phone


@dataclass(frozen=True)
class ContactDetails:
    name: str
    email: str
    phone: str
    role: str
    is_primary: bool
    receipts: bool = True
    # A UK mobile number in any usual form (stored as +447XXXXXXXXX), and whether the monthly
    # messages also go to it as texts; ``sms`` needs a mobile.
    mobile: str = ""
    sms: bool = False


def _fields(contact: Contact) -> dict[str, object]:
    return {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "role": contact.role,
        "primary": contact.is_primary,
        "receipts": contact.receipts,
        "mobile": contact.mobile,
        "sms": contact.sms,
    }


def contact_save(
    *,
    actor: User,
    location: Location,
    details: ContactDetails,
    now: datetime.datetime,
    contact_id: int | None = None,
) -> Contact:
    """Add a contact, or change one. Making a contact primary makes the old primary ordinary."""
    mobile = details.mobile.strip()
    try:
        mobile = normalise_uk_mobile(mobile) if mobile else ""
    except ValidationError as exc:
        raise ValidationError({"mobile": exc.messages}) from None
    if details.sms and not mobile:
        raise ValidationError({"mobile": SMS_NEEDS_MOBILE})
    try:  # the form checks this too; the service is the boundary for any other caller
        validate_uk_phone(details.phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
    with transaction.atomic():
        Location.objects.select_for_update().get(
            pk=location.pk
        )  # one writer per location's contacts
        if contact_id is None:
            contact = Contact(location=location)
            before: dict[str, object] = {}
        else:
            contact = Contact.objects.get(pk=contact_id, location=location)
            before = _fields(contact)
        contact.name = details.name.strip()
        contact.email = details.email.strip()
        contact.phone = details.phone.strip()
        contact.role = details.role.strip()
        contact.is_primary = details.is_primary
        contact.receipts = details.receipts
        contact.mobile = mobile
        contact.sms = details.sms
        contact.last_confirmed_on = clock.local_date(now)
        if details.is_primary:
            Contact.objects.filter(location=location, is_primary=True).exclude(
                pk=contact.pk
            ).update(is_primary=False)
        try:
            with transaction.atomic():
                contact.save()
        except IntegrityError:
            raise ValidationError(
                {"email": "This email address is already a contact for this location"}
            ) from None
        audit_record(
            actor=actor,
            action="providers.contact.added" if contact_id is None else "providers.contact.changed",
            target=location,
            data={"contact": contact.pk, "before": before, "after": _fields(contact)},
        )
    return contact


def contact_remove(*, actor: User, location: Location, contact_id: int) -> None:
    with transaction.atomic():
        Location.objects.select_for_update().get(pk=location.pk)
        contact = Contact.objects.get(pk=contact_id, location=location)
        if not Contact.objects.filter(location=location).exclude(pk=contact.pk).exists():
            raise ValidationError(
                "This is the location's only contact. Add the person who replaces them first, "
                "so that the monthly emails still reach someone."
            )
        was_primary = contact.is_primary
        details = _fields(contact)
        contact.delete()
        if was_primary:
            # Someone must get the emails addressed to the primary contact.
            successor = Contact.objects.filter(location=location).order_by("name").first()
            # Never None: the only contact was refused above, under the location's lock.
            assert successor is not None
            Contact.objects.filter(pk=successor.pk).update(is_primary=True)
        audit_record(
            actor=actor,
            action="providers.contact.removed",
            target=location,
            data={"removed": details},
        )


def contacts_confirm(*, actor: User, location: Location, now: datetime.datetime) -> int:
    """'These contacts are still right': stamps today's date on each."""
    with transaction.atomic():
        count = Contact.objects.filter(location=location).update(
            last_confirmed_on=clock.local_date(now)
        )
        audit_record(
            actor=actor,
            action="providers.contact.confirmed",
            target=location,
            data={"contacts": count},
        )
    return count
