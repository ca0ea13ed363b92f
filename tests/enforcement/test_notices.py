"""Notices as a provider's solicitor would read them: the PDF's text, the fee and its source,
due process enforced by the services, appeals, and deadlines on the caseworker pages."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from pypdf import PdfReader

from enforcement import services
from enforcement.letters import letter_pdf
from enforcement.models import EnforcementCase, Letter, RecordedFee
from enforcement.services import CaseActionRefused
from providers.models import AuditEvent
from tests.conftest import client_for
from tests.enforcement.test_played_forward import at, months, play_month
from tests.factories import CaseworkerFactory, ContactFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def pdf_text(letter: Letter) -> str:
    reader = PdfReader(io.BytesIO(letter_pdf(letter)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())  # the PDF wraps lines: compare on single spaces


def provider_named(name: str, *, places: int | None = 30, home_care: bool = False):  # type: ignore[no-untyped-def]
    provider = ProviderFactory(name=name)
    location = LocationFactory(
        provider=provider,
        name=f"{name} House",
        registered_places=places,
        offers_care_home=not home_care,
        offers_home_care=home_care,
        people_using_service=40 if home_care else None,
        added_to_service_on=datetime.date(2026, 11, 1),
    )
    ContactFactory(location=location, is_primary=True)
    return provider


def play_to_eligibility() -> None:
    for year, month in months((2026, 12), (2027, 2)):
        play_month(year, month)


def eligible(name: str, *, places: int | None = 30, home_care: bool = False) -> EnforcementCase:
    provider = provider_named(name, places=places, home_care=home_care)
    play_to_eligibility()
    return EnforcementCase.objects.get(provider=provider)


def issue_noi(case: EnforcementCase, caseworker, day=datetime.date(2027, 2, 22)):  # type: ignore[no-untyped-def]
    return services.case_issue_notice_of_intent(
        actor=caseworker,
        case_id=case.pk,
        sent_on=day,
        method="email",
        reason="Three months missed.",
        now=at(day),
    )


def to_final_notice(case: EnforcementCase, caseworker) -> EnforcementCase:  # type: ignore[no-untyped-def]
    issue_noi(case, caseworker)
    services.case_decide(
        actor=caseworker,
        case_id=case.pk,
        excuse_accepted=False,
        reason="No representations.",
        now=at(datetime.date(2027, 3, 24)),
    )
    services.case_issue_final_notice(
        actor=caseworker,
        case_id=case.pk,
        sent_on=datetime.date(2027, 3, 24),
        method="email",
        reason="Penalty imposed.",
        now=at(datetime.date(2027, 3, 24)),
    )
    case.refresh_from_db()
    return case


def test_notice_pdfs_state_every_element_the_regulations_require_in_any_script():
    caseworker = CaseworkerFactory()
    case = to_final_notice(eligible("Łódź"), caseworker)
    noi = pdf_text(case.letters.get(kind="notice_of_intent"))
    for element in (
        "Łódź House",  # names as written, not "?ód? House"
        "Notice of intent to impose a financial penalty",
        "22 February 2027",  # dated the day it was sent
        "penalty of £4,270.00",  # the amount
        "care home with 26 to 30 registered places: £4,270.00",  # the band, in words
        "December 2026",  # the reasons: every month it rests on
        "January 2027",
        "February 2027",
        "When the penalty will not be imposed",
        "reasonable excuse",
        "written representations",
        "by the end of Tuesday 23 March 2027",  # the period for representations
        "enforcement@asc-collection.example",  # to the enforcement team, not support
    ):
        assert element in noi, element
    final = pdf_text(case.letters.get(kind="final_notice"))
    for element in (
        "Final notice: financial penalty of £4,270.00",
        "Łódź House",
        "24 March 2027",
        "December 2026",
        "How and by when to pay",
        "Account name: DHSC Test Penalties",
        "Sort code: 12-34-56",
        "Account number: 12345678",
        f"Payment reference: {case.reference}",
        "by Thursday 22 April 2027",  # given 25 March (emailed), 28 days to pay
        "Your right to appeal",
        "Enforcement Review Panel",
        "First-tier Tribunal",
        "by Wednesday 21 April 2027",  # 28 days from sending
        "county court",  # the consequences of not paying
        "We sent you that notice of intent on Monday 22 February 2027",
    ):
        assert element in final, element
    assert "carehome" not in final and "£4270" not in final


def test_a_final_notice_is_refused_until_the_payment_account_is_set(settings):
    caseworker = CaseworkerFactory()
    case = eligible("Unset")
    issue_noi(case, caseworker)
    services.case_decide(
        actor=caseworker,
        case_id=case.pk,
        excuse_accepted=False,
        reason="No excuse.",
        now=at(datetime.date(2027, 3, 24)),
    )
    settings.PENALTY_PAYMENT_ACCOUNT = {"account_name": "", "sort_code": "", "account_number": ""}
    with pytest.raises(CaseActionRefused, match="must say how to pay"):
        services.case_issue_final_notice(
            actor=caseworker,
            case_id=case.pk,
            sent_on=datetime.date(2027, 3, 24),
            method="email",
            reason="Penalty.",
            now=at(datetime.date(2027, 3, 24)),
        )


def test_home_care_is_fined_on_the_recorded_cqc_fee_with_its_source():
    caseworker = CaseworkerFactory()
    case = eligible("Homecare", places=None, home_care=True)
    with pytest.raises(CaseActionRefused, match="Record the provider's CQC fee"):
        issue_noi(case, caseworker)
    with pytest.raises(CaseActionRefused, match="cannot be 0"):
        services.case_record_fee(
            actor=caseworker,
            case_id=case.pk,
            amount=Decimal("0"),
            source="cqc_invoice",
            evidence="INV-1",
            checked_on=datetime.date(2027, 2, 20),
            now=at(datetime.date(2027, 2, 21)),
        )
    services.case_record_fee(
        actor=caseworker,
        case_id=case.pk,
        amount=Decimal("2736.00"),
        source="cqc_invoice",
        evidence="CQC invoice 40012345",
        checked_on=datetime.date(2027, 2, 20),
        now=at(datetime.date(2027, 2, 21)),
    )
    assert AuditEvent.objects.filter(action="enforcement.case.fee_recorded", actor=caseworker)
    issue_noi(case, caseworker)
    case.refresh_from_db()
    assert case.penalty_amount == Decimal("2736.00")
    body = case.letters.get(kind="notice_of_intent").body
    assert "£2,736.00" in body
    assert "CQC invoice CQC invoice 40012345, checked on 20 February 2027" in body
    assert RecordedFee.objects.get(case=case).recorded_by == caseworker


def test_due_process_is_enforced_by_the_services_not_only_the_forms():
    caseworker = CaseworkerFactory()
    case = eligible("Process")
    # A notice cannot be dated before the last deadline it cites (15 February 2027).
    with pytest.raises(CaseActionRefused, match="before the last missed deadline"):
        issue_noi(case, caseworker, day=datetime.date(2027, 2, 10))
    issue_noi(case, caseworker)
    # Before the representations period ends, no decision without representations.
    with pytest.raises(
        CaseActionRefused, match="representations period runs to Tuesday 23 March 2027"
    ):
        services.case_decide(
            actor=caseworker,
            case_id=case.pk,
            excuse_accepted=False,
            reason="No excuse.",
            now=at(datetime.date(2027, 2, 23)),
        )
    # Representations received early, then considered: an early decision is allowed.
    rep = services.case_record_representation(
        actor=caseworker,
        case_id=case.pk,
        received_on=datetime.date(2027, 3, 1),
        summary="We were flooded.",
        now=at(datetime.date(2027, 3, 1)),
    )
    services.case_decide(
        actor=caseworker,
        case_id=case.pk,
        excuse_accepted=True,
        reason="Flooding is a reasonable excuse.",
        considered=[rep.pk],
        now=at(datetime.date(2027, 3, 2)),
    )
    case.refresh_from_db()
    assert case.state == "closed" and case.decision == "accepted"
    decision = case.letters.get(kind="decision")
    assert "We will not impose the penalty" in decision.body
    assert "received Monday 1 March 2027" in decision.body
    event = case.events.get(action="decide_excuse_accepted")
    assert event.data["considered"] == [rep.pk]


def test_a_final_notice_cannot_come_before_its_decision_or_be_dated_ahead():
    caseworker = CaseworkerFactory()
    case = eligible("Order")
    issue_noi(case, caseworker)
    services.case_decide(
        actor=caseworker,
        case_id=case.pk,
        excuse_accepted=False,
        reason="No excuse.",
        now=at(datetime.date(2027, 3, 26)),
    )
    with pytest.raises(CaseActionRefused, match="before the decision"):
        services.case_issue_final_notice(
            actor=caseworker,
            case_id=case.pk,
            sent_on=datetime.date(2027, 3, 25),
            method="email",
            reason="Penalty.",
            now=at(datetime.date(2027, 3, 26)),
        )
    with pytest.raises(CaseActionRefused, match="cannot be in the future"):
        services.case_issue_final_notice(
            actor=caseworker,
            case_id=case.pk,
            sent_on=datetime.date(2027, 3, 29),
            method="email",
            reason="Penalty.",
            now=at(datetime.date(2027, 3, 26)),
        )


def test_appeals_set_a_new_date_to_pay_and_a_varied_amount_is_what_is_due():
    caseworker = CaseworkerFactory()
    case = to_final_notice(eligible("Appeal"), caseworker)
    services.case_lodge_appeal(
        actor=caseworker,
        case_id=case.pk,
        body="panel",
        lodged_on=datetime.date(2027, 4, 1),
        reason="Band disputed.",
        now=at(datetime.date(2027, 4, 1)),
    )
    services.case_appeal_outcome(
        actor=caseworker,
        case_id=case.pk,
        outcome="panel_upholds",
        reason="The band is right.",
        now=at(datetime.date(2027, 5, 10)),
    )
    case.refresh_from_db()
    assert case.state == "final_notice"
    assert case.payment_due == datetime.date(2027, 6, 7)  # 28 days from the panel's decision
    assert case.appeal_due == datetime.date(2027, 6, 7)
    upheld = case.letters.get(kind="appeal_outcome")
    assert "upheld the final notice" in upheld.body
    assert "by Monday 7 June 2027" in upheld.body and "Sort code: 12-34-56" in upheld.body

    services.case_lodge_appeal(
        actor=caseworker,
        case_id=case.pk,
        body="tribunal",
        lodged_on=datetime.date(2027, 5, 20),
        reason="Still disputed.",
        now=at(datetime.date(2027, 5, 20)),
    )
    with pytest.raises(CaseActionRefused, match="amount the Tribunal set"):
        services.case_appeal_outcome(
            actor=caseworker,
            case_id=case.pk,
            outcome="tribunal_varies",
            reason="Varied.",
            now=at(datetime.date(2027, 7, 1)),
        )
    services.case_appeal_outcome(
        actor=caseworker,
        case_id=case.pk,
        outcome="tribunal_varies",
        reason="The Tribunal set the penalty at the fee for the corrected size.",
        amount=Decimal("3268.00"),
        now=at(datetime.date(2027, 7, 1)),
    )
    case.refresh_from_db()
    assert case.penalty_amount == Decimal("3268.00")
    assert case.payment_due == datetime.date(2027, 7, 29)
    varied = case.letters.filter(kind="appeal_outcome").last()
    assert "The penalty is now £3,268.00 (it was £4,270.00)" in varied.body
    with pytest.raises(CaseActionRefused, match=r"penalty due is £3,268\.00"):
        services.case_record_payment(
            actor=caseworker,
            case_id=case.pk,
            amount=Decimal("4270.00"),
            received_on=datetime.date(2027, 7, 10),
            reference="BACS",
            now=at(datetime.date(2027, 7, 10)),
        )
    services.case_record_payment(
        actor=caseworker,
        case_id=case.pk,
        amount=Decimal("3268.00"),
        received_on=datetime.date(2027, 7, 10),
        reference="BACS",
        now=at(datetime.date(2027, 7, 10)),
    )
    case.refresh_from_db()
    assert case.state == "paid"


def test_overdue_decisions_and_payments_show_in_the_queue_and_deadlines_say_what_follows():
    caseworker = CaseworkerFactory()
    providers = [provider_named("Deciding"), provider_named("Paying")]
    play_to_eligibility()
    deciding, paying = (EnforcementCase.objects.get(provider=p) for p in providers)
    issue_noi(deciding, caseworker)
    paying = to_final_notice(paying, caseworker)
    client = client_for(caseworker)

    later = at(datetime.date(2027, 6, 1))
    with mock.patch("capacity_tracker.lib.clock.now", return_value=later):
        queue = client.get(reverse("enforcement:queue"), {"overdue": "1"}).content.decode()
        page = client.get(reverse("enforcement:case", args=[deciding.reference])).content.decode()
        paid_page = client.get(
            reverse("enforcement:case", args=[paying.reference])
        ).content.decode()
    assert deciding.reference in queue and "Decision overdue" in queue
    assert paying.reference in queue and "Payment overdue" in queue
    assert "When it passes:" in page and "Decision due" in page
    assert "decide now, or withdraw the notice" in page
    assert "recovered through the county court" in paid_page


def test_the_breach_grid_says_not_owed_for_months_before_a_location_joined():
    provider = provider_named("Grid")
    newer = LocationFactory(
        provider=provider,
        name="Grid Newer House",
        registered_places=12,
        added_to_service_on=datetime.date(2027, 1, 20),
    )
    play_to_eligibility()
    case = EnforcementCase.objects.get(provider=provider)
    from enforcement.selectors import breach_grid

    windows, rows = breach_grid(case)
    assert [w.period_key for w in windows] == ["2026-12", "2027-01", "2027-02"]
    cells = {row.location.name: row.cells for row in rows}
    assert cells["Grid House"] == ["missed", "missed", "missed"]
    assert cells[newer.name] == ["not_owed", "not_owed", "missed"]
    page = client_for(CaseworkerFactory()).get(reverse("enforcement:case", args=[case.reference]))
    assert page.content.decode().count("Not owed") == 2
