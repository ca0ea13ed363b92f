"""``manage.py seed_national``: a small national dataset that keeps every invariant the real
services keep, at the rates asked for, and a command that will not run by accident."""

from __future__ import annotations

import datetime
import io
import random
from collections import Counter
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from capacity_tracker import national_data
from enforcement.models import Breach, EnforcementCase, Letter, WindowSweep
from notifications.models import OutboundMessage
from providers.models import Contact, Location, LocationStatusChange, Provider, RegistrationStatus
from returns.datasets import dataset_for
from returns.models import CollectionWindow, Return, ReturnKind, ReturnVersion
from returns.obligations import obligations
from returns.validation import clean_answers

NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
LOCATIONS = 300
MONTHS = 4

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW):
        call_command("seed_national", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded() -> str:
    return run("--locations", str(LOCATIONS), "--months", str(MONTHS), "--seed", "7")


def owed_keys(windows: list[CollectionWindow]) -> set[tuple[int, int, str]]:
    return {(o["window_id"], o["location_id"], o["care_type"]) for o in obligations(windows)}


def test_registers_are_national_and_varied(seeded: str) -> None:
    assert Location.objects.count() == LOCATIONS
    sizes = list(Provider.objects.annotate(n=Count("locations")).values_list("n", flat=True))
    assert min(sizes) == 1 and max(sizes) >= 50  # a long tail and at least one large group
    assert sum(1 for s in sizes if s == 1) > len(sizes) / 2  # most run a single location
    assert len(set(sizes)) >= 4
    homes = Location.objects.filter(offers_care_home=True)
    assert homes.filter(offers_home_care=False).exists()
    assert Location.objects.filter(offers_care_home=False, offers_home_care=True).exists()
    assert homes.filter(offers_home_care=True).exists()
    places = list(homes.values_list("registered_places", flat=True))
    assert all(5 <= p <= 120 for p in places) and len(set(places)) > 20
    # Real councils in several regions.
    assert Location.objects.values("local_authority__region").distinct().count() >= 5
    assert Location.objects.values("local_authority").distinct().count() >= 40
    # Contacts: one or two each, exactly one primary.
    per_location = Counter(Contact.objects.values_list("location_id", flat=True))
    assert set(per_location.values()) <= {1, 2} and len(per_location) == LOCATIONS
    assert Contact.objects.filter(is_primary=True).count() == LOCATIONS
    # Anyone not active has the history that explains when it stopped owing.
    inactive = Location.objects.exclude(status=RegistrationStatus.ACTIVE)
    for location in inactive:
        latest = location.status_changes.order_by("effective_from").last()
        assert latest is not None and latest.status == location.status
    assert LocationStatusChange.objects.filter(status=RegistrationStatus.ACTIVE).exists()


def test_returns_keep_every_invariant(seeded: str) -> None:
    windows = list(CollectionWindow.objects.order_by("period"))
    assert len(windows) == MONTHS and all(w.closes_at <= NOW for w in windows)
    owed = owed_keys(windows)
    heads = list(Return.objects.all())
    versions: dict[int, list[ReturnVersion]] = {}
    for version in ReturnVersion.objects.select_related("return_head__window").order_by(
        "return_head", "number"
    ):
        versions.setdefault(version.return_head_id, []).append(version)
    for head in heads:
        assert (head.window_id, head.location_id, head.care_type) in owed
        mine = versions[head.pk]
        assert [v.number for v in mine] == list(range(1, len(mine) + 1))
        assert head.version_count == len(mine)
        assert head.latest_id == mine[-1].pk
        in_window = [v for v in mine if v.in_window]
        # At most one counted version: the newest saved inside the window.
        assert head.counted_id == (in_window[-1].pk if in_window else None)
        for v in mine:
            window = head.window
            assert (window.opens_at <= v.submitted_at < window.closes_at) == v.in_window
            assert v.submitted_at <= NOW
    connection.check_constraints()  # the deferred foreign keys between heads and versions


def test_every_answer_passes_the_dataset(seeded: str) -> None:
    datasets = {}
    kinds = Counter()
    for v in ReturnVersion.objects.select_related("return_head__window"):
        kinds[v.kind] += 1
        head = v.return_head
        if v.kind == ReturnKind.NIL:
            assert v.answers == {} and v.nil_reason
            continue
        key = (head.window.period, head.care_type)
        if key not in datasets:
            datasets[key] = dataset_for(head.window.period_obj, head.care_type)
        dataset = datasets[key]
        raw = {k: "" if a is None else str(a) for k, a in v.answers.items()}
        cleaned = clean_answers(dataset, raw)
        assert cleaned.is_valid, cleaned.errors
        assert cleaned.answers == v.answers  # stored exactly as a save stores them
        assert v.dataset_version_id == dataset.version_id
    assert kinds[ReturnKind.FULL] and kinds[ReturnKind.UNCHANGED] and kinds[ReturnKind.NIL]


def test_rates_are_realistic(seeded: str) -> None:
    windows = list(CollectionWindow.objects.all())
    owed = len(owed_keys(windows))
    in_time = Return.objects.filter(counted__isnull=False).count()
    late = Return.objects.filter(counted__isnull=True, latest__isnull=False).count()
    missing = owed - in_time - late
    assert owed > LOCATIONS * MONTHS  # some locations give both care types
    assert 0.82 <= in_time / owed <= 0.95
    assert 0.005 <= late / owed <= 0.07
    assert 0.02 <= missing / owed <= 0.15
    nil = ReturnVersion.objects.filter(kind=ReturnKind.NIL).count()
    assert 0 < nil / owed < 0.08
    assert "Done in" in seeded and "breaches" in seeded


def test_enforcement_history_comes_from_the_real_sweep(seeded: str) -> None:
    windows = list(CollectionWindow.objects.order_by("period"))
    assert WindowSweep.objects.count() == MONTHS
    owed = owed_keys(windows)
    counted = set(
        Return.objects.filter(counted__isnull=False).values_list(
            "window_id", "location_id", "care_type"
        )
    )
    breaches = set(Breach.objects.values_list("window_id", "location_id", "care_type"))
    assert breaches == owed - counted  # a breach for exactly every obligation not met in time
    # Late returns cure their breach at the moment they were saved, after the sweep.
    for breach in Breach.objects.filter(cured_by__isnull=False).select_related(
        "cured_by", "window"
    ):
        assert not breach.cured_by.in_window
        assert breach.cured_at == breach.cured_by.submitted_at > breach.window.closes_at
    late = Return.objects.filter(counted__isnull=True, latest__isnull=False).count()
    assert Breach.objects.filter(cured_by__isnull=False).count() == late
    assert EnforcementCase.objects.exists() and Letter.objects.exists()
    # The letters' emails are history, not a queue a worker would send.
    assert not OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED).exists()


def test_a_second_run_refuses_without_force(seeded: str) -> None:
    with pytest.raises(CommandError, match="already has 300 locations"):
        run("--locations", "50", "--months", "1")
    assert Location.objects.count() == LOCATIONS


def test_force_adds_beside_existing_data(seeded: str) -> None:
    run("--locations", "40", "--months", "2", "--force", "--seed", "8")
    assert Location.objects.count() == LOCATIONS + 40
    assert Location.objects.values("cqc_id").distinct().count() == LOCATIONS + 40


def test_refuses_a_database_that_may_be_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connection.settings_dict, "NAME", "capacity_tracker")
    with pytest.raises(national_data.SeedRefused, match="--i-know"):
        national_data.guard(force=False, i_know=False)
    national_data.guard(force=False, i_know=True)  # empty, and the operator is sure


def test_the_same_seed_gives_the_same_providers() -> None:
    first = national_data.provider_sizes(random.Random(3), 30_000)
    assert first == national_data.provider_sizes(random.Random(3), 30_000)
    assert sum(first) == 30_000
    assert max(first) <= 500 and sum(1 for s in first if s >= 50) >= 3
