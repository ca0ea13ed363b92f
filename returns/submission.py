"""Saving a return: the one write path for the portal, CSV, API, email link and support staff.

Every save is a new ReturnVersion under a locked Return head, so two people saving at once
never overwrite each other: the second save names the version it started from and gets
``StaleReturn`` when someone else saved in between.

The writes themselves (versions, heads, audit) are ``returns_save_many``'s, for one save here
and for every row of a CSV file (returns/bulk/save.py).
"""

from __future__ import annotations

import datetime
import secrets
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, JSONField, OuterRef, Q, Subquery

from api.models import ApiKey, Supplier
from capacity_tracker.lib import clock
from providers.audit import audit_record_many
from providers.models import Contact, Location, User
from returns.datasets import dataset_for
from returns.models import (
    CollectionWindow,
    NilReason,
    Return,
    ReturnKind,
    ReturnSource,
    ReturnVersion,
)
from returns.receipts import queue_receipt
from returns.services import WindowNotStored, window_for_saving
from returns.validation import Dataset, clean_answers
from returns.warnings import WarningRuleSpec, warnings_for

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
REFERENCE_ATTEMPTS = 5
# The advisory-lock namespace of "saves in flight for window N" (the two-key form, so it never
# meets the one-key locks of capacity_tracker.lib.db.advisory_xact_lock).
_WINDOW_SAVES_LOCK = zlib.crc32(b"returns.window.saves") - 2**31


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
    # An email link's contact: who gets the save's receipt (returns/receipts.py).
    contact: Contact | None = None

    @classmethod
    def of(cls, user: User) -> Submitter:
        return cls(user=user, first_name=user.first_name, last_name=user.last_name)

    @property
    def audit_label(self) -> str | None:
        """Who the audit trail names: None for a signed-in person (their own name is used)."""
        if self.user is not None:
            return None
        return self.label or f"{self.first_name} {self.last_name} (email link)"


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
) -> tuple[dict[str, Any], int, Dataset]:
    """The cleaned answers, the dataset version and the dataset itself (for the receipt)."""
    check_care_type(location, care_type)
    if dataset is None or dataset.care_type != care_type:
        dataset = dataset_for(window.period_obj, care_type)
    if kind == ReturnKind.FULL:
        cleaned = clean_answers(dataset, answers or {})
        if not cleaned.is_valid:
            raise ReturnInvalid(cleaned.errors)
        return cleaned.answers, dataset.version_id, dataset
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
        return cleaned.answers, dataset.version_id, dataset
    if kind == ReturnKind.NIL:
        if nil_reason not in NilReason.values:
            raise ReturnInvalid({"nil_reason": "Select why you are making a nil return"})
        if nil_reason == NilReason.OTHER and not nil_reason_detail.strip():
            raise ReturnInvalid({"nil_reason_detail": "Enter the reason for the nil return"})
        return {}, dataset.version_id, dataset
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
    cleaned, version_id, _ = _prepare(
        kind=kind,
        location=location,
        care_type=care_type,
        window=window,
        answers=answers,
        nil_reason=nil_reason,
        nil_reason_detail=nil_reason_detail,
        dataset=dataset,
    )
    return cleaned, version_id


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
    warning_rules: Sequence[WarningRuleSpec] | None = None,
) -> ReturnVersion:
    """Check and save one version. ``based_on`` is the version count the person started from;
    pass None only where no one edited a form (a CSV row, an email link confirmation, an API
    call). ``api_key`` and ``via_supplier`` record how an API return came (see ReturnVersion).

    The version is stamped when the save holds its locks, not at ``now`` (see ``saving_instant``);
    a replay of the person's own save returns that save (see ``_own_replay``).

    ``warning_rules``: where the sender is shown the soft warnings (returns/warnings.py) and
    sends anyway (the check answers page, the API's response), the active rules; a full
    return then records the warnings its figures raise against the newest version before it,
    read with the head's lock (no extra query). None (a draft confirmed, an email link) records
    none: nobody was shown them."""
    started = clock.now()
    if source not in ReturnSource.values:
        raise ReturnNotAllowed(f"Unknown source {source!r}.")
    if source == ReturnSource.ASSISTED and not on_behalf_reason.strip():
        raise ReturnInvalid({"on_behalf_reason": "Enter why you are submitting for the provider"})
    if now < window.opens_at:
        raise ReturnNotAllowed(f"The collection for {window.label} has not opened yet.")
    clean, dataset_version_id, dataset = _prepare(
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
                started=started,
                clean=clean,
                dataset_version_id=dataset_version_id,
                nil_reason=nil_reason,
                nil_reason_detail=nil_reason_detail,
                based_on=based_on,
                on_behalf_reason=on_behalf_reason,
                api_key=api_key,
                via_supplier=via_supplier,
                dataset=dataset,
                warning_rules=warning_rules,
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
    started: datetime.datetime,
    clean: dict[str, Any],
    dataset_version_id: int,
    nil_reason: str,
    nil_reason_detail: str,
    based_on: int | None,
    on_behalf_reason: str,
    api_key: ApiKey | None,
    via_supplier: Supplier | None,
    dataset: Dataset,
    warning_rules: Sequence[WarningRuleSpec] | None = None,
) -> ReturnVersion:
    """One attempt at the save's writes, all or nothing."""
    warns = bool(warning_rules) and kind == ReturnKind.FULL
    with transaction.atomic():
        if window.pk is None:
            window = _stored(window, now)
        waited = hold_window_saves(window)
        head, waited_for_head, last_answers = _locked_head(
            location, care_type, window, with_previous=warns
        )
        request = SaveRequest(
            head=head,
            reference=reference,
            kind=kind,
            answers=clean,
            dataset_version_id=dataset_version_id,
            nil_reason=nil_reason,
            nil_reason_detail=nil_reason_detail,
            warnings=[
                warning.as_dict()
                for warning in warnings_for(clean, last_answers, warning_rules or ())
            ]
            if warns
            else [],
        )
        if based_on is not None and head.version_count != based_on:
            replayed = _own_replay(
                request,
                based_on=based_on,
                submitter=submitter,
                source=source,
                on_behalf_reason=on_behalf_reason.strip(),
            )
            if replayed is not None:
                return replayed
            raise StaleReturn(head.latest)
        if waited or waited_for_head:
            # Stamped now that it holds the window and the head: a save that waited for a
            # lock across the close is late, as it is by its commit (see saving_instant).
            now = saving_instant(now=now, started=started)
        (version,) = returns_save_many(
            [request],
            window=window,
            submitter=submitter,
            source=source,
            now=now,
            on_behalf_reason=on_behalf_reason,
            api_key=api_key,
            via_supplier=via_supplier,
            audit_data={
                **({"api_key": api_key.prefix} if api_key else {}),
                **({"via_supplier": via_supplier.name} if via_supplier else {}),
            },
        )
        # In the save's transaction: the receipt is queued if and only if the save commits.
        queue_receipt(
            version,
            submitter=submitter,
            location=location,
            care_type=care_type,
            window=window,
            dataset=dataset,
            now=now,
        )
    return version


