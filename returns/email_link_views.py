"""The page behind the emailed "nothing has changed, or make a nil return" link.

GET only shows what the button will do: mail scanners follow links, so following one must
change nothing. The POST saves an "unchanged" or nil return for every care type the location
owes, with source ``email_link`` and the contact's name, and uses the link up.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from capacity_tracker.lib import clock
from providers.models import Contact, Location, OutboundEmail
from returns.email_links import LinkClaim, LinkError, LinkExpired, claim_digest, read_token
from returns.emails import REMINDER, WINDOW_OPEN
from returns.forms import EmailLinkForm
from returns.models import CollectionWindow, ReturnKind, ReturnSource, UsedEmailToken
from returns.submission import ReturnError, Submitter, previous_figures, return_save


def _link_emails(location: Location, window: CollectionWindow, contact: Contact):  # type: ignore[no-untyped-def]
    return OutboundEmail.objects.filter(
        kind__in=[WINDOW_OPEN, REMINDER],
        scope=window.period_key,
        location=location,
        contact=contact,
    )


class LinkUsed(Exception):
    """Another use of this link got there first."""


def _link_used(claim: LinkClaim, location, window, contact) -> bool:  # type: ignore[no-untyped-def]
    return (
        UsedEmailToken.objects.filter(digest=claim_digest(claim)).exists()
        or _link_emails(location, window, contact).filter(link_used_at__isnull=False).exists()
    )


def _already_used(request: HttpRequest) -> HttpResponse:
    return _problem(
        request,
        "This link has already been used",
        "Each link can be used once. Sign in to the service to see or change what was saved.",
        410,
    )


def _problem(request: HttpRequest, heading: str, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "returns/email_link_problem.html",
        {"heading": heading, "message": message},
        status=status,
    )


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first or name, last


@never_cache
@require_http_methods(["GET", "POST"])
def email_link(request: HttpRequest, token: str) -> HttpResponse:
    now = clock.now()
    try:
        claim = read_token(token, now=now)
    except LinkExpired:
        return _problem(
            request,
            "This link has expired",
            "The collection this link was for has closed. Sign in to the service to update your data.",
            410,
        )
    except LinkError:
        return _problem(
            request,
            "This link is not valid",
            "Check you copied the whole link from the email, or sign in to the service to update your data.",
            404,
        )
    location = Location.objects.filter(pk=claim.location_id).select_related("provider").first()
    window = CollectionWindow.objects.filter(pk=claim.window_id).first()
    contact = Contact.objects.filter(pk=claim.contact_id, location_id=claim.location_id).first()
    if location is None or window is None or contact is None:
        # The contact was removed (they left) or the link was made for another location.
        return _problem(
            request,
            "This link is not valid",
            "It may have been sent to someone who is no longer a contact for this location. "
            "Sign in to the service to update your data.",
            404,
        )
    if _link_used(claim, location, window, contact):
        return _already_used(request)
    care_types = location.care_types
    can_confirm = all(previous_figures(location, care_type) is not None for care_type in care_types)
    form = EmailLinkForm(
        request.POST if request.method == "POST" else None, can_confirm=can_confirm
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        first, last = _split_name(contact.name)
        submitter = Submitter(user=None, first_name=first, last_name=last, contact=contact)
        choice = form.cleaned_data["choice"]
        try:
            if choice == "unchanged":
                references = _save_all(
                    claim, location, window, contact, care_types, submitter, ReturnKind.UNCHANGED
                )
            else:
                references = _save_all(
                    claim,
                    location,
                    window,
                    contact,
                    care_types,
                    submitter,
                    ReturnKind.NIL,
                    nil_reason=form.cleaned_data["nil_reason"],
                    nil_reason_detail=form.cleaned_data["nil_reason_detail"],
                )
        except LinkUsed:
            return _already_used(request)
        except ReturnError as exc:
            error = str(exc)
        else:
            return render(
                request,
                "returns/email_link_done.html",
                {
                    "location": location,
                    "window": window,
                    "references": references,
                    "choice": choice,
                },
            )
    return render(
        request,
        "returns/email_link.html",
        {
            "location": location,
            "window": window,
            "contact": contact,
            "form": form,
            "can_confirm": can_confirm,
            "error": error,
            "window_is_open": window.contains(now),
        },
        status=400 if (error or form.errors) else 200,
    )


def _save_all(claim, location, window, contact, care_types, submitter, kind, **fields):  # type: ignore[no-untyped-def]
    """Every owed care type in one transaction, and the link used up: all or nothing."""
    now = clock.now()
    with transaction.atomic():
        # The used-link row first: a second use at the same moment waits here on the unique
        # digest until this transaction ends, then fails, so only one use ever saves.
        try:
            with transaction.atomic():
                UsedEmailToken.objects.create(
                    digest=claim_digest(claim), location=location, window=window, used_at=now
                )
        except IntegrityError:
            raise LinkUsed from None
        emails = _link_emails(location, window, contact).select_for_update()
        if any(email.link_used_at for email in emails):
            raise LinkUsed
        references = [
            return_save(
                submitter=submitter,
                location=location,
                care_type=care_type,
                window=window,
                kind=kind,
                source=ReturnSource.EMAIL_LINK,
                now=now,
                **fields,
            ).reference
            for care_type in care_types
        ]
        emails.update(link_used_at=now)
    return references
