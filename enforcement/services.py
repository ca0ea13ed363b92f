"""Caseworker actions on an enforcement case. Each one: locks the case, checks the transition
table, stamps the deadlines, writes an append-only event and an audit event, and queues any
letter in the outbox inside the same transaction (so nothing is sent unless it commits)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from enforcement import deadlines, letters
from enforcement.fees import Band, FeeResult, LocationSize, calculate
from enforcement.models import Breach, CaseEvent, EnforcementCase, FeeScheme, Letter
from enforcement.transitions import Action, State, next_state
from providers.audit import audit_record
from providers.models import Location, RegistrationStatus, User
from returns.models import CollectionWindow


class CaseActionRefused(ValidationError):
    """A caseworker action the rules do not allow now; the message says why."""


def _actor_label(actor: User) -> str:
    return f"{actor.get_full_name()} <{actor.email}>"


def _lock(case_id: int) -> EnforcementCase:
    return (
        EnforcementCase.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=case_id)
    )


def _record(
    case: EnforcementCase,
    *,
    actor: User,
    action: str,
    now: datetime.datetime,
    reason: str = "",
    from_state: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        actor_label=_actor_label(actor),
        action=action,
        from_state=from_state or case.state,
        to_state=case.state,
        reason=reason,
        data=data or {},
    )
    audit_record(
        actor=actor,
        action=f"enforcement.case.{action}",
        target=case,
        reason=reason,
        data=data or {},
    )
    return event


def _transition(
    case: EnforcementCase,
    action: Action,
    *,
    actor: User,
    now: datetime.datetime,
    reason: str,
    **fields: Any,
) -> EnforcementCase:
    if not reason.strip():
        raise CaseActionRefused("Give a reason: it is recorded on the case timeline.")
    try:
        target = next_state(case.state, action)
    except Exception as exc:  # TransitionNotAllowed: say it in the caseworker's terms
        raise CaseActionRefused(str(exc)) from exc
    previous = case.state
    case.state = target
    case.updated_at = now
    if target in (State.PAID, State.WITHDRAWN, State.QUASHED, State.CLOSED):
        case.closed_at = now
        fields.setdefault("next_action_due", None)
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    _record(
        case,
        actor=actor,
        action=action.value,
        now=now,
        reason=reason,
        from_state=previous,
        data={k: str(v) for k, v in fields.items() if v is not None},
    )
    return case


# --- Fees ---------------------------------------------------------------------------------------


def fee_for(provider_id: int, on: datetime.date) -> FeeResult:
    """The provider's CQC fee on a day: the scheme in force then, over its active locations."""
    scheme = FeeScheme.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    bands = (
        [Band(b.care_type, b.lowest, b.highest, b.amount) for b in scheme.bands.all()]
        if scheme is not None
        else []
    )
    sizes = []
    for location in Location.objects.filter(
        provider_id=provider_id, status=RegistrationStatus.ACTIVE
    ).order_by("name"):
        if location.offers_care_home:
            sizes.append(
                LocationSize(
                    location.cqc_id, location.name, "care_home", location.registered_places
                )
            )
        if location.offers_home_care:
            sizes.append(
                LocationSize(
                    location.cqc_id, location.name, "home_care", location.people_using_service
                )
            )
    return calculate(sizes, bands)


def _missed_windows(case: EnforcementCase) -> list[CollectionWindow]:
    since = case.opened_at.date() - datetime.timedelta(days=366)
    ids = Breach.objects.filter(
        provider=case.provider, escalates=True, window__period__gte=since
    ).values("window_id")
    return list(CollectionWindow.objects.filter(pk__in=ids).order_by("period"))


def _known_fee(case: EnforcementCase, on: datetime.date) -> FeeResult:
    """The fee a notice states; a notice cannot go out with an unknown fee (never 0)."""
    fee = fee_for(case.provider_id, on)
    if not fee.known:
        raise CaseActionRefused(
            "The fee is unknown: " + "; ".join(fee.problems) + ". Enter it in the fee table first."
        )
    return fee


def _notice_context(
    case: EnforcementCase, fee: FeeResult, *, reason: str, sent_on: datetime.date, **dates: Any
) -> dict[str, Any]:
    """What both notices state: the amount and how it is made up, the months missed, why."""
    return {
        **letters.base_context(case, sent_on),
        "amount": f"{fee.total:,.2f}",
        "fee_lines": fee.lines,
        "missed_windows": _missed_windows(case),
        "reason": reason,
        "sent_on": sent_on,
        **dates,
    }


def _next_sequence(case: EnforcementCase, kind: str) -> int:
    return Letter.objects.filter(case=case, kind=kind).count() + 1


