"""The Celery app and the whole beat schedule, in code.

Beat only triggers. Every scheduled task is a short "tick" that looks at the database and does
what is due, so a tick that runs twice, late, or after days of outage does what is owed once.
Run exactly one beat process (see README, "Deployment").
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

app = Celery("capacity_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Times are UTC (CELERY_TIMEZONE). The ticks are idempotent, so running them often is cheap
# insurance against a missed tick; none of them depends on running at an exact minute.
app.conf.beat_schedule = {
    "ensure-collection-windows": {
        "task": "returns.tasks.ensure_windows",
        "schedule": crontab(minute=7),  # hourly; a no-op once the rows exist
    },
    "heartbeat": {
        "task": "capacity_tracker.tasks.heartbeat",
        "schedule": crontab(minute="*/5"),
    },
}
