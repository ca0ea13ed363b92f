"""Caseworker actions on an enforcement case. Each one: locks the case, checks the transition
table, stamps the deadlines, writes an append-only event and an audit event, and queues any
letter in the outbox inside the same transaction (so nothing is sent unless it commits)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from capacity_tracker.lib import clock
from enforcement import deadlines, letters
from enforcement.fees import Band, FeeResult, LocationSize, calculate
from enforcement.models import (
    Breach,
    CaseEvent,
    EnforcementCase,
    FeeScheme,
    Letter,
    RecordedFee,
    Representation,
    WindowSweep,
)
from enforcement.policy import noi_reason
from enforcement.transitions import (
    TERMINAL,
    Action,
    Activity,
    TransitionNotAllowed,
    check_allowed,
    next_state,
)
from providers.audit import actor_label_for, audit_record
from providers.models import Location, RegistrationStatus, User


class CaseActionRefused(ValidationError):
    """A caseworker action the rules do not allow now; the message says why."""


# --- Whether a step may be taken ----------------------------------------------------------------
# The stages each step may start from are the transition table's (enforcement.transitions). A few
# steps also depend on the case's decision; those conditions are stated here, once, for both the
# services (inside the lock) and the case page (which offers only what would be accepted).


def _undecided_representation(case: EnforcementCase) -> str:
    if case.decision:
        return "Representations are recorded against a notice of intent before the decision."
    return ""


def _undecided(case: EnforcementCase) -> str:
    return "A decision follows a notice of intent, once." if case.decision else ""


def _decided_no_excuse(case: EnforcementCase) -> str:
    if case.decision != "not_accepted" or case.decided_on is None:
        return "Record the decision on representations before issuing a final notice."
    return ""


_CONDITIONS: dict[Action | Activity, Callable[[EnforcementCase], str]] = {
    Activity.RECORD_REPRESENTATION: _undecided_representation,
    # The decision page gates both outcomes on this action: the excuse accepted (a transition)
    # and not accepted (recorded in the same stage, the final notice to follow).
    Action.DECIDE_EXCUSE_ACCEPTED: _undecided,
    Action.ISSUE_FINAL_NOTICE: _decided_no_excuse,
}


def condition_refusal(case: EnforcementCase, step: Action | Activity) -> str:
    """Why a step the table allows from the case's stage still cannot be taken ("" if it can)."""
    condition = _CONDITIONS.get(step)
    return condition(case) if condition is not None else ""


def _check_allowed(case: EnforcementCase, step: Action | Activity) -> None:
    try:
        check_allowed(case.state, step)
    except TransitionNotAllowed as exc:  # say it in the caseworker's terms
        raise CaseActionRefused(str(exc)) from exc
    refusal = condition_refusal(case, step)
    if refusal:
        raise CaseActionRefused(refusal)


def _lock(case_id: int) -> EnforcementCase:
    return (
        EnforcementCase.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=case_id)
    )


@contextmanager
def _locked_case(case_id: int, step: Action | Activity) -> Iterator[EnforcementCase]:
    """One caseworker action's transaction: the case locked for it and the step checked
    against the transition table and the step's conditions. Everything the action writes goes
    in this transaction, so a refusal anywhere in it leaves nothing behind."""
    with transaction.atomic():
        case = _lock(case_id)
        _check_allowed(case, step)
        yield case


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
        actor_label=actor_label_for(actor),
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
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> EnforcementCase:
    if not reason.strip():
        raise CaseActionRefused("Give a reason: it is recorded on the case timeline.")
    try:
        target = next_state(case.state, action)
    except TransitionNotAllowed as exc:  # say it in the caseworker's terms
        raise CaseActionRefused(str(exc)) from exc
    previous = case.state
    case.state = target
    case.updated_at = now
    if target in TERMINAL:
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
        data={**{k: str(v) for k, v in fields.items() if v is not None}, **(data or {})},
    )
    return case


# --- Fees ---------------------------------------------------------------------------------------


def fee_for(provider_id: int, on: datetime.date) -> FeeResult:
    """The provider's CQC fee on a day from the fee table: the scheme in force then, over its
    active locations."""
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


@dataclass(frozen=True)
class NoticeFee:
    """The amount a notice states, and what it is based on."""

    total: Decimal
    lines: tuple[str, ...]  # how the table's amount is made up, location by location
    source: str  # the fee table, or the recorded CQC figure and its evidence


