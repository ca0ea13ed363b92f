"""A CSV upload's row is the outbox of its check and save: a queue that cannot be reached delays
the work (the page says so) but fails nothing, the redispatch tick queues it again, and every
step runs once however often it is delivered, even after a worker dies holding it."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from capacity_tracker.schedule import JOBS_BY_NAME
from returns.bulk import save as bulk
from returns.bulk.tasks import process_bulk_upload, run_step
from returns.deadlines import LONDON
from returns.models import ReturnVersion
from returns.services import windows_ensure_ahead
from tests.conftest import client_for
from tests.factories import LocationFactory
from tests.returns.test_bulk import IN_WINDOW, csv_bytes, frozen, good_row, latest_upload, post_file

pytestmark = pytest.mark.django_db

DELAYED = "This is taking longer than usual"


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


@pytest.fixture
def homes(provider):
    return [LocationFactory(provider=provider, name=f"Home {n}") for n in "ABC"]


@pytest.fixture
def worker_sized(settings, monkeypatch):
    """Every file goes to the worker; a reachable queue runs it at once (eager)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(bulk, "INLINE_MAX_ROWS", 1)


def broker_down():
    return mock.patch.object(
        process_bulk_upload, "apply_async", side_effect=OperationalError("Connection refused")
    )


def redispatch(now: datetime.datetime) -> str:
    return JOBS_BY_NAME["redispatch_work"].run(now)


def test_with_the_queue_down_an_upload_waits_says_so_and_the_tick_runs_it_once(
    provider_user, homes, worker_sized, django_capture_on_commit_callbacks
):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        with broker_down(), django_capture_on_commit_callbacks(execute=True):
            response = post_file(client, csv_bytes([good_row(h) for h in homes]))
        assert response.status_code == 302
        upload = latest_upload()
        assert (upload.status, upload.queued_at, upload.attempts) == ("checking", None, 0)
        page = client.get(response.url).content.decode()
        assert DELAYED in page and "You do not need to upload it again" in page

        assert "1 of 1 waiting CSV uploads queued" in redispatch(IN_WINDOW)
        upload.refresh_from_db()
        assert upload.status == "ready" and upload.lease_until is None

        with broker_down(), django_capture_on_commit_callbacks(execute=True):
            confirmed = client.post(reverse("bulk:confirm", args=[upload.pk]))
        assert confirmed.status_code == 302
        upload.refresh_from_db()
        assert (upload.status, upload.queued_at) == ("applying", None)
        assert DELAYED in client.get(confirmed.url).content.decode()
        assert ReturnVersion.objects.count() == 0

        redispatch(IN_WINDOW)
        assert "0 of 0 waiting CSV uploads" in redispatch(IN_WINDOW)  # nothing left to queue
    upload.refresh_from_db()
    assert upload.status == "applied" and ReturnVersion.objects.count() == len(homes)


def test_a_queued_step_is_not_queued_again_until_the_queue_seems_to_have_lost_it(
    provider_user, homes, worker_sized
):
    with frozen(IN_WINDOW):
        upload = bulk.bulk_upload_create(
            user=provider_user,
            file_name="a.csv",
            content=csv_bytes([good_row(h) for h in homes]),
            on_behalf_reason="",
            now=IN_WINDOW,
        )
        bulk.bulk_mark_queued(upload_id=upload.pk, now=IN_WINDOW)
        assert bulk.bulk_waiting_for_worker(now=IN_WINDOW + datetime.timedelta(minutes=1)) == []
        upload.refresh_from_db()
        assert not upload.is_delayed(IN_WINDOW)
        later = IN_WINDOW + bulk.REQUEUE_AFTER + datetime.timedelta(seconds=1)
        assert bulk.bulk_waiting_for_worker(now=later) == [(upload.pk, "checking")]
        assert upload.is_delayed(later)


def test_two_deliveries_of_a_step_run_it_once(provider_user, homes):
    with frozen(IN_WINDOW):
        upload = bulk.bulk_upload_create(
            user=provider_user,
            file_name="a.csv",
            content=csv_bytes([good_row(h) for h in homes]),
            on_behalf_reason="",
            now=IN_WINDOW,
        )
        run_step(upload.pk, "check")
        assert bulk.bulk_mark_applying(upload_id=upload.pk)
        # The first delivery holds the step (as a worker saving the file would) ...
        assert bulk.bulk_claim_step(upload_id=upload.pk, status="applying", now=IN_WINDOW)
        # ... so the second finds it taken, does nothing, and the tick leaves it alone.
        assert run_step(upload.pk, "apply") == "applying"
        assert ReturnVersion.objects.count() == 0
        assert bulk.bulk_waiting_for_worker(now=IN_WINDOW) == []


def test_a_step_whose_worker_died_is_run_again_once_its_lease_runs_out(provider_user, homes):
    with frozen(IN_WINDOW):
        upload = bulk.bulk_upload_create(
            user=provider_user,
            file_name="a.csv",
            content=csv_bytes([good_row(h) for h in homes]),
            on_behalf_reason="",
            now=IN_WINDOW,
        )
        run_step(upload.pk, "check")
        bulk.bulk_mark_applying(upload_id=upload.pk)
        bulk.bulk_claim_step(upload_id=upload.pk, status="applying", now=IN_WINDOW)
        bulk.bulk_mark_queued(upload_id=upload.pk, now=IN_WINDOW)  # then the worker died
    expired = IN_WINDOW + bulk.APPLY_LEASE + datetime.timedelta(seconds=1)
    assert bulk.bulk_waiting_for_worker(now=expired) == [(upload.pk, "applying")]
    with frozen(expired):
        assert run_step(upload.pk, "apply") == "applied"
        assert run_step(upload.pk, "apply") == "applied"  # redelivered: nothing twice
    assert ReturnVersion.objects.count() == len(homes)
    upload.refresh_from_db()
    assert (upload.attempts, upload.lease_until) == (2, None)


def test_a_step_that_keeps_killing_its_worker_is_failed_not_retried_for_ever(provider_user, homes):
    with frozen(IN_WINDOW):
        upload = bulk.bulk_upload_create(
            user=provider_user,
            file_name="a.csv",
            content=csv_bytes([good_row(homes[0])]),
            on_behalf_reason="",
            now=IN_WINDOW,
        )
    now = IN_WINDOW
    for _ in range(bulk.MAX_ATTEMPTS):
        assert bulk.bulk_claim_step(upload_id=upload.pk, status="checking", now=now)
        now += bulk.STEP_LEASE + datetime.timedelta(seconds=1)  # died holding it
    assert not bulk.bulk_claim_step(upload_id=upload.pk, status="checking", now=now)
    upload.refresh_from_db()
    assert upload.status == "failed"
    assert bulk.bulk_waiting_for_worker(now=now) == []


def test_the_tick_is_on_beat_every_minute():
    from capacity_tracker.celery import app

    entry = app.conf.beat_schedule["redispatch-work"]
    assert entry["args"] == ("redispatch_work",)
    assert str(entry["schedule"]._orig_minute) == "*"
