"""Caseworker pages (staff only, GOV.UK patterns): the queue, the case, its actions and
letters. Each action is one form calling one service. (The compliance release for NHSBSA
is in ``dissemination``.)"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render

from capacity_tracker.lib import clock
from enforcement import forms as case_forms
from enforcement import services
from enforcement.letters import letter_pdf
from enforcement.models import EnforcementCase, Letter
from enforcement.selectors import (
    breach_grid,
    case_deadlines,
    case_letters,
    case_queue,
    provider_history,
)
from enforcement.transitions import (
    LABELS,
    Action,
    Activity,
    State,
    cannot_at_stage,
    is_allowed,
)
from providers.access import role_of, role_required, signed_in_user
from providers.models import LocalAuthority, Location, Region, Role

READ_ROLES = (Role.CASEWORKER, Role.SUPPORT)


class QueueFilters(TypedDict):
    """The queue's filters, as ``case_queue`` takes them and the page shows them."""

    state: str
    region: str
    local_authority: str
    overdue: bool


@dataclass(frozen=True)
class CaseAction:
    """A caseworker action: its form's cleaned data are exactly the service's arguments. The page
    is offered when the transition table allows one of its steps from the case's stage (and the
    service's own condition on that step holds); nothing here restates a stage rule."""

    slug: str
    label: str
    form: type[case_forms.CaseForm]
    service: Callable[..., Any]
    steps: tuple[Action | Activity, ...]

    def refusal(self, case: EnforcementCase) -> str:
        """Why it cannot be taken on the case now, or "" when it can: the transition table
        first, then the service's condition on the steps the table allows."""
        allowed = [step for step in self.steps if is_allowed(case.state, step)]
        if not allowed:
            return cannot_at_stage(f"{self.label[0].lower()}{self.label[1:]}", case.state)
        reasons = [services.condition_refusal(case, step) for step in allowed]
        return reasons[0] if all(reasons) else ""

    def available(self, case: EnforcementCase) -> bool:
        return not self.refusal(case)


ACTIONS: dict[str, CaseAction] = {
    action.slug: action
    for action in (
        CaseAction(
            "log-contact",
            "Log a contact",
            case_forms.ContactForm,
            services.case_log_contact,
            (Activity.LOG_CONTACT,),
        ),
        CaseAction(
            "notice-of-intent",
            "Issue a notice of intent",
            case_forms.NoticeForm,
            services.case_issue_notice_of_intent,
            (Action.ISSUE_NOTICE_OF_INTENT,),
        ),
        CaseAction(
            "record-fee",
            "Record the provider's CQC fee",
            case_forms.FeeForm,
            services.case_record_fee,
            (Activity.RECORD_FEE,),
        ),
        CaseAction(
            "representation",
            "Record a representation",
            case_forms.RepresentationForm,
            services.case_record_representation,
            (Activity.RECORD_REPRESENTATION,),
        ),
        CaseAction(
            "decision",
            "Record the decision",
            case_forms.DecisionForm,
            services.case_decide,
            (Action.DECIDE_EXCUSE_ACCEPTED,),
        ),
        CaseAction(
            "final-notice",
            "Issue a final notice",
            case_forms.NoticeForm,
            services.case_issue_final_notice,
            (Action.ISSUE_FINAL_NOTICE,),
        ),
        CaseAction(
            "appeal",
            "Record an appeal",
            case_forms.AppealForm,
            services.case_lodge_appeal,
            tuple(services.APPEAL_ACTIONS.values()),
        ),
        CaseAction(
            "appeal-outcome",
            "Record the appeal outcome",
            case_forms.OutcomeForm,
            services.case_appeal_outcome,
            tuple(services.OUTCOME_ACTIONS.values()),
        ),
        CaseAction(
            "payment",
            "Record a payment",
            case_forms.PaymentForm,
            services.case_record_payment,
            (Action.RECORD_PAYMENT,),
        ),
        CaseAction(
            "withdraw",
            "Withdraw the case",
            case_forms.ReasonForm,
            services.case_withdraw,
            (Action.WITHDRAW,),
        ),
        CaseAction(
            "close", "Close the case", case_forms.ReasonForm, services.case_close, (Action.CLOSE,)
        ),
    )
}