def notice_fee(case: EnforcementCase, on: datetime.date) -> NoticeFee:
    """The fee a notice states: the provider's actual CQC fee where a caseworker recorded it
    with its evidence, else the fee table. Unknown is refused, never 0."""
    recorded = case.fees.first()
    if recorded is not None:
        return NoticeFee(recorded.amount, (), f"the fee shown on the {recorded.described}")
    fee = fee_for(case.provider_id, on)
    if not fee.known or fee.total is None:
        raise CaseActionRefused(
            "The fee is unknown: "
            + "; ".join(fee.problems)
            + ". Record the provider's CQC fee on the case (from its CQC invoice or the CQC fees "
            "calculator), or enter the band in the fee table."
        )
    return NoticeFee(
        fee.total,
        tuple(letters.fee_line_text(line) for line in fee.lines),
        f"the Care Quality Commission fee scheme in force on {on:%-d %B %Y}",
    )


# --- What notices cite --------------------------------------------------------------------------


def citable_breaches(case: EnforcementCase) -> list[Breach]:
    """The breaches a new notice of intent would rest on: escalating breaches of the last 12
    swept windows that no notice of intent has cited (never the same months twice)."""
    latest = (
        WindowSweep.objects.order_by("-window__period")
        .values_list("window__period", flat=True)
        .first()
    )
    if latest is None:
        return []
    first = latest.replace(year=latest.year - 1)
    return list(
        Breach.objects.filter(
            provider_id=case.provider_id,
            escalates=True,
            window__period__gt=first,
            window__period__lte=latest,
        )
        .exclude(citations__kind=Letter.Kind.NOTICE_OF_INTENT)
        .select_related("window", "location")
        .order_by("window__period", "location__name", "care_type")
    )


def _notice_of_intent(case: EnforcementCase) -> Letter:
    letter = case.letters.filter(kind=Letter.Kind.NOTICE_OF_INTENT).order_by("-created_at").first()
    if letter is None:
        raise CaseActionRefused("This case has no notice of intent.")
    return letter


def _cited_by(letter: Letter) -> list[Breach]:
    return list(
        letter.breaches.select_related("window", "location").order_by(
            "window__period", "location__name", "care_type"
        )
    )


def _check_sent_on(
    sent_on: datetime.date,
    today: datetime.date,
    *,
    not_before: datetime.date | None,
    after_what: str,
) -> None:
    """A notice is dated the day it is sent: never in the future, never before what it follows."""
    if sent_on > today:
        raise CaseActionRefused(
            f"The date sent cannot be in the future: today is {today:%A %-d %B %Y}. Record the "
            "notice on the day it is sent."
        )
    if not_before is not None and sent_on < not_before:
        raise CaseActionRefused(
            f"The date sent cannot be before {after_what} ({not_before:%A %-d %B %Y})."
        )


# --- Actions ------------------------------------------------------------------------------------


def case_log_contact(
    *, actor: User, case_id: int, method: str, summary: str, now: datetime.datetime
) -> CaseEvent:
    if not summary.strip():
        raise CaseActionRefused("Enter what was said.")
    with _locked_case(case_id, Activity.LOG_CONTACT) as case:
        return _record(
            case,
            actor=actor,
            action="contact_logged",
            now=now,
            reason=summary,
            data={"method": method},
        )


