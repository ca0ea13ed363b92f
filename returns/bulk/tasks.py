"""Running a CSV upload's check or save: in the request for small files, else on the worker
(``process_bulk_upload``, the Celery task below, calls ``run_step``).

The upload's row is the outbox. Its status says which step is owed ("checking", "applying");
the step is queued only after that row is committed, and a queue that cannot be reached (Redis
down) only leaves ``queued_at`` empty: the request still succeeds, the upload page says the
work is delayed, and the redispatch tick (``redispatch``, every minute on beat) queues it
again, as it does a step the queue lost or whose worker died (its lease ran out). Every
delivery claims the step first (``bulk.bulk_claim_step``), so two deliveries never both run it.

A step that crashes marks the upload failed, so its page stops waiting, and then re-raises so
the worker logs it; it is not retried (the person uploads again).
"""

from __future__ import annotations

import contextlib
import datetime

from celery import shared_task
from django.db import transaction

from capacity_tracker.celery import publish_quietly
from capacity_tracker.lib import clock
from providers.models import User
from returns.bulk import save as bulk  # bulk.INLINE_MAX_ROWS is read at call time (tests lower it)
from returns.bulk.save import BulkNotReady, bulk_apply, bulk_check, bulk_mark_failed
from returns.models import BulkUpload

CHECK = "check"
APPLY = "apply"
STEPS = (CHECK, APPLY)
STATUS_OF_STEP = {CHECK: BulkUpload.Status.CHECKING, APPLY: BulkUpload.Status.APPLYING}
STEP_OF_STATUS: dict[str, str] = {status: step for step, status in STATUS_OF_STEP.items()}


def run_step(upload_id: int, step: str, *, report_progress: bool = True) -> str:
    """Run ``step`` if no one else is running or has run it; the upload's status after."""
    if step not in STEPS:
        raise ValueError(f"Unknown step {step!r}")
    now = clock.now()  # the step's one instant: the claim and the step itself
    if not bulk.bulk_claim_step(upload_id=upload_id, status=STATUS_OF_STEP[step], now=now):
        # Done already, or another delivery holds it: nothing to do.
        return BulkUpload.objects.values_list("status", flat=True).get(pk=upload_id)
    try:
        if step == CHECK:
            upload = bulk_check(upload_id=upload_id, now=now, report_progress=report_progress)
        else:
            upload = bulk_apply(upload_id=upload_id, now=now)
    except BulkNotReady:
        return "not ready"  # someone else's request got there first: nothing to do
    except Exception:
        bulk_mark_failed(upload_id=upload_id)
        raise
    finally:
        bulk.bulk_release_step(upload_id=upload_id)
    return upload.status


# The name predates this package; queued messages carry it, so it stays.
@shared_task(name="returns.tasks.process_bulk_upload")
def process_bulk_upload(upload_id: int, step: str) -> str:
    """Check ("check") or save ("apply") a large bulk update on the worker."""
    return run_step(upload_id, step)


def dispatch(upload_id: int, step: str, *, now: datetime.datetime) -> bool:
    """Queue a step at ``now``; False (logged) if the queue cannot be reached. Never raises."""
    queued = publish_quietly(process_bulk_upload, upload_id, step)
    if queued:
        bulk.bulk_mark_queued(upload_id=upload_id, now=now)
    return queued


def enqueue(upload_id: int, step: str) -> None:
    """Queue a step once the current transaction commits (the worker must see the row)."""
    transaction.on_commit(lambda: dispatch(upload_id, step, now=clock.now()))


def redispatch(now: datetime.datetime) -> str:
    """The tick: queue again every step that no one runs and that is not queued (see
    ``bulk.bulk_waiting_for_worker``). A step queued twice still runs once (the claim)."""
    waiting = bulk.bulk_waiting_for_worker(now=now)
    queued = sum(dispatch(pk, STEP_OF_STATUS[status], now=now) for pk, status in waiting)
    return f"{queued} of {len(waiting)} waiting CSV uploads queued"


def on_worker(upload: BulkUpload) -> bool:
    """Many rows, or many bytes in few rows (very wide or very long cells): either way the
    check could hold a web process for seconds, so the worker does it."""
    return upload.rows_total > bulk.INLINE_MAX_ROWS or upload.size > bulk.INLINE_MAX_BYTES


def check_now_or_later(upload: BulkUpload, *, now: datetime.datetime) -> None:
    """Small files are checked in the request (well under a second); bigger ones by the worker.

    The request claims the check as a worker would, so the tick leaves it alone meanwhile.
    """
    if on_worker(upload):
        enqueue(upload.pk, CHECK)
    else:
        run_step(upload.pk, CHECK, report_progress=False)


def apply_now_or_later(upload: BulkUpload, *, confirmed_by: User, now: datetime.datetime) -> None:
    """Save a checked file, in the request or on the worker; a second click changes nothing.

    Only the uploader may confirm (``bulk.NotTheUploader`` otherwise, whatever the upload's
    state): the services check it, the worker then saves for them."""
    bulk.bulk_check_confirmer(upload, confirmed_by)
    if upload.status != BulkUpload.Status.READY:
        return  # being saved, saved, or not checked: nothing to do
    if on_worker(upload):
        if bulk.bulk_mark_applying(upload_id=upload.pk, confirmed_by=confirmed_by):
            enqueue(upload.pk, APPLY)
        return
    with contextlib.suppress(BulkNotReady):  # the first click is saving it, or has saved it
        bulk_apply(upload_id=upload.pk, now=now, confirmed_by=confirmed_by)
