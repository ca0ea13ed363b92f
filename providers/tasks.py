"""Providers' Celery tasks. Scheduled jobs are in capacity_tracker/schedule.py."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="providers.tasks.apply_cqc_import")
def apply_cqc_import(import_id: int) -> str:
    """Apply a CQC directory file uploaded and previewed in admin (providers/cqc_uploads.py).

    A crash marks the import failed, so its progress page stops waiting, and re-raises so the
    worker logs it; nothing is retried automatically (nothing was saved: one transaction).
    """
    from providers.cqc_uploads import (
        CqcUploadNotReady,
        cqc_upload_apply,
        cqc_upload_mark_failed,
    )

    try:
        return cqc_upload_apply(import_id=import_id).status
    except CqcUploadNotReady:
        return "not ready"
    except Exception:
        cqc_upload_mark_failed(import_id=import_id)
        raise
