"""A save in flight when the window closes (00:00 London) counts by when it holds its locks,
and the portal, the breach sweep and the compliance export agree on it.

The rule (returns.submission.saving_instant, hold_window_saves): a version is stamped once
its transaction holds the window's save lock and the return's row, right before it writes;
the sweep waits for saves in flight for the window before it reads what was counted. So a
save that started before the close but waited past it is late everywhere, and one stamped
before the close but still committing when the sweep starts is on time everywhere.

Only the clock is mocked; the waits are real PostgreSQL locks held by this test's connection.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from unittest import mock

import pytest
from django.db import connection, transaction
from django.urls import reverse

from dissemination.compliance import compliance
from enforcement.models import Breach
from enforcement.sweep import sweep_due
from returns.deadlines import LONDON
from returns.models import CollectionWindow, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.conftest import client_for
from tests.portal_data import GOOD_CARE_HOME
from tests.returns.lock_waits import wait_until_blocked_on_me

UTC = datetime.UTC
# October's window ends on Wednesday 14 October 2026 in British Summer Time (00:00 London is
# 23:00 UTC); November's 14th is a Saturday, so it ends on Monday 16 November, in GMT.
CLOSES = {
    "2026-10": datetime.datetime(2026, 10, 14, 23, 0, tzinfo=UTC),
    "2026-11": datetime.datetime(2026, 11, 17, 0, 0, tzinfo=UTC),
}
JUST_BEFORE = datetime.timedelta(milliseconds=-100)
JUST_AFTER = datetime.timedelta(milliseconds=200)


class Clock:
    """The service's clock, moved by the test while another thread is inside a save."""

    def __init__(self) -> None:
        self.instant = datetime.datetime(2026, 9, 1, tzinfo=UTC)

    def __call__(self) -> datetime.datetime:
        return self.instant


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock()
    with mock.patch("capacity_tracker.lib.clock.now", side_effect=fake):
        yield fake


def window_of(period: str) -> CollectionWindow:
    year, month = map(int, period.split("-"))
    window = CollectionWindow.objects.get(period=datetime.date(year, month, 1))
    assert window.closes_at == CLOSES[period]  # the BST / GMT close, as the rules give it
    assert window.closes_at.astimezone(LONDON).time() == datetime.time(0, 0)
    return window


def portal_status(client, clock: Clock, window: CollectionWindow) -> str:
    """The dashboard's tag for the location, an hour after the close (still the newest
    window to have opened, so the dashboard's main column)."""
    clock.instant = window.closes_at + datetime.timedelta(hours=1)
    page = client.get(reverse("returns:dashboard")).content.decode()
    assert window.label in page
    if ">Sent late</strong>" in page:
        return "late"
    assert ">Updated</strong>" in page
    return "on time"


def agreed_verdict(client, clock: Clock, location, window: CollectionWindow) -> str:
    """On time or late, as the portal, the sweep and the compliance export each see it;
    fails unless all three agree."""
    portal = portal_status(client, clock, window)
    sweep_due(now=window.closes_at + datetime.timedelta(minutes=10), dispatch_letters=False)
    sweep = (
        "late" if Breach.objects.filter(location=location, window=window).exists() else "on time"
    )
    (row,) = compliance(windows=[window])
    export = "on time" if row.compliant else "late"
    assert row.late == (export == "late")
    assert (portal, sweep, export) == (portal, portal, portal)
    return portal


