"""Every window that can be breached can be returned: a dataset is in force for each month
from the start of enforcement, and the shipped versions are what their files say."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from returns.datasets import SHIPPED_2022, SHIPPED_2027, SHIPPED_ALL, dataset_for
from returns.deadlines import Period
from returns.models import CollectionWindow, DataItem, DatasetVersion, ItemRule, ReturnKind
from returns.services import windows_ensure
from returns.submission import Submitter, return_save
from tests.factories import LocationFactory, ProviderUserFactory
from tests.portal_data import GOOD_ANSWERS

pytestmark = pytest.mark.django_db

BEFORE_JULY_2023 = [Period(2023, 4), Period(2023, 5), Period(2023, 6)]


def months(first: Period, last: Period) -> list[Period]:
    out = [first]
    while out[-1] != last:
        out.append(out[-1].next())
    return out


def test_every_month_from_enforcement_start_to_two_years_ahead_has_a_dataset():
    first = Period.of(settings.ENFORCEMENT_START)
    last = Period.of(timezone.localdate())
    for _ in range(24):
        last = last.next()
    periods = months(first, last)
    assert len(periods) > 24 + 36  # April 2023 to (at least) late 2028
    for period in periods:
        for care_type in ("care_home", "home_care"):
            dataset = dataset_for(period, care_type)  # raises LookupError if none is in force
            assert dataset.items, (period, care_type)


@pytest.mark.parametrize("period", BEFORE_JULY_2023, ids=str)
def test_april_to_june_2023_use_the_reconstructed_2022_notice(period):
    dataset = dataset_for(period, "care_home")
    version = DatasetVersion.objects.get(pk=dataset.version_id)
    assert version.effective_from == datetime.date(2022, 8, 1)
    assert "reconstruction" in version.notes
    assert "seed 000" in version.notes and "seed 001" in version.notes
    assert [name for name, _ in dataset.sections()] == [
        "Bed vacancies",
        "Workforce",
        "Absences due to COVID-19",
        "Vaccination",
        "Visiting",
    ]
    assert [name for name, _ in dataset_for(period, "home_care").sections()] == [
        "People using the service",
        "Staffing",
        "Vaccination",
    ]


def test_returns_for_april_may_and_june_2023_save_through_the_real_service():
    """The windows the sweep can breach first: a full return, "nothing has changed" and a
    nil return, for a location with both care types, each saved inside its window."""
    windows_ensure(periods=BEFORE_JULY_2023)
    location = LocationFactory(offers_home_care=True)
    user = ProviderUserFactory(provider=location.provider)
    saved = []
    for period, kind in zip(BEFORE_JULY_2023, ["full", "unchanged", "nil"], strict=True):
        window = CollectionWindow.objects.get(period=period.first_day())
        when = window.opens_at + datetime.timedelta(days=2)
        for care_type in ("care_home", "home_care"):
            version = return_save(
                submitter=Submitter.of(user),
                location=location,
                care_type=care_type,
                window=window,
                kind=kind,
                source="portal",
                now=when,
                answers=GOOD_ANSWERS[care_type] if kind == "full" else None,
                nil_reason="no_staff" if kind == "nil" else "",
            )
            saved.append(version)
            assert version.in_window
            assert version.return_head.counted_id == version.pk
            assert version.dataset_version.effective_from == datetime.date(2022, 8, 1)
    april_care_home, april_home_care = saved[0], saved[1]
    assert april_care_home.answers["beds_occupied"] == 35
    assert april_care_home.answers["vacc_residents_covid_primary"] == 30
    assert april_home_care.answers["vacc_staff_covid_primary"] == 6
    assert "vacc_staff_flu" not in april_care_home.answers  # April: not a campaign month
    may_care_home = saved[2]
    assert may_care_home.kind == ReturnKind.UNCHANGED
    assert may_care_home.answers == april_care_home.answers
    assert {v.kind for v in saved[4:]} == {ReturnKind.NIL}


def test_a_return_for_march_2023_asks_the_seasonal_items_too():
    # March is in the campaign, and before enforcement; the 2022 notice covers it as well.
    dataset = dataset_for(Period(2023, 3), "care_home")
    assert dataset.campaign
    assert {"vacc_staff_flu", "vacc_residents_covid_booster"} <= set(dataset.codes)


@pytest.mark.parametrize("path", SHIPPED_ALL, ids=lambda p: p.name)
def test_each_shipped_file_is_loaded_and_loading_it_again_changes_nothing(path):
    spec = json.loads(path.read_text(encoding="utf-8"))
    version = DatasetVersion.objects.get(
        effective_from=datetime.date.fromisoformat(spec["effective_from"])
    )
    for care_type, items in spec["items"].items():
        assert list(
            version.items.filter(care_type=care_type)
            .order_by("order")
            .values_list("code", flat=True)
        ) == [item["code"] for item in items]
    before = (list(DataItem.objects.order_by("pk").values()), ItemRule.objects.count())
    call_command("load_dataset", str(path), stdout=io.StringIO())
    after = (list(DataItem.objects.order_by("pk").values()), ItemRule.objects.count())
    assert after == before


def test_every_rule_names_only_items_of_its_own_version_and_care_type():
    for path in (SHIPPED_2022, SHIPPED_2027):
        spec = json.loads(path.read_text(encoding="utf-8"))
        for care_type, rules in spec["rules"].items():
            codes = {item["code"] for item in spec["items"][care_type]}
            for rule in rules:
                assert set(rule["left"]) | set(rule["right"]) <= codes, (path.name, rule)


def test_the_july_2023_version_stays_until_the_2027_version_takes_over():
    """Returns saved against July 2023 keep its items; January 2027 adds the monthly ones."""
    in_force = {
        period: DatasetVersion.objects.get(
            pk=dataset_for(period, "care_home").version_id
        ).effective_from
        for period in (Period(2023, 7), Period(2026, 12), Period(2027, 1))
    }
    assert in_force == {
        Period(2023, 7): datetime.date(2023, 7, 1),
        Period(2026, 12): datetime.date(2023, 7, 1),
        Period(2027, 1): datetime.date(2027, 1, 1),
    }
    july_2023 = DatasetVersion.objects.get(effective_from=datetime.date(2023, 7, 1))
    assert not july_2023.items.filter(code__endswith="_covid_primary").exists()
