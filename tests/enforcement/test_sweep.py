"""The breach sweep and the automatic steps of a case."""

from __future__ import annotations

import datetime

import pytest

from enforcement.letters import write_pending_letters
from enforcement.models import Breach, CaseEvent, EnforcementCase, Letter, WindowSweep
from enforcement.sweep import cure_breaches, sweep_due
from notifications.models import OutboundMessage
from returns.deadlines import Period
from returns.models import CollectionWindow
from returns.services import windows_ensure
from returns.submission import Submitter, return_save
from tests.factories import (
    ContactFactory,
    LocationFactory,
    LocationStatusChangeFactory,
    ProviderFactory,
    ProviderUserFactory,
)
from tests.portal_data import GOOD_ANSWERS

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def windows(*periods: str) -> list[CollectionWindow]:
    windows_ensure(periods=[Period.parse(p) for p in periods])
    return [CollectionWindow.objects.get(period=Period.parse(p).first_day()) for p in periods]


def after(window: CollectionWindow, hours: int = 1) -> datetime.datetime:
    return window.closes_at + datetime.timedelta(hours=hours)


def save(location, care_type, window, user, *, late=False):  # type: ignore[no-untyped-def]
    when = (
        window.closes_at + datetime.timedelta(days=2)
        if late
        else window.opens_at + datetime.timedelta(days=1)
    )
    answers = GOOD_ANSWERS[care_type]
    return return_save(
        submitter=Submitter.of(user),
        location=location,
        care_type=care_type,
        window=window,
        kind="full",
        source="portal",
        now=when,
        answers=answers,
    )


@pytest.fixture
def provider_world():
    provider = ProviderFactory()
    user = ProviderUserFactory(provider=provider)
    both = LocationFactory(provider=provider, name="Both", offers_home_care=True)
    home = LocationFactory(provider=provider, name="Home")
    dormant = LocationFactory(provider=provider, name="Dormant", status="dormant")
    LocationStatusChangeFactory(
        location=dormant, status="dormant", effective_from=datetime.date(2024, 1, 1)
    )
    gone = LocationFactory(provider=provider, name="Gone", status="deregistered")
    LocationStatusChangeFactory(
        location=gone, status="deregistered", effective_from=datetime.date(2024, 1, 1)
    )
    ContactFactory(location=home, is_primary=True)
    return {"provider": provider, "user": user, "both": both, "home": home}


def test_sweep_records_a_breach_for_each_owed_obligation_without_a_return(provider_world):
    (january,) = windows("2026-01")
    save(provider_world["both"], "care_home", january, provider_world["user"])
    report = sweep_due(now=after(january))
    breaches = set(Breach.objects.values_list("location__name", "care_type"))
    # Both's home care is missing, Home's care home; dormant and deregistered owe nothing.
    assert breaches == {("Both", "home_care"), ("Home", "care_home")}
    assert report.breaches == 2 and report.windows == ["2026-01"]
    assert WindowSweep.objects.get().breaches == 2


def test_sweep_is_idempotent_and_waits_for_the_close(provider_world):
    (january,) = windows("2026-01")
    assert sweep_due(now=january.closes_at - datetime.timedelta(seconds=1)).windows == []
    sweep_due(now=after(january))
    sweep_due(now=after(january, 5))
    assert Breach.objects.count() == 3
    assert EnforcementCase.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_a_late_sweep_catches_up_every_closed_window_in_order(provider_world):
    *_, march = windows("2026-01", "2026-02", "2026-03")
    report = sweep_due(now=after(march, 24 * 10))
    assert report.windows == ["2026-01", "2026-02", "2026-03"]
    case = EnforcementCase.objects.get()
    assert case.state == "second_breach"
    assert case.noi_eligible
    assert "missed 3 windows in a row" in case.noi_eligible_reason


def test_breaches_before_enforcement_began_are_recorded_but_never_escalate(provider_world):
    (march_2023,) = windows("2023-03")
    sweep_due(now=after(march_2023))
    assert Breach.objects.filter(escalates=False).count() == 3
    assert not EnforcementCase.objects.exists()
    (april_2023,) = windows("2023-04")
    sweep_due(now=after(april_2023))
    assert EnforcementCase.objects.get().state == "first_breach"