def case_record_fee(
    *,
    actor: User,
    case_id: int,
    amount: Decimal,
    source: str,
    evidence: str,
    checked_on: datetime.date,
    now: datetime.datetime,
) -> RecordedFee:
    """Record the provider's actual annual CQC fee, with its evidence, for this case's notices."""
    if amount is None or amount <= 0:
        raise CaseActionRefused("Enter the fee in pounds: it cannot be 0.")
    if source not in RecordedFee.Source.values:
        raise CaseActionRefused("Select where the fee comes from.")
    if not evidence.strip():
        raise CaseActionRefused("Enter the invoice number or what the fees calculator was given.")
    if checked_on > clock.local_date(now):
        raise CaseActionRefused("The date checked cannot be in the future.")
    with _locked_case(case_id, Activity.RECORD_FEE) as case:
        fee = RecordedFee.objects.create(
            case=case,
            amount=amount,
            source=source,
            evidence=evidence.strip(),
            checked_on=checked_on,
            recorded_at=now,
            recorded_by=actor,
        )
        _record(
            case,
            actor=actor,
            action="fee_recorded",
            now=now,
            reason=f"{letters.money(amount)} from the {fee.described}",
            data={"amount": str(amount), "source": source, "evidence": fee.evidence},
        )
    return fee


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
    today = clock.local_date(now)
    with _locked_case(case_id, Action.ISSUE_NOTICE_OF_INTENT) as case:
        if not case.noi_eligible:
            raise CaseActionRefused(
                "This provider has not yet missed enough windows for a notice of intent "
                f"({settings.NOI_CONSECUTIVE_MISSES} in a row or {settings.NOI_MISSES_IN_YEAR} in 12 months)."
            )
        breaches = citable_breaches(case)
        periods = {b.window.period for b in breaches}
        swept = WindowSweep.objects.values_list("window__period", flat=True)
        if not breaches or not noi_reason(
            periods,
            max(periods),
            swept,
            consecutive=settings.NOI_CONSECUTIVE_MISSES,
            in_year=settings.NOI_MISSES_IN_YEAR,
        ):
            raise CaseActionRefused(
                "The months not yet cited by an earlier notice of intent do not meet the policy "
                f"({settings.NOI_CONSECUTIVE_MISSES} in a row or {settings.NOI_MISSES_IN_YEAR} "
                "in 12 months)."
            )
        last_deadline = max(b.window.closes_local.date() for b in breaches)
        _check_sent_on(
            sent_on, today, not_before=last_deadline, after_what="the last missed deadline it cites"
        )
        fee = notice_fee(case, sent_on)
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
            decision="",
            decided_on=None,
            penalty_amount=fee.total,
            next_action_due=decision_due,
        )
        context = {
            **_notice_context(case, fee, reason=reason, sent_on=sent_on, breaches=breaches),
            "given_on": given_on,
            "method": method,
            "representations_due": last_day,
            "decision_due": decision_due,
        }
        _send_letter(
            case, Letter.Kind.NOTICE_OF_INTENT, context, actor=actor, now=now, cites=breaches
        )
    return case


def case_record_representation(
    *, actor: User, case_id: int, received_on: datetime.date, summary: str, now: datetime.datetime
) -> Representation:
    if not summary.strip():
        raise CaseActionRefused("Summarise the representation.")
    if received_on > clock.local_date(now):
        raise CaseActionRefused("The date received cannot be in the future.")
    with _locked_case(case_id, Activity.RECORD_REPRESENTATION) as case:
        if case.noi_sent_on and received_on < case.noi_sent_on:
            raise CaseActionRefused(
                f"The notice of intent was sent on {case.noi_sent_on:%A %-d %B %Y}: a representation "
                "about it cannot be received before then."
            )
        late = case.representations_due is not None and received_on > case.representations_due
        representation = Representation.objects.create(
            case=case,
            received_on=received_on,
            summary=summary.strip(),
            late=late,
            recorded_at=now,
            recorded_by=actor,
        )
        _record(
            case,
            actor=actor,
            action="representation_received",
            now=now,
            reason=summary,
            data={
                "received_on": received_on.isoformat(),
                "late": late,
                "representation": representation.pk,
            },
        )
    return representation


