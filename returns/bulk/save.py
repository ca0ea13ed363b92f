"""Bulk update by CSV: read a file, check every row exactly as the portal would, then save it all.

Three layers, so that the rules can be tested without a database:

1. ``parse_file`` (pure): bytes to a header and rows, or file-level errors.
2. ``check_rows`` (pure): rows plus a ``CheckContext`` of facts looked up in advance, to
   errors or to the rows that will be saved. Every row's figures go through
   ``returns.validation.clean_answers``, the portal form's own checks.
3. Database reads (``load_context``, ``template_rows``) and writes (``bulk_upload_create``,
   ``bulk_check``, ``bulk_apply``) use a fixed number of queries whatever the number of rows
   (batches of ``BATCH`` aside), and the apply is one transaction: every row is saved, or none.

The apply re-checks the file with the return heads locked, so a row that has become invalid
since the preview (access removed, figures changed under an "unchanged" row) saves nothing.
The versions are written by ``submission.returns_save_many``, the single save's own writes,
and only the file's uploader may confirm it (``NotTheUploader``, checked by ``bulk_apply`` and
``bulk_mark_applying`` for whoever the page or task says confirms).
Saves of one provider's locations queue one behind another; different providers' saves run
side by side (``_queue_behind_saves_of_the_same_providers``).
"""

from __future__ import annotations

import datetime
import hashlib
import zlib
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Q

from capacity_tracker.lib import clock
from providers.access import Role, role_of
from providers.audit import audit_record
from providers.models import Location, User
from returns.bulk import parsing as bulk_parsing
from returns.bulk.changes import preview_changes
from returns.bulk.parsing import (
    BATCH,
    INLINE_MAX_BYTES,
    INLINE_MAX_ROWS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_STORED_ERRORS,
    CellError,
    CheckContext,
    CheckResult,
    GoodRow,
    LocationFact,
    ParsedFile,
    check_rows,
    column_key,
    column_letter,
    parse_file,
    refused_result,
    template_columns,
    unescape_cell,
)
from returns.bulk.reads import (
    _locate,
    _Located,
    datasets_for,
    load_context,
    same_file_uploads,
    template_care_types,
    template_rows,
    uploads_visible_to,
)
from returns.models import (
    BulkUpload,
    CollectionWindow,
    Return,
    ReturnSource,
)
from returns.receipts import queue_csv_receipt
from returns.selectors import latest_opened_window
from returns.services import WindowNotStored, window_for_saving
from returns.submission import (
    SaveRequest,
    Submitter,
    hold_window_saves,
    lock_heads,
    new_references,
    returns_save_many,
    saving_instant,
)

# --- 5. Database: writes ----------------------------------------------------------------------


class BulkNotReady(Exception):
    """The upload cannot be confirmed now (it has errors, is being saved, or was saved)."""


class NotTheUploader(PermissionDenied):
    """Someone other than the uploader tried to confirm a file: whoever confirms is recorded as
    the submitter of every return in it, so only the uploader may (not a colleague at the same
    provider, not support staff). A PermissionDenied: a page that lets it through answers 403."""

    def __init__(self) -> None:
        super().__init__("Only the person who uploaded a file can confirm it.")


def bulk_check_confirmer(upload: BulkUpload, user: User) -> None:
    """``NotTheUploader`` unless ``user`` uploaded the file (the rule of ``bulk_apply``)."""
    if upload.uploaded_by_id != user.pk:
        raise NotTheUploader


def estimated_rows(content: bytes) -> int:
    return bulk_parsing.estimated_rows(content)  # "\r" line endings too, as the csv module