@dataclass(frozen=True)
class SaveRequest:
    """One version for ``returns_save_many`` to write: checked already (``_prepare``, the
    bulk's ``check_rows``), under a head its caller has locked (``_locked_head``,
    ``lock_heads``) with ``location`` and ``window`` loaded (the audit's label reads them).
    ``nil_reason`` and ``nil_reason_detail`` are kept for a nil return only."""

    head: Return
    reference: str
    kind: str
    answers: dict[str, Any]
    dataset_version_id: int
    nil_reason: str = ""
    nil_reason_detail: str = ""
    # The soft warnings the sender saw and sent anyway, as FigureWarning.as_dict().
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stored_nil_reason(self) -> str:
        return self.nil_reason if self.kind == ReturnKind.NIL else ""

    @property
    def stored_nil_reason_detail(self) -> str:
        return self.nil_reason_detail.strip() if self.kind == ReturnKind.NIL else ""


def returns_save_many(
    requests: Sequence[SaveRequest],
    *,
    window: CollectionWindow,
    submitter: Submitter,
    source: str,
    now: datetime.datetime,
    on_behalf_reason: str = "",
    api_key: ApiKey | None = None,
    via_supplier: Supplier | None = None,
    audit_data: Mapping[str, Any] | None = None,
    batch_size: int = 1_000,
) -> list[ReturnVersion]:
    """The writes of a save, for one return (``return_save``) or thousands (a CSV file): a new
    version of each head, numbered after the head's last, stamped ``now`` (in the window or
    not), each head pointed at it, and an audit event each (``audit_data`` added to its data).

    The caller checked the figures and holds the heads' locks, at most one request a head,
    all of ``window``; the caller's transaction makes it all or nothing. The queries do not
    grow with the number of requests (batches of ``batch_size`` aside): the versions, one
    UPDATE of the heads, the audit events of each kind. Receipts are the callers': one per
    save, one per file."""
    if len({request.head.pk for request in requests}) != len(requests):
        raise ValueError("One version a head: the newest version is found by its number.")
    in_window = window.contains(now)
    reason = on_behalf_reason.strip()
    versions = [
        ReturnVersion(
            reference=request.reference,
            return_head=request.head,
            number=request.head.version_count + 1,
            kind=request.kind,
            nil_reason=request.stored_nil_reason,
            nil_reason_detail=request.stored_nil_reason_detail,
            answers=request.answers,
            dataset_version_id=request.dataset_version_id,
            source=source,
            submitted_by=submitter.user,
            submitter_first_name=submitter.first_name,
            submitter_last_name=submitter.last_name,
            submitted_at=now,
            in_window=in_window,
            on_behalf_reason=reason,
            api_key=api_key,
            via_supplier=via_supplier,
            warnings=request.warnings,
        )
        for request in requests
    ]
    ReturnVersion.objects.bulk_create(versions, batch_size=batch_size)
    # One UPDATE for every head (bulk_update's CASE per row took seconds at 5,000 rows). Each
    # head has exactly one new version and is locked, so its newest version is the one made;
    # a single save names its version outright (no read of the versions in the UPDATE).
    newest: ReturnVersion | Subquery = (
        versions[0]
        if len(versions) == 1
        else Subquery(
            ReturnVersion.objects.filter(return_head=OuterRef("pk"))
            .order_by("-number")
            .values("pk")[:1]
        )
    )
    updated = Return.objects.filter(pk__in=[version.return_head_id for version in versions]).update(
        version_count=F("version_count") + 1,
        latest=newest,
        counted=newest if in_window else F("counted"),
        updated_at=now,
    )
    if updated != len(versions):  # impossible while the heads are locked: refuse, do not guess
        raise RuntimeError(f"Updated {updated} return heads for {len(versions)} versions.")
    for version in versions:  # what the UPDATE wrote, for the callers (no query)
        head = version.return_head
        head.version_count, head.latest, head.updated_at = version.number, version, now
        if in_window:
            head.counted = version
    for kind in ReturnKind.values:  # nothing is written for a kind without versions
        audit_record_many(
            actor=submitter.user,
            actor_label=submitter.audit_label,
            action=f"returns.return.{kind}",
            reason=on_behalf_reason,
            targets=[
                (
                    version.return_head,
                    {
                        "reference": version.reference,
                        "number": version.number,
                        "source": source,
                        "in_window": in_window,
                        **(audit_data or {}),
                    },
                )
                for version in versions
                if version.kind == kind
            ],
        )
    return versions


