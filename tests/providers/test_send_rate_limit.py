"""The email limit is one limit for every worker, and no two runs ever send the same row.

Only the email provider is faked (a Django mail backend that records what it was given); the
outbox, its row claims and the limiter run for real against PostgreSQL and Redis.
"""

from __future__ import annotations

import datetime
import itertools
import threading
import time
import uuid
from collections import Counter

import pytest
from django.conf import settings as django_settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from notifications import send_limit
from notifications.models import OutboundMessage
from notifications.outbox import RUN_FOR, STUCK_AFTER, outbox_claim, outbox_send_due
from tests.factories import LocationFactory, ProviderFactory

NOW = datetime.datetime(2026, 12, 8, 9, 0, tzinfo=datetime.UTC)
BACKEND = "tests.providers.test_send_rate_limit.RecordingBackend"


class RecordingBackend(BaseEmailBackend):
    """The provider: records each message's outbox reference and when it arrived."""

    sent: list[tuple[str, float]] = []
    lock = threading.Lock()

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        with RecordingBackend.lock:
            for message in email_messages:
                RecordingBackend.sent.append((message.extra_headers["X-Reference"], time.time()))
        return len(email_messages)


@pytest.fixture
def recording(settings):
    settings.EMAIL_BACKEND = BACKEND
    settings.NOTIFY_API_KEY = ""
    RecordingBackend.sent = []
    return RecordingBackend


def redis_limit(*, limit: int, window: float) -> send_limit.RedisSendLimit:
    """A fresh key in the suite's Redis, so tests never share slots."""
    assert django_settings.REDIS_URL, "these tests need the suite's Redis (REDIS_URL)"
    return send_limit.RedisSendLimit(
        send_limit.redis_client(django_settings.REDIS_URL),
        f"test-send-limit:{uuid.uuid4().hex}",
        limit=limit,
        window=window,
    )


def queue(count: int, *, providers: int = 2) -> list[int]:
    """Queued emails about locations of two providers."""
    locations = [LocationFactory(provider=ProviderFactory()) for _ in range(providers)]
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
        for n, location in zip(range(count), itertools.cycle(locations), strict=False)
    )
    return [email.pk for email in emails]


def most_in_any_span(instants: list[float], span: float) -> int:
    ordered = sorted(instants)
    return max(
        (
            sum(1 for other in ordered[i:] if other < start + span)
            for i, start in enumerate(ordered)
        ),
        default=0,
    )


# --- The limiter against real Redis -----------------------------------------------------------


def test_redis_limit_gives_out_no_more_than_the_limit_per_window():
    limit = redis_limit(limit=3, window=0.5)
    assert [limit.try_take() == 0 for _ in range(4)] == [True, True, True, False]
    wait = limit.try_take()
    assert 0 < wait <= 0.5
    time.sleep(wait + 0.02)
    assert limit.try_take() == 0  # the oldest slot has left the window


def test_redis_limit_is_shared_by_every_client_of_the_key():
    first = redis_limit(limit=2, window=5)
    # Another process would build its own object (and its own connection) on the same key.
    second = send_limit.RedisSendLimit(
        send_limit.redis_client(django_settings.REDIS_URL), first.key, limit=2, window=5
    )
    assert first.try_take() == 0
    assert second.try_take() == 0
    assert first.try_take() > 0 and second.try_take() > 0
    assert not second.acquire(timeout=0.05)


def test_redis_limit_holds_under_many_threads_at_once():
    limit = redis_limit(limit=5, window=30)
    barrier = threading.Barrier(8)
    taken: list[bool] = []

    def grab() -> None:
        barrier.wait()
        for _ in range(3):
            taken.append(limit.try_take() == 0)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == 5 and len(taken) == 24


def test_acquire_waits_for_a_slot_then_takes_it():
    limit = redis_limit(limit=1, window=0.3)
    assert limit.acquire(timeout=0)
    started = time.monotonic()
    assert limit.acquire(timeout=2)
    assert 0.2 < time.monotonic() - started < 1.5


def test_without_redis_the_demo_shares_one_limit_per_process(settings):
    settings.REDIS_URL = ""
    settings.EMAIL_MAX_PER_MINUTE = 2
    limit = send_limit.for_email()
    assert isinstance(limit, send_limit.LocalSendLimit)
    assert send_limit.for_email() is limit  # every run in the process takes from one log
    assert limit.acquire(timeout=0) and limit.acquire(timeout=0)
    assert not limit.acquire(timeout=0.01)


def test_with_redis_the_email_limit_follows_the_setting(settings):
    settings.EMAIL_MAX_PER_MINUTE = 3000
    limit = send_limit.for_email()
    assert isinstance(limit, send_limit.RedisSendLimit)
    assert (limit.limit, limit.window, limit.key) == (3000, 60, send_limit.EMAIL_KEY)


# --- Overlapping runs of the outbox -----------------------------------------------------------