def bulk_upload_create(
    *, user: User, file_name: str, content: bytes, on_behalf_reason: str, now: datetime.datetime
) -> BulkUpload:
    """Record an upload, to be checked next. Who, what file (and its SHA-256), and why."""
    if len(content) > MAX_FILE_BYTES:
        raise ValueError("The file is too big.")
    role = role_of(user)
    if role is Role.SUPPORT and not on_behalf_reason.strip():
        raise ValueError("Support staff must say why they are updating for the provider.")
    period = latest_opened_window(now).period_obj
    with transaction.atomic():
        # Stores the window if the scheduled job has not yet (this month), or raises
        # WindowNotStored (an earlier month never stored): the upload needs the row.
        window = window_for_saving(period=period, now=now)
        upload = BulkUpload.objects.create(
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            content=content,
            uploaded_by=user,
            provider_id=user.provider_id if role is Role.PROVIDER else None,
            window=window,
            on_behalf_reason=on_behalf_reason.strip(),
            rows_total=estimated_rows(content),
            created_at=now,
        )
        audit_record(
            actor=user,
            action="returns.bulk_upload.uploaded",
            target=upload,
            reason=upload.on_behalf_reason,
            data={"file_name": upload.file_name, "sha256": upload.sha256, "size": upload.size},
        )
    return upload


def bulk_check(
    *, upload_id: int, now: datetime.datetime, report_progress: bool = False
) -> BulkUpload:
    """Check a file in full and record the outcome. Saves no return. Safe to run twice."""
    upload = BulkUpload.objects.select_related("uploaded_by", "window").get(pk=upload_id)
    if upload.status != BulkUpload.Status.CHECKING:
        return upload  # a re-delivered task: the work is done
    datasets = datasets_for(upload.window)
    parsed = parse_file(bytes(upload.content), datasets=datasets, max_rows=MAX_ROWS)
    upload.rows_total, upload.encoding = len(parsed.rows), parsed.encoding
    if parsed.errors:
        _record_outcome(upload, refused_result(parsed.errors, len(parsed.rows)), now)
        return upload
    on_progress: Callable[[int], object] | None = None
    if report_progress:
        # Each update commits on its own (no transaction here), so the progress page sees it.
        BulkUpload.objects.filter(pk=upload.pk).update(rows_total=upload.rows_total, rows_checked=0)

        def on_progress(done: int) -> object:
            # Renews the step's lease too: a check that still makes progress is not taken over.
            return BulkUpload.objects.filter(pk=upload.pk).update(
                rows_checked=done, lease_until=clock.now() + STEP_LEASE
            )

    context = load_context(parsed, user=upload.uploaded_by, window=upload.window, datasets=datasets)
    result = check_rows(parsed, context, on_progress=on_progress)
    if not result.errors:  # the preview's per-location list (returns/bulk/changes.py)
        result.counts["changes"] = preview_changes(result.good, datasets)
    _record_outcome(upload, result, now)
    return upload


def _record_outcome(upload: BulkUpload, result: CheckResult, now: datetime.datetime) -> None:
    upload.status = BulkUpload.Status.INVALID if result.errors else BulkUpload.Status.READY
    upload.errors = [error.as_dict() for error in result.errors[:MAX_STORED_ERRORS]]
    upload.error_count = result.error_count  # errors holds only the first MAX_STORED_ERRORS
    upload.counts = result.counts
    upload.warnings = result.warnings  # never blocking: shown in the preview
    upload.rows_checked = upload.rows_total
    upload.checked_at = now
    care_types = result.counts.get("care_types") or []
    upload.care_type = care_types[0] if len(care_types) == 1 else ""
    upload.save(
        update_fields=[
            "status",
            "errors",
            "error_count",
            "counts",
            "warnings",
            "rows_total",
            "rows_checked",
            "encoding",
            "checked_at",
            "care_type",
        ]
    )