# serialized_rollback: put back the migrations' reference data after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("period", ["2026-10", "2026-11"])
def test_a_save_that_waits_past_the_close_is_late_everywhere(
    period, clock, provider_user, location
):
    windows_ensure_ahead(now=datetime.datetime(2026, 9, 1, tzinfo=UTC))
    window = window_of(period)
    client = client_for(provider_user)
    check = reverse("returns:check", args=[period, location.cqc_id, "care_home"])
    clock.instant = window.closes_at - datetime.timedelta(minutes=5)
    form = reverse("returns:form", args=[period, location.cqc_id, "care_home"])
    assert client.post(form, {**GOOD_CARE_HOME, "based_on": "0"}).status_code == 302
    head = Return.objects.create(location=location, care_type="care_home", window=window)
    responses: list[int] = []

    def accept_and_send() -> None:
        try:
            responses.append(client.post(check).status_code)
        finally:
            connection.close()

    sender = threading.Thread(target=accept_and_send)
    with transaction.atomic():
        # Another connection holds the return's row: the save sent at 23:59:59.9 London
        # waits for it, and gets it only after midnight.
        Return.objects.select_for_update().get(pk=head.pk)
        clock.instant = window.closes_at + JUST_BEFORE
        sender.start()
        wait_until_blocked_on_me()
        clock.instant = window.closes_at + JUST_AFTER
    sender.join(timeout=30)

    assert responses == [302]
    version = ReturnVersion.objects.get()
    assert version.submitted_at == window.closes_at + JUST_AFTER
    assert not version.in_window
    assert Return.objects.get().counted is None
    assert agreed_verdict(client, clock, location, window) == "late"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_stamped_before_the_close_still_committing_when_the_sweep_starts_is_on_time(
    clock, provider_user, location
):
    windows_ensure_ahead(now=datetime.datetime(2026, 9, 1, tzinfo=UTC))
    window = window_of("2026-11")  # GMT: the sweep's 00:00 UTC tick is the very close
    client = client_for(provider_user)
    swept: list[str] = []

    def sweep_at_the_close() -> None:
        try:
            swept.extend(sweep_due(now=window.closes_at, dispatch_letters=False).windows)
        finally:
            connection.close()

    sweeper = threading.Thread(target=sweep_at_the_close)
    with transaction.atomic():
        # This connection is the save: stamped at 23:59:59.9, not yet committed when the
        # sweep starts at 00:00. The sweep must wait for it rather than miss it.
        clock.instant = window.closes_at + JUST_BEFORE
        version = return_save(
            submitter=Submitter.of(provider_user),
            location=location,
            care_type="care_home",
            window=window,
            kind="full",
            source="portal",
            now=clock.instant,
            answers=GOOD_CARE_HOME,
            based_on=0,
        )
        assert version.in_window
        clock.instant = window.closes_at + JUST_AFTER
        sweeper.start()
        wait_until_blocked_on_me()
    sweeper.join(timeout=30)

    assert "2026-11" in swept  # with the earlier windows nobody swept in this test
    assert Return.objects.get().counted == version
    assert agreed_verdict(client, clock, location, window) == "on time"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_sent_before_the_close_that_waits_for_the_sweep_is_late_everywhere(
    clock, provider_user, location
):
    windows_ensure_ahead(now=datetime.datetime(2026, 9, 1, tzinfo=UTC))
    window = window_of("2026-10")  # BST: the close is 23:00 UTC
    client = client_for(provider_user)
    clock.instant = window.closes_at - datetime.timedelta(minutes=5)
    form = reverse("returns:form", args=["2026-10", location.cqc_id, "care_home"])
    assert client.post(form, {**GOOD_CARE_HOME, "based_on": "0"}).status_code == 302
    check = reverse("returns:check", args=["2026-10", location.cqc_id, "care_home"])
    responses: list[int] = []

    def accept_and_send() -> None:
        try:
            responses.append(client.post(check).status_code)
        finally:
            connection.close()

    sender = threading.Thread(target=accept_and_send)
    with transaction.atomic():
        # The sweep runs (on this connection) and has not committed when the save, sent at
        # 23:59:59.9, reaches the window: the save waits for it and is stamped after.
        sweep_due(now=window.closes_at, dispatch_letters=False)
        clock.instant = window.closes_at + JUST_BEFORE
        sender.start()
        wait_until_blocked_on_me()
        clock.instant = window.closes_at + JUST_AFTER
    sender.join(timeout=30)

    assert responses == [302]
    version = ReturnVersion.objects.get()
    assert (version.submitted_at, version.in_window) == (window.closes_at + JUST_AFTER, False)
    assert agreed_verdict(client, clock, location, window) == "late"
