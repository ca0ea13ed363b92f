from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from returns.services import windows_ensure_ahead


@shared_task(name="returns.tasks.ensure_windows")
def ensure_windows() -> int:
    """Beat tick: keep this month's and the next twelve months' windows stored."""
    return windows_ensure_ahead(now=timezone.now())