def bulk_mark_applying(*, upload_id: int, confirmed_by: User | None = None) -> bool:
    """Claim a checked upload for the worker; False if it was not ready (e.g. a double click).

    ``confirmed_by``: the person confirming, refused (``NotTheUploader``) unless they uploaded
    the file; the worker's ``bulk_apply`` then runs for them. None only where no person asks
    (a script, a test)."""
    ready = BulkUpload.objects.filter(pk=upload_id, status=BulkUpload.Status.READY)
    if confirmed_by is not None:
        ready = ready.filter(uploaded_by=confirmed_by)
    claimed = ready.update(
        status=BulkUpload.Status.APPLYING, queued_at=None, lease_until=None, attempts=0
    )
    if not claimed and confirmed_by is not None:
        bulk_check_confirmer(BulkUpload.objects.only("uploaded_by").get(pk=upload_id), confirmed_by)
    return claimed == 1


def bulk_mark_failed(*, upload_id: int) -> None:
    BulkUpload.objects.filter(
        pk=upload_id, status__in=[BulkUpload.Status.CHECKING, BulkUpload.Status.APPLYING]
    ).update(status=BulkUpload.Status.FAILED, lease_until=None)


# --- The worker's steps: claims and leases ------------------------------------------------------
#
# A step ("checking" or "applying") may be delivered more than once: the redispatch tick queues
# again what seems lost, and a worker that dies is re-delivered its message. Whoever runs a
# step first claims it with one conditional UPDATE, so of two deliveries exactly one runs it.
# The claim is a lease: a worker that dies mid-step stops renewing it, and once it has run out
# the tick queues the step again (both steps are safe to re-run: the check only records an
# outcome, the save is one transaction that a dead worker's connection rolls back).

STEP_LEASE = datetime.timedelta(minutes=5)  # a check renews it at each progress update
APPLY_LEASE = datetime.timedelta(minutes=30)  # a save is one transaction: no renewing it
MAX_ATTEMPTS = 3  # a file that kills the worker every time is failed, not retried for ever
REQUEUE_AFTER = datetime.timedelta(minutes=5)  # queued but never started: the queue lost it
GIVE_UP_AFTER = datetime.timedelta(days=1)


def bulk_claim_step(*, upload_id: int, status: str, now: datetime.datetime) -> bool:
    """Take the step of an upload in ``status`` if no one holds it; False if someone does, or
    the step is done, or it has been tried ``MAX_ATTEMPTS`` times (then it is failed)."""
    lease = APPLY_LEASE if status == BulkUpload.Status.APPLYING else STEP_LEASE
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    claimed = BulkUpload.objects.filter(
        free, pk=upload_id, status=status, attempts__lt=MAX_ATTEMPTS
    ).update(lease_until=now + lease, attempts=F("attempts") + 1)
    if claimed:
        return True
    BulkUpload.objects.filter(free, pk=upload_id, status=status, attempts__gte=MAX_ATTEMPTS).update(
        status=BulkUpload.Status.FAILED, lease_until=None
    )
    return False


def bulk_release_step(*, upload_id: int) -> None:
    BulkUpload.objects.filter(pk=upload_id).update(lease_until=None)


def bulk_mark_queued(*, upload_id: int, now: datetime.datetime) -> None:
    BulkUpload.objects.filter(pk=upload_id).update(queued_at=now)


def bulk_waiting_for_worker(*, now: datetime.datetime) -> list[tuple[int, str]]:
    """(id, status) of uploads whose step nobody runs and that are not (or no longer) queued:
    never queued (the queue was unreachable), queued ``REQUEUE_AFTER`` ago and not started (the
    queue lost it), or started by someone whose lease ran out. Older ones are failed instead."""
    in_progress = [BulkUpload.Status.CHECKING, BulkUpload.Status.APPLYING]
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    BulkUpload.objects.filter(
        free, status__in=in_progress, created_at__lt=now - GIVE_UP_AFTER
    ).update(status=BulkUpload.Status.FAILED, lease_until=None)
    return list(
        BulkUpload.objects.filter(free, status__in=in_progress)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
        .order_by("pk")
        .values_list("pk", "status")
    )


class _Refused(Exception):
    def __init__(self, errors: list[CellError], error_count: int | None = None):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors
        # check_rows keeps only the first errors; the count is of them all.
        self.error_count = len(errors) if error_count is None else error_count


