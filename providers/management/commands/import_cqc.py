"""python manage.py import_cqc FILE.csv|FILE.xlsx [--full] [--as-of YYYY-MM-DD] [--dry-run]

Column names accepted: see providers/cqc_import.py and docs/cqc-import.md.
Exit status 0 when the file was read (rejected rows are listed in the summary), 1 when the
file as a whole could not be used (nothing was imported).
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capacity_tracker.lib import clock, history
from capacity_tracker.lib.csv_files import CsvFileError
from providers.cqc_import import LocalAuthorityResolver, parse_extract
from providers.models import LocalAuthority
from providers.services import cqc_import_apply

MAX_FILE_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Create or update providers and locations from a CQC directory file (CSV or XLSX, "
        "as CQC publishes it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--full",
            action="store_true",
            help="The file lists every registered location: mark the ones not in it deregistered.",
        )
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            default=None,
            help="Date the extract is correct at (default: today, Europe/London).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; save nothing."
        )

    @history.job_context("import_cqc")
    def handle(self, *args: object, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
        data = path.read_bytes()
        now = clock.now()
        as_of: datetime.date = options["as_of"] or clock.local_date(now)
        resolver = LocalAuthorityResolver(list(LocalAuthority.objects.all()))
        if not resolver.by_code:
            raise CommandError("No local authorities loaded: run migrate first.")
        try:
            parsed = parse_extract(data, resolver)
        except CsvFileError as exc:
            raise CommandError(f"{path.name}: {exc} Nothing was imported.") from None

        report, _ = cqc_import_apply(
            parsed=parsed,
            now=now,
            actor_label=getpass.getuser(),
            full_extract=bool(options["full"]),
            as_of=as_of,
            file_name=path.name,
            sha256=hashlib.sha256(data).hexdigest(),
            dry_run=bool(options["dry_run"]),
        )
        heading = "Dry run (nothing saved)" if options["dry_run"] else "Imported"
        self.stdout.write(f"{heading}: {path.name}, {report.total_rows} rows, as of {as_of}")
        for name, count in report.counts().items():
            self.stdout.write(f"  {name.replace('_', ' ')}: {count}")
        if report.out_of_scope:
            self.stdout.write("Skipped (offers neither care home nor home care services):")
            for row, location_id in report.out_of_scope:
                self.stdout.write(f"  row {row}: {location_id or '(no location ID)'}")
        if report.rejected:
            self.stdout.write(
                self.style.WARNING("Rejected rows (not imported; fix and import again):")
            )
            for rejection in report.rejected:
                self.stdout.write(f"  {rejection}")