# What the success banner says once an action is done: what happened, in the past tense.
DONE = {
    "log-contact": "Contact logged",
    "notice-of-intent": "Notice of intent issued",
    "record-fee": "CQC fee recorded",
    "representation": "Representation recorded",
    "decision": "Decision recorded",
    "final-notice": "Final notice issued",
    "appeal": "Appeal recorded",
    "appeal-outcome": "Appeal outcome recorded",
    "payment": "Payment recorded",
    "withdraw": "Case withdrawn",
    "close": "Case closed",
}


def _case(reference: str) -> EnforcementCase:
    return get_object_or_404(
        EnforcementCase.objects.select_related("provider", "last_breach_window"),
        reference=reference,
    )


@role_required(*READ_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    today = clock.local_date(clock.now())
    filters: QueueFilters = {
        "state": request.GET.get("state", "open"),
        "region": request.GET.get("region", ""),
        "local_authority": request.GET.get("local_authority", ""),
        "overdue": request.GET.get("overdue") == "1",
    }
    cases = case_queue(today=today, **filters)
    return render(
        request,
        "enforcement/queue.html",
        {
            "cases": cases,
            "filters": filters,
            "today": today,
            "states": [("open", "All open cases"), ("all", "All cases")]
            + [(s.value, LABELS[s]) for s in State],
            "regions": Region.objects.all(),
            "authorities": LocalAuthority.objects.all(),
        },
    )


@role_required(*READ_ROLES)
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(reference)
    today = clock.local_date(clock.now())
    windows, grid = breach_grid(case)
    can_act = role_of(request.user) is Role.CASEWORKER
    fee = services.fee_for(case.provider_id, today)
    all_cured = not case.provider.breaches.filter(escalates=True, cured_by__isnull=True).exists()
    history, events = provider_history(case)
    return render(
        request,
        "enforcement/case.html",
        {
            "case": case,
            "today": today,
            "windows": windows,
            "grid": grid,
            "events": events,
            "history": history,
            "letters": case_letters(case),
            "deadlines": case_deadlines(case, today),
            "representations": case.representations.all(),
            "recorded_fee": case.fees.first(),
            "citable": services.citable_breaches(case) if case.state == State.SECOND_BREACH else [],
            "locations": Location.objects.filter(provider=case.provider).select_related(
                "local_authority"
            ),
            "actions": [a for a in ACTIONS.values() if a.available(case)] if can_act else [],
            "fee": fee,
            "suggest_withdrawal": case.is_open and all_cured,
            "overdue": case.next_action_due is not None
            and case.next_action_due < today
            and case.is_open,
        },
    )


@role_required(Role.CASEWORKER)
def case_action(request: HttpRequest, reference: str, slug: str) -> HttpResponse:
    case = _case(reference)
    action = ACTIONS.get(slug)
    if action is None:
        raise Http404("There is no such action on a case.")
    why_not = action.refusal(case)
    if why_not:  # e.g. a second tab, or the case moved on: say why, change nothing
        return render(
            request,
            "enforcement/not_available.html",
            {"case": case, "action": action, "reason": why_not},
            status=403,
        )
    form = action.form(request.POST if request.method == "POST" else None, case=case)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            action.service(
                actor=signed_in_user(request),
                case_id=case.pk,
                now=clock.now(),
                **form.cleaned_data,
            )
        except services.CaseActionRefused as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, DONE[slug])
            return redirect("enforcement:case", reference=case.reference)
    return render(
        request,
        "enforcement/action.html",
        {"case": case, "action": action, "form": form, "error": error},
        status=400 if (error or form.errors) else 200,
    )


@role_required(*READ_ROLES)
def letter_download(
    request: HttpRequest, reference: str, letter_reference: str
) -> HttpResponseBase:
    letter = get_object_or_404(Letter, case__reference=reference, reference=letter_reference)
    return FileResponse(
        io.BytesIO(letter_pdf(letter)),
        as_attachment=True,
        filename=f"{letter.reference}.pdf",
        content_type="application/pdf",
    )


@role_required(*READ_ROLES)
def compliance_csv(request: HttpRequest) -> HttpResponse:
    """The old compliance CSV's address. The release (per location per window, with the
    at-risk list, for NHSBSA and councils) now lives with the other exports, read from the
    one selector ``dissemination.selectors.compliance`` and recorded in the disclosure
    register; bookmarks land on its page."""
    return redirect("dissemination:compliance")
