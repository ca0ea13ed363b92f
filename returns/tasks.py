"""Returns' Celery tasks. Scheduled jobs are in capacity_tracker/schedule.py."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="returns.tasks.process_bulk_upload")
def process_bulk_upload(upload_id: int, step: str) -> str:
    """Check ("check") or save ("apply") a large CSV bulk update: returns/bulk_tasks.py."""
    from returns.bulk_tasks import run_step

    return run_step(upload_id, step)
