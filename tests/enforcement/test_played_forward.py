"""A provider played forward month after month through ``run_scheduled`` and the caseworker
services: the cycles of enforcement, the breaches each notice cites, and the letters' dates.

One care home with 30 places (fee band 26 to 30: £4,270.00) never returns, from December 2026
to May 2028. Another pays its penalty, then misses again.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count

from enforcement import services
from enforcement.models import Breach, EnforcementCase, Letter, LetterBreach
from enforcement.services import CaseActionRefused
from notifications.models import OutboundMessage
from returns.deadlines import LONDON
from tests.factories import CaseworkerFactory, ContactFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def run(day: datetime.date) -> None:
    """The scheduled jobs as beat would run them that morning."""
    call_command("run_scheduled", "--now", at(day).isoformat(), stdout=io.StringIO())


def play_month(year: int, month: int) -> None:
    """The 1st (windows stored ahead), the window's opening day, and the 20th (the sweep)."""
    for day in (1, 8, 20):
        run(datetime.date(year, month, day))


def months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    year, month = first
    out = []
    while (year, month) <= last:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def cited_periods(letter: Letter) -> list[str]:
    return sorted({b.window.period_key for b in letter.breaches.select_related("window")})


def provider_with_one_home(name: str) -> EnforcementCase | None:
    provider = ProviderFactory(name=name)
    home = LocationFactory(
        provider=provider,
        name=f"{name} House",
        registered_places=30,
        added_to_service_on=datetime.date(2026, 11, 1),
    )
    ContactFactory(location=home, email=f"manager@{name.lower()}.example", is_primary=True)
    return provider