# serialized_rollback: put back the migrations' reference data after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_runs_share_the_limit_and_send_every_row_exactly_once(recording):
    ids = queue(12)
    window = 1.0
    limit = redis_limit(limit=4, window=window)
    barrier = threading.Barrier(3)
    reports = []

    def run() -> None:
        try:
            barrier.wait()
            # Each run builds its own limiter object, as a separate worker process would.
            own = send_limit.RedisSendLimit(
                send_limit.redis_client(django_settings.REDIS_URL),
                limit.key,
                limit=4,
                window=window,
            )
            reports.append(outbox_send_due(now=NOW, limit=own))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    per_row = Counter(reference for reference, _ in recording.sent)
    assert per_row == Counter(f"outbox-{pk}" for pk in ids)  # every row once, none twice
    assert sum(report.sent for report in reports) == 12
    assert sum(1 for report in reports if report.sent) >= 2  # the runs really overlapped
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {1}
    # 12 messages at 4 a second: the first 4 at once, the last 4 no sooner than 2s later.
    assert time.time() - started >= 2 * window - 0.05
    # The gateway is reached a moment after a slot is taken, so allow that moment of jitter.
    assert most_in_any_span([at for _, at in recording.sent], window - 0.15) <= 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_is_exclusive_while_another_run_holds_its_lock():
    ids = queue(6)
    barrier = threading.Barrier(2)
    claims: dict[str, list[int]] = {}

    def claim(name: str) -> None:
        try:
            barrier.wait()
            claims[name] = outbox_claim(now=NOW, limit=4)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claims["a"]) & set(claims["b"])
    assert sorted(claims["a"] + claims["b"]) == sorted(ids)


class Stingy:
    """A limit with a few slots left and none to come within the run's patience."""

    def __init__(self, slots: int, *, limit: int) -> None:
        self.slots, self.limit, self.window = slots, limit, 0.01

    def acquire(self, timeout: float) -> bool:
        self.slots -= 1
        return self.slots >= 0


@pytest.mark.django_db
def test_rows_a_run_claimed_but_never_sent_go_back_to_the_queue(recording):
    ids = queue(4)
    report = outbox_send_due(now=NOW, limit=Stingy(2, limit=16))  # claims all four at once
    assert report.sent == 2 and len(recording.sent) == 2
    unsent = OutboundMessage.objects.filter(pk__in=ids, status="queued")
    assert len(unsent) == 2
    assert all(email.attempts == 0 and email.claimed_at is None for email in unsent)
    # The next run sends them as if nothing had happened.
    assert outbox_send_due(now=NOW, limit=Stingy(5, limit=16)).sent == 2
    assert len({reference for reference, _ in recording.sent}) == 4


@pytest.mark.django_db
def test_a_crashed_runs_claims_are_failed_after_the_timeout_not_sent_again(recording):
    queue(3)
    outbox_claim(now=NOW)  # a run that died holding its claims, each handed to the gateway
    OutboundMessage.objects.update(attempted_at=NOW)
    young = outbox_send_due(now=NOW + STUCK_AFTER - datetime.timedelta(minutes=1))
    assert young.stuck == 0 and young.sent == 0
    old = outbox_send_due(now=NOW + STUCK_AFTER + datetime.timedelta(minutes=1))
    assert old.stuck == 3 and old.sent == 0
    assert recording.sent == []
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"failed"}


@pytest.mark.django_db
def test_a_long_run_stamps_each_claim_with_the_time_it_was_made(recording, monkeypatch):
    """A run that began minutes ago must not leave claims that another run takes for dead."""
    queue(3)
    elapsed = [0.0]
    monkeypatch.setattr("notifications.outbox.time.monotonic", lambda: elapsed[0])
    real_send = RecordingBackend.send_messages

    def slow_send(self, messages):  # type: ignore[no-untyped-def]
        elapsed[0] += 120.0  # each send seems to take two minutes
        return real_send(self, messages)

    monkeypatch.setattr(RecordingBackend, "send_messages", slow_send)
    # A limit of 4 claims one row at a time.
    outbox_send_due(now=NOW, limit=send_limit.LocalSendLimit(limit=4, window=0.01))
    stamps = sorted(OutboundMessage.objects.values_list("claimed_at", flat=True))
    minutes = datetime.timedelta(minutes=1)
    assert stamps == [NOW, NOW + 2 * minutes, NOW + 4 * minutes]


@pytest.mark.django_db
def test_a_run_stops_claiming_after_its_time_and_leaves_the_rest_queued(recording, monkeypatch):
    queue(3)
    elapsed = [0.0]
    monkeypatch.setattr("notifications.outbox.time.monotonic", lambda: elapsed[0])
    real_send = RecordingBackend.send_messages

    def slow_send(self, messages):  # type: ignore[no-untyped-def]
        elapsed[0] += RUN_FOR.total_seconds()
        return real_send(self, messages)

    monkeypatch.setattr(RecordingBackend, "send_messages", slow_send)
    report = outbox_send_due(now=NOW, limit=send_limit.LocalSendLimit(limit=4, window=0.01))
    assert report.sent == 1
    assert OutboundMessage.objects.filter(status="queued", attempts=0).count() == 2
