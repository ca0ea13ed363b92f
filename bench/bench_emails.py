"""Queueing the window-open email and the 48-hour reminder for 30,000 locations (about 45,000
contacts), and the reminder tick that beat runs every few minutes after.

Run like bench_cqc_import.py (production-shaped env vars, PostgreSQL). Builds a throwaway test
database, prints the time and query count for queueing (and for a second, no-op run), and
drops it. Sending is not timed here: it is bound by the email provider's rate limit.
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


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from providers.models import Contact, LocalAuthority, Location, Provider
    from returns.emails import queue_window_open
    from returns.services import windows_ensure_ahead

    windows_ensure_ahead(now=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC))
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
                offers_home_care=i % 2 == 1,
                added_to_service_on=datetime.date(2023, 1, 1),
            )
            for i in range(LOCATIONS)
        ),
        batch_size=5000,
    )
    contacts = [
        Contact(location=loc, name=f"Manager {i}", email=f"manager{i}@example.org", is_primary=True)
        for i, loc in enumerate(locations)
    ] + [
        Contact(location=loc, name=f"Deputy {i}", email=f"deputy{i}@example.org")
        for i, loc in enumerate(locations)
        if i % 2 == 0
    ]
    Contact.objects.bulk_create(contacts, batch_size=5000)
    now = datetime.datetime(2026, 12, 8, 0, 5, tzinfo=datetime.UTC)
    for label in ("first run", "second run (nothing new)"):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            queued = queue_window_open(now=now)
            elapsed = time.perf_counter() - started
        print(
            f"{LOCATIONS} locations, {len(contacts)} contacts, {label}: {queued} queued in "
            f"{elapsed:.1f} s, {len(ctx.captured_queries)} queries"
        )
    reminders(len(contacts))


def timed(label: str, job, **kwargs) -> None:
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        queued = job(**kwargs)
        elapsed = time.perf_counter() - started
    print(
        f"{LOCATIONS} locations, reminder {label}: {queued} queued in {elapsed:.2f} s, "
        f"{len(ctx.captured_queries)} queries"
    )


def reminders(contacts: int) -> None:
    """The reminder: the first pass, the ticks after it, a contact added in between."""
    from django.utils import timezone

    from providers.models import Contact, Location, LocationStatusChange
    from returns.emails import REMINDER_SETTLE, queue_reminders
    from returns.models import ReminderPass

    close = datetime.datetime(2026, 12, 15, tzinfo=datetime.UTC)
    now = close - datetime.timedelta(hours=40)
    timed(f"first pass ({contacts} contacts)", queue_reminders, now=now)
    tick = datetime.timedelta(minutes=10)
    # Every row was written seconds ago, so the ticks of the next half hour read them again.
    timed("again straight after loading (rows still recent)", queue_reminders, now=now + tick)
    # As in production: the register was loaded long before, and the pass ran a while ago.
    past = timezone.now() - REMINDER_SETTLE - datetime.timedelta(hours=1)
    Location.objects.update(updated_at=past)
    Contact.objects.update(updated_at=past)
    LocationStatusChange.objects.update(recorded_at=past)
    ReminderPass.objects.update(checked_at=past + datetime.timedelta(seconds=1))
    timed("tick that moves the watermark past settled rows", queue_reminders, now=now + 2 * tick)
    timed("again when nothing is due", queue_reminders, now=now + 3 * tick)
    location = Location.objects.order_by("pk").first()
    Contact.objects.create(location=location, name="New Deputy", email="new.deputy@example.org")
    timed("tick after one contact was added", queue_reminders, now=now + 4 * tick)
    timed("outside the reminder time", queue_reminders, now=close)


if __name__ == "__main__":
    main()
