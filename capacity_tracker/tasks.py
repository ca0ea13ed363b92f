"""Service-level tasks that belong to no app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_CACHE_KEY = "capacity_tracker:beat-heartbeat"


@shared_task(name="capacity_tracker.tasks.heartbeat")
def heartbeat() -> str:
    """Record that beat and a worker are alive; the health page reads it."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, stamp, timeout=None)
    logger.info("heartbeat %s", stamp)
    return stamp
