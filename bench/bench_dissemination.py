"""Dissemination aggregates at national scale: 30,000 locations, 24 windows of returns.

Run through bench/run (production-shaped env vars, PostgreSQL). Builds a throwaway test
database with 30,000 locations (half care homes that also give home care, half home care only,
2% dormant), 24 windows (BENCH_WINDOWS; bench/run builds 12), and about 85% of ~45,000
obligations a month returned (full, unchanged, nil) or saved late, inserted with INSERT ...
SELECT for speed. Then times, in the same run, the England + region + council aggregate for one
window (the selector, one query) beside a baseline: a plain GROUP BY count of the same window's
returns per council and region; and the location-level CSV download of the last windows
(BENCH_EXPORT_WINDOWS) beside COPY of the same query (bench_dissemination_export.py measures
that for all 24 windows, with peak memory).
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

import lib  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

LOCATIONS = int(os.environ.get("BENCH_LOCATIONS", "30000"))
WINDOWS = int(os.environ.get("BENCH_WINDOWS", "24"))
RUNS = 5

# (%% because these go into queries with parameters.)
# Per (location, window, care type) a number 0-19 decides what happened: 0-1 nothing, 2 a late
# save, 3 a nil return, 4-7 "unchanged" (same figures), else a full return.
OUTCOME = "((l.id * 7 + w.id * 13 + ct.n * 3) %% 20)"
CARE_HOME_ANSWERS = """jsonb_build_object(
  'beds_max_capacity', 20 + l.id %% 40, 'beds_occupied', 15 + l.id %% 30,
  'beds_vacant_reserved', l.id %% 3, 'beds_vacant_accepting', (l.id + w.id) %% 3,
  'staff_direct_nurses', l.id %% 6, 'staff_direct_care', 20 + l.id %% 25,
  'staff_direct_non_care', 5 + l.id %% 7, 'staff_agency_nurses', l.id %% 2,
  'staff_agency_care', (l.id + w.id) %% 4, 'staff_agency_non_care', 0,
  'absent_direct_nurses', 0, 'absent_direct_care', (l.id + w.id) %% 3,
  'absent_direct_non_care', 0, 'absent_agency_nurses', 0, 'absent_agency_care', 0,
  'absent_agency_non_care', 0, 'visiting_possible', CASE WHEN l.id %% 10 = 0 THEN 'no' ELSE 'yes' END,
  'visiting_reason', '')"""
HOME_CARE_ANSWERS = """jsonb_build_object(
  'people_receiving_care', 10 + l.id %% 90, 'staff_direct_care', 8 + l.id %% 30,
  'staff_direct_non_care', l.id %% 5, 'staff_agency', (l.id + w.id) %% 4,
  'staff_absent_covid', (l.id + w.id) %% 2)"""

BASELINE = """
SELECT la.region_id, l.local_authority_id, count(*)
FROM returns_return r
JOIN providers_location l ON l.id = r.location_id
JOIN providers_localauthority la ON la.id = l.local_authority_id
WHERE r.window_id = %s AND r.care_type = %s
GROUP BY la.region_id, l.local_authority_id
"""


def main() -> None:
    with lib.throwaway_database():
        run()


def build() -> list:
    from providers.models import LocalAuthority, Location, LocationStatusChange, Provider
    from returns.deadlines import Period
    from returns.models import CollectionWindow, DatasetVersion
    from returns.services import windows_ensure

    first = Period(2024, 12)
    periods = [first]
    while len(periods) < WINDOWS:
        periods.append(periods[-1].next())
    windows_ensure(periods=periods)
    windows = list(
        CollectionWindow.objects.filter(period__gte=first.first_day()).order_by("period")
    )
    councils = list(LocalAuthority.objects.all())
    providers = Provider.objects.bulk_create(
        (
            Provider(cqc_id=f"1-{300000000 + i}", name=f"Provider {i}", postcode="LS1 4AP")
            for i in range(LOCATIONS // 3)
        ),
        batch_size=5000,
    )
    locations = Location.objects.bulk_create(
        (
            Location(
                cqc_id=f"1-{4000000000 + i}",
                provider=providers[i // 3],
                name=f"Location {i}",
                local_authority=councils[i % len(councils)],
                postcode="LS6 2QA",
                offers_care_home=i % 2 == 0,
                offers_home_care=True,
                registered_places=20 + i % 40 if i % 2 == 0 else None,
                status="dormant" if i % 50 == 0 else "active",
                added_to_service_on=datetime.date(2023, 1, 1),
            )
            for i in range(LOCATIONS)
        ),
        batch_size=5000,
    )
    LocationStatusChange.objects.bulk_create(
        (
            LocationStatusChange(
                location=loc, status=loc.status, effective_from=datetime.date(2023, 1, 1)
            )
            for loc in locations
        ),
        batch_size=5000,
    )
    dataset = DatasetVersion.objects.order_by("effective_from").last()
    ids = [w.pk for w in windows]
    with connection.cursor() as cursor:
        # Heads for everything but the "nothing" outcomes.
        cursor.execute(
            f"""
            INSERT INTO returns_return (location_id, care_type, window_id, version_count, updated_at)
            SELECT l.id, ct.care_type, w.id, 1, w.opens_at
            FROM providers_location l
            CROSS JOIN returns_collectionwindow w
            CROSS JOIN (VALUES ('care_home', 0), ('home_care', 1)) AS ct(care_type, n)
            WHERE w.id = ANY(%s)
              AND ((ct.care_type = 'care_home' AND l.offers_care_home)
                   OR (ct.care_type = 'home_care' AND l.offers_home_care))
              AND {OUTCOME} >= 2
            """,
            [ids],
        )
        cursor.execute(
            f"""
            INSERT INTO returns_returnversion (return_head_id, number, kind, nil_reason,
              nil_reason_detail, answers, dataset_version_id, source, submitter_first_name,
              submitter_last_name, submitted_at, in_window, reference, on_behalf_reason)
            SELECT r.id, 1,
              CASE WHEN {OUTCOME} = 3 THEN 'nil' WHEN {OUTCOME} < 8 AND {OUTCOME} > 3
                   THEN 'unchanged' ELSE 'full' END,
              CASE WHEN {OUTCOME} = 3 THEN 'no_service_users' ELSE '' END, '',
              CASE WHEN {OUTCOME} = 3 THEN '{{}}'::jsonb
                   WHEN r.care_type = 'care_home' THEN {CARE_HOME_ANSWERS}
                   ELSE {HOME_CARE_ANSWERS} END,
              %s, 'csv', 'Bench', 'User',
              CASE WHEN {OUTCOME} = 2 THEN w.closes_at + interval '1 day'
                   ELSE w.opens_at + interval '3 days' END,
              {OUTCOME} <> 2, 'B-' || r.id, ''
            FROM returns_return r
            JOIN providers_location l ON l.id = r.location_id
            JOIN returns_collectionwindow w ON w.id = r.window_id
            JOIN (VALUES ('care_home', 0), ('home_care', 1)) AS ct(care_type, n)
              ON ct.care_type = r.care_type
            """,
            [dataset.pk],
        )
        cursor.execute(
            """
            UPDATE returns_return r SET latest_id = v.id,
              counted_id = CASE WHEN v.in_window THEN v.id END
            FROM returns_returnversion v WHERE v.return_head_id = r.id
            """
        )
        cursor.execute("ANALYZE")  # a live database has statistics; a fresh load does not
    return windows


def timed(fn, runs: int = RUNS) -> tuple[float, int, object]:
    """Median seconds over ``runs`` calls, the queries of the last call, and its result."""
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = fn()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings), len(ctx.captured_queries), result


EXPORT_WINDOWS = int(os.environ.get("BENCH_EXPORT_WINDOWS", "6"))


def drained(chunks) -> int:  # type: ignore[no-untyped-def]
    return sum(len(chunk) for chunk in chunks)


def run() -> None:
    import bench_dissemination_export as export

    from dissemination.selectors import Level, aggregate
    from returns.models import Return

    started = time.perf_counter()
    windows = build()
    built = time.perf_counter() - started
    areas = [Level.ENGLAND, Level.REGION, Level.LOCAL_AUTHORITY]
    window = windows[-1]
    scale = (
        f"{LOCATIONS:,} locations, {len(windows)} windows, {Return.objects.count():,} return "
        f"heads (built in {built:.0f} s), one process, PostgreSQL"
    )

    def baseline(care_type: str):  # type: ignore[no-untyped-def]
        with connection.cursor() as cursor:
            cursor.execute(BASELINE, [window.pk, care_type])
            return cursor.fetchall()

    for care_type in ("care_home", "home_care"):
        seconds, queries, rows = timed(
            lambda ct=care_type: aggregate(windows=[window], level=areas, care_type=ct)
        )
        _, all_queries, _ = timed(
            lambda ct=care_type: aggregate(windows=windows, level=areas, care_type=ct), runs=1
        )
        base_seconds, _, _ = timed(lambda ct=care_type: baseline(ct))
        lib.record(
            f"dissemination_aggregate_{care_type}",
            figure=seconds * 1000,
            unit="ms",
            baseline=base_seconds * 1000,
            baseline_what="a plain GROUP BY count of the same window's returns per council and region",
            how=scale + f"; England, regions and councils for one window, every published "
            f"measure with its suppression (median of {RUNS})",
            target={"max_queries": 1, "flat_queries": True},
            queries={
                "small": {"size": 1, "count": queries},
                "large": {"size": len(windows), "count": all_queries},
            },
            details={"owing": rows[0].locations_owing, "queries_are": "at 1 and all windows"},
        )

    # The location-level CSV for EXPORT_WINDOWS windows, as the export page streams it,
    # beside PostgreSQL writing the same query's CSV itself with COPY.
    selected = windows[-EXPORT_WINDOWS:]
    export.windows = lambda: selected
    sizes = {}
    for path in ("copy", "fast"):
        with lib.counted() as queries:
            seconds, _, size = lib.timed(
                lambda path=path: drained(export.CHUNKS[path]("care_home")), runs=1
            )
        sizes[path] = (seconds, size, queries.count)
    lib.record(
        "dissemination_location_export",
        figure=sizes["fast"][0],
        unit="s",
        baseline=sizes["copy"][0],
        baseline_what="COPY (the same query) TO STDOUT WITH CSV HEADER through psycopg",
        how=scale + f"; care homes, {len(selected)} windows, every location a row per window, "
        "registered, counted and streamed as the download page sends it",
        target={"max_ratio": 3},
        details={
            "bytes": sizes["fast"][1],
            "copy_bytes": sizes["copy"][1],
            "queries": sizes["fast"][2],
        },
    )


if __name__ == "__main__":
    main()
