"""Running a CSV upload's check or save: in the request for small files, else on the worker
(the Celery task, ``returns.tasks.process_bulk_upload``, calls ``run_step``).

Tasks take the upload's primary key and are queued only after the upload's row is committed.
A step that crashes marks the upload failed, so its page stops waiting, and then re-raises so
the worker logs it; nothing is retried automatically (the person uploads again).
"""

from __future__ import annotations

import contextlib
import datetime

from django.db import transaction

from capacity_tracker.lib import clock
from returns import bulk  # bulk.INLINE_MAX_ROWS is read at call time (tests lower it)
from returns.bulk import BulkNotReady, bulk_apply, bulk_check, bulk_mark_failed
from returns.models import BulkUpload

CHECK = "check"
APPLY = "apply"
STEPS = (CHECK, APPLY)


def run_step(upload_id: int, step: str) -> str:
    if step not in STEPS:
        raise ValueError(f"Unknown step {step!r}")
    try:
        if step == CHECK:
            upload = bulk_check(upload_id=upload_id, now=clock.now(), report_progress=True)
        else:
            upload = bulk_apply(upload_id=upload_id, now=clock.now())
    except BulkNotReady:
        return "not ready"  # someone else's request got there first: nothing to do
    except Exception:
        bulk_mark_failed(upload_id=upload_id)
        raise
    return upload.status


def enqueue(upload_id: int, step: str) -> None:
    """Queue a step once the current transaction commits (the worker must see the row)."""
    from returns.tasks import process_bulk_upload

    transaction.on_commit(lambda: process_bulk_upload.delay(upload_id, step))


def check_now_or_later(upload: BulkUpload, *, now: datetime.datetime) -> None:
    """Small files are checked in the request (well under a second); bigger ones by the worker."""
    if upload.rows_total > bulk.INLINE_MAX_ROWS:
        enqueue(upload.pk, CHECK)
    else:
        bulk_check(upload_id=upload.pk, now=now)


def apply_now_or_later(upload: BulkUpload, *, now: datetime.datetime) -> None:
    """Save a checked file, in the request or on the worker; a second click changes nothing."""
    if upload.rows_total > bulk.INLINE_MAX_ROWS:
        if bulk.bulk_mark_applying(upload_id=upload.pk):
            enqueue(upload.pk, APPLY)
        return
    with contextlib.suppress(BulkNotReady):  # the first click is saving it, or has saved it
        bulk_apply(upload_id=upload.pk, now=now)
