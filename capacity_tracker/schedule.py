"""Every scheduled job, as a function of ``now``. Beat triggers them (celery.py); the
``run_scheduled`` command runs them all synchronously as of any instant, to catch up after an
outage or to play a month forward in a demo. Each job is idempotent and safe to run late."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from api.usage import housekeeping as api_usage_housekeeping
from capacity_tracker.lib import clock
from enforcement.letters import write_pending_letters
from enforcement.sweep import sweep_due
from notifications.outbox import outbox_send_due
from providers.cqc_uploads import cqc_upload_redispatch
from returns.bulk.tasks import redispatch
from returns.emails import (
    EMAIL_VETOES,
    queue_onboarding_chasers,
    queue_reminders,
    queue_window_open,
)
from returns.services import windows_ensure_ahead


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime.datetime], str]


def ensure_windows(now: datetime.datetime) -> str:
    return f"{windows_ensure_ahead(now=now)} new collection windows"


def breach_sweep(now: datetime.datetime) -> str:
    """Sweep what is due, then write any letter still being prepared: the sweep's own task
    normally has (or shares the work, rows are locked), and this catches one that was lost or
    crashed mid-way, every time beat runs the job."""
    report = sweep_due(now=now)
    return f"breach sweep: {report}; {write_pending_letters(now=now)} letters written"


def window_open_emails(now: datetime.datetime) -> str:
    return f"{queue_window_open(now=now)} window-open emails queued"


def reminder_emails(now: datetime.datetime) -> str:
    return f"{queue_reminders(now=now)} 48-hour reminders queued"


def onboarding_emails(now: datetime.datetime) -> str:
    queued = queue_onboarding_chasers(today=clock.local_date(now), now=now)
    return f"{queued} onboarding chasers queued"


def send_emails(now: datetime.datetime) -> str:
    return f"emails: {outbox_send_due(now=now, vetoes=EMAIL_VETOES)}"


def redispatch_work(now: datetime.datetime) -> str:
    """Queue again the background work recorded in the database that never reached a worker
    (the queue was down), that the queue lost, or whose worker died: CSV uploads being checked
    or saved, CQC imports being applied. Each step runs once however often it is queued."""
    return f"{redispatch(now)}; {cqc_upload_redispatch()}"


def api_housekeeping(now: datetime.datetime) -> str:
    """Keys' last use from the cache into the database; idempotency records past a day."""
    return api_usage_housekeeping(now)


# In order: windows before the emails about them; queueing before sending.
JOBS: tuple[Job, ...] = (
    Job("ensure_windows", ensure_windows),
    Job("breach_sweep", breach_sweep),
    Job("window_open_emails", window_open_emails),
    Job("reminder_emails", reminder_emails),
    Job("onboarding_emails", onboarding_emails),
    Job("send_emails", send_emails),
    Job("api_housekeeping", api_housekeeping),
    Job("redispatch_work", redispatch_work),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}


def run_all(now: datetime.datetime) -> list[tuple[str, str]]:
    return [(job.name, job.run(now)) for job in JOBS]