def case_decide(
    *,
    actor: User,
    case_id: int,
    excuse_accepted: bool,
    reason: str,
    now: datetime.datetime,
    considered: list[int] | tuple[int, ...] = (),
) -> EnforcementCase:
    """The decision on a notice of intent, after its representations period ends, or earlier
    only when representations have arrived and every one is recorded as considered."""
    if not reason.strip():
        raise CaseActionRefused("Give a reason: it is recorded on the case timeline.")
    today = clock.local_date(now)
    with _locked_case(case_id, Action.DECIDE_EXCUSE_ACCEPTED) as case:
        received = list(case.representations.select_for_update())
        considered_ids = {int(pk) for pk in considered}
        unknown = considered_ids - {r.pk for r in received}
        if unknown:
            raise CaseActionRefused("Only this case's representations can be considered.")
        in_time = [r for r in received if not r.late]
        missing = [r for r in in_time if r.pk not in considered_ids]
        if missing:
            raise CaseActionRefused(
                "Consider every representation received in time before deciding: "
                + "; ".join(f"received {r.received_on:%A %-d %B %Y}" for r in missing)
                + "."
            )
        period_over = case.representations_due is None or today > case.representations_due
        if not period_over and not received:
            raise CaseActionRefused(
                f"The representations period runs to {case.representations_due:%A %-d %B %Y}. "
                "You can decide before then only once the provider's representations are "
                "recorded and considered."
            )
        weighed = [r for r in received if r.pk in considered_ids]
        for r in weighed:
            r.considered_at, r.considered_by = now, actor
        Representation.objects.bulk_update(weighed, ["considered_at", "considered_by"])
        data = {
            "considered": [r.pk for r in weighed],
            "representations_due": case.representations_due.isoformat()
            if case.representations_due
            else "",
        }
        if excuse_accepted:
            _transition(
                case,
                Action.DECIDE_EXCUSE_ACCEPTED,
                actor=actor,
                now=now,
                reason=reason,
                data=data,
                decision="accepted",
                decided_on=today,
            )
            context = {
                **letters.base_context(case, today),
                "reason": reason,
                "noi": _notice_of_intent(case),
                "considered": weighed,
            }
            _send_letter(case, Letter.Kind.DECISION, context, actor=actor, now=now, cites=[])
            return case
        case.decision = "not_accepted"
        case.decided_on = today
        case.next_action_due = today
        case.updated_at = now
        case.save(update_fields=["decision", "decided_on", "next_action_due", "updated_at"])
        _record(
            case,
            actor=actor,
            action="decided_no_reasonable_excuse",
            now=now,
            reason=reason,
            data=data,
        )
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
    today = clock.local_date(now)
    with _locked_case(case_id, Action.ISSUE_FINAL_NOTICE) as case:
        if case.representations_due and sent_on <= case.representations_due:
            raise CaseActionRefused(
                f"The representations period runs to {case.representations_due:%A %-d %B %Y}: "
                "a final notice can only follow it."
            )
        _check_sent_on(sent_on, today, not_before=case.decided_on, after_what="the decision")
        account = settings.PENALTY_PAYMENT_ACCOUNT
        if not all(account.values()):
            raise CaseActionRefused(
                "The account penalties are paid into is not set (PENALTY_ACCOUNT_NAME, "
                "PENALTY_SORT_CODE, PENALTY_ACCOUNT_NUMBER): a final notice must say how to pay."
            )
        noi = _notice_of_intent(case)
        breaches = _cited_by(noi)
        # The penalty is the fee in force on the day it is imposed, not when the NOI went out.
        fee = notice_fee(case, sent_on)
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
            next_action_due=payment_due,
        )
        context = {
            **_notice_context(case, fee, reason=reason, sent_on=sent_on, breaches=breaches),
            "given_on": given_on,
            "method": method,
            "noi": noi,
            "noi_sent_on": case.noi_sent_on,
            "noi_given_on": case.noi_given_on,
            "payment_due": payment_due,
            "appeal_due": appeal_due,
        }
        _send_letter(case, Letter.Kind.FINAL_NOTICE, context, actor=actor, now=now, cites=breaches)
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
UPHOLDING = frozenset({Action.PANEL_UPHOLDS, Action.TRIBUNAL_CONFIRMS, Action.TRIBUNAL_VARIES})


