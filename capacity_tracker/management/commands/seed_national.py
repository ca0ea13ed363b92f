"""``manage.py seed_national --locations 30000 --months 24``: a national dataset for benches.

See capacity_tracker/national_data.py for what it builds and how. Refuses a database that has
locations already (``--force``) or, with DEBUG off, one not named like a test or bench
database (``--i-know``): it must never fill production by accident.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from capacity_tracker import national_data
from capacity_tracker.lib import clock, history


class Command(BaseCommand):
    help = "Fill a throwaway database with a realistic national dataset (never production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--locations", type=int, default=30_000)
        parser.add_argument("--months", type=int, default=24, help="Closed windows of returns.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument(
            "--force", action="store_true", help="Run even though the database has locations."
        )
        parser.add_argument(
            "--i-know",
            action="store_true",
            dest="i_know",
            help="Run with DEBUG off on a database not named like a test or bench database.",
        )

    @history.job_context("seed_national")
    def handle(self, *args: object, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("seed_national writes with PostgreSQL COPY: use PostgreSQL.")
        if options["locations"] < 10 or not 1 <= options["months"] <= 120:
            raise CommandError("Give at least 10 locations and 1 to 120 months.")
        try:
            national_data.guard(force=options["force"], i_know=options["i_know"])
        except national_data.SeedRefused as exc:
            raise CommandError(str(exc)) from None
        started = time.monotonic()
        counts = national_data.seed(
            locations=options["locations"],
            months=options["months"],
            seed=options["seed"],
            now=clock.now(),
            log=self.stdout.write,
        )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
        for name, n in counts.rows.items():
            self.stdout.write(f"  {name:36} {n:>10,}")
        owed = counts.outcomes.get("obligations", 0) or 1
        for name, n in counts.outcomes.items():
            share = "" if name == "obligations" else f" ({100 * n / owed:.1f}% of obligations)"
            self.stdout.write(f"  {name:36} {n:>10,}{share}")
