"""The last-day rush's checker (bench/load/rush_check.py) finds each way a save can go wrong:
an acknowledged save missing or different, a save nobody acknowledged, one acknowledged twice.
tests/faults/test_last_day_rush.py runs it after a real rush, where it must find nothing."""

from __future__ import annotations

import pytest

from bench.load import rush_check, rush_seed
from capacity_tracker.lib import clock
from providers.models import Location, User
from returns.submission import Submitter, return_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> rush_seed.RushWorld:
    return rush_seed.make_rush_users(1, clock.now(), sign_ins=0)


def _save(world: rush_seed.RushWorld, kind: str) -> dict[str, str]:
    """One portal save of the user's first obligation, and its acknowledgement."""
    obligation = world.users[0].obligations[0]
    location = Location.objects.get(cqc_id=obligation.cqc_id)
    version = return_save(
        submitter=Submitter.of(User.objects.get(email=world.users[0].email)),
        location=location,
        care_type=obligation.care_type,
        window=world.window,
        kind=kind,
        source="portal",
        now=clock.now(),
        nil_reason="no_service_users" if kind == "nil" else "",
    )
    return {
        "kind": kind,
        "reference": version.reference,
        "cqc_id": obligation.cqc_id,
        "care_type": obligation.care_type,
    }


def test_saves_all_acknowledged_once_are_found_whole_and_counted(world) -> None:
    acks = [_save(world, "unchanged"), _save(world, "nil")]

    report = rush_check.check(acks, world.window, world.cqc_ids)

    assert report.problems == []
    assert (report.portal_saves, report.versions) == (2, 2)
    first = world.users[0].obligations[0]
    assert (first.cqc_id, first.care_type) in rush_check.counted_as_returned(
        world.window, world.cqc_ids
    )
    # Signed in earlier in the day: a session and a CSRF secret, no sign-in needed.
    assert world.users[0].session and world.users[0].csrf


def test_a_save_nobody_acknowledged_is_reported(world) -> None:
    acknowledged = _save(world, "unchanged")
    unacknowledged = _save(world, "unchanged")

    report = rush_check.check([acknowledged], world.window, world.cqc_ids)

    assert report.problems == [
        f"{unacknowledged['reference']} (unchanged, portal) was saved but never acknowledged"
    ]


def test_an_acknowledged_save_missing_or_different_is_reported(world) -> None:
    saved = _save(world, "unchanged")
    missing = {**saved, "reference": "2612-ZZZZZZ"}
    different = {**saved, "kind": "nil"}

    report = rush_check.check([missing, different], world.window, world.cqc_ids)

    assert report.problems == [
        "acknowledged unchanged 2612-ZZZZZZ is not saved",
        f"{saved['reference']} was saved as unchanged, acknowledged as nil",
    ]


def test_one_save_acknowledged_twice_is_reported(world) -> None:
    saved = _save(world, "nil")

    report = rush_check.check([saved, saved], world.window, world.cqc_ids)

    assert report.problems == [f"{saved['reference']} acknowledged 2 times"]


def test_an_obligation_with_nothing_saved_is_not_counted(world) -> None:
    assert rush_check.counted_as_returned(world.window, world.cqc_ids) == set()
