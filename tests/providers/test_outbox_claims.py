"""Claims that outlive their worker: what a killed run leaves behind is sent once or failed,
never lost and never sent twice.

A SIGKILL runs no ``finally``, so these tests leave rows in the states a killed worker leaves
(claimed by ``outbox_claim`` and never touched again, or marked attempted and never finished)
and check what the next runs do with them. Only the email provider is faked.
"""

from __future__ import annotations

import datetime
import threading
from collections import Counter

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from notifications import send_limit
from notifications.models import OutboundMessage
from notifications.outbox import (
    CLAIM_BATCH,
    SKIPPED,
    STUCK_AFTER,
    STUCK_MESSAGE,
    outbox_claim,
    outbox_release_stuck,
    outbox_send_due,
    outbox_send_one,
    outbox_unclaim,
    requeue_after,
)
from tests.factories import LocationFactory

NOW = datetime.datetime(2026, 12, 8, 9, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)


class Recorder(BaseEmailBackend):
    """The provider: records the outbox reference of every message handed to it."""

    references: list[str] = []
    lock = threading.Lock()

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        with Recorder.lock:
            Recorder.references.extend(m.extra_headers["X-Reference"] for m in email_messages)
        return len(email_messages)


@pytest.fixture
def handed_over(settings) -> list[str]:
    settings.EMAIL_BACKEND = f"{__name__}.Recorder"
    settings.NOTIFY_API_KEY = ""
    Recorder.references = []
    return Recorder.references


def unlimited() -> send_limit.LocalSendLimit:
    return send_limit.LocalSendLimit(limit=10_000, window=0.01)


def queue(count: int) -> list[int]:
    location = LocationFactory()
    emails = OutboundMessage.objects.bulk_create(
        OutboundMessage(
            kind="onboarding_chaser",
            scope="onboarding",
            location=location,
            recipient=f"manager{n}@example.org",
            template="onboarding_chaser",
            personalisation={"name": f"Manager {n}", "location_name": location.name},
            next_attempt_at=NOW,
        )
        for n in range(count)
    )
    return [email.pk for email in emails]


def statuses() -> Counter[str]:
    return Counter(OutboundMessage.objects.values_list("status", flat=True))


pytestmark = pytest.mark.django_db


def test_batches_are_small_so_a_kill_strands_few_rows(handed_over):
    queue(CLAIM_BATCH + 5)
    assert len(outbox_claim(now=NOW)) == CLAIM_BATCH <= 20


def test_claimed_rows_never_attempted_return_to_the_queue_and_are_sent_once(handed_over):
    ids = queue(3)
    outbox_claim(now=NOW)  # a worker killed before handing any of them over
    young = outbox_send_due(now=NOW + requeue_after() - SECOND, limit=unlimited())
    assert young.sent == 0 and statuses() == {"sending": 3}  # its claim might still be live

    late = outbox_send_due(now=NOW + requeue_after() + SECOND, limit=unlimited())
    assert late.sent == 3 and late.stuck == 0
    assert Counter(handed_over) == Counter(f"outbox-{pk}" for pk in ids)
    assert statuses() == {"sent": 3}
    # Requeueing gave back the dead run's attempt: each went once, on its first real attempt.
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {1}

    later = outbox_send_due(now=NOW + STUCK_AFTER * 2, limit=unlimited())
    assert later.sent == 0 and len(handed_over) == 3


def test_rows_attempted_but_never_finished_are_failed_never_resent(handed_over):
    ids = queue(3)
    claimed_at = NOW
    outbox_claim(now=NOW, claimed_at=claimed_at)
    # The worker handed the first one to the gateway and was killed before recording how it went.
    assert outbox_send_one(ids[0], now=NOW, claimed_at=claimed_at) == "sent"
    OutboundMessage.objects.filter(pk=ids[0]).update(status="sending", sent_at=None)
    handed_over.clear()

    after_requeue = outbox_send_due(now=NOW + requeue_after() + SECOND, limit=unlimited())
    assert after_requeue.sent == 2  # the two never attempted
    assert f"outbox-{ids[0]}" not in handed_over
    assert OutboundMessage.objects.get(pk=ids[0]).status == "sending"  # may still be in flight

    assert outbox_release_stuck(now=NOW + STUCK_AFTER + SECOND) == 1
    stuck = OutboundMessage.objects.get(pk=ids[0])
    assert stuck.status == "failed" and stuck.last_error == STUCK_MESSAGE
    assert outbox_send_due(now=NOW + STUCK_AFTER * 3, limit=unlimited()).sent == 0
    assert f"outbox-{ids[0]}" not in handed_over


def test_a_stale_run_does_not_send_rows_requeued_and_claimed_again(handed_over):
    ids = queue(3)
    stale = outbox_claim(now=NOW, claimed_at=NOW)  # a run that stalls (not dead) after claiming
    later = NOW + requeue_after() + SECOND
    outbox_release_stuck(now=later)  # another run finds the claim old and requeues the rows
    fresh = outbox_claim(now=later, claimed_at=later)
    assert sorted(fresh) == sorted(stale) == sorted(ids)

    # The stale run wakes up: its conditional mark fails, so it sends nothing and leaves the
    # fresh run's claim alone.
    assert [outbox_send_one(pk, now=NOW, claimed_at=NOW) for pk in stale] == [SKIPPED] * 3
    assert outbox_unclaim(stale, claimed_at=NOW) == 0
    assert handed_over == [] and statuses() == {"sending": 3}

    assert [outbox_send_one(pk, now=later, claimed_at=later) for pk in fresh] == ["sent"] * 3
    assert Counter(handed_over) == Counter(f"outbox-{pk}" for pk in ids)


def test_a_row_is_marked_attempted_only_once_whoever_holds_it(handed_over):
    """Two callers with no claim stamp (a stale one and a live one): one sends, one skips."""
    (pk,) = queue(1)
    outbox_claim(now=NOW)
    assert outbox_send_one(pk, now=NOW) == "sent"
    OutboundMessage.objects.filter(pk=pk).update(status="sending")  # as if not yet finished
    assert outbox_send_one(pk, now=NOW) == SKIPPED
    assert handed_over == [f"outbox-{pk}"]


class Gate:
    """A send limit whose first slot waits until the test opens the gate: a run that stalls
    between its claim and its first send, long enough for its claim to be requeued."""

    limit, window = 10_000, 0.01

    def __init__(self) -> None:
        self.waiting, self.open = threading.Event(), threading.Event()

    def acquire(self, timeout: float) -> bool:
        if not self.open.is_set():
            self.waiting.set()
            assert self.open.wait(timeout=20)
        return True


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_stalled_run_and_a_fresh_run_send_every_row_exactly_once(handed_over):
    from django.db import connection

    ids = queue(5)
    gate = Gate()
    stalled: list[object] = []

    def run() -> None:
        try:
            stalled.append(outbox_send_due(now=NOW, limit=gate))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert gate.waiting.wait(timeout=20)
        fresh = outbox_send_due(now=NOW + requeue_after() + SECOND, limit=unlimited())
        assert fresh.sent == 5
    finally:
        gate.open.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert stalled[0].sent == 0  # type: ignore[attr-defined]
    assert Counter(handed_over) == Counter(f"outbox-{pk}" for pk in ids)
    assert statuses() == {"sent": 5}
