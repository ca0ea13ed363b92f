"""The case page offers exactly what the transition table allows, and refuses the rest.

The stage rules live once, in enforcement.transitions: the page's links, the action pages and
the services all ask it. These tests set a case at every stage and check the three agree.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from enforcement import services
from enforcement.models import CaseEvent, EnforcementCase, Letter, RecordedFee, Representation
from enforcement.sweep import sweep_due
from enforcement.transitions import (
    LABELS,
    SYSTEM_ACTIONS,
    TRANSITIONS,
    Action,
    Activity,
    State,
    TransitionNotAllowed,
    allowed_actions,
    allowed_activities,
    check_allowed,
    is_allowed,
)
from enforcement.views import ACTIONS, DONE
from notifications.models import OutboundMessage
from providers.audit import SYSTEM, actor_label_for
from providers.models import AuditEvent
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow
from returns.services import windows_ensure
from tests.conftest import client_for
from tests.factories import CaseworkerFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

# Which case page carries each caseworker action of the table, and each activity.
ACTION_PAGE = {
    Action.ISSUE_NOTICE_OF_INTENT: "notice-of-intent",
    Action.DECIDE_EXCUSE_ACCEPTED: "decision",
    Action.ISSUE_FINAL_NOTICE: "final-notice",
    Action.LODGE_PANEL_APPEAL: "appeal",
    Action.LODGE_TRIBUNAL_APPEAL: "appeal",
    Action.PANEL_UPHOLDS: "appeal-outcome",
    Action.PANEL_QUASHES: "appeal-outcome",
    Action.TRIBUNAL_CONFIRMS: "appeal-outcome",
    Action.TRIBUNAL_VARIES: "appeal-outcome",
    Action.TRIBUNAL_QUASHES: "appeal-outcome",
    Action.RECORD_PAYMENT: "payment",
    Action.WITHDRAW: "withdraw",
    Action.CLOSE: "close",
}
ACTIVITY_PAGE = {
    Activity.LOG_CONTACT: "log-contact",
    Activity.RECORD_FEE: "record-fee",
    Activity.RECORD_REPRESENTATION: "representation",
}
ALL_PAGES = set(ACTION_PAGE.values()) | set(ACTIVITY_PAGE.values())

# The cases to try: every stage, and the notice of intent before and after its decision.
SITUATIONS = [(state, "") for state in State] + [(State.NOTICE_OF_INTENT, "not_accepted")]

# What the pages offered before the stage rules moved into the table (pinned: a change to the
# table that changes a page shows up here).
OFFERED = {
    (State.FIRST_BREACH, ""): {"log-contact", "record-fee", "withdraw", "close"},
    (State.SECOND_BREACH, ""): {
        "log-contact",
        "record-fee",
        "notice-of-intent",
        "withdraw",
        "close",
    },
    (State.NOTICE_OF_INTENT, ""): {
        "log-contact",
        "record-fee",
        "representation",
        "decision",
        "withdraw",
    },
    (State.NOTICE_OF_INTENT, "not_accepted"): {
        "log-contact",
        "record-fee",
        "final-notice",
        "withdraw",
    },
    (State.FINAL_NOTICE, ""): {"log-contact", "appeal", "payment", "withdraw"},
    (State.APPEAL_PANEL, ""): {"log-contact", "appeal-outcome", "withdraw"},
    (State.APPEAL_TRIBUNAL, ""): {"log-contact", "appeal-outcome", "withdraw"},
    (State.PAID, ""): set(),
    (State.WITHDRAWN, ""): set(),
    (State.QUASHED, ""): set(),
    (State.CLOSED, ""): set(),
}


def from_the_table(state: State, decision: str) -> set[str]:
    """The pages the transition table allows, less those the decision rules out."""
    pages = {ACTION_PAGE[a] for a in allowed_actions(state)}
    pages |= {ACTIVITY_PAGE[a] for a in allowed_activities(state)}
    if state is State.NOTICE_OF_INTENT:
        # Before the decision, no final notice; after it, no second decision or representation.
        pages -= {"decision", "representation"} if decision else {"final-notice"}
    return pages


@pytest.fixture
def case():
    provider = ProviderFactory(name="Never Returns Ltd")
    LocationFactory(provider=provider, name="Quiet House", registered_places=40)
    periods = [Period(2026, 1), Period(2026, 2)]
    windows_ensure(periods=periods)
    for period in periods:
        window = CollectionWindow.objects.get(period=period.first_day())
        sweep_due(now=window.closes_at + datetime.timedelta(hours=1))
    return EnforcementCase.objects.get(provider=provider)


def put_at(case: EnforcementCase, state: State, decision: str) -> EnforcementCase:
    EnforcementCase.objects.filter(pk=case.pk).update(
        state=state.value,
        decision=decision,
        decided_on=datetime.date(2026, 4, 1) if decision else None,
    )
    case.refresh_from_db()
    return case


def offered(client, case) -> set[str]:  # type: ignore[no-untyped-def]
    page = client.get(reverse("enforcement:case", args=[case.reference])).content.decode()
    prefix = re.escape(f"/cases/{case.reference}/actions/")
    return set(re.findall(prefix + r"([a-z-]+)/", page))


def saved_rows() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            CaseEvent,
            AuditEvent,
            Letter,
            OutboundMessage,
            Representation,
            RecordedFee,
        )
    }


def test_every_caseworker_action_and_activity_has_a_page():
    assert set(ACTION_PAGE) == set(TRANSITIONS) - SYSTEM_ACTIONS
    assert set(ACTIVITY_PAGE) == set(Activity)
    assert set(OFFERED) == set(SITUATIONS)


@pytest.mark.parametrize(("state", "decision"), SITUATIONS)
def test_the_case_page_offers_exactly_what_the_table_allows(case, state, decision):
    client = client_for(CaseworkerFactory())
    put_at(case, state, decision)
    assert offered(client, case) == from_the_table(state, decision) == OFFERED[(state, decision)]


@pytest.mark.parametrize(("state", "decision"), SITUATIONS)
def test_a_post_the_table_refuses_is_refused_with_its_reason_and_saves_nothing(
    case, state, decision
):
    client = client_for(CaseworkerFactory())
    put_at(case, state, decision)
    before = saved_rows()
    refused = sorted(ALL_PAGES - from_the_table(state, decision))
    assert len(refused) >= 6  # every stage rules out most pages
    # Data each form would accept: the refusal comes before the form and the service.
    data = {
        "reason": "Trying anyway.",
        "summary": "Spoke to the manager.",
        "method": "phone",
        "outcome": "panel_upholds",
        "body": "panel",
        "excuse_accepted": "no",
    }
    for slug in refused:
        response = client.post(reverse("enforcement:action", args=[case.reference, slug]), data)
        page = response.content.decode()
        assert response.status_code == 403, slug
        assert "not possible now" in page, slug
        assert "Nothing has been changed" in page, slug
        if slug in {"final-notice", "decision", "representation"} and (
            state is State.NOTICE_OF_INTENT
        ):
            # The stage allows it; the decision does not. The service's condition says why.
            assert "decision" in page, slug
        else:
            assert f"because the case is at the ‘{LABELS[state]}’ stage" in page, slug
    case.refresh_from_db()
    assert (case.state, case.decision) == (state.value, decision)
    assert saved_rows() == before


def test_every_action_says_what_it_did():
    assert set(DONE) == set(ACTIONS)
    assert all(message and not message.endswith(".") for message in DONE.values())


def test_unknown_actions_are_not_found(case):
    """An action the service has never had is a page that does not exist (404), not one the
    caseworker may not see (403): nothing is changed either way."""
    client = client_for(CaseworkerFactory())
    url = reverse("enforcement:action", args=[case.reference, "pay-me-twice"])
    before = saved_rows()
    posted = client.post(url, {"reason": "x"})
    assert posted.status_code == 404
    assert "Page not found" in posted.content.decode()
    assert client.get(url).status_code == 404
    assert saved_rows() == before


def test_the_pages_allowed_post_still_goes_through(case):
    """The other side of the refusal: what the page offers, the service accepts."""
    client = client_for(CaseworkerFactory())
    response = client.post(
        reverse("enforcement:action", args=[case.reference, "log-contact"]),
        {"method": "phone", "summary": "Spoke to the manager."},
    )
    assert response.status_code == 302
    # The case page says what happened, in the past tense.
    assert "Contact logged" in client.get(response.url).content.decode()
    event = CaseEvent.objects.get(case=case, action="contact_logged")
    assert event.reason == "Spoke to the manager."
    assert event.actor_label == actor_label_for(event.actor)


# --- The services ask the same table ------------------------------------------------------------


@pytest.mark.parametrize(
    "state", [s for s in State if s not in {State.FIRST_BREACH, State.SECOND_BREACH}]
)
def test_close_is_refused_by_the_service_outside_the_early_stages(case, state):
    put_at(case, state, "")
    before = saved_rows()
    with pytest.raises(services.CaseActionRefused, match=re.escape(LABELS[state])):
        services.case_close(
            actor=CaseworkerFactory(),
            case_id=case.pk,
            reason="x",
            now=datetime.datetime.now(LONDON),
        )
    assert saved_rows() == before
    case.refresh_from_db()
    assert case.state == state.value


@pytest.mark.parametrize(
    ("state", "decision", "call", "message"),
    [
        (
            State.CLOSED,
            "",
            lambda actor, case_id, now: services.case_log_contact(
                actor=actor, case_id=case_id, method="phone", summary="Hello", now=now
            ),
            "You cannot log a contact because the case is at the ‘Closed’ stage.",
        ),
        (
            State.FINAL_NOTICE,
            "",
            lambda actor, case_id, now: services.case_record_fee(
                actor=actor,
                case_id=case_id,
                amount=1000,
                source="cqc_invoice",
                evidence="INV-1",
                checked_on=datetime.date(2026, 3, 1),
                now=now,
            ),
            "You cannot record the provider's CQC fee because the case is at the "
            "‘Persistent failure: final notice’ stage.",
        ),
        (
            State.NOTICE_OF_INTENT,
            "not_accepted",
            lambda actor, case_id, now: services.case_record_representation(
                actor=actor,
                case_id=case_id,
                received_on=datetime.date(2026, 3, 1),
                summary="We were ill.",
                now=now,
            ),
            "Representations are recorded against a notice of intent before the decision",
        ),
        (
            State.NOTICE_OF_INTENT,
            "not_accepted",
            lambda actor, case_id, now: services.case_decide(
                actor=actor, case_id=case_id, excuse_accepted=True, reason="x", now=now
            ),
            "A decision follows a notice of intent, once",
        ),
        (
            State.NOTICE_OF_INTENT,
            "",
            lambda actor, case_id, now: services.case_issue_final_notice(
                actor=actor,
                case_id=case_id,
                sent_on=datetime.date(2026, 4, 1),
                method="email",
                reason="x",
                now=now,
            ),
            "Record the decision on representations before issuing a final notice",
        ),
        (
            State.SECOND_BREACH,
            "",
            lambda actor, case_id, now: services.case_appeal_outcome(
                actor=actor, case_id=case_id, outcome="panel_upholds", reason="x", now=now
            ),
            "You cannot record that the panel upheld the final notice because the case is at "
            "the ‘Second breach’ stage.",
        ),
        (
            State.APPEAL_PANEL,
            "",
            lambda actor, case_id, now: services.case_record_payment(
                actor=actor,
                case_id=case_id,
                amount=1000,
                received_on=datetime.date(2026, 4, 1),
                reference="",
                now=now,
            ),
            "You cannot record a payment because the case is at the "
            "‘Appeal: Enforcement Review Panel’ stage.",
        ),
    ],
)
def test_each_service_checks_the_stage_and_its_condition_inside_its_lock(
    case, state, decision, call, message
):
    put_at(case, state, decision)
    before = saved_rows()
    with pytest.raises(services.CaseActionRefused, match=re.escape(message)):
        call(CaseworkerFactory(), case.pk, datetime.datetime(2026, 4, 20, 10, tzinfo=LONDON))
    assert saved_rows() == before


def test_a_refusal_late_in_an_action_undoes_everything_it_wrote(case):
    """Each action is one transaction: here the decision moves the case and records it, then
    finds no notice of intent to write about, and all of it is undone."""
    put_at(case, State.NOTICE_OF_INTENT, "")
    before = saved_rows()
    with pytest.raises(services.CaseActionRefused, match="no notice of intent"):
        services.case_decide(
            actor=CaseworkerFactory(),
            case_id=case.pk,
            excuse_accepted=True,
            reason="Accepted.",
            now=datetime.datetime(2026, 4, 20, 10, tzinfo=LONDON),
        )
    case.refresh_from_db()
    assert (case.state, case.decision, case.closed_at) == (State.NOTICE_OF_INTENT.value, "", None)
    assert saved_rows() == before


# --- The table's own questions ------------------------------------------------------------------


@pytest.mark.parametrize("state", list(State))
def test_is_allowed_agrees_with_the_table(state):
    for action, (sources, _) in TRANSITIONS.items():
        assert is_allowed(state, action) is (state in sources)
    for activity in Activity:
        assert is_allowed(state, activity) is (activity in allowed_activities(state))
        if not is_allowed(state, activity):
            with pytest.raises(TransitionNotAllowed, match=re.escape(LABELS[state])):
                check_allowed(state, activity)


def test_the_actor_label_is_written_once():
    user = CaseworkerFactory(first_name="Ada", last_name="Lovelace", email="ada@example.gov.uk")
    assert actor_label_for(user) == "Ada Lovelace <ada@example.gov.uk>"
    assert actor_label_for(user, "import_cqc (ops)") == "import_cqc (ops)"
    assert actor_label_for(None) == SYSTEM
    assert not hasattr(services, "_actor_label")


def test_amount_errors_say_how_to_fix_them_in_the_services_words(case):
    """Django's own wording ("Ensure that there are no more than 2 decimal places") is
    replaced by messages that say what to type; nothing is saved."""
    put_at(case, State.FINAL_NOTICE, "not_accepted")
    client = client_for(CaseworkerFactory())
    url = reverse("enforcement:action", args=[case.reference, "payment"])
    before = saved_rows()
    for amount, message in (
        ("816.005", "Amount must be in pounds and pence, like 816.00"),
        ("-1", "Amount must be 0 or more"),
        ("lots", "Amount must be a number, like 816.00"),
    ):
        response = client.post(
            url,
            {"amount": amount, "received_on_0": "1", "received_on_1": "4", "received_on_2": "2026"},
        )
        page = response.content.decode()
        assert response.status_code == 400, amount
        assert message in page, amount
        assert "Ensure" not in page and "Enter a number" not in page, amount
        assert "<title>Error: Record a payment" in page, amount
    assert saved_rows() == before
