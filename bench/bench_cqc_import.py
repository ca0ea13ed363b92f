"""National-scale CQC import: 30,000 locations (first run creates, second run changes nothing).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/capacity_tracker DEBUG=false \
     SECRET_KEY=... ALLOWED_HOSTS=x REDIS_URL=redis://127.0.0.1:6379/15 EMAIL_URL=consolemail:// \
     .venv/bin/python bench/bench_cqc_import.py
It builds a throwaway test database (test_<name>), prints timings and query counts, and drops it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from providers.models import LocalAuthority  # noqa: E402

LOCATIONS = int(os.environ.get("BENCH_LOCATIONS", "30000"))


def build_file(path: Path) -> None:
    councils = list(LocalAuthority.objects.values_list("name", flat=True))
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "Location ID,Location Name,Care home?,Care homes beds,Location Postal Code,"
            "Location Local Authority,Provider ID,Provider Name,Service type - Domiciliary care service\n"
        )
        for i in range(LOCATIONS):
            care_home = i % 2 == 0
            out.write(
                f"1-{4000000000 + i},Location {i},{'Y' if care_home else 'N'},{30 if care_home else ''},"
                f'LS6 2QA,"{councils[i % len(councils)]}",1-{300000000 + i // 3},Provider {i // 3},'
                f"{'' if care_home else 'Y'}\n"
            )


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "extract.csv"
            build_file(path)
            for label in ("first run (creates)", "second run (no changes)"):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    call_command("import_cqc", str(path), "--full", stdout=open(os.devnull, "w"))  # noqa: SIM115
                    elapsed = time.perf_counter() - started
                print(
                    f"{LOCATIONS} locations, {label}: {elapsed:.1f} s, {len(ctx.captured_queries)} queries"
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
