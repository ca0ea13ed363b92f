"""When a window closes: record breaches, move cases, close compliant ones, link cures.

Set-based throughout: a fixed number of queries per window whatever the number of locations
(the obligations, the returns, one bulk insert, the affected providers' history and cases).
Each window is swept once (WindowSweep), under an advisory lock, so a second or late run does
nothing more. Letters and emails are outbox rows written in the same transaction: nothing
goes out unless the sweep commits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery

from capacity_tracker.lib.db import advisory_xact_lock
from enforcement import letters
from enforcement.models import Breach, CaseEvent, EnforcementCase, WindowSweep
from enforcement.transitions import OPEN_STATES, Action, State, next_state
from providers.models import Location, Provider, RegistrationStatus
from returns.models import CollectionWindow, Return
from returns.selectors import with_status_on

SYSTEM = "system: breach sweep"


@dataclass
class SweepReport:
    windows: list[str] = field(default_factory=list)
    breaches: int = 0
    cases_opened: int = 0
    second_breaches: int = 0
    noi_eligible: int = 0
    closed_compliant: int = 0

    def __str__(self) -> str:
        swept = ", ".join(self.windows) or "none"
        return (
            f"windows swept: {swept}; {self.breaches} breaches, {self.cases_opened} cases opened, "
            f"{self.second_breaches} moved to second breach, {self.noi_eligible} newly eligible for a "
            f"notice of intent, {self.closed_compliant} closed after compliant windows"
        )


def sweep_due(*, now: datetime.datetime) -> SweepReport:
    """Sweep every closed window not yet swept, oldest first (catch-up after an outage)."""
    report = SweepReport()
    due = CollectionWindow.objects.filter(closes_at__lte=now, sweep__isnull=True).order_by("period")
    for window in due:
        sweep_window(window_id=window.pk, now=now, report=report)
    cure_breaches(now=now)
    return report


def escalates(window: CollectionWindow) -> bool:
    return window.opens_local.date() >= settings.ENFORCEMENT_START


def sweep_window(
    *, window_id: int, now: datetime.datetime, report: SweepReport | None = None
) -> SweepReport:
    report = report or SweepReport()
    with transaction.atomic():
        advisory_xact_lock("enforcement.sweep")
        window = CollectionWindow.objects.get(pk=window_id)
        if WindowSweep.objects.filter(window=window).exists():
            return report
        breaches = _record_breaches(window, now)
        WindowSweep.objects.create(window=window, swept_at=now, breaches=len(breaches))
        report.windows.append(window.period_key)
        report.breaches += len(breaches)
        if escalates(window):
            providers = {b.provider_id for b in breaches if b.escalates}
            _advance_cases(window, providers, now, report)
        _close_compliant(window, now, report)
    return report


def _record_breaches(window: CollectionWindow, now: datetime.datetime) -> list[Breach]:
    opened = window.opens_local.date()
    owing = with_status_on(Location.objects.all(), opened).filter(
        status_then=RegistrationStatus.ACTIVE, added_to_service_on__lte=opened
    )
    heads = {
        (h["location_id"], h["care_type"]): h
        for h in Return.objects.filter(window=window).values(
            "location_id", "care_type", "counted_id", "latest_id"
        )
    }
    breaches = []
    for pk, provider_id, care_home, home_care in owing.values_list(
        "pk", "provider_id", "offers_care_home", "offers_home_care"
    ).iterator(chunk_size=5000):
        for care_type, offered in (("care_home", care_home), ("home_care", home_care)):
            if not offered:
                continue
            head = heads.get((pk, care_type))
            if head and head["counted_id"]:
                continue
            late = head["latest_id"] if head else None  # saved after the close, before this sweep
            breaches.append(
                Breach(
                    location_id=pk,
                    provider_id=provider_id,
                    care_type=care_type,
                    window=window,
                    recorded_at=now,
                    escalates=escalates(window),
                    cured_by_id=late,
                    cured_at=now if late else None,
                )
            )
    Breach.objects.bulk_create(breaches, batch_size=5000, ignore_conflicts=True)
    return breaches


def _missed_periods(
    provider_ids: set[int], window: CollectionWindow
) -> dict[int, list[datetime.date]]:
    first = window.period.replace(year=window.period.year - 1)
    rows = (
        Breach.objects.filter(
            provider_id__in=provider_ids,
            escalates=True,
            window__period__gt=first,
            window__period__lte=window.period,
        )
        .values_list("provider_id", "window__period")
        .distinct()
    )
    missed: dict[int, list[datetime.date]] = {}
    for provider_id, period in rows:
        missed.setdefault(provider_id, []).append(period)
    return missed


def _consecutive_ending_at(
    periods: set[datetime.date], end: datetime.date, swept: list[datetime.date]
) -> int:
    """How many swept windows in a row, ending at ``end``, the provider missed."""
    count = 0
    for period in reversed([p for p in swept if p <= end]):
        if period not in periods:
            break
        count += 1
    return count


def _advance_cases(
    window: CollectionWindow, provider_ids: set[int], now: datetime.datetime, report: SweepReport
) -> None:
    if not provider_ids:
        return
    cases = {
        case.provider_id: case
        for case in EnforcementCase.objects.select_for_update().filter(
            provider_id__in=provider_ids, state__in=[s.value for s in OPEN_STATES]
        )
    }
    providers = Provider.objects.in_bulk(provider_ids)
    swept = sorted(WindowSweep.objects.values_list("window__period", flat=True))
    missed = _missed_periods(provider_ids, window)
    pending_events: list[
        tuple[EnforcementCase, str, str, str, str]
    ] = []  # case, action, from, to, reason
    new_cases: list[EnforcementCase] = []
    changed: list[EnforcementCase] = []
    seconds: list[EnforcementCase] = []
    for provider_id in sorted(provider_ids):
        case = cases.get(provider_id)
        if case is None:
            case = EnforcementCase(
                provider=providers[provider_id],
                reference=f"ENF-{window.period:%y%m}-{providers[provider_id].cqc_id[2:]}",
                state=State.FIRST_BREACH,
                opened_at=now,
                updated_at=now,
                last_breach_window=window,
            )
            new_cases.append(case)
            pending_events.append((case, "opened_first_breach", "", State.FIRST_BREACH, ""))
        elif case.last_breach_window_id != window.pk:
            case.last_breach_window = window
            case.updated_at = now
            if case.state == State.FIRST_BREACH:
                target = next_state(case.state, Action.SECOND_BREACH)
                pending_events.append((case, Action.SECOND_BREACH, case.state, target, ""))
                case.state = target
                seconds.append(case)
            else:
                pending_events.append((case, "breach_recorded", case.state, case.state, ""))
            changed.append(case)
        else:
            continue
        # The system proposes: flag the case when policy says a notice of intent may follow.
        periods = set(missed.get(provider_id, []))
        run = _consecutive_ending_at(periods, window.period, swept)
        why = ""
        if run >= settings.NOI_CONSECUTIVE_MISSES:
            why = f"missed {run} windows in a row"
        elif len(periods) >= settings.NOI_MISSES_IN_YEAR:
            why = f"missed {len(periods)} of the last 12 windows"
        if why and not case.noi_eligible:
            case.noi_eligible = True
            case.noi_eligible_reason = f"Eligible for a notice of intent: {why}."
            pending_events.append(
                (case, "noi_eligible", case.state, case.state, case.noi_eligible_reason)
            )
            report.noi_eligible += 1
    EnforcementCase.objects.bulk_create(new_cases)
    EnforcementCase.objects.bulk_update(
        changed,
        ["state", "updated_at", "last_breach_window", "noi_eligible", "noi_eligible_reason"],
    )
    CaseEvent.objects.bulk_create(
        _event(case, action, from_state, to_state, now, window, reason=reason)
        for case, action, from_state, to_state, reason in pending_events
    )
    report.cases_opened += len(new_cases)
    report.second_breaches += len(seconds)
    letters.queue_breach_letters(first=new_cases, second=seconds, window=window, now=now)


def _event(case, action, from_state, to_state, now, window, reason: str = "") -> CaseEvent:  # type: ignore[no-untyped-def]
    return CaseEvent(
        case=case,
        at=now,
        actor_label=SYSTEM,
        action=str(action),
        from_state=str(from_state),
        to_state=str(to_state),
        reason=reason,
        data={"window": window.period_key},
    )


def _close_compliant(window: CollectionWindow, now: datetime.datetime, report: SweepReport) -> None:
    """Close first- and second-breach cases after a run of windows with no breach."""
    swept = sorted(WindowSweep.objects.values_list("window__period", flat=True))
    cases = list(
        EnforcementCase.objects.select_for_update(of=("self",))
        .filter(state__in=[State.FIRST_BREACH, State.SECOND_BREACH])
        .select_related("last_breach_window")
    )
    closing = []
    for case in cases:
        last = case.last_breach_window.period if case.last_breach_window else None
        run = len([p for p in swept if last is None or p > last])
        if run >= settings.COMPLIANT_WINDOWS_TO_CLOSE:
            closing.append(case)
    events = []
    for case in closing:
        target = next_state(case.state, Action.CLOSE_COMPLIANT)
        events.append(
            _event(
                case,
                Action.CLOSE_COMPLIANT,
                case.state,
                target,
                now,
                window,
                reason=f"{settings.COMPLIANT_WINDOWS_TO_CLOSE} windows in a row returned on time.",
            )
        )
        case.state, case.closed_at, case.updated_at = target, now, now
    EnforcementCase.objects.bulk_update(closing, ["state", "closed_at", "updated_at"])
    CaseEvent.objects.bulk_create(events)
    report.closed_compliant += len(closing)


def cure_breaches(*, now: datetime.datetime) -> int:
    """Link each uncured breach to the first return saved for it after the window closed."""
    latest = Return.objects.filter(
        location_id=OuterRef("location_id"),
        care_type=OuterRef("care_type"),
        window_id=OuterRef("window_id"),
    ).values("latest_id")[:1]
    return (
        Breach.objects.filter(cured_by__isnull=True)
        .annotate(late=Subquery(latest))
        .filter(late__isnull=False)
        .update(cured_by_id=Subquery(latest), cured_at=now)
    )
