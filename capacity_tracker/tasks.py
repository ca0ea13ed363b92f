"""Service-level tasks that belong to no app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="capacity_tracker.tasks.heartbeat")
def heartbeat() -> str:
    """Log that beat triggered and a worker ran: the first thing to look for in the worker log."""
    stamp = timezone.now().isoformat()
    logger.info("heartbeat %s", stamp)
    return stamp