def lock_heads(
    window: CollectionWindow, pairs: Sequence[tuple[int, str]], *, batch_size: int = 1_000
) -> dict[tuple[int, str], Return]:
    """The heads of (location id, care type) ``pairs`` in ``window``, created if missing and
    locked until commit, as ``_locked_head`` does for one.

    The insert skips heads that exist (or that a portal save is creating right now: it waits
    for that save to commit), then one SELECT ... FOR UPDATE locks every head in key order.
    """
    if not pairs:
        return {}
    Return.objects.bulk_create(
        [Return(location_id=pk, care_type=care_type, window=window) for pk, care_type in pairs],
        ignore_conflicts=True,
        batch_size=batch_size,
    )
    wanted = Q()
    for care_type in {care_type for _, care_type in pairs}:
        wanted |= Q(
            care_type=care_type, location_id__in=[pk for pk, ct in pairs if ct == care_type]
        )
    heads = Return.objects.select_for_update().filter(wanted, window=window).order_by("pk")
    return {(head.location_id, head.care_type): head for head in heads}


def new_references(window: CollectionWindow, count: int) -> list[str]:
    """``count`` references unused so far: one query, another only on a (rare) collision."""
    references: set[str] = set()
    while len(references) < count:
        fresh = {new_reference(window) for _ in range(count - len(references))} - references
        taken = set(
            ReturnVersion.objects.filter(reference__in=fresh).values_list("reference", flat=True)
        )
        references |= fresh - taken
    return sorted(references)


def hold_window_saves(window: CollectionWindow) -> bool:
    """Mark this transaction as a save in flight for ``window`` until it commits; True if it
    had to wait for that (the sweep of the window was running).

    A shared lock: saves never wait for each other here. The breach sweep takes the same lock
    exclusively (``wait_for_window_saves``) before it reads which returns were counted, so a
    save stamped inside the window is committed before the sweep looks, and a save that comes
    while the sweep runs waits for it and is then stamped after the close (late). That is how
    the portal, the sweep and the exports agree on every save near the close.
    """
    if connection.vendor != "postgresql" or window.pk is None:
        return False  # the SQLite demo has one writer at a time already
    key = [_WINDOW_SAVES_LOCK, _window_key(window)]
    with connection.cursor() as cursor:
        # Try first (the same one query when nobody sweeps), so the save knows if it waited.
        cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s, %s)", key)
        if cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", key)
    return True