def test_first_then_second_breach_with_letters_through_the_outbox(provider_world):
    january, february = windows("2026-01", "2026-02")
    sweep_due(now=after(january))
    write_pending_letters(now=after(january))  # the worker, once the sweep has committed
    case = EnforcementCase.objects.get()
    assert case.state == "first_breach"
    first = Letter.objects.get(kind="first_breach")
    assert (
        first.subject == "You missed the deadline to send adult social care data for January 2026"
    )
    assert "Home" in first.body and "offer" not in first.subject
    assert (
        OutboundMessage.objects.filter(kind="letter_first_breach", scope=first.reference).count()
        == 1
    )
    sweep_due(now=after(february))
    write_pending_letters(now=after(february))
    case.refresh_from_db()
    assert case.state == "second_breach"
    second = Letter.objects.get(kind="second_breach")
    assert second.subject.startswith("Second missed deadline") and "February 2026" in second.body
    assert OutboundMessage.objects.get(kind="letter_second_breach").letter == second
    assert list(case.events.values_list("action", flat=True)) == [
        "opened_first_breach",
        "second_breach",
    ]


def test_noi_eligibility_for_four_misses_in_twelve_months(provider_world):
    months = [f"2026-{m:02d}" for m in range(1, 8)]
    ws = windows(*months)
    user, home, both = provider_world["user"], provider_world["home"], provider_world["both"]
    # Miss January, March, May and July; return everything in the other months.
    for window in ws:
        if window.period.month in (2, 4, 6):
            for location, care_type in (
                (home, "care_home"),
                (both, "care_home"),
                (both, "home_care"),
            ):
                save(location, care_type, window, user)
    for window in ws:
        sweep_due(now=after(window))
    case = EnforcementCase.objects.get()
    assert case.noi_eligible
    assert (
        case.noi_eligible_reason
        == "Eligible for a notice of intent: missed 4 of the last 12 windows."
    )


def test_a_run_of_compliant_windows_closes_an_early_case(provider_world):
    ws = windows("2026-01", "2026-02", "2026-03", "2026-04")
    user, home, both = provider_world["user"], provider_world["home"], provider_world["both"]
    for window in ws[1:]:
        for location, care_type in ((home, "care_home"), (both, "care_home"), (both, "home_care")):
            save(location, care_type, window, user)
    for window in ws:
        sweep_due(now=after(window))
    case = EnforcementCase.objects.get()
    assert case.state == "closed"
    assert case.events.last().action == "close_compliant"


def test_a_late_return_cures_its_breach(provider_world):
    (january,) = windows("2026-01")
    sweep_due(now=after(january))
    breach = Breach.objects.get(location=provider_world["home"])
    version = save(provider_world["home"], "care_home", january, provider_world["user"], late=True)
    assert cure_breaches(now=after(january, 72)) == 1
    breach.refresh_from_db()
    assert breach.cured_by == version
    assert Breach.objects.filter(cured_by__isnull=True).count() == 2  # Both, still missing


def test_a_return_saved_after_close_but_before_the_sweep_is_a_cured_breach(provider_world):
    (january,) = windows("2026-01")
    version = save(provider_world["home"], "care_home", january, provider_world["user"], late=True)
    sweep_due(now=after(january, 72))
    assert Breach.objects.get(location=provider_world["home"]).cured_by == version


def test_a_new_location_added_after_the_window_opened_owes_nothing_that_month(provider_world):
    (january,) = windows("2026-01")
    LocationFactory(
        provider=provider_world["provider"],
        name="New",
        added_to_service_on=datetime.date(2026, 1, 10),
    )
    sweep_due(now=after(january))
    assert not Breach.objects.filter(location__name="New").exists()


def test_the_sweep_uses_a_constant_number_of_queries(django_assert_max_num_queries):
    january, february = windows("2026-01", "2026-02")

    def make(n: int) -> list:
        return [LocationFactory(provider=ProviderFactory()) for _ in range(n)]

    first = make(3)
    with django_assert_max_num_queries(40) as few:
        sweep_due(now=after(january))
    # The first three close before February, so February's sweep has the same shape of work
    # (only new cases) for 40 providers instead of 3.
    for location in first:
        LocationStatusChangeFactory(
            location=location, status="deregistered", effective_from=datetime.date(2026, 1, 20)
        )
    make(40)
    with django_assert_max_num_queries(40) as many:
        sweep_due(now=after(february))
    assert Breach.objects.filter(window=february).count() == 40
    assert EnforcementCase.objects.count() == 43
    assert len(many.captured_queries) == len(few.captured_queries)