def bulk_apply(
    *, upload_id: int, now: datetime.datetime, confirmed_by: User | None = None
) -> BulkUpload:
    """Save every row of a checked file as returns with source ``csv``, in one transaction.

    The file is checked again with the heads locked; if anything is wrong now, nothing is saved
    and the upload shows the new errors. Safe to run twice: a saved upload is left alone.

    ``confirmed_by``: the person confirming in the request, refused (``NotTheUploader``)
    unless they uploaded the file, whatever the upload's state. None: no person asks here (the
    worker carrying out a confirmation ``bulk_mark_applying`` accepted, a script, a test).
    """
    started = clock.now()
    with transaction.atomic():
        # of=("self",): lock the upload row only. Without it PostgreSQL also locks the joined
        # user and window rows, and a portal save (which key-shares them) deadlocks with us.
        upload = (
            BulkUpload.objects.select_for_update(of=("self",))
            .select_related("uploaded_by", "window")
            .get(pk=upload_id)
        )
        if confirmed_by is not None:
            bulk_check_confirmer(upload, confirmed_by)
        if upload.status == BulkUpload.Status.APPLIED:
            return upload
        if upload.status not in (BulkUpload.Status.READY, BulkUpload.Status.APPLYING):
            raise BulkNotReady("This file cannot be saved: check it again.")
        # A save in flight for the window (see submission.hold_window_saves).
        if hold_window_saves(upload.window):  # it waited for the window's sweep
            now = saving_instant(now=now, started=started)
        current = latest_opened_window(now)
        try:
            if current.period != upload.window.period:  # current may not be stored yet
                raise _Refused(
                    [
                        CellError(
                            None,
                            "",
                            f"The collection for {current.label} has opened since you uploaded "
                            "this file. Download a new template and upload it again.",
                        )
                    ]
                )
            with transaction.atomic():  # a savepoint: a refused re-check undoes the new heads
                result = _check_and_save(upload, now)
        except _Refused as refused:
            refusal = refused_result(refused.errors, upload.rows_total, refused.error_count)
            _record_outcome(upload, refusal, now)
            return upload
        upload.status = BulkUpload.Status.APPLIED
        upload.applied_at = now
        upload.counts = {**result.counts, "in_window": upload.window.contains(now)}
        upload.save(update_fields=["status", "applied_at", "counts"])
        audit_record(
            actor=upload.uploaded_by,
            action="returns.bulk_upload.applied",
            target=upload,
            reason=upload.on_behalf_reason,
            data={"file_name": upload.file_name, "sha256": upload.sha256, **upload.counts},
        )
    return upload


def _check_and_save(upload: BulkUpload, now: datetime.datetime) -> CheckResult:
    user, window = upload.uploaded_by, upload.window
    datasets = datasets_for(window)
    parsed = parse_file(bytes(upload.content), datasets=datasets, max_rows=MAX_ROWS)
    if parsed.errors:
        raise _Refused(parsed.errors)
    located = _locate(parsed, user)
    pairs = _pairs(parsed, located)
    _queue_behind_saves_of_the_same_providers(window, {pk for pk, _ in pairs})
    heads = lock_heads(window, pairs, batch_size=BATCH)
    context = load_context(parsed, user=user, window=window, datasets=datasets, located=located)
    result = check_rows(parsed, context)
    if result.errors:
        raise _Refused(result.errors, result.error_count)
    _save_versions(upload, result.good, heads, located, now)
    return result


def _pairs(parsed: ParsedFile, located: _Located) -> list[tuple[int, str]]:
    pairs = set()
    for row in parsed.rows:
        fact = located.facts.get(row.cqc_id)
        care_type = row.care_type
        if fact is not None and fact.editable and care_type in fact.care_types:
            pairs.add((fact.pk, care_type))
    return sorted(pairs)


