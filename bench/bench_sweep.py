"""The breach sweep for one window at national scale: 30,000 locations, ~45,000 obligations.

Run like bench_cqc_import.py (production-shaped env vars, PostgreSQL). Builds a throwaway test
database with 30,000 locations (half of them care homes that also give home care), about 70%
of obligations returned, then times the sweep (breaches, cases, letters, outbox rows) and,
for comparison, one hand-written SQL anti-join that finds the same missing obligations.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

LOCATIONS = int(os.environ.get("BENCH_LOCATIONS", "30000"))

ANTI_JOIN = """
SELECT l.id, ct.care_type
FROM providers_location l
CROSS JOIN (VALUES ('care_home'), ('home_care')) AS ct(care_type)
WHERE l.status = 'active'
  AND ((ct.care_type = 'care_home' AND l.offers_care_home) OR (ct.care_type = 'home_care' AND l.offers_home_care))
  AND NOT EXISTS (
    SELECT 1 FROM returns_return r
    WHERE r.location_id = l.id AND r.care_type = ct.care_type AND r.window_id = %s AND r.counted_id IS NOT NULL
  )
"""


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from enforcement.models import Breach, EnforcementCase
    from enforcement.sweep import sweep_window
    from providers.models import Contact, LocalAuthority, Location, Provider
    from returns.deadlines import Period
    from returns.models import CollectionWindow, DatasetVersion, Return, ReturnVersion
    from returns.services import windows_ensure

    windows_ensure(periods=[Period(2026, 11)])
    window = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    councils = list(LocalAuthority.objects.all())
    providers = Provider.objects.bulk_create(
        Provider(cqc_id=f"1-{300000000 + i}", name=f"Provider {i}", postcode="LS1 4AP")
        for i in range(LOCATIONS // 3)
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
                offers_home_care=True,  # half the locations offer both: 45,000 obligations
                registered_places=30,
                added_to_service_on=datetime.date(2023, 1, 1),
            )
            for i in range(LOCATIONS)
        ),
        batch_size=5000,
    )
    Contact.objects.bulk_create(
        (
            Contact(location=loc, name=f"M {i}", email=f"m{i}@example.org", is_primary=True)
            for i, loc in enumerate(locations)
        ),
        batch_size=5000,
    )
    obligations = [(loc, ct) for loc in locations for ct in loc.care_types]
    returned = [o for i, o in enumerate(obligations) if i % 10 < 7]
    heads = Return.objects.bulk_create(
        (
            Return(location=loc, care_type=ct, window=window, version_count=1)
            for loc, ct in returned
        ),
        batch_size=5000,
    )
    dataset = DatasetVersion.objects.first()
    versions = ReturnVersion.objects.bulk_create(
        (
            ReturnVersion(
                return_head=head,
                number=1,
                kind="nil",
                nil_reason="no_staff",
                dataset_version=dataset,
                source="csv",
                submitter_first_name="B",
                submitter_last_name="U",
                submitted_at=window.opens_at,
                in_window=True,
                reference=f"B-{i}",
            )
            for i, head in enumerate(heads)
        ),
        batch_size=5000,
    )
    for head, version in zip(heads, versions, strict=True):
        head.latest = head.counted = version
    Return.objects.bulk_update(heads, ["latest", "counted"], batch_size=5000)
    print(f"{LOCATIONS} locations, {len(obligations)} obligations, {len(returned)} returned")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # a live database has statistics; a freshly loaded one does not

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(ANTI_JOIN, [window.pk])
        missing = len(cursor.fetchall())
        print(
            f"hand-written SQL anti-join: {missing} missing obligations in {time.perf_counter() - started:.2f} s, 1 query"
        )

    now = window.closes_at + datetime.timedelta(minutes=10)
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        sweep_window(window_id=window.pk, now=now)
        elapsed = time.perf_counter() - started
    print(
        f"sweep_window: {Breach.objects.count()} breaches, {EnforcementCase.objects.count()} cases opened with "
        f"letters and emails, in {elapsed:.1f} s, {len(ctx.captured_queries)} queries"
    )
    assert Breach.objects.count() == missing


if __name__ == "__main__":
    main()
