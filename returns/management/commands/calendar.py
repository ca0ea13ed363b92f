"""python manage.py calendar YEAR: the year's collection windows as CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from returns.selectors import calendar_rows, windows_for_year

FIELDS = ["period", "opens_at", "last_day", "closes_at", "overridden"]


class Command(BaseCommand):
    help = "Print the collection windows for YEAR as CSV (period,opens_at,last_day,closes_at,overridden)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:  # argparse's values: Any
        try:
            windows = windows_for_year(int(options["year"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        writer = csv.DictWriter(self.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in calendar_rows(windows):
            writer.writerow({**row, "overridden": "true" if row["overridden"] else "false"})
