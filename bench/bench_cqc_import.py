"""The CQC import at national scale: a 30,000-location extract, first run and an unchanged rerun.

Run through bench/run (or with its environment: production-shaped settings on PostgreSQL).
Baseline, in the same run: PostgreSQL's own COPY of the same file into an unlogged table with
the same columns, which is the least any import of the file can cost. Query counts at 3,000
and 30,000 locations show that statements grow with 1,000-2,000-row batches, never per row.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

import lib  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from providers.models import LocalAuthority, Location, Provider  # noqa: E402

LOCATIONS = int(os.environ.get("BENCH_LOCATIONS", "30000"))
SMALL = LOCATIONS // 10
HEADER = (
    "Location ID,Location Name,Care home?,Care homes beds,Location Postal Code,"
    "Location Local Authority,Provider ID,Provider Name,Service type - Domiciliary care service"
)


def build_file(path: Path, locations: int) -> None:
    """The columns CQC publishes, as many rows as asked; a third of providers per location."""
    councils = list(LocalAuthority.objects.values_list("name", flat=True))
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        for i in range(locations):
            care_home = i % 2 == 0
            out.write(
                f"1-{4000000000 + i},Location {i},{'Y' if care_home else 'N'},{30 if care_home else ''},"
                f'LS6 2QA,"{councils[i % len(councils)]}",1-{300000000 + i // 3},Provider {i // 3},'
                f"{'' if care_home else 'Y'}\n"
            )


def import_file(path: Path) -> None:
    with open(os.devnull, "w") as quiet:
        call_command("import_cqc", str(path), "--full", stdout=quiet)


def copy_baseline(path: Path) -> None:
    columns = ", ".join(f"c{i} text" for i in range(HEADER.count(",") + 1))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_cqc_copy")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_cqc_copy ({columns})")
        with (
            cursor.copy("COPY bench_cqc_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as source,
        ):
            while chunk := source.read(1 << 16):
                copy.write(chunk)


def reset() -> None:
    """Forget every imported location and provider, so that the next first run creates again."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE providers_location, providers_provider RESTART IDENTITY CASCADE")


def measure(locations: int, tmp: Path) -> dict[str, object]:
    path = tmp / f"extract-{locations}.csv"
    build_file(path, locations)
    reset()
    baseline, _, _ = lib.timed(lambda: copy_baseline(path), runs=3)
    with lib.counted() as first_queries:
        first, _, _ = lib.timed(lambda: import_file(path), runs=1)
    assert Location.objects.count() == locations
    with lib.counted() as again_queries:
        again, _, _ = lib.timed(lambda: import_file(path), runs=1)
    return {
        "first": first,
        "first_queries": first_queries.count,
        "again": again,
        "again_queries": again_queries.count,
        "baseline": baseline,
        "providers": Provider.objects.count(),
    }


def main() -> None:
    with lib.throwaway_database(), tempfile.TemporaryDirectory() as tmp:
        small = measure(SMALL, Path(tmp))
        large = measure(LOCATIONS, Path(tmp))
    how = (
        f"call_command('import_cqc', file, '--full') on a {LOCATIONS:,}-row extract in CQC's "
        "columns (a third as many providers), one process, PostgreSQL on the same host"
    )
    lib.record(
        "cqc_import_first_run",
        figure=large["first"],
        unit="s",
        baseline=large["baseline"],
        baseline_what="COPY of the same file into an unlogged table of text columns (median of 3)",
        how=how + "; every location and provider created, with status history and audit",
        target={"max_queries": 100},
        queries={
            "small": {"size": SMALL, "count": small["first_queries"]},
            "large": {"size": LOCATIONS, "count": large["first_queries"]},
        },
        details={"providers": large["providers"], "small_seconds": round(small["first"], 2)},
    )
    lib.record(
        "cqc_import_unchanged_rerun",
        figure=large["again"],
        unit="s",
        baseline=large["baseline"],
        baseline_what="COPY of the same file into an unlogged table of text columns (median of 3)",
        how=how + "; the same file again, so nothing changes (what most nights look like)",
        target={"max_queries": 20, "flat_queries": True},
        queries={
            "small": {"size": SMALL, "count": small["again_queries"]},
            "large": {"size": LOCATIONS, "count": large["again_queries"]},
        },
        details={"small_seconds": round(small["again"], 2)},
    )


if __name__ == "__main__":
    main()
