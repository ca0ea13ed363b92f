"""Beat's tasks: each runs one scheduled job as of the moment it runs (see schedule.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from capacity_tracker.lib import clock, history

logger = logging.getLogger(__name__)


@shared_task(name="capacity_tracker.tasks.run_job")
def run_job(name: str) -> str:
    from capacity_tracker.schedule import JOBS_BY_NAME

    with history.job_context(name):  # the job's name, not just run_job's, on its changes
        summary = JOBS_BY_NAME[name].run(clock.now())
    logger.info("%s: %s", name, summary)
    return summary


@shared_task(name="capacity_tracker.tasks.heartbeat")
def heartbeat() -> str:
    """Log that beat triggered and a worker ran: the first thing to look for in the worker log."""
    stamp = clock.now().isoformat()
    logger.info("heartbeat %s", stamp)
    return stamp
