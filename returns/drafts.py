"""Suppliers' drafts: received through the API, confirmed or discarded by the provider.

A supplier's figures never count until someone at the provider confirms them: ``draft_receive``
checks and stores a draft (replacing a waiting one from the same supplier for the same return);
``draft_confirm`` saves it as an ordinary return version from the provider's user, "via" the
supplier, through the one save path (so the same checks, locks and audit apply); and
``draft_discard`` sets it aside with a reason. Each is one transaction, audited.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from api.models import ApiKey
from providers.access import editable_locations
from providers.audit import audit_record
from providers.models import Location, User
from returns.models import CollectionWindow, ReturnDraft, ReturnKind, ReturnSource, ReturnVersion
from returns.submission import (
    REFERENCE_ALPHABET,
    ReturnNotAllowed,
    Submitter,
    return_check,
    return_save,
)
from returns.validation import Dataset


class DraftGone(ReturnNotAllowed):
    """The draft was confirmed, discarded or replaced already."""


def _reference(window: CollectionWindow) -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"D{window.period:%y%m}-{code}"


def draft_receive(
    *,
    api_key: ApiKey,
    location: Location,
    care_type: str,
    window: CollectionWindow,
    kind: str,
    now: datetime.datetime,
    answers: dict[str, Any] | None = None,
    nil_reason: str = "",
    nil_reason_detail: str = "",
    dataset: Dataset | None = None,
) -> ReturnDraft:
    """Check and store a supplier's draft. The window must have opened (a draft for a closed
    window may still be confirmed as a late return, as a provider may save one).

    The draft comes back with ``replaced_references``: the waiting drafts it replaced."""
    if api_key.supplier_id is None:
        raise ReturnNotAllowed("Only a supplier's key sends drafts.")
    if window.pk is None or now < window.opens_at:
        raise ReturnNotAllowed(f"The collection for {window.label} has not opened yet.")
    clean, dataset_version_id = return_check(
        kind=kind,
        location=location,
        care_type=care_type,
        window=window,
        answers=answers,
        nil_reason=nil_reason,
        nil_reason_detail=nil_reason_detail,
        dataset=dataset,
    )
    label = f"{api_key.supplier} (API key {api_key.prefix})"
    with transaction.atomic():
        replaced = list(
            ReturnDraft.objects.select_for_update().filter(
                location=location,
                care_type=care_type,
                window=window,
                supplier_id=api_key.supplier_id,
                status=ReturnDraft.Status.WAITING,
            )
        )
        for old in replaced:
            old.status = ReturnDraft.Status.REPLACED
            old.decided_at = now
            old.save(update_fields=["status", "decided_at"])
        draft = ReturnDraft(
            location=location,
            care_type=care_type,
            window=window,
            kind=kind,
            answers=clean,
            nil_reason=nil_reason if kind == ReturnKind.NIL else "",
            nil_reason_detail=nil_reason_detail.strip() if kind == ReturnKind.NIL else "",
            dataset_version_id=dataset_version_id,
            supplier_id=api_key.supplier_id,
            api_key=api_key,
            received_at=now,
        )
        for attempt in range(5):
            draft.reference = _reference(window)
            try:
                with transaction.atomic():
                    draft.save(force_insert=True)
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        draft.replaced_references = [old.reference for old in replaced]
        audit_record(
            actor=None,
            actor_label=label,
            action="returns.draft.received",
            target=draft,
            data={
                "reference": draft.reference,
                "kind": kind,
                "replaced": [old.reference for old in replaced],
            },
        )
    return draft


def waiting_drafts(
    user: User, *, locations: QuerySet[Location] | None = None
) -> QuerySet[ReturnDraft]:
    """Drafts waiting for this user: for the locations they may change (``locations``, when
    the caller has that queryset already: the dashboard, which then reads the user's location
    limit once)."""
    mine = editable_locations(user) if locations is None else locations
    return (
        ReturnDraft.objects.filter(status=ReturnDraft.Status.WAITING, location__in=mine)
        .select_related("location", "window", "supplier")
        .order_by("-received_at")
    )


def _locked_waiting(user: User, reference: str) -> ReturnDraft:
    draft = (
        ReturnDraft.objects.select_for_update()
        .filter(reference=reference, location__in=editable_locations(user))
        .select_related("location", "window", "supplier", "api_key")
        .first()
    )
    if draft is None:
        raise ReturnDraft.DoesNotExist(reference)
    if draft.status != ReturnDraft.Status.WAITING:
        raise DraftGone(f"This draft was {draft.get_status_display().lower()} already.")
    return draft


def draft_confirm(
    *, user: User, reference: str, now: datetime.datetime, based_on: int | None
) -> ReturnVersion:
    """Save the draft as the provider's return, via its supplier. ``based_on`` is the return's
    version count when the person looked at the draft: a save since then is ``StaleReturn``."""
    with transaction.atomic():
        draft = _locked_waiting(user, reference)
        version = return_save(
            submitter=Submitter.of(user),
            location=draft.location,
            care_type=draft.care_type,
            window=draft.window,
            kind=draft.kind,
            source=ReturnSource.API,
            now=now,
            answers={k: "" if v is None else str(v) for k, v in draft.answers.items()},
            nil_reason=draft.nil_reason,
            nil_reason_detail=draft.nil_reason_detail,
            based_on=based_on,
            api_key=draft.api_key,
            via_supplier=draft.supplier,
        )
        draft.status = ReturnDraft.Status.CONFIRMED
        draft.decided_at = now
        draft.decided_by = user
        draft.version = version
        draft.save(update_fields=["status", "decided_at", "decided_by", "version"])
        audit_record(
            actor=user,
            action="returns.draft.confirmed",
            target=draft,
            data={"reference": draft.reference, "version": version.reference},
        )
    return version


def draft_discard(
    *, user: User, reference: str, reason: str, now: datetime.datetime
) -> ReturnDraft:
    with transaction.atomic():
        draft = _locked_waiting(user, reference)
        draft.status = ReturnDraft.Status.DISCARDED
        draft.decided_at = now
        draft.decided_by = user
        draft.discard_reason = reason.strip()
        draft.save(update_fields=["status", "decided_at", "decided_by", "discard_reason"])
        audit_record(
            actor=user,
            action="returns.draft.discarded",
            target=draft,
            reason=reason,
            data={"reference": draft.reference},
        )
    return draft
