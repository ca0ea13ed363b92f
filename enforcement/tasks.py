"""Enforcement's Celery tasks. Scheduled jobs are in capacity_tracker/schedule.py."""

from __future__ import annotations

import datetime

from celery import shared_task

from capacity_tracker.lib import history


@shared_task(name="enforcement.tasks.write_pending_letters")
def write_pending_letters_task(swept_at: str) -> str:
    """Write the letters a sweep owed and queue their emails, queued when the sweep commits.

    ``swept_at`` is the sweep's ``now``: the task runs within moments of it, so that is the
    day the letters are sent and dated. Letters this task never reaches (a lost message, a
    crash mid-way) are written by the scheduled breach sweep job, dated the day it runs.
    """
    from enforcement.letters import write_pending_letters

    now = datetime.datetime.fromisoformat(swept_at)
    with history.job_context("write_pending_letters"):
        written = write_pending_letters(now=now)
    return f"{written} letters written"