def wait_for_window_saves(window: CollectionWindow) -> None:
    """Wait for every save in flight for ``window`` to commit, and keep new ones waiting until
    this transaction ends (the breach sweep; see ``hold_window_saves``)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_WINDOW_SAVES_LOCK, _window_key(window)]
        )


def _window_key(window: CollectionWindow) -> int:
    return int(window.pk) % 2**31  # the function takes int4 keys; ids stay far below this


def saving_instant(*, now: datetime.datetime, started: datetime.datetime) -> datetime.datetime:
    """When a save that had to wait for a lock counts: ``now`` (the caller's reading of the
    clock) moved on by the time since the save began (``started``, the clock then).

    DOMAIN 2.4 counts a save made during the window; a save exists when its transaction
    commits, so one that waited (for another save of the same return, for the breach sweep)
    is stamped once it holds its locks, right before it writes, never at the start of a
    request that then waited past the close. A save that did not wait keeps ``now``: it
    commits within milliseconds, and the sweep waits for it (``hold_window_saves``). Adding
    the wait to ``now`` rather than reading the clock outright keeps a ``now`` other than the
    present (a test, a replay) in its place.
    """
    return now + max(clock.now() - started, datetime.timedelta(0))


def _own_replay(
    request: SaveRequest,
    *,
    based_on: int,
    submitter: Submitter,
    source: str,
    on_behalf_reason: str,
) -> ReturnVersion | None:
    """The head's latest version if it is this very save made already (a double click, a
    resubmitted page): the version right after ``based_on``, by the same signed-in person,
    with the same figures, kind, source and reasons. Anyone else's save in between, or other
    figures, is a real conflict (None). Saves without a person (API keys, email links) have
    their own ways to make a repeat harmless and are never matched here."""
    latest = request.head.latest
    if latest is None or submitter.user is None or latest.number != based_on + 1:
        return None
    same = (
        latest.submitted_by_id == submitter.user.pk
        and latest.kind == request.kind
        and latest.source == source
        and latest.answers == request.answers
        and latest.dataset_version_id == request.dataset_version_id
        and latest.nil_reason == request.stored_nil_reason
        and latest.nil_reason_detail == request.stored_nil_reason_detail
        and latest.on_behalf_reason == on_behalf_reason
    )
    return latest if same else None


def _stored(window: CollectionWindow, now: datetime.datetime) -> CollectionWindow:
    """A page showed the rules' dates for a window the scheduled job has not stored yet: store
    it in this save's transaction, or refuse (see ``window_for_saving``)."""
    try:
        return window_for_saving(period=window.period_obj, now=now)
    except WindowNotStored as exc:
        raise ReturnNotAllowed(str(exc)) from None


def _locked_head(
    location: Location, care_type: str, window: CollectionWindow, *, with_previous: bool = False
) -> tuple[Return, bool, dict[str, Any] | None]:
    """The obligation's head, created if this is the month's first save, locked until commit;
    and whether the save had to wait for another's lock on it.

    Two queries whether or not it exists: the insert skips a head that exists (or that
    another save is creating right now: it waits for that save to commit), so losing the race
    to create is not an error and needs no savepoint; as ``lock_heads`` does for many.
    SKIP LOCKED tells a head someone else holds (a third query, then waiting for it) from a
    free one without an error. (A wait inside the insert is not seen: a save that races
    another's very first save of the head keeps its own ``now``.)

    ``with_previous``: the lock's query also reads the answers of the location and care type's
    newest version, any month (the third value; None if there is none or it was not asked
    for), for the soft warnings. Read under the lock, it is the version this save follows.
    """
    lookup = {"location": location, "care_type": care_type, "window": window}
    Return.objects.bulk_create([Return(**lookup)], ignore_conflicts=True)
    heads = Return.objects.all()
    if with_previous:
        heads = heads.annotate(previous_answers=_newest_answers())
    head = heads.select_for_update(skip_locked=True).filter(**lookup).first()
    waited = head is None
    if head is None:
        head = heads.select_for_update().get(**lookup)
    head.location, head.window = location, window  # already loaded: spare the audit two queries
    return head, waited, getattr(head, "previous_answers", None)


def _newest_answers() -> Subquery:
    """The answers of the newest version of the outer head's location and care type."""
    return Subquery(
        ReturnVersion.objects.filter(
            return_head__location_id=OuterRef("location_id"),
            return_head__care_type=OuterRef("care_type"),
        )
        .order_by("-submitted_at", "-pk")
        .values("answers")[:1],
        output_field=JSONField(),
    )


def previous_answers(location: Location, care_type: str) -> dict[str, Any] | None:
    """The answers of the newest version of any month for the location and care type (a nil
    return's are empty), or None: what a new save's soft warnings compare with. One query."""
    return (
        ReturnVersion.objects.filter(
            return_head__location=location, return_head__care_type=care_type
        )
        .order_by("-submitted_at", "-pk")
        .values_list("answers", flat=True)
        .first()
    )
