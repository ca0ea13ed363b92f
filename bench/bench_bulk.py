"""Bulk update by CSV at the size of the largest groups: 2,500 locations x 2 care types.

Run like bench_dashboard.py (production-shaped env vars, PostgreSQL). Builds a throwaway test
database, prints query counts and timings for the template download, the check and the save of
a 5,000-row file (then the same again on top, so that every head already exists), and drops it.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

LOCATIONS = int(os.environ.get("BENCH_LOCATIONS", "2500"))
HOME_CARE = {
    "people_receiving_care": "50",
    "staff_direct_care": "20",
    "staff_direct_non_care": "3",
    "staff_agency": "2",
    "staff_absent_covid": "1",
    # December is a vaccination campaign month: the seasonal items are asked too.
    "vacc_staff_covid_primary": "22",
    "vacc_staff_covid_booster": "8",
    "vacc_staff_flu": "10",
}


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    # Its own throwaway database, so that it never clobbers a test run's test_<name>.
    connection.settings_dict["TEST"]["NAME"] = f"test_{old_name}_bench_bulk"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
            run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def timed(label: str, work):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    print(f"{label}: {len(ctx.captured_queries)} queries, {elapsed:.2f} s")
    return result


def run() -> None:
    from providers.models import LocalAuthority, Location, Provider, Role, User
    from returns import bulk
    from returns.deadlines import LONDON
    from returns.models import CollectionWindow, ReturnVersion
    from returns.services import windows_ensure_ahead
    from tests.portal_data import GOOD_CARE_HOME

    now = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    council = LocalAuthority.objects.first()
    provider = Provider.objects.create(cqc_id="1-199999999", name="Big Group", postcode="LS1 4AP")
    Location.objects.bulk_create(
        Location(
            cqc_id=f"1-{5000000000 + i}",
            provider=provider,
            name=f"Home {i:04d}",
            local_authority=council,
            postcode="LS6 2QA",
            offers_care_home=True,
            offers_home_care=True,
            added_to_service_on=datetime.date(2023, 1, 1),
        )
        for i in range(LOCATIONS)
    )
    user = User.objects.create_user(
        "bench@example.org",
        "x",
        first_name="Bench",
        last_name="User",
        role=Role.PROVIDER,
        provider=provider,
    )
    user.approved_at = now
    user.save()

    header, rows = timed(
        f"template, both care types ({LOCATIONS * 2:,} rows, no history)",
        lambda: _materialise(
            bulk.template_rows(
                user=user, provider=provider, window=window, care_types=["care_home", "home_care"]
            )
        ),
    )
    content = _fill(header, rows, GOOD_CARE_HOME, HOME_CARE, unchanged_every=0)
    print(f"file: {len(rows):,} rows, {len(content) / 1024:.0f} KiB")

    for attempt, label in ((1, "first upload (creates every head)"), (2, "same figures again")):
        if attempt == 2:
            # Half the rows now say "nothing has changed": the last figures are looked up in bulk.
            content = _fill(header, rows, GOOD_CARE_HOME, HOME_CARE, unchanged_every=2)
        upload = bulk.bulk_upload_create(
            user=user, file_name="bench.csv", content=content, on_behalf_reason="", now=now
        )
        checked = timed(
            f"{label}: check {len(rows):,} rows",
            lambda upload=upload: bulk.bulk_check(upload_id=upload.pk, now=now),
        )
        assert checked.status == "ready", checked.errors[:3]
        applied = timed(
            f"{label}: save {len(rows):,} returns",
            lambda upload=upload: bulk.bulk_apply(upload_id=upload.pk, now=now),
        )
        assert applied.status == "applied"
    assert ReturnVersion.objects.count() == 2 * len(rows)
    timed(
        f"template again ({LOCATIONS * 2:,} rows, pre-filled from history)",
        lambda: _materialise(
            bulk.template_rows(
                user=user, provider=provider, window=window, care_types=["care_home", "home_care"]
            )
        ),
    )


def _materialise(template):  # type: ignore[no-untyped-def]
    header, rows = template
    return header, list(rows)


def _fill(header, rows, care_home, home_care, *, unchanged_every: int) -> bytes:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for number, row in enumerate(rows):
        cells = dict(zip(header, row, strict=True))
        cells.update(care_home if cells["care_type"] == "care_home" else home_care)
        if unchanged_every and number % unchanged_every == 0:
            cells["return_kind"] = "unchanged"
        writer.writerow([cells.get(column, "") for column in header])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


if __name__ == "__main__":
    main()