def test_a_provider_that_never_returns_is_penalised_again_for_new_months():
    provider = provider_with_one_home("Silent")
    caseworker = CaseworkerFactory()

    # December 2026 to February 2027: first and second breach letters, then eligibility.
    play_month(2026, 12)
    first = EnforcementCase.objects.get(provider=provider)
    assert first.state == "first_breach"
    b1 = first.letters.get()
    assert b1.kind == "first_breach" and b1.dated == datetime.date(2026, 12, 20)
    assert "20 December 2026" in b1.body and "This is your first missed deadline" in b1.body
    assert cited_periods(b1) == ["2026-12"]
    assert OutboundMessage.objects.filter(kind="letter_first_breach", scope=b1.reference).exists()

    play_month(2027, 1)
    first.refresh_from_db()
    b2 = first.letters.get(kind="second_breach")
    assert first.state == "second_breach" and b2.dated == datetime.date(2027, 1, 20)
    assert cited_periods(b2) == ["2027-01"]

    play_month(2027, 2)
    first.refresh_from_db()
    assert first.noi_eligible and "3 windows in a row" in first.noi_eligible_reason
    assert first.letters.count() == 2  # the third miss proposes a notice; a person decides

    # A notice cannot be dated in the future.
    with pytest.raises(CaseActionRefused, match="cannot be in the future"):
        services.case_issue_notice_of_intent(
            actor=caseworker,
            case_id=first.pk,
            sent_on=datetime.date(2027, 3, 10),
            method="email",
            reason="Three months missed.",
            now=at(datetime.date(2027, 2, 22)),
        )
    services.case_issue_notice_of_intent(
        actor=caseworker,
        case_id=first.pk,
        sent_on=datetime.date(2027, 2, 22),
        method="email",
        reason="Three months missed despite two letters.",
        now=at(datetime.date(2027, 2, 22)),
    )
    first.refresh_from_db()
    noi1 = first.letters.get(kind="notice_of_intent")
    assert noi1.dated == datetime.date(2027, 2, 22)
    assert cited_periods(noi1) == ["2026-12", "2027-01", "2027-02"]
    assert first.noi_given_on == datetime.date(2027, 2, 23)  # emailed: next working day
    assert first.representations_due == datetime.date(2027, 3, 23)
    assert first.decision_due == datetime.date(2027, 4, 20)
    assert "£4,270.00" in noi1.body
    assert "care home with 26 to 30 registered places: £4,270.00" in noi1.body

    # Representations arrive in time; no decision until they are considered.
    rep = services.case_record_representation(
        actor=caseworker,
        case_id=first.pk,
        received_on=datetime.date(2027, 3, 10),
        summary="Our manager left in January.",
        now=at(datetime.date(2027, 3, 10)),
    )
    with pytest.raises(CaseActionRefused, match="Consider every representation"):
        services.case_decide(
            actor=caseworker,
            case_id=first.pk,
            excuse_accepted=False,
            reason="No excuse.",
            now=at(datetime.date(2027, 3, 11)),
        )

    # March: the case is at the notice of intent; the miss is recorded, no letter.
    play_month(2027, 3)
    first.refresh_from_db()
    assert first.state == "notice_of_intent" and first.letters.count() == 3

    services.case_decide(
        actor=caseworker,
        case_id=first.pk,
        excuse_accepted=False,
        reason="A deputy could have sent the data.",
        considered=[rep.pk],
        now=at(datetime.date(2027, 3, 24)),
    )
    rep.refresh_from_db()
    assert rep.considered_at is not None and rep.considered_by == caseworker
    services.case_issue_final_notice(
        actor=caseworker,
        case_id=first.pk,
        sent_on=datetime.date(2027, 3, 25),
        method="post",
        reason="Penalty imposed.",
        now=at(datetime.date(2027, 3, 25)),
    )
    first.refresh_from_db()
    fn1 = first.letters.get(kind="final_notice")
    assert first.state == "final_notice"
    assert fn1.dated == datetime.date(2027, 3, 25)
    assert cited_periods(fn1) == cited_periods(noi1)  # exactly the notice of intent's months
    assert "We sent you that notice of intent on Monday 22 February 2027" in fn1.body
    assert "it was given on Tuesday 23 February 2027" in fn1.body
    assert "Sort code: 12-34-56" in fn1.body and "Account number: 12345678" in fn1.body

    # April: not paying does not stop enforcement. A new cycle starts, and says so.
    play_month(2027, 4)
    second = EnforcementCase.objects.get(provider=provider, state="first_breach")
    assert second.pk != first.pk
    b1_again = second.letters.get(kind="first_breach")
    assert b1_again.dated == datetime.date(2027, 4, 20)
    assert "You are not being fined" not in b1_again.body
    assert first.reference in b1_again.body and "25 March 2027" in b1_again.body
    assert cited_periods(b1_again) == ["2027-04"]

    play_month(2027, 5)
    second.refresh_from_db()
    assert second.state == "second_breach" and second.noi_eligible
    services.case_issue_notice_of_intent(
        actor=caseworker,
        case_id=second.pk,
        sent_on=datetime.date(2027, 5, 21),
        method="email",
        reason="Missed March to May 2027 after a penalty.",
        now=at(datetime.date(2027, 5, 21)),
    )
    noi2 = second.letters.get(kind="notice_of_intent")
    # The new months only: March (missed while the first notice was pending), April, May.
    assert cited_periods(noi2) == ["2027-03", "2027-04", "2027-05"]

    # June: the notice of intent's period runs to 21 June; decide after it, then penalise again.
    play_month(2027, 6)
    second.refresh_from_db()
    assert second.representations_due == datetime.date(2027, 6, 21)
    with pytest.raises(
        CaseActionRefused, match="representations period runs to Monday 21 June 2027"
    ):
        services.case_decide(
            actor=caseworker,
            case_id=second.pk,
            excuse_accepted=False,
            reason="Too early.",
            now=at(datetime.date(2027, 6, 21)),
        )
    services.case_decide(
        actor=caseworker,
        case_id=second.pk,
        excuse_accepted=False,
        reason="No representations were made.",
        now=at(datetime.date(2027, 6, 22)),
    )
    services.case_issue_final_notice(
        actor=caseworker,
        case_id=second.pk,
        sent_on=datetime.date(2027, 6, 23),
        method="email",
        reason="Second penalty.",
        now=at(datetime.date(2027, 6, 23)),
    )
    second.refresh_from_db()
    assert second.state == "final_notice" and second.penalty_amount == Decimal("4270.00")
    assert cited_periods(second.letters.get(kind="final_notice")) == cited_periods(noi2)

    # July 2027 to May 2028: the third cycle opens and becomes eligible for the months since.
    for year, month in months((2027, 7), (2028, 5)):
        play_month(year, month)
    third = EnforcementCase.objects.get(provider=provider, state="second_breach")
    assert third.noi_eligible
    assert [
        c.state for c in EnforcementCase.objects.filter(provider=provider).order_by("opened_at")
    ] == ["final_notice", "final_notice", "second_breach"]
    assert Breach.objects.filter(provider=provider).count() == 18  # Dec 2026 to May 2028
    third_citable = {b.window.period_key for b in services.citable_breaches(third)}
    assert third_citable.isdisjoint(set(cited_periods(noi1)) | set(cited_periods(noi2)))
    assert "2027-06" in third_citable  # missed while the second notice of intent was pending

    # No breach is cited by two notices of intent or two final notices.
    twice = (
        LetterBreach.objects.filter(kind__in=["notice_of_intent", "final_notice"])
        .values("breach", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists()
    # Every letter, in order, dated the day it was sent.
    kinds = list(
        Letter.objects.filter(case__provider=provider)
        .order_by("created_at", "id")
        .values_list("case__reference", "kind")
    )
    assert [k for _, k in kinds] == [
        "first_breach",
        "second_breach",
        "notice_of_intent",
        "final_notice",
        "first_breach",
        "second_breach",
        "notice_of_intent",
        "final_notice",
        "first_breach",
        "second_breach",
    ]
    assert all(
        letter.dated == letter.created_at.astimezone(LONDON).date()
        for letter in Letter.objects.filter(case__provider=provider)
    )


def test_a_provider_that_pays_starts_a_second_cycle_on_new_months_only():
    provider = provider_with_one_home("Payer")
    caseworker = CaseworkerFactory()
    for year, month in months((2026, 12), (2027, 2)):
        play_month(year, month)
    case = EnforcementCase.objects.get(provider=provider)
    services.case_issue_notice_of_intent(
        actor=caseworker,
        case_id=case.pk,
        sent_on=datetime.date(2027, 2, 22),
        method="hand",
        reason="Three months missed.",
        now=at(datetime.date(2027, 2, 22)),
    )
    services.case_decide(
        actor=caseworker,
        case_id=case.pk,
        excuse_accepted=False,
        reason="No representations.",
        now=at(datetime.date(2027, 3, 23)),
    )
    services.case_issue_final_notice(
        actor=caseworker,
        case_id=case.pk,
        sent_on=datetime.date(2027, 3, 23),
        method="hand",
        reason="Penalty.",
        now=at(datetime.date(2027, 3, 23)),
    )
    with pytest.raises(CaseActionRefused, match=r"penalty due is £4,270\.00"):
        services.case_record_payment(
            actor=caseworker,
            case_id=case.pk,
            amount=Decimal("4000"),
            received_on=datetime.date(2027, 3, 30),
            reference="BACS",
            now=at(datetime.date(2027, 3, 30)),
        )
    services.case_record_payment(
        actor=caseworker,
        case_id=case.pk,
        amount=Decimal("4270.00"),
        received_on=datetime.date(2027, 3, 30),
        reference="BACS",
        now=at(datetime.date(2027, 3, 30)),
    )
    # The provider keeps missing: March (while the notice of intent was pending), then April to
    # June, after paying.
    for year, month in months((2027, 4), (2027, 6)):
        play_month(year, month)
    cases = list(EnforcementCase.objects.filter(provider=provider).order_by("opened_at"))
    assert [c.state for c in cases] == ["paid", "second_breach"]
    new = cases[1]
    letter = new.letters.get(kind="first_breach")
    assert "You are not being fined" not in letter.body
    assert cases[0].reference in letter.body
    citable = [b.window.period_key for b in services.citable_breaches(new)]
    # March 2027 was missed too (the sweep ran on 20 March while the first case was open).
    assert "2026-12" not in citable and "2027-02" not in citable
    assert {"2027-04", "2027-05", "2027-06"} <= set(citable)
    assert new.noi_eligible


def test_a_catch_up_sweep_sends_one_letter_covering_every_window_it_missed():
    provider = provider_with_one_home("Outage")
    run(datetime.date(2026, 12, 1))
    # Beat was down from 2 December to 19 February: one run catches up both windows.
    run(datetime.date(2027, 2, 20))
    case = EnforcementCase.objects.get(provider=provider)
    letters = list(case.letters.all())
    assert len(letters) == 1
    (letter,) = letters
    assert letter.dated == datetime.date(2027, 2, 20)
    assert cited_periods(letter) == ["2026-12", "2027-01", "2027-02"]
    assert "December 2026, January 2027 and February 2027" in letter.subject
    assert OutboundMessage.objects.filter(scope=letter.reference).count() == 1
