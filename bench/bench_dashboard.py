"""Provider dashboard for a group with 500 locations, and the cost of one save.

Run like bench_cqc_import.py (production-shaped env vars, PostgreSQL). Builds a throwaway test
database, prints query counts and timings, and drops it.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

LOCATIONS = int(os.environ.get("BENCH_LOCATIONS", "500"))


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with override_settings(
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from unittest import mock

    from providers.models import LocalAuthority, Location, Provider, Role, User
    from returns.deadlines import LONDON
    from returns.models import CollectionWindow
    from returns.services import windows_ensure_ahead
    from returns.submission import Submitter, return_save
    from tests.portal_data import GOOD_CARE_HOME

    now = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
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
            offers_home_care=i % 3 == 0,
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
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    for location in Location.objects.all()[: LOCATIONS // 2]:
        return_save(
            submitter=Submitter.of(user),
            location=location,
            care_type="care_home",
            window=window,
            kind="full",
            source="portal",
            now=now,
            answers=GOOD_CARE_HOME,
        )
    client = Client()
    client.force_login(user)
    timings = []
    with mock.patch("capacity_tracker.lib.clock.now", return_value=now):
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get("/returns/")
                timings.append(time.perf_counter() - started)
            assert response.status_code == 200
    rows = response.content.decode().count('class="govuk-tag ') // 2  # this month and last
    print(
        f"dashboard, {LOCATIONS} locations ({rows} obligations): {len(ctx.captured_queries)} queries, "
        f"median {statistics.median(timings) * 1000:.0f} ms over 5 requests"
    )
    location = Location.objects.last()
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        return_save(
            submitter=Submitter.of(user),
            location=location,
            care_type="care_home",
            window=window,
            kind="full",
            source="portal",
            now=now,
            answers=GOOD_CARE_HOME,
        )
        elapsed = time.perf_counter() - started
    print(f"one save: {len(ctx.captured_queries)} queries, {elapsed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