# --- Actions ------------------------------------------------------------------------------------


def case_log_contact(
    *, actor: User, case_id: int, method: str, summary: str, now: datetime.datetime
) -> CaseEvent:
    if not summary.strip():
        raise CaseActionRefused("Enter what was said.")
    with transaction.atomic():
        case = _lock(case_id)
        return _record(
            case,
            actor=actor,
            action="contact_logged",
            now=now,
            reason=summary,
            data={"method": method},
        )


def case_issue_notice_of_intent(
    *,
    actor: User,
    case_id: int,
    sent_on: datetime.date,
    method: str,
    reason: str,
    now: datetime.datetime,
    representation_days: int | None = None,
) -> EnforcementCase:
    days = representation_days or settings.NOI_REPRESENTATION_DAYS
    with transaction.atomic():
        case = _lock(case_id)
        if not case.noi_eligible:
            raise CaseActionRefused(
                "This provider has not yet missed enough windows for a notice of intent "
                f"({settings.NOI_CONSECUTIVE_MISSES} in a row or {settings.NOI_MISSES_IN_YEAR} in 12 months)."
            )
        fee = _known_fee(case, sent_on)
        given_on = deadlines.deemed_given_on(sent_on, method)
        try:
            last_day = deadlines.representations_end(given_on, days)
        except ValueError as exc:
            raise CaseActionRefused(str(exc)) from exc
        decision_due = deadlines.decision_due(last_day)
        _transition(
            case,
            Action.ISSUE_NOTICE_OF_INTENT,
            actor=actor,
            now=now,
            reason=reason,
            noi_sent_on=sent_on,
            noi_method=method,
            noi_given_on=given_on,
            representations_due=last_day,
            decision_due=decision_due,
            penalty_amount=fee.total,
            next_action_due=decision_due,
        )
        context = _notice_context(
            case,
            fee,
            reason=reason,
            sent_on=sent_on,
            given_on=given_on,
            method=method,
            representations_due=last_day,
            decision_due=decision_due,
        )
        _send_letter(case, Letter.Kind.NOTICE_OF_INTENT, context, actor=actor, now=now)
    return case


def case_record_representation(
    *, actor: User, case_id: int, received_on: datetime.date, summary: str, now: datetime.datetime
) -> CaseEvent:
    if not summary.strip():
        raise CaseActionRefused("Summarise the representation.")
    with transaction.atomic():
        case = _lock(case_id)
        if case.state != State.NOTICE_OF_INTENT:
            raise CaseActionRefused("Representations are recorded against a notice of intent.")
        late = case.representations_due is not None and received_on > case.representations_due
        return _record(
            case,
            actor=actor,
            action="representation_received",
            now=now,
            reason=summary,
            data={"received_on": received_on.isoformat(), "late": late},
        )


def case_decide(
    *, actor: User, case_id: int, excuse_accepted: bool, reason: str, now: datetime.datetime
) -> EnforcementCase:
    with transaction.atomic():
        case = _lock(case_id)
        if case.state != State.NOTICE_OF_INTENT:
            raise CaseActionRefused("A decision follows a notice of intent.")
        if excuse_accepted:
            return _transition(
                case,
                Action.DECIDE_EXCUSE_ACCEPTED,
                actor=actor,
                now=now,
                reason=reason,
                decision="accepted",
            )
        if not reason.strip():
            raise CaseActionRefused("Give a reason: it is recorded on the case timeline.")
        case.decision = "not_accepted"
        case.next_action_due = now.date()
        case.updated_at = now
        case.save(update_fields=["decision", "next_action_due", "updated_at"])
        _record(case, actor=actor, action="decided_no_reasonable_excuse", now=now, reason=reason)
    return case


def case_issue_final_notice(
    *,
    actor: User,
    case_id: int,
    sent_on: datetime.date,
    method: str,
    reason: str,
    now: datetime.datetime,
) -> EnforcementCase:
    with transaction.atomic():
        case = _lock(case_id)
        if case.decision != "not_accepted":
            raise CaseActionRefused(
                "Record the decision on representations before issuing a final notice."
            )
        if case.representations_due and sent_on <= case.representations_due:
            raise CaseActionRefused(
                f"The representations period runs to {case.representations_due:%-d %B %Y}: "
                "a final notice can only follow it."
            )
        # The penalty is the fee in force on the day it is imposed, not when the NOI went out.
        fee = _known_fee(case, sent_on)
        given_on = deadlines.deemed_given_on(sent_on, method)
        payment_due = given_on + datetime.timedelta(days=settings.PENALTY_PAYMENT_DAYS)
        appeal_due = deadlines.appeal_due(sent_on)
        _transition(
            case,
            Action.ISSUE_FINAL_NOTICE,
            actor=actor,
            now=now,
            reason=reason,
            penalty_amount=fee.total,
            final_notice_sent_on=sent_on,
            final_notice_given_on=given_on,
            payment_due=payment_due,
            appeal_due=appeal_due,
            next_action_due=max(payment_due, appeal_due),
        )
        context = _notice_context(
            case,
            fee,
            reason=reason,
            sent_on=sent_on,
            given_on=given_on,
            method=method,
            noi_given_on=case.noi_given_on,
            payment_due=payment_due,
            appeal_due=appeal_due,
        )
        _send_letter(case, Letter.Kind.FINAL_NOTICE, context, actor=actor, now=now)
    return case


