"""CSV saves of different providers run side by side; saves of one provider queue.

Each test pauses one save inside its transaction (after its locks are taken, before it writes
the versions) and watches what another save does meanwhile, on its own connection.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections

from returns.bulk import save as bulk
from returns.deadlines import LONDON
from returns.models import BulkUpload, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from tests.factories import LocationFactory, ProviderFactory, ProviderUserFactory
from tests.returns.test_bulk import IN_WINDOW, csv_bytes, good_row

# serialized_rollback: put back the migrations' reference data after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 15.0  # seconds: far longer than any of these saves takes, short enough to fail a test


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def checked_upload(user, locations, *, reason: str = "") -> BulkUpload:
    upload = bulk.bulk_upload_create(
        user=user,
        file_name="homes.csv",
        content=csv_bytes([good_row(location) for location in locations]),
        on_behalf_reason=reason,
        now=IN_WINDOW,
    )
    checked = bulk.bulk_check(upload_id=upload.pk, now=IN_WINDOW)
    assert checked.status == BulkUpload.Status.READY, checked.errors
    return checked


class Paused:
    """Holds the save of one upload inside its transaction until released."""

    def __init__(self, monkeypatch, upload: BulkUpload) -> None:
        self.upload_id = upload.pk
        self.inside = threading.Event()
        self.release = threading.Event()
        real = bulk._save_versions

        def save_versions(upload, *args, **kwargs):  # type: ignore[no-untyped-def]
            if upload.pk == self.upload_id:
                self.inside.set()
                assert self.release.wait(WAIT), "the paused save was never released"
            return real(upload, *args, **kwargs)

        monkeypatch.setattr(bulk, "_save_versions", save_versions)


def in_thread(work: Callable[[], object], failures: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def apply(upload: BulkUpload) -> Callable[[], object]:
    return lambda: bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW)


def waiting_on_an_advisory_lock() -> int:
    """Other sessions of the test database now waiting for an advisory lock."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        return cursor.fetchone()[0]


def eventually(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_two_providers_save_at_once_without_waiting_for_each_other(monkeypatch):
    oak, elm = ProviderFactory(name="Oak Care"), ProviderFactory(name="Elm Care")
    oak_homes = [LocationFactory(provider=oak) for _ in range(3)]
    elm_homes = [LocationFactory(provider=elm) for _ in range(3)]
    oak_upload = checked_upload(ProviderUserFactory(provider=oak), oak_homes)
    elm_upload = checked_upload(ProviderUserFactory(provider=elm), elm_homes)
    paused = Paused(monkeypatch, oak_upload)
    failures: list[BaseException] = []

    oak_thread = in_thread(apply(oak_upload), failures)
    assert paused.inside.wait(WAIT)  # Oak's save holds its locks, its transaction open
    elm_thread = in_thread(apply(elm_upload), failures)
    elm_thread.join(WAIT)
    elm_finished_while_oak_held = not elm_thread.is_alive()
    paused.release.set()
    oak_thread.join(WAIT)
    elm_thread.join(WAIT)

    assert failures == []
    assert elm_finished_while_oak_held
    assert set(BulkUpload.objects.values_list("status", flat=True)) == {"applied"}
    assert ReturnVersion.objects.filter(source="csv").count() == 6


def test_two_saves_of_one_provider_queue_and_number_the_versions_in_turn(monkeypatch):
    oak = ProviderFactory(name="Oak Care")
    homes = [LocationFactory(provider=oak) for _ in range(3)]
    first = checked_upload(ProviderUserFactory(provider=oak), homes)
    # A colleague's file touches one of the same homes and another one.
    second = checked_upload(ProviderUserFactory(provider=oak), [homes[2], homes[0]])
    paused = Paused(monkeypatch, first)
    failures: list[BaseException] = []

    first_thread = in_thread(apply(first), failures)
    assert paused.inside.wait(WAIT)
    second_thread = in_thread(apply(second), failures)
    assert eventually(lambda: waiting_on_an_advisory_lock() == 1)  # queued behind the first
    assert second_thread.is_alive()
    assert not ReturnVersion.objects.exists()  # nothing of either is visible yet
    paused.release.set()
    first_thread.join(WAIT)
    second_thread.join(WAIT)

    assert failures == []
    assert set(BulkUpload.objects.values_list("status", flat=True)) == {"applied"}
    for home, count in ((homes[0], 2), (homes[1], 1), (homes[2], 2)):
        head = Return.objects.get(location=home)
        assert sorted(head.versions.values_list("number", flat=True)) == list(range(1, count + 1))
        assert head.version_count == count and head.latest.number == count
    first_versions = ReturnVersion.objects.filter(
        return_head__location__in=homes[:1], number=1
    ).get()
    # The first file's save committed first, so its versions are number 1.
    assert first_versions.submitted_by_id == first.uploaded_by_id


def test_a_support_file_covering_two_providers_waits_for_each_of_them(monkeypatch, support_user):
    oak, elm, ash = (ProviderFactory(name=name) for name in ("Oak", "Elm", "Ash"))
    oak_home, elm_home, ash_home = (LocationFactory(provider=p) for p in (oak, elm, ash))
    elm_upload = checked_upload(ProviderUserFactory(provider=elm), [elm_home])
    support_upload = checked_upload(
        support_user, [oak_home, elm_home], reason="Phoned in by the registered manager"
    )
    ash_upload = checked_upload(ProviderUserFactory(provider=ash), [ash_home])
    paused = Paused(monkeypatch, elm_upload)
    failures: list[BaseException] = []

    elm_thread = in_thread(apply(elm_upload), failures)
    assert paused.inside.wait(WAIT)
    support_thread = in_thread(apply(support_upload), failures)
    assert eventually(lambda: waiting_on_an_advisory_lock() == 1)  # behind Elm's save
    ash_thread = in_thread(apply(ash_upload), failures)  # a third provider is not held up
    ash_thread.join(WAIT)
    ash_finished_while_elm_held = not ash_thread.is_alive()
    assert support_thread.is_alive()
    paused.release.set()
    for thread in (elm_thread, support_thread, ash_thread):
        thread.join(WAIT)

    assert failures == []
    assert ash_finished_while_elm_held
    assert set(BulkUpload.objects.values_list("status", flat=True)) == {"applied"}
    elm_head = Return.objects.get(location=elm_home)
    assert elm_head.version_count == 2
    assert elm_head.latest.on_behalf_reason == "Phoned in by the registered manager"
