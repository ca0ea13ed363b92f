"""Reads for the caseworker pages. (The NHSBSA compliance release reads
``dissemination.selectors.compliance``.)"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from enforcement.models import Breach, CaseEvent, EnforcementCase, Letter
from enforcement.transitions import OPEN_STATES, State
from providers.models import CareType, Location
from returns.models import CollectionWindow
from returns.obligations import obligations


def case_queue(
    *,
    state: str = "",
    region: str = "",
    local_authority: str = "",
    overdue: bool = False,
    today: datetime.date,
) -> QuerySet[EnforcementCase]:
    cases = EnforcementCase.objects.select_related("provider", "last_breach_window")
    if state == "open" or not state:
        cases = cases.filter(state__in=[s.value for s in OPEN_STATES])
    elif state != "all":
        cases = cases.filter(state=state)
    if region:
        cases = cases.filter(provider__locations__local_authority__region__ons_code=region)
    if local_authority:
        cases = cases.filter(provider__locations__local_authority__ons_code=local_authority)
    if overdue:
        cases = cases.filter(next_action_due__lt=today)
    return cases.distinct().order_by("next_action_due", "-updated_at")[:500]


@dataclass(frozen=True)
class GridRow:
    location: Location
    care_type: str
    cells: list[str]  # per window: "missed", "cured", "ok"

    @property
    def care_type_label(self) -> str:
        return CareType(self.care_type).label


def breach_grid(
    case: EnforcementCase, *, months: int = 12
) -> tuple[list[CollectionWindow], list[GridRow]]:
    """Windows x (location, care type) for the provider: missed, cured later, returned, or
    not owed (not yet added to the service, dormant, deregistered) that month."""
    windows = list(
        CollectionWindow.objects.filter(sweep__isnull=False).order_by("-period")[:months]
    )[::-1]
    breaches = {
        (b.location_id, b.care_type, b.window_id): b
        for b in Breach.objects.filter(provider=case.provider, window__in=windows)
    }
    locations = Location.objects.filter(provider=case.provider)
    owed = {
        (o["location_id"], o["care_type"], o["window_id"])
        for o in (obligations(windows, locations=locations) if windows else [])
    }
    rows = []
    for location in locations.order_by("name"):
        for care_type in location.care_types:
            cells = []
            for window in windows:
                key = (location.pk, care_type, window.pk)
                breach = breaches.get(key)
                if breach is not None:
                    cells.append("cured" if breach.cured_by_id else "missed")
                else:
                    cells.append("ok" if key in owed else "not_owed")
            rows.append(GridRow(location, care_type, cells))
    return windows, rows


@dataclass(frozen=True)
class Deadline:
    label: str
    due: datetime.date
    when_passed: str  # what happens when it passes, in the caseworker's words
    passed: bool
    overdue: bool  # passed while the thing it waits for is still outstanding


def case_deadlines(case: EnforcementCase, today: datetime.date) -> list[Deadline]:
    """Every deadline on the case, each saying what happens when it passes."""
    state = State(case.state)
    rows: list[Deadline] = []
    if case.representations_due:
        rows.append(
            Deadline(
                "Representations period ends",
                case.representations_due,
                "The decision can be made from the next day. Representations received later are "
                "recorded as late and need not be considered.",
                today > case.representations_due,
                False,
            )
        )
    if case.decision_due:
        waiting = state is State.NOTICE_OF_INTENT and not case.decision
        rows.append(
            Deadline(
                "Decision due",
                case.decision_due,
                "The decision must be made within 28 days of the end of the representations "
                "period. Once this passes the case is overdue: decide now, or withdraw the notice.",
                today > case.decision_due,
                waiting and today > case.decision_due,
            )
        )
    if case.payment_due:
        waiting = state is State.FINAL_NOTICE
        rows.append(
            Deadline(
                "Payment due",
                case.payment_due,
                "If the penalty is not paid by this date and no appeal is made, it can be "
                "recovered through the county court as a debt.",
                today > case.payment_due,
                waiting and today > case.payment_due,
            )
        )
    if case.appeal_due:
        rows.append(
            Deadline(
                "Appeal must be made by",
                case.appeal_due,
                "An appeal made after this date is late: the panel or Tribunal decides whether to "
                "hear it. Until an appeal is made the penalty remains payable.",
                today > case.appeal_due,
                False,
            )
        )
    return rows


def provider_history(case: EnforcementCase) -> tuple[list[EnforcementCase], list[CaseEvent]]:
    """All the provider's cases (its cycles of enforcement) and one timeline across them."""
    cases = list(
        EnforcementCase.objects.filter(provider_id=case.provider_id).order_by("opened_at", "pk")
    )
    events = list(
        CaseEvent.objects.filter(case__provider_id=case.provider_id)
        .select_related("case")
        .order_by("at", "id")
    )
    return cases, events


def case_letters(case: EnforcementCase) -> list[Letter]:
    """The case's letters, each with the breaches it cites."""
    return list(
        case.letters.prefetch_related(
            Prefetch(
                "breaches",
                queryset=Breach.objects.select_related("window", "location").order_by(
                    "window__period", "location__name"
                ),
            )
        )
    )
