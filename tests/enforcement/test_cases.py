"""A case from first breach to payment, through the caseworker pages."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from enforcement.models import EnforcementCase, FeeBand, Letter
from enforcement.sweep import sweep_due
from notifications.models import OutboundMessage
from providers.models import AuditEvent
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow
from returns.services import windows_ensure
from tests.conftest import client_for
from tests.dissemination.aggregates_world import save
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    ContactFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db


def sweep_months(*periods: str) -> None:
    windows_ensure(periods=[Period.parse(p) for p in periods])
    for p in periods:
        window = CollectionWindow.objects.get(period=Period.parse(p).first_day())
        sweep_due(now=window.closes_at + datetime.timedelta(hours=1))


@pytest.fixture
def eligible_case():
    provider = ProviderFactory(name="Never Returns Ltd")
    location = LocationFactory(provider=provider, name="Quiet House", registered_places=40)
    ContactFactory(location=location, email="manager@quiet.example", is_primary=True)
    sweep_months("2026-01", "2026-02", "2026-03")
    return EnforcementCase.objects.get(provider=provider)


def at(*args: int):  # type: ignore[no-untyped-def]
    return mock.patch(
        "capacity_tracker.lib.clock.now", return_value=datetime.datetime(*args, tzinfo=LONDON)
    )


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def act(client, case, slug: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(reverse("enforcement:action", args=[case.reference, slug]), data)


def test_the_whole_process_from_breach_to_payment(eligible_case):
    caseworker = CaseworkerFactory()
    client = client_for(caseworker)
    case = eligible_case
    assert case.state == "second_breach" and case.noi_eligible

    queue = client.get(reverse("enforcement:queue")).content.decode()
    assert case.reference in queue and "Eligible for notice of intent" in queue
    page = client.get(reverse("enforcement:case", args=[case.reference])).content.decode()
    assert "Issue a notice of intent" in page and "£5779" in page.replace(",", "")

    with at(2026, 4, 2, 10):
        response = act(
            client,
            case,
            "notice-of-intent",
            {
                **date_fields("sent_on", datetime.date(2026, 4, 2)),
                "method": "email",
                "reason": "Missed January to March 2026 despite two letters.",
            },
        )
    assert response.status_code == 302, response.content.decode()
    case.refresh_from_db()
    assert case.state == "notice_of_intent"
    # Emailed Thursday 2 April 2026: given on the next working day after Good Friday and Easter Monday.
    assert case.noi_given_on == datetime.date(2026, 4, 7)
    assert case.representations_due == datetime.date(2026, 5, 5)
    assert case.decision_due == datetime.date(2026, 6, 2)
    assert case.penalty_amount == Decimal("5779.00")
    noi = Letter.objects.get(kind="notice_of_intent")
    for required in (
        "£5,779.00",
        "Missed January to March 2026",
        "When the penalty will not be imposed",
        "reasonable excuse",
        "written representations",
        "by the end of Tuesday 5 May 2026",
        "starts on the day after this notice is given",
        "decide by Tuesday 2 June 2026",
        "January 2026",
    ):
        assert required in noi.body, required
    assert OutboundMessage.objects.filter(
        kind="letter_notice_of_intent", recipient="manager@quiet.example"
    ).exists()

    with at(2026, 4, 20, 10):
        act(
            client,
            case,
            "representation",
            {
                **date_fields("received_on", datetime.date(2026, 4, 20)),
                "summary": "Manager on long-term sick leave.",
            },
        )
        representation = case.representations.get()
        act(
            client,
            case,
            "decision",
            {
                "excuse_accepted": "no",
                "reason": "Other staff could have submitted.",
                "considered": [str(representation.pk)],
            },
        )
        early = act(
            client,
            case,
            "final-notice",
            {
                **date_fields("sent_on", datetime.date(2026, 5, 5)),
                "method": "post",
                "reason": "No reasonable excuse.",
            },
        )
    assert early.status_code == 400
    assert "The representations period runs to Tuesday 5 May 2026" in early.content.decode()

    with at(2026, 5, 6, 10):
        response = act(
            client,
            case,
            "final-notice",
            {
                **date_fields("sent_on", datetime.date(2026, 5, 6)),
                "method": "post",
                "reason": "No reasonable excuse was shown.",
            },
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "final_notice"
    assert case.final_notice_given_on == datetime.date(2026, 5, 11)  # 3rd working day after posting
    assert case.appeal_due == datetime.date(2026, 6, 3)
    assert case.payment_due == datetime.date(2026, 6, 8)
    final = Letter.objects.get(kind="final_notice")
    for required in (
        "£5,779.00",
        "How and by when to pay",
        "by Monday 8 June 2026",
        "Enforcement Review Panel",
        "First-tier Tribunal",
        "within 28 days",
        "by Wednesday 3 June 2026",
        "county court",
        case.reference,
    ):
        assert required in final.body, required

    with at(2026, 5, 20, 10):
        act(
            client,
            case,
            "appeal",
            {
                "body": "panel",
                **date_fields("lodged_on", datetime.date(2026, 5, 20)),
                "reason": "Fee band is wrong.",
            },
        )
        case.refresh_from_db()
        assert case.state == "appeal_panel"
        act(
            client, case, "appeal-outcome", {"outcome": "panel_upholds", "reason": "Band is right."}
        )
        act(
            client,
            case,
            "appeal",
            {
                "body": "tribunal",
                **date_fields("lodged_on", datetime.date(2026, 5, 20)),
                "reason": "Still disputed.",
            },
        )
        act(
            client,
            case,
            "appeal-outcome",
            {"outcome": "tribunal_confirms", "reason": "Notice confirmed."},
        )
    with at(2026, 6, 1, 10):
        wrong = act(
            client,
            case,
            "payment",
            {
                "amount": "500",
                **date_fields("received_on", datetime.date(2026, 6, 1)),
                "reference": "BACS1",
            },
        )
        assert "The penalty due is £5,779.00; £500.00 was entered." in wrong.content.decode()
        act(
            client,
            case,
            "payment",
            {
                "amount": "5779.00",
                **date_fields("received_on", datetime.date(2026, 6, 1)),
                "reference": "BACS1",
            },
        )
    case.refresh_from_db()
    assert case.state == "paid" and case.closed_at is not None
    actions = list(case.events.values_list("action", flat=True))
    for expected in (
        "opened_first_breach",
        "second_breach",
        "noi_eligible",
        "issue_notice_of_intent",
        "representation_received",
        "decided_no_reasonable_excuse",
        "issue_final_notice",
        "lodge_panel_appeal",
        "panel_upholds",
        "lodge_tribunal_appeal",
        "tribunal_confirms",
        "record_payment",
    ):
        assert expected in actions
    assert AuditEvent.objects.filter(
        action="enforcement.case.record_payment", actor=caseworker
    ).exists()
    timeline = client.get(reverse("enforcement:case", args=[case.reference])).content.decode()
    assert "Case opened: first breach" in timeline
    assert (
        "Issue a notice of intent (Second breach → Continued breach: notice of intent)" in timeline
    )
    assert "Record payment (Persistent failure: final notice → Paid)" in timeline
    assert "£5,779.00" in timeline

    pdf = client.get(reverse("enforcement:letter", args=[case.reference, final.reference]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    # Fined again for a later breach: a new case opens.
    sweep_months("2026-06")
    assert EnforcementCase.objects.filter(provider=case.provider).count() == 2


def test_a_notice_of_intent_needs_eligibility(db):
    provider = ProviderFactory()
    LocationFactory(provider=provider)
    sweep_months("2026-01", "2026-02")  # two misses: second breach, not yet eligible
    case = EnforcementCase.objects.get()
    case.noi_eligible = False
    case.save()
    client = client_for(CaseworkerFactory())
    response = act(
        client,
        case,
        "notice-of-intent",
        {**date_fields("sent_on", datetime.date(2026, 3, 2)), "method": "email", "reason": "x"},
    )
    assert response.status_code == 400
    assert "has not yet missed enough windows for a notice of intent" in response.content.decode()
    assert EnforcementCase.objects.get().state == "second_breach"


def test_an_unknown_fee_blocks_the_notice_and_shows_as_unknown(db):
    provider = ProviderFactory()
    LocationFactory(provider=provider, name="Big House", registered_places=60)
    sweep_months("2026-01", "2026-02", "2026-03")
    case = EnforcementCase.objects.get()
    client = client_for(CaseworkerFactory())
    page = client.get(reverse("enforcement:case", args=[case.reference])).content.decode()
    assert "Fee unknown" in page
    assert "Big House: the fee for 51 to 90 registered places has not been entered" in page
    with at(2026, 4, 2, 10):
        response = act(
            client,
            case,
            "notice-of-intent",
            {**date_fields("sent_on", datetime.date(2026, 4, 2)), "method": "email", "reason": "x"},
        )
    assert response.status_code == 400
    assert "The fee is unknown" in response.content.decode()
    assert EnforcementCase.objects.get().state == "second_breach"
    FeeBand.objects.filter(lowest=51, care_type="care_home").update(amount=Decimal("9100"))
    with at(2026, 4, 2, 10):
        assert (
            act(
                client,
                case,
                "notice-of-intent",
                {
                    **date_fields("sent_on", datetime.date(2026, 4, 2)),
                    "method": "email",
                    "reason": "x",
                },
            ).status_code
            == 302
        )
    assert EnforcementCase.objects.get().penalty_amount == Decimal("9100.00")


def test_bad_dates_and_missing_reasons_get_clear_messages(eligible_case):
    client = client_for(CaseworkerFactory())
    response = act(
        client,
        eligible_case,
        "notice-of-intent",
        {"sent_on_0": "31", "sent_on_1": "2", "sent_on_2": "2026", "method": "", "reason": ""},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Date sent must be a real date" in page
    assert "Select how the notice was sent" in page
    assert "Enter the reasons for the notice" in page
    missing_year = act(
        client,
        eligible_case,
        "notice-of-intent",
        {"sent_on_0": "2", "sent_on_1": "4", "sent_on_2": "", "method": "post", "reason": "x"},
    )
    assert "Date sent must include a year" in missing_year.content.decode()


def test_withdrawing_when_the_data_arrives(eligible_case):
    client = client_for(CaseworkerFactory())
    response = act(
        client, eligible_case, "withdraw", {"reason": "Provider supplied all missing data."}
    )
    assert response.status_code == 302
    eligible_case.refresh_from_db()
    assert eligible_case.state == "withdrawn"
    assert act(client, eligible_case, "withdraw", {"reason": "again"}).status_code == 403


def test_overdue_cases_show_in_the_queue(eligible_case):
    EnforcementCase.objects.filter(pk=eligible_case.pk).update(
        next_action_due=datetime.date(2026, 1, 1)
    )
    client = client_for(CaseworkerFactory())
    overdue = client.get(reverse("enforcement:queue"), {"overdue": "1"}).content.decode()
    assert eligible_case.reference in overdue and "Overdue" in overdue
    EnforcementCase.objects.filter(pk=eligible_case.pk).update(
        next_action_due=datetime.date(2099, 1, 1)
    )
    assert (
        eligible_case.reference
        not in client.get(reverse("enforcement:queue"), {"overdue": "1"}).content.decode()
    )


def test_queue_filters_by_region_and_local_authority(eligible_case):
    client = client_for(CaseworkerFactory())
    leeds = client.get(
        reverse("enforcement:queue"), {"local_authority": "E08000035"}
    ).content.decode()
    assert eligible_case.reference in leeds
    london = client.get(reverse("enforcement:queue"), {"region": "E12000007"}).content.decode()
    assert eligible_case.reference not in london


def test_queue_and_case_page_query_counts_are_flat(django_assert_max_num_queries):
    for _ in range(3):
        LocationFactory(provider=ProviderFactory())
    sweep_months("2026-01")
    client = client_for(CaseworkerFactory())
    with django_assert_max_num_queries(12):
        client.get(reverse("enforcement:queue"))


def test_provider_users_and_analysts_never_see_case_pages(eligible_case):
    letter = Letter.objects.filter(case=eligible_case).first()
    for user in (ProviderUserFactory(provider=eligible_case.provider), AnalystFactory()):
        client = client_for(user)
        for url in (
            reverse("enforcement:queue"),
            reverse("enforcement:case", args=[eligible_case.reference]),
            reverse("enforcement:letter", args=[eligible_case.reference, letter.reference]),
            reverse("enforcement:compliance-csv"),
        ):
            assert client.get(url).status_code == 403, url


def test_support_staff_can_read_cases_but_not_act(eligible_case):
    client = client_for(SupportUserFactory())
    assert (
        client.get(reverse("enforcement:case", args=[eligible_case.reference])).status_code == 200
    )
    assert act(client, eligible_case, "withdraw", {"reason": "x"}).status_code == 403


def test_compliance_csv_for_nhsbsa(eligible_case):
    """The release NHSBSA downloads (``dissemination``, one selector): per location per
    window a 0/1 flag; the queue links to it and the old CSV address forwards there."""
    prompt = LocationFactory(provider=ProviderFactory(name="Always Ltd"), name="Prompt House")
    for period in ("2026-01", "2026-02", "2026-03"):
        window = CollectionWindow.objects.get(period=Period.parse(period).first_day())
        save(prompt, "care_home", window, answers=GOOD_CARE_HOME)
    client = client_for(CaseworkerFactory())
    assert client.get(reverse("enforcement:compliance-csv")).url == reverse(
        "dissemination:compliance"
    )
    release = {
        "from_period": "2026-01",
        "to_period": "2026-03",
        "file_format": "csv",
        "purpose": "Monthly compliance release to NHSBSA",
    }
    response = client.post(reverse("dissemination:compliance"), release)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    mine = [r for r in rows if r["provider_name"] == "Never Returns Ltd"]
    assert [(r["period"], r["location_name"], r["compliant"]) for r in mine] == [
        ("2026-01", "Quiet House", "0"),
        ("2026-02", "Quiet House", "0"),
        ("2026-03", "Quiet House", "0"),
    ]
    always = [(r["period"], r["compliant"]) for r in rows if r["provider_name"] == "Always Ltd"]
    assert always == [("2026-01", "1"), ("2026-02", "1"), ("2026-03", "1")]
    bad = client.post(reverse("dissemination:compliance"), {**release, "from_period": "soon"})
    assert bad.status_code == 400


def test_support_staff_read_the_fee_table_in_admin_but_do_not_edit_it(db):
    from enforcement.models import FeeScheme

    support = SupportUserFactory()  # a plain support officer, not a superuser
    client = client_for(support)
    scheme = FeeScheme.objects.get()
    url = reverse("admin:enforcement_feescheme_change", args=[scheme.pk])
    page = client.get(url).content.decode()
    assert "15710" in page
    assert 'name="_save"' not in page  # read-only: the fee table is not the desk's to edit
    assert client.post(url, {"name": "Cheaper", "effective_from": "2026-01-01"}).status_code == 403
    scheme.refresh_from_db()
    assert scheme.name != "Cheaper"
    assert client.get(reverse("admin:enforcement_breach_changelist")).status_code == 200
