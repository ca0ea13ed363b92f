"""Saving by a signed link (the "nothing has changed, or make a nil return" link in the
window-open email and reminder, and the same link in a text message): the rules, apart from
any page, so the email page, SMS and the API share them.

A link names a location, a window and a contact (``returns.email_links``). Using it saves an
"unchanged" or nil return for every care type the location owes, as the contact, with source
``email_link``, all in one transaction with the link's use (``UsedEmailToken``): of two uses
at the same moment exactly one saves, and a used link saves nothing again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from providers.models import CareType, Contact, Location
from returns.email_links import LinkClaim, LinkError, claim_digest, read_token
from returns.models import CollectionWindow, ReturnKind, ReturnSource, UsedEmailToken
from returns.submission import Submitter, previous_figures, return_save


class LinkNotValid(LinkError):
    """Signed correctly, but what it names is gone (the contact left) or does not match."""


class LinkUsed(Exception):
    """The link has been used already (perhaps a moment ago, by another click)."""


@dataclass(frozen=True)
class LinkUse:
    """What a valid, unused link lets its holder do."""

    claim: LinkClaim
    location: Location
    window: CollectionWindow
    contact: Contact

    @property
    def care_types(self) -> list[CareType]:
        return self.location.care_types

    @property
    def can_confirm(self) -> bool:
        """ "Nothing has changed" needs figures to repeat for every owed care type."""
        return all(
            previous_figures(self.location, care_type) is not None for care_type in self.care_types
        )


def link_used(claim: LinkClaim) -> bool:
    """Used already? A first look only: the save's insert of the use is what decides."""
    return UsedEmailToken.objects.filter(digest=claim_digest(claim)).exists()


def open_link(token: str, *, now: datetime.datetime) -> LinkUse:
    """Read a link without changing anything (a GET, a mail scanner, a preview).

    Raises LinkExpired, LinkError or LinkNotValid for a link that cannot be used, and LinkUsed
    for one used already.
    """
    claim = read_token(token, now=now)
    location = Location.objects.filter(pk=claim.location_id).select_related("provider").first()
    window = CollectionWindow.objects.filter(pk=claim.window_id).first()
    contact = Contact.objects.filter(pk=claim.contact_id, location_id=claim.location_id).first()
    if location is None or window is None or contact is None:
        raise LinkNotValid("The link names a location, window or contact that is not there.")
    if link_used(claim):
        raise LinkUsed
    return LinkUse(claim=claim, location=location, window=window, contact=contact)


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first or name, last


def save_by_link(
    use: LinkUse,
    *,
    kind: str,
    now: datetime.datetime,
    nil_reason: str = "",
    nil_reason_detail: str = "",
) -> list[str]:
    """Save ``kind`` (unchanged or nil) for every owed care type and use the link up: all or
    nothing. Returns the references; raises LinkUsed or returns.submission.ReturnError."""
    if kind not in (ReturnKind.UNCHANGED, ReturnKind.NIL):
        raise ValueError(f"A link saves an unchanged or nil return, not {kind!r}")
    if kind != ReturnKind.NIL:  # the reason belongs to a nil return only
        nil_reason = nil_reason_detail = ""
    first, last = _split_name(use.contact.name)
    submitter = Submitter(user=None, first_name=first, last_name=last, contact=use.contact)
    with transaction.atomic():
        # The used-link row first: a second use at the same moment waits here on the unique
        # digest until this transaction ends, then fails, so only one use ever saves.
        try:
            with transaction.atomic():
                UsedEmailToken.objects.create(
                    digest=claim_digest(use.claim),
                    location=use.location,
                    window=use.window,
                    used_at=now,
                )
        except IntegrityError:
            raise LinkUsed from None
        return [
            return_save(
                submitter=submitter,
                location=use.location,
                care_type=care_type,
                window=use.window,
                kind=kind,
                source=ReturnSource.EMAIL_LINK,
                now=now,
                nil_reason=nil_reason,
                nil_reason_detail=nil_reason_detail,
            ).reference
            for care_type in use.care_types
        ]
