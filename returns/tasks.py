from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from returns.services import windows_ensure_ahead


@shared_task(name="returns.tasks.ensure_windows")
def ensure_windows() -> int:
    """Beat tick: keep this month's and the next twelve months' windows stored."""
    return windows_ensure_ahead(now=timezone.now())


@shared_task(name="returns.tasks.process_bulk_upload")
def process_bulk_upload(upload_id: int, step: str) -> str:
    """Check ("check") or save ("apply") a large CSV bulk update: returns/bulk_tasks.py."""
    from returns.bulk_tasks import run_step

    return run_step(upload_id, step)
