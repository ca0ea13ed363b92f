"""Queueing the window-open email and the 48-hour reminder at national scale, and the ticks
that beat runs every few minutes after (which must cost next to nothing when nothing is due).

Run through bench/run. Built twice, at 3,000 and at 30,000 locations (about 1.5 contacts each),
so that query counts can be compared between sizes. Baseline for the queueing, in the same
run: copying the rows just queued into an unlogged table of the same shape with one
INSERT ... SELECT, which is what writing that many outbox rows costs with no logic at all.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

import lib  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

LOCATIONS = int(os.environ.get("BENCH_LOCATIONS", "30000"))
SMALL = LOCATIONS // 10
OPENS = datetime.datetime(2026, 12, 8, 0, 5, tzinfo=datetime.UTC)
CLOSES = datetime.datetime(2026, 12, 15, tzinfo=datetime.UTC)
TICK = datetime.timedelta(minutes=10)


def build(locations: int) -> int:
    from providers.models import Contact, LocalAuthority, Location, Provider
    from returns.services import windows_ensure_ahead

    windows_ensure_ahead(now=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC))
    councils = list(LocalAuthority.objects.all())
    providers = Provider.objects.bulk_create(
        Provider(cqc_id=f"1-{300000000 + i}", name=f"Provider {i}", postcode="LS1 4AP")
        for i in range((locations + 2) // 3)
    )
    created = Location.objects.bulk_create(
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
            for i in range(locations)
        ),
        batch_size=5000,
    )
    contacts = [
        Contact(location=loc, name=f"Manager {i}", email=f"manager{i}@example.org", is_primary=True)
        for i, loc in enumerate(created)
    ] + [
        Contact(location=loc, name=f"Deputy {i}", email=f"deputy{i}@example.org")
        for i, loc in enumerate(created)
        if i % 2 == 0
    ]
    Contact.objects.bulk_create(contacts, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(contacts)


def copy_outbox_baseline() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_outbox_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_outbox_copy (LIKE notifications_outboundmessage INCLUDING DEFAULTS)"
        )
        cursor.execute("INSERT INTO bench_outbox_copy SELECT * FROM notifications_outboundmessage")


def step(fn: Any, **kwargs: Any) -> tuple[float, int, Any]:
    with lib.counted() as queries:
        seconds, _, result = lib.timed(lambda: fn(**kwargs), runs=1)
    return seconds, queries.count, result


def measure(locations: int) -> dict[str, Any]:
    from notifications.models import OutboundMessage
    from providers.models import Contact, Location, LocationStatusChange
    from returns.emails import REMINDER_SETTLE, queue_reminders, queue_window_open
    from returns.models import ReminderPass

    out: dict[str, Any] = {}
    with lib.throwaway_database():
        out["contacts"] = build(locations)
        out["open"] = step(queue_window_open, now=OPENS)
        assert out["open"][2] == out["contacts"], out["open"]
        out["open_baseline"], _, _ = lib.timed(copy_outbox_baseline, runs=3)
        out["open_again"] = step(queue_window_open, now=OPENS + TICK)
        assert out["open_again"][2] == 0

        remind_at = CLOSES - datetime.timedelta(hours=40)
        out["remind"] = step(queue_reminders, now=remind_at)
        assert out["remind"][2] == out["contacts"]
        # As in production: the register was loaded long before, the first pass a while ago.
        past = timezone.now() - REMINDER_SETTLE - datetime.timedelta(hours=1)
        Location.objects.update(updated_at=past)
        Contact.objects.update(updated_at=past)
        LocationStatusChange.objects.update(recorded_at=past)
        ReminderPass.objects.update(checked_at=past + datetime.timedelta(seconds=1))
        step(queue_reminders, now=remind_at + TICK)  # moves the watermark past settled rows
        out["remind_idle"] = step(queue_reminders, now=remind_at + 2 * TICK)
        assert out["remind_idle"][2] == 0
        location = Location.objects.order_by("pk").first()
        Contact.objects.create(location=location, name="New Deputy", email="new@example.org")
        out["remind_one_new"] = step(queue_reminders, now=remind_at + 3 * TICK)
        assert out["remind_one_new"][2] == 1, out["remind_one_new"]
        out["outbox_rows"] = OutboundMessage.objects.count()
    return out


def queries(small: dict[str, Any], large: dict[str, Any], key: str) -> dict[str, dict[str, int]]:
    return {
        "small": {"size": SMALL, "count": small[key][1]},
        "large": {"size": LOCATIONS, "count": large[key][1]},
    }


def main() -> None:
    small = measure(SMALL)
    large = measure(LOCATIONS)
    how = (
        f"{LOCATIONS:,} locations, {large['contacts']:,} contacts, one process on PostgreSQL; "
        "each email carries its own signed link"
    )
    lib.record(
        "window_open_queue",
        figure=large["open"][0],
        unit="s",
        baseline=large["open_baseline"],
        baseline_what="INSERT ... SELECT of the same outbox rows into an unlogged copy (median of 3)",
        how=how + "; the tick that first finds the window open queues one email per contact",
        target={"max_queries": 60},
        queries=queries(small, large, "open"),
        details={"queued": large["open"][2]},
    )
    lib.record(
        "window_open_tick_nothing_new",
        figure=large["open_again"][0],
        unit="s",
        how=how + "; the same tick ten minutes later, everything already queued",
        target={"max": 5, "flat_queries": True},
        queries=queries(small, large, "open_again"),
    )
    lib.record(
        "reminder_first_pass",
        figure=large["remind"][0],
        unit="s",
        baseline=large["open_baseline"],
        baseline_what="INSERT ... SELECT of the window-open rows into an unlogged copy",
        how=how + "; 48 hours before the close, every location without an update",
        target={"max_queries": 60},
        queries=queries(small, large, "remind"),
        details={"queued": large["remind"][2]},
    )
    lib.record(
        "reminder_tick_nothing_due",
        figure=large["remind_idle"][0],
        unit="s",
        how=how + "; a tick after the first pass when nothing changed (incremental)",
        target={"max": 1, "flat_queries": True},
        queries=queries(small, large, "remind_idle"),
    )
    lib.record(
        "reminder_tick_one_contact_added",
        figure=large["remind_one_new"][0],
        unit="s",
        how=how + "; a tick after one contact was added: one reminder queued",
        target={"max": 1, "flat_queries": True},
        queries=queries(small, large, "remind_one_new"),
    )


if __name__ == "__main__":
    main()
