"""Saving a return: the one write path for the portal, CSV, API, email link and support staff.

Every save is a new ReturnVersion under a locked Return head, so two people saving at once
never overwrite each other: the second save names the version it started from and gets
``StaleReturn`` when someone else saved in between.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from api.models import ApiKey, Supplier
from providers.audit import audit_record
from providers.models import Location, User
from returns.datasets import dataset_for
from returns.models import (
    CollectionWindow,
    NilReason,
    Return,
    ReturnKind,
    ReturnSource,
    ReturnVersion,
)
from returns.services import WindowNotStored, window_for_saving
from returns.validation import Dataset, clean_answers

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
REFERENCE_ATTEMPTS = 5


class ReturnError(Exception):
    """The save was refused; nothing was written."""


class ReturnInvalid(ReturnError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class ReturnNotAllowed(ReturnError):
    """The save makes no sense here (not open yet, no earlier figures, wrong care type)."""


class StaleReturn(ReturnError):
    """Someone saved this return after the person started editing it."""

    def __init__(self, latest: ReturnVersion | None):
        super().__init__("This return changed since you opened it.")
        self.latest = latest


@dataclass(frozen=True)
class Submitter:
    user: User | None
    first_name: str
    last_name: str
    # Who the audit trail names when no person signed in (an email link, an API key).
    label: str = ""

    @classmethod
    def of(cls, user: User) -> Submitter:
        return cls(user=user, first_name=user.first_name, last_name=user.last_name)


def new_reference(window: CollectionWindow) -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"{window.period:%y%m}-{code}"


def previous_figures(location: Location, care_type: str) -> ReturnVersion | None:
    """The newest return with figures (full or unchanged) for this location and care type."""
    return (
        ReturnVersion.objects.filter(
            return_head__location=location,
            return_head__care_type=care_type,
            kind__in=[ReturnKind.FULL, ReturnKind.UNCHANGED],
        )
        .select_related("return_head__window")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def check_care_type(location: Location, care_type: str) -> None:
    """``ReturnNotAllowed`` unless the location offers the care type."""
    if care_type not in location.care_types:
        raise ReturnNotAllowed(
            f"{location.name} does not offer {care_type.replace('_', ' ')} services."
        )


def _prepare(
    *,
    kind: str,
    location: Location,
    care_type: str,
    window: CollectionWindow,
    answers: dict[str, Any] | None,
    nil_reason: str,
    nil_reason_detail: str,
    dataset: Dataset | None = None,
) -> tuple[dict[str, Any], int]:
    check_care_type(location, care_type)
    if dataset is None or dataset.care_type != care_type:
        dataset = dataset_for(window.period_obj, care_type)
    if kind == ReturnKind.FULL:
        cleaned = clean_answers(dataset, answers or {})
        if not cleaned.is_valid:
            raise ReturnInvalid(cleaned.errors)
        return cleaned.answers, dataset.version_id  # type: ignore[return-value]
    if kind == ReturnKind.UNCHANGED:
        previous = previous_figures(location, care_type)
        if previous is None:
            raise ReturnNotAllowed(
                "There are no earlier figures to confirm for this location. Fill in the return instead."
            )
        # The questions may have changed since: the old figures must still answer them all.
        cleaned = clean_answers(
            dataset, {k: "" if v is None else str(v) for k, v in previous.answers.items()}
        )
        if not cleaned.is_valid:
            raise ReturnNotAllowed(
                "The questions have changed since your last return, so it cannot be confirmed "
                "as unchanged. Fill in the return instead."
            )
        return cleaned.answers, dataset.version_id  # type: ignore[return-value]
    if kind == ReturnKind.NIL:
        if nil_reason not in NilReason.values:
            raise ReturnInvalid({"nil_reason": "Select why you are making a nil return"})
        if nil_reason == NilReason.OTHER and not nil_reason_detail.strip():
            raise ReturnInvalid({"nil_reason_detail": "Enter the reason for the nil return"})
        return {}, dataset.version_id  # type: ignore[return-value]
    raise ReturnNotAllowed(f"Unknown return kind {kind!r}.")


def return_check(
    *,
    kind: str,
    location: Location,
    care_type: str,
    window: CollectionWindow,
    answers: dict[str, Any] | None = None,
    nil_reason: str = "",
    nil_reason_detail: str = "",
    dataset: Dataset | None = None,
) -> tuple[dict[str, Any], int]:
    """The save's checks without the save (a supplier's draft): the cleaned answers and the
    dataset version, or ``ReturnInvalid`` / ``ReturnNotAllowed``. ``dataset``: the window's
    dataset for the care type, if the caller has read it already."""
    return _prepare(
        kind=kind,
        location=location,
        care_type=care_type,
        window=window,
        answers=answers,
        nil_reason=nil_reason,
        nil_reason_detail=nil_reason_detail,
        dataset=dataset,
    )


def return_save(
    *,
    submitter: Submitter,
    location: Location,
    care_type: str,
    window: CollectionWindow,
    kind: str,
    source: str,
    now: datetime.datetime,
    answers: dict[str, Any] | None = None,
    nil_reason: str = "",
    nil_reason_detail: str = "",
    based_on: int | None = None,
    on_behalf_reason: str = "",
    api_key: ApiKey | None = None,
    via_supplier: Supplier | None = None,
    dataset: Dataset | None = None,
) -> ReturnVersion:
    """Check and save one version. ``based_on`` is the version count the person started from;
    pass None only where no one edited a form (a CSV row, an email link confirmation, an API
    call). ``api_key`` and ``via_supplier`` record how an API return came (see ReturnVersion)."""
    if source not in ReturnSource.values:
        raise ReturnNotAllowed(f"Unknown source {source!r}.")
    if source == ReturnSource.ASSISTED and not on_behalf_reason.strip():
        raise ReturnInvalid({"on_behalf_reason": "Enter why you are submitting for the provider"})
    if now < window.opens_at:
        raise ReturnNotAllowed(f"The collection for {window.label} has not opened yet.")
    clean, dataset_version_id = _prepare(
        kind=kind,
        location=location,
        care_type=care_type,
        window=window,
        answers=answers,
        nil_reason=nil_reason,
        nil_reason_detail=nil_reason_detail,
        dataset=dataset,
    )
    # References are short enough to read over the phone, so two can collide (about one in a
    # billion per save within a month). Rather than a savepoint around every insert (two more
    # queries per save) the whole write is tried again with another reference on a clash:
    # nothing of a failed attempt remains (its atomic block rolled back), not even a window
    # or head it created.
    for attempt in range(REFERENCE_ATTEMPTS):
        reference = new_reference(window)
        try:
            return _write(
                reference=reference,
                submitter=submitter,
                location=location,
                care_type=care_type,
                window=window,
                kind=kind,
                source=source,
                now=now,
                clean=clean,
                dataset_version_id=dataset_version_id,
                nil_reason=nil_reason,
                nil_reason_detail=nil_reason_detail,
                based_on=based_on,
                on_behalf_reason=on_behalf_reason,
                api_key=api_key,
                via_supplier=via_supplier,
            )
        except IntegrityError:
            if (
                attempt == REFERENCE_ATTEMPTS - 1
                or not ReturnVersion.objects.filter(reference=reference).exists()
            ):
                raise  # not a reference clash: let the caller see the real error
    raise AssertionError("unreachable")  # the last attempt returns or raises


def _write(
    *,
    reference: str,
    submitter: Submitter,
    location: Location,
    care_type: str,
    window: CollectionWindow,
    kind: str,
    source: str,
    now: datetime.datetime,
    clean: dict[str, Any],
    dataset_version_id: int,
    nil_reason: str,
    nil_reason_detail: str,
    based_on: int | None,
    on_behalf_reason: str,
    api_key: ApiKey | None,
    via_supplier: Supplier | None,
) -> ReturnVersion:
    """One attempt at the save's writes, all or nothing."""
    with transaction.atomic():
        if window.pk is None:
            window = _stored(window, now)
        head = _locked_head(location, care_type, window)
        if based_on is not None and head.version_count != based_on:
            raise StaleReturn(head.latest)
        in_window = window.contains(now)
        version = ReturnVersion(
            reference=reference,
            return_head=head,
            number=head.version_count + 1,
            kind=kind,
            nil_reason=nil_reason if kind == ReturnKind.NIL else "",
            nil_reason_detail=nil_reason_detail.strip() if kind == ReturnKind.NIL else "",
            answers=clean,
            dataset_version_id=dataset_version_id,
            source=source,
            submitted_by=submitter.user,
            submitter_first_name=submitter.first_name,
            submitter_last_name=submitter.last_name,
            submitted_at=now,
            in_window=in_window,
            on_behalf_reason=on_behalf_reason.strip(),
            api_key=api_key,
            via_supplier=via_supplier,
        )
        version.save(force_insert=True)
        head.version_count = version.number
        head.latest = version
        if in_window:
            head.counted = version
        head.updated_at = now
        head.save(update_fields=["version_count", "latest", "counted", "updated_at"])
        audit_record(
            actor=submitter.user,
            actor_label=None
            if submitter.user
            else submitter.label or f"{submitter.first_name} {submitter.last_name} (email link)",
            action=f"returns.return.{kind}",
            target=head,
            reason=on_behalf_reason,
            data={
                "reference": version.reference,
                "number": version.number,
                "source": source,
                "in_window": in_window,
                **({"api_key": api_key.prefix} if api_key else {}),
                **({"via_supplier": via_supplier.name} if via_supplier else {}),
            },
        )
    return version


def _stored(window: CollectionWindow, now: datetime.datetime) -> CollectionWindow:
    """A page showed the rules' dates for a window the scheduled job has not stored yet: store
    it in this save's transaction, or refuse (see ``window_for_saving``)."""
    try:
        return window_for_saving(period=window.period_obj, now=now)
    except WindowNotStored as exc:
        raise ReturnNotAllowed(str(exc)) from None


def _locked_head(location: Location, care_type: str, window: CollectionWindow) -> Return:
    """The obligation's head, created if this is the month's first save, locked until commit.

    Two queries whether or not it exists: the insert skips a head that exists (or that
    another save is creating right now: it waits for that save to commit), so losing the race
    to create is not an error and needs no savepoint; as ``bulk._lock_heads`` does for many.
    """
    lookup = {"location": location, "care_type": care_type, "window": window}
    Return.objects.bulk_create([Return(**lookup)], ignore_conflicts=True)
    head = Return.objects.select_for_update().get(**lookup)
    head.location, head.window = location, window  # already loaded: spare the audit two queries
    return head