def _queue_behind_saves_of_the_same_providers(
    window: CollectionWindow, location_ids: set[int]
) -> None:
    """Wait for any other bulk save this month of the providers whose locations we save.

    Two saves that share a return head then never lock heads at the same time: the second
    starts once the first has committed, so a save of thousands of rows never waits head by
    head on another, nor risks a lock cycle with it. (The head locks alone would keep the
    versions right: the heads are created in key order and locked in ``pk`` order.) Saves for
    different providers share no head, so they no longer wait for each other, as they did
    under the old single lock per month. A support user's file may cover several providers:
    it takes each provider's lock, in ``provider_id`` order, so two such files cannot each
    hold a lock the other wants. One statement, whatever the number of rows.

    The two-key form of the lock keeps these keys apart from ``advisory_xact_lock``'s. SQLite
    (the demo) has one writer at a time, so there is nothing to do there.
    """
    if not location_ids or connection.vendor != "postgresql":
        return
    month = zlib.crc32(f"returns.bulk_apply.{window.pk}".encode()) - 2**31
    table = Location._meta.db_table  # the model's own name, not input
    # PostgreSQL evaluates the output list after the ORDER BY, so the locks are taken in
    # provider order.
    sql = (
        "SELECT pg_advisory_xact_lock(%s::int4, (p %% 2147483647)::int4) FROM ("  # noqa: S608
        f"SELECT DISTINCT provider_id AS p FROM {table} WHERE id = ANY(%s)"
        ") AS providers ORDER BY p"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [month, sorted(location_ids)])


def _save_versions(
    upload: BulkUpload,
    good: list[GoodRow],
    heads: dict[tuple[int, str], Return],
    located: _Located,
    now: datetime.datetime,
) -> None:
    """Save each row as ``submission.return_save`` saves one (``returns_save_many`` writes
    both), then queue one receipt for the file."""
    window = upload.window
    requests = []
    for row, reference in zip(good, new_references(window, len(good)), strict=True):
        if row.dataset_version_id is None:  # GoodRow allows it, yet every checked row has one
            raise RuntimeError(f"Row {row.number} was checked without a dataset.")
        head = heads[(row.location.pk, row.care_type)]
        head.location, head.window = located.instances[row.location.pk], window  # for audit labels
        requests.append(
            SaveRequest(
                head=head,
                reference=reference,
                kind=row.kind,
                answers=row.answers,
                dataset_version_id=row.dataset_version_id,
                nil_reason=row.nil_reason,
                nil_reason_detail=row.nil_reason_detail,
                # Worked out again by this apply's check, heads locked (the preview showed them).
                warnings=[warning.as_dict() for warning in row.warnings],
            )
        )
    versions = returns_save_many(
        requests,
        window=window,
        submitter=Submitter.of(upload.uploaded_by),
        source=ReturnSource.CSV,
        now=now,
        on_behalf_reason=upload.on_behalf_reason,
        audit_data={"bulk_upload": upload.pk},
        batch_size=BATCH,
    )
    # One summary for the file (not one per row), committed with the save.
    queue_csv_receipt(upload, versions, in_window=window.contains(now), now=now)


# What the views, the task and the tests use, wherever it now lives.
__all__ = [
    "INLINE_MAX_BYTES",
    "INLINE_MAX_ROWS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "BulkNotReady",
    "CellError",
    "CheckContext",
    "CheckResult",
    "LocationFact",
    "NotTheUploader",
    "WindowNotStored",
    "bulk_apply",
    "bulk_check",
    "bulk_check_confirmer",
    "bulk_claim_step",
    "bulk_mark_applying",
    "bulk_mark_failed",
    "bulk_upload_create",
    "check_rows",
    "column_key",
    "column_letter",
    "datasets_for",
    "estimated_rows",
    "parse_file",
    "same_file_uploads",
    "template_care_types",
    "template_columns",
    "template_rows",
    "unescape_cell",
    "uploads_visible_to",
]
