"""python manage.py run_scheduled [--now 2028-04-16T09:00:00+01:00] [--only JOB ...]

Runs every scheduled job as of that instant, synchronously, and prints what each did.
Support staff use it to catch up after an outage; tests and demos use it to play a month
forward. Without --now it uses the real time.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capacity_tracker.lib import clock, history
from capacity_tracker.schedule import JOBS, JOBS_BY_NAME


def aware_instant(text: str) -> datetime.datetime:
    try:
        instant = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--now must be an ISO 8601 instant like 2028-04-16T09:00:00+01:00, not {text!r}"
        ) from None
    if instant.tzinfo is None:
        raise CommandError("--now must include a UTC offset, like 2028-04-16T09:00:00+01:00")
    return instant


class Command(BaseCommand):
    help = "Run every scheduled job as of an instant (default: now), and print what each did."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", type=str, default=None)
        parser.add_argument("--only", nargs="+", choices=[job.name for job in JOBS], default=None)

    def handle(self, *args: Any, **options: Any) -> None:  # argparse's values: Any
        now = aware_instant(options["now"]) if options["now"] else clock.now()
        jobs = [JOBS_BY_NAME[name] for name in options["only"]] if options["only"] else JOBS
        self.stdout.write(f"Running scheduled jobs as of {now.isoformat()}")
        for job in jobs:
            with history.job_context(job.name, command="run_scheduled"):
                summary = job.run(now)
            self.stdout.write(f"  {job.name}: {summary}")