def case_lodge_appeal(
    *,
    actor: User,
    case_id: int,
    body: str,
    lodged_on: datetime.date,
    reason: str,
    now: datetime.datetime,
) -> EnforcementCase:
    if lodged_on > clock.local_date(now):
        raise CaseActionRefused("The date the appeal was made cannot be in the future.")
    with _locked_case(case_id, APPEAL_ACTIONS[body]) as case:
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
    *,
    actor: User,
    case_id: int,
    outcome: str,
    reason: str,
    now: datetime.datetime,
    amount: Decimal | None = None,
) -> EnforcementCase:
    """Record the panel's or the Tribunal's decision and write to the provider. A penalty that
    stands (upheld, confirmed or varied) gets a new date to pay; a varied one its new amount."""
    today = clock.local_date(now)
    action = OUTCOME_ACTIONS[outcome]
    with _locked_case(case_id, action) as case:
        fields: dict[str, Any] = {}
        if action is Action.TRIBUNAL_VARIES:
            if amount is None or amount <= 0:
                raise CaseActionRefused("Enter the amount the Tribunal set: it cannot be 0.")
            fields["penalty_amount"] = amount
        elif amount is not None:
            raise CaseActionRefused("Only a varied notice has a new amount.")
        if action in UPHOLDING:
            fields["payment_due"] = today + datetime.timedelta(days=settings.PENALTY_PAYMENT_DAYS)
            # After the panel, a further appeal to the Tribunal within 28 days of its decision.
            fields["appeal_due"] = (
                deadlines.appeal_due(today) if action is Action.PANEL_UPHOLDS else None
            )
            fields["next_action_due"] = fields["payment_due"]
        previous_amount = case.penalty_amount
        _transition(case, action, actor=actor, now=now, reason=reason, **fields)
        context = {
            **letters.base_context(case, today),
            "outcome": outcome,
            "reason": reason,
            "amount": letters.money(case.penalty_amount),
            "previous_amount": letters.money(previous_amount),
            "payment_due": case.payment_due if action in UPHOLDING else None,
            "appeal_due": fields.get("appeal_due"),
            "final_notice": case.letters.filter(kind=Letter.Kind.FINAL_NOTICE).last(),
        }
        _send_letter(case, Letter.Kind.APPEAL_OUTCOME, context, actor=actor, now=now, cites=[])
    return case


def case_record_payment(
    *,
    actor: User,
    case_id: int,
    amount: Decimal,
    received_on: datetime.date,
    reference: str,
    now: datetime.datetime,
) -> EnforcementCase:
    if received_on > clock.local_date(now):
        raise CaseActionRefused("The date received cannot be in the future.")
    with _locked_case(case_id, Action.RECORD_PAYMENT) as case:
        # The amount due is the penalty as it stands now: after a variation, the new amount.
        if case.penalty_amount is not None and amount != case.penalty_amount:
            raise CaseActionRefused(
                f"The penalty due is {letters.money(case.penalty_amount)}; "
                f"{letters.money(amount)} was entered."
            )
        return _transition(
            case,
            Action.RECORD_PAYMENT,
            actor=actor,
            now=now,
            reason=f"Paid {letters.money(amount)} on {received_on:%A %-d %B %Y}, reference {reference or 'none'}",
            next_action_due=None,
        )


def case_withdraw(
    *, actor: User, case_id: int, reason: str, now: datetime.datetime
) -> EnforcementCase:
    with _locked_case(case_id, Action.WITHDRAW) as case:
        return _transition(case, Action.WITHDRAW, actor=actor, now=now, reason=reason)


def case_close(
    *, actor: User, case_id: int, reason: str, now: datetime.datetime
) -> EnforcementCase:
    with _locked_case(case_id, Action.CLOSE) as case:
        return _transition(case, Action.CLOSE, actor=actor, now=now, reason=reason)


def _notice_context(
    case: EnforcementCase,
    fee: NoticeFee,
    *,
    reason: str,
    sent_on: datetime.date,
    breaches: list[Breach],
) -> dict[str, Any]:
    """What both notices state: the amount, what it is based on, the months cited, and why."""
    return {
        **letters.base_context(case, sent_on),
        "amount": letters.money(fee.total),
        "fee_lines": fee.lines,
        "fee_source": fee.source,
        "cited": letters.cited_months(breaches),
        "reason": reason,
        "sent_on": sent_on,
    }


def _next_sequence(case: EnforcementCase, kind: str) -> int:
    return Letter.objects.filter(case=case, kind=kind).count() + 1


def _send_letter(
    case: EnforcementCase,
    kind: str,
    context: dict[str, Any],
    *,
    actor: User,
    now: datetime.datetime,
    cites: list[Breach],
) -> Letter:
    letter = letters.make_letter(
        case, kind, context, actor=actor, now=now, sequence=_next_sequence(case, kind)
    )
    letters.create_letters([letter], [cites])
    letters.queue_letter_emails([letter], now=now)
    _record(
        case,
        actor=actor,
        action="letter_sent",
        now=now,
        reason=letter.subject,
        data={"letter": letter.reference, "breaches": [b.pk for b in cites]},
    )
    return letter