APPEAL_ACTIONS = {
    "panel": Action.LODGE_PANEL_APPEAL,
    "tribunal": Action.LODGE_TRIBUNAL_APPEAL,
}
OUTCOME_ACTIONS = {
    "panel_upholds": Action.PANEL_UPHOLDS,
    "panel_quashes": Action.PANEL_QUASHES,
    "tribunal_confirms": Action.TRIBUNAL_CONFIRMS,
    "tribunal_varies": Action.TRIBUNAL_VARIES,
    "tribunal_quashes": Action.TRIBUNAL_QUASHES,
}


def case_lodge_appeal(
    *,
    actor: User,
    case_id: int,
    body: str,
    lodged_on: datetime.date,
    reason: str,
    now: datetime.datetime,
) -> EnforcementCase:
    with transaction.atomic():
        case = _lock(case_id)
        if (
            body == "tribunal"
            and not case.events.filter(action=Action.PANEL_UPHOLDS.value).exists()
        ):
            raise CaseActionRefused(
                "An appeal goes to the Enforcement Review Panel first, then the Tribunal."
            )
        late = case.appeal_due is not None and lodged_on > case.appeal_due
        return _transition(
            case,
            APPEAL_ACTIONS[body],
            actor=actor,
            now=now,
            reason=reason + (" (lodged after the 28-day limit)" if late else ""),
            next_action_due=None,
        )


def case_appeal_outcome(
    *, actor: User, case_id: int, outcome: str, reason: str, now: datetime.datetime
) -> EnforcementCase:
    with transaction.atomic():
        case = _lock(case_id)
        action = OUTCOME_ACTIONS[outcome]
        fields: dict[str, Any] = {}
        if action in (Action.PANEL_UPHOLDS, Action.TRIBUNAL_CONFIRMS, Action.TRIBUNAL_VARIES):
            # Back at a final notice: a fresh 28 days to appeal onwards (or to pay).
            fields["appeal_due"] = deadlines.appeal_due(now.date())
            fields["next_action_due"] = fields["appeal_due"]
        return _transition(case, action, actor=actor, now=now, reason=reason, **fields)


def case_record_payment(
    *,
    actor: User,
    case_id: int,
    amount: Decimal,
    received_on: datetime.date,
    reference: str,
    now: datetime.datetime,
) -> EnforcementCase:
    with transaction.atomic():
        case = _lock(case_id)
        if case.penalty_amount is not None and amount != case.penalty_amount:
            raise CaseActionRefused(
                f"The penalty is £{case.penalty_amount:,.2f}; £{amount:,.2f} was entered."
            )
        return _transition(
            case,
            Action.RECORD_PAYMENT,
            actor=actor,
            now=now,
            reason=f"Paid £{amount:,.2f} on {received_on:%-d %B %Y}, reference {reference or 'none'}",
            next_action_due=None,
        )


def case_withdraw(
    *, actor: User, case_id: int, reason: str, now: datetime.datetime
) -> EnforcementCase:
    with transaction.atomic():
        return _transition(_lock(case_id), Action.WITHDRAW, actor=actor, now=now, reason=reason)


def case_close(
    *, actor: User, case_id: int, reason: str, now: datetime.datetime
) -> EnforcementCase:
    with transaction.atomic():
        return _transition(_lock(case_id), Action.CLOSE, actor=actor, now=now, reason=reason)


def _send_letter(
    case: EnforcementCase,
    kind: str,
    context: dict[str, Any],
    *,
    actor: User,
    now: datetime.datetime,
) -> Letter:
    letter = letters.make_letter(
        case, kind, context, actor=actor, now=now, sequence=_next_sequence(case, kind)
    )
    letter.save()
    letters.queue_letter_emails([letter], now=now)
    _record(
        case,
        actor=actor,
        action="letter_sent",
        now=now,
        reason=letter.subject,
        data={"letter": letter.reference},
    )
    return letter
