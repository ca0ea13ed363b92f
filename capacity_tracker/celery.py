"""The Celery app and the whole beat schedule, in code.

Beat only triggers. Every scheduled job is a short "tick" that looks at the database and does
what is due (capacity_tracker/schedule.py), so a tick that runs twice, late, or after days of
outage does what is owed once. Run exactly one beat process (see README, "Deployment").
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

app = Celery("capacity_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

# One quick retry, then give up: the caller's work is already recorded in the database, and
# the redispatch tick queues it again later (capacity_tracker/schedule.py).
QUICK_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def publish_quietly(task: Any, *args: Any) -> bool:
    """Queue ``task(*args)``; False (logged) if the broker cannot be reached now, never raises.

    For work whose database row is its outbox: a failure here only delays it. A web request
    that queued work after its commit must not answer 500 because Redis is down.
    """
    try:
        task.apply_async(args, retry=True, retry_policy=QUICK_RETRY)
    except Exception as error:  # noqa: BLE001 (any broker error: the row waits for the tick)
        # Expected while Redis is down, so one line and no traceback.
        logger.warning(
            "Could not queue %s%r, left for the redispatch tick: %r", task.name, args, error
        )
        return False
    return True


def _job(name: str, schedule: crontab) -> dict[str, object]:
    return {"task": "capacity_tracker.tasks.run_job", "schedule": schedule, "args": (name,)}


# Times are UTC (CELERY_TIMEZONE). Each job works out what is due from the database, so the
# exact minute does not matter and a missed tick is caught up by the next one; running them
# every few minutes is cheap insurance. The window opens at 00:00 London time (23:00 UTC in
# summer), so the open emails go out within ten minutes of it, whatever the clocks do.
app.conf.beat_schedule = {
    "ensure-windows": _job("ensure_windows", crontab(minute=7)),
    "breach-sweep": _job("breach_sweep", crontab(minute="*/10")),
    "window-open-emails": _job("window_open_emails", crontab(minute="*/10")),
    "reminder-emails": _job("reminder_emails", crontab(minute="*/10")),
    "onboarding-emails": _job("onboarding_emails", crontab(minute=15, hour=8)),
    "send-emails": _job("send_emails", crontab(minute="*")),
    "api-housekeeping": _job("api_housekeeping", crontab(minute="*/5")),
    "redispatch-work": _job("redispatch_work", crontab(minute="*")),
    "heartbeat": {"task": "capacity_tracker.tasks.heartbeat", "schedule": crontab(minute="*/5")},
}
