"""The 48-hour reminder tick at national scale: incremental after the first pass of a window.

Beat runs the tick every few minutes; after the first pass reads every owing location, a tick
reads only what changed since, and writes nothing when nothing is due.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import OutboundMessage
from providers.models import Contact, Location, LocationStatusChange
from returns.emails import REMINDER, REMINDER_SETTLE, queue_reminders
from returns.models import CollectionWindow, ReminderPass
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.factories import (
    ContactFactory,
    LocalAuthorityFactory,
    LocationFactory,
    LocationStatusChangeFactory,
    ProviderUserFactory,
)
from tests.portal_data import GOOD_ANSWERS

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DEC_CLOSE = datetime.datetime(2026, 12, 15, 0, 0, tzinfo=UTC)  # end of Monday 14 December
IN_REMINDER = DEC_CLOSE - datetime.timedelta(hours=40)


@pytest.fixture(autouse=True)
def _windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 9, 1, tzinfo=UTC))


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


def owing(provider, count: int) -> list[Location]:
    council = LocalAuthorityFactory()
    locations = LocationFactory.create_batch(count, provider=provider, local_authority=council)
    for location in locations:
        ContactFactory(location=location, is_primary=True)
    return locations


def reminded() -> set[str]:
    return set(OutboundMessage.objects.filter(kind=REMINDER).values_list("recipient", flat=True))


def settle() -> None:
    """Move the last pass and every change so far back beyond the margin, as if the pass had
    run an hour and a half ago (the rows keep their order: each change a little before it)."""
    past = timezone.now() - REMINDER_SETTLE - datetime.timedelta(hours=1)
    Location.objects.update(updated_at=past)
    Contact.objects.update(updated_at=past)
    LocationStatusChange.objects.update(recorded_at=past)
    ReminderPass.objects.update(checked_at=past + datetime.timedelta(seconds=1))


def writes(ctx: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def reads_locations(ctx: CaptureQueriesContext) -> bool:
    return any('"providers_location"' in q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("count", [5, 200])
def test_a_second_tick_in_the_window_writes_nothing_in_a_few_queries(
    provider, count, django_assert_max_num_queries
):
    owing(provider, count)
    assert queue_reminders(now=IN_REMINDER) == count
    # Straight after the pass its rows are recent: read again, in the same few queries.
    with django_assert_max_num_queries(5) as ctx:
        assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=10)) == 0
    assert writes(ctx) == []
    # Once they have settled, one tick moves the watermark past them; after that a tick is
    # the windows query and one empty look for changes.
    settle()
    queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=20))
    with django_assert_max_num_queries(2) as ctx:
        assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=30)) == 0
    assert writes(ctx) == []
    assert OutboundMessage.objects.filter(kind=REMINDER).count() == count


def test_a_contact_added_after_the_pass_gets_its_reminder_on_the_next_tick(provider):
    first, _ = owing(provider, 2)
    silent = LocationFactory(provider=provider, name="No Contact Yet")
    assert queue_reminders(now=IN_REMINDER) == 2
    ContactFactory(location=first, email="new.deputy@example.org")
    ContactFactory(location=silent, email="silent.manager@example.org", is_primary=True)
    assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=10)) == 2
    assert {"new.deputy@example.org", "silent.manager@example.org"} <= reminded()
    assert len(reminded()) == 4
    assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=20)) == 0


def test_a_contact_added_long_after_a_settled_pass_is_still_found(provider):
    (location,) = owing(provider, 1)
    queue_reminders(now=IN_REMINDER)
    settle()
    # Changes have settled: a tick moves the watermark past them, once.
    before = ReminderPass.objects.get().checked_at
    assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=40)) == 0
    moved = ReminderPass.objects.get().checked_at
    assert moved > before
    with CaptureQueriesContext(connection) as ctx:
        assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=50)) == 0
    assert writes(ctx) == []
    assert ReminderPass.objects.get().checked_at == moved
    ContactFactory(location=location, email="late.contact@example.org")
    assert queue_reminders(now=IN_REMINDER + datetime.timedelta(hours=2)) == 1
    assert "late.contact@example.org" in reminded()


def test_a_location_active_again_after_the_pass_is_reminded(provider):
    owing(provider, 1)
    dormant = LocationFactory(provider=provider, status="dormant")
    LocationStatusChangeFactory(
        location=dormant, status="dormant", effective_from=datetime.date(2026, 1, 1)
    )
    ContactFactory(location=dormant, email="dormant@example.org", is_primary=True)
    assert queue_reminders(now=IN_REMINDER) == 1
    assert "dormant@example.org" not in reminded()
    settle()  # the contact and the location are old news; only the correction is new
    LocationStatusChangeFactory(
        location=dormant, status="active", effective_from=datetime.date(2026, 11, 1)
    )
    assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=10)) == 1
    assert "dormant@example.org" in reminded()


def test_a_location_that_updated_is_not_reminded_by_the_next_tick(provider):
    # Updates only take locations off the list; a new contact of a location that has updated
    # since the pass is not reminded.
    (location,) = owing(provider, 1)
    assert queue_reminders(now=IN_REMINDER) == 1
    return_save(
        submitter=Submitter.of(ProviderUserFactory(provider=provider)),
        location=location,
        care_type="care_home",
        window=december(),
        kind="full",
        source="portal",
        now=IN_REMINDER,
        answers=GOOD_ANSWERS["care_home"],
        nil_reason="",
    )
    ContactFactory(location=location, email="after.update@example.org")
    assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=10)) == 0
    assert "after.update@example.org" not in reminded()


@pytest.mark.parametrize(
    "now",
    [
        DEC_CLOSE - datetime.timedelta(hours=48, seconds=1),  # before the 48-hour point
        DEC_CLOSE,  # the window has closed
        DEC_CLOSE + datetime.timedelta(days=3),
    ],
)
def test_a_tick_outside_the_reminder_time_reads_no_location(provider, now):
    owing(provider, 3)
    with CaptureQueriesContext(connection) as ctx:
        assert queue_reminders(now=now) == 0
    assert len(ctx.captured_queries) == 1  # the windows, none of them in reminder time
    assert not reads_locations(ctx)
    assert writes(ctx) == []
    assert not ReminderPass.objects.exists()


def test_moving_the_opening_reads_every_location_again(provider):
    owing(provider, 1)
    queue_reminders(now=IN_REMINDER)
    settle()
    window = december()
    window.opens_at -= datetime.timedelta(days=1)
    window.save(update_fields=["opens_at"])
    late = LocationFactory(provider=provider, added_to_service_on=window.opens_local.date())
    Location.objects.filter(pk=late.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=1)
    )
    ContactFactory(location=late, email="moved@example.org", is_primary=True)
    Contact.objects.filter(location=late).update(
        updated_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert queue_reminders(now=IN_REMINDER + datetime.timedelta(minutes=10)) == 1
    assert ReminderPass.objects.get().opens_at == window.opens_at
