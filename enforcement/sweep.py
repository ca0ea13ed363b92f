"""When a window closes: record breaches, move cases, close compliant ones, link cures.

Set-based throughout: a fixed number of queries per window whatever the number of locations
(the obligations, the returns, one bulk insert, the affected providers' history and cases).
Each window is swept once (WindowSweep), under an advisory lock, so a second or late run does
nothing more. Letters and emails are outbox rows written in the same transaction: nothing
goes out unless the sweep commits. A catch-up of several windows sends each provider one
letter covering all of them, dated the day it is sent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery

from capacity_tracker.lib.db import advisory_xact_lock
from enforcement import letters
from enforcement.models import Breach, CaseEvent, EnforcementCase, Letter, WindowSweep
from enforcement.policy import noi_reason
from enforcement.transitions import ACTIVE_CYCLE, Action, State, next_state
from providers.models import Provider
from returns.models import CollectionWindow, Return
from returns.obligations import obligations

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
    """Sweep every closed window not yet swept, oldest first (catch-up after an outage).

    One transaction for the whole catch-up, so that a provider who missed several of the
    windows being caught up gets one letter that covers them all, dated the day it is sent.
    """
    report = SweepReport()
    with transaction.atomic():
        advisory_xact_lock("enforcement.sweep")
        due = list(
            CollectionWindow.objects.filter(closes_at__lte=now, sweep__isnull=True).order_by(
                "period"
            )
        )
        touched: dict[int, _Touched] = {}
        for window in due:
            _sweep_window(window, now, report, touched)
        if touched:
            letters.queue_breach_letters(touched=list(touched.values()), now=now)
    cure_breaches(now=now)
    return report


def sweep_window(
    *, window_id: int, now: datetime.datetime, report: SweepReport | None = None
) -> SweepReport:
    """Sweep one window (tests and the bench); the scheduled job uses ``sweep_due``."""
    report = report or SweepReport()
    with transaction.atomic():
        advisory_xact_lock("enforcement.sweep")
        window = CollectionWindow.objects.get(pk=window_id)
        touched: dict[int, _Touched] = {}
        _sweep_window(window, now, report, touched)
        if touched:
            letters.queue_breach_letters(touched=list(touched.values()), now=now)
    return report


def escalates(window: CollectionWindow) -> bool:
    """Breaches of windows before enforcement began are recorded but never escalate."""
    return window.opens_local.date() >= settings.ENFORCEMENT_START


def _sweep_window(
    window: CollectionWindow,
    now: datetime.datetime,
    report: SweepReport,
    touched: dict[int, _Touched],
) -> None:
    if WindowSweep.objects.filter(window=window).exists():
        return
    breaches = _record_breaches(window, now)
    WindowSweep.objects.create(window=window, swept_at=now, breaches=len(breaches))
    report.windows.append(window.period_key)
    report.breaches += len(breaches)
    if escalates(window):
        providers = {b.provider_id for b in breaches if b.escalates}
        _advance_cases(window, providers, now, report, touched)
    _close_compliant(window, now, report)


def _record_breaches(window: CollectionWindow, now: datetime.datetime) -> list[Breach]:
    """A breach for every owed (location, care type) with no return counted in the window.

    Who owes is ``returns.obligations``: the same rule as the dashboard, the emails and the
    dissemination aggregates.
    """
    heads = {
        (h["location_id"], h["care_type"]): h
        for h in Return.objects.filter(window=window).values(
            "location_id", "care_type", "counted_id", "latest_id"
        )
    }
    breaches = []
    for owed in obligations([window], extra=("provider_id",)).iterator(chunk_size=5000):
        key = (owed["location_id"], owed["care_type"])
        head = heads.get(key)
        if head and head["counted_id"]:
            continue
        late = head["latest_id"] if head else None  # saved after the close, before this sweep
        breaches.append(
            Breach(
                location_id=owed["location_id"],
                provider_id=owed["provider_id"],
                care_type=owed["care_type"],
                window=window,
                recorded_at=now,
                escalates=escalates(window),
                cured_by_id=late,
                cured_at=now if late else None,
            )
        )
    Breach.objects.bulk_create(breaches, batch_size=5000, ignore_conflicts=True)
    return breaches


def _uncited_periods(
    provider_ids: set[int], window: CollectionWindow
) -> dict[int, set[datetime.date]]:
    """Per provider, the escalating missed periods of the last 12 months that no notice of
    intent has cited yet: only these can found a new notice of intent."""
    first = window.period.replace(year=window.period.year - 1)
    rows = (
        Breach.objects.filter(
            provider_id__in=provider_ids,
            escalates=True,
            window__period__gt=first,
            window__period__lte=window.period,
        )
        .exclude(citations__kind=Letter.Kind.NOTICE_OF_INTENT)
        .values_list("provider_id", "window__period")
        .distinct()
    )
    missed: dict[int, set[datetime.date]] = {}
    for provider_id, period in rows:
        missed.setdefault(provider_id, set()).add(period)
    return missed


@dataclass
class _Touched:
    """A case the sweep opened or moved in this run, and the windows it breached in."""

    case: EnforcementCase
    opened: bool = False
    moved_to_second: bool = False
    windows: list[CollectionWindow] = field(default_factory=list)


def _advance_cases(
    window: CollectionWindow,
    provider_ids: set[int],
    now: datetime.datetime,
    report: SweepReport,
    touched: dict[int, _Touched],
) -> None:
    if not provider_ids:
        return
    cases = {
        case.provider_id: case
        for case in EnforcementCase.objects.select_for_update().filter(
            provider_id__in=provider_ids, state__in=[s.value for s in ACTIVE_CYCLE]
        )
    }
    providers = Provider.objects.in_bulk(provider_ids)
    earlier = set(
        EnforcementCase.objects.filter(provider_id__in=provider_ids)
        .exclude(state__in=[s.value for s in ACTIVE_CYCLE])
        .values_list("provider_id", flat=True)
    )
    swept = sorted(WindowSweep.objects.values_list("window__period", flat=True))
    missed = _uncited_periods(provider_ids, window)
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
            again = provider_id in earlier
            pending_events.append(
                (
                    case,
                    "new_cycle_opened" if again else "opened_first_breach",
                    "",
                    State.FIRST_BREACH,
                    "The provider had an earlier enforcement case." if again else "",
                )
            )
            touched[provider_id] = _Touched(case=case, opened=True)
        elif case.last_breach_window_id != window.pk:
            case.last_breach_window = window
            case.updated_at = now
            if case.state == State.FIRST_BREACH:
                target = next_state(case.state, Action.SECOND_BREACH)
                pending_events.append((case, Action.SECOND_BREACH, case.state, target, ""))
                case.state = target
                seconds.append(case)
                touched.setdefault(provider_id, _Touched(case=case)).moved_to_second = True
            else:
                pending_events.append((case, "breach_recorded", case.state, case.state, ""))
            changed.append(case)
        else:
            continue
        if provider_id in touched:
            touched[provider_id].windows.append(window)
        # The system proposes: flag the case when the policy is met by breaches that no notice
        # of intent has cited yet.
        why = noi_reason(
            missed.get(provider_id, set()),
            window.period,
            swept,
            consecutive=settings.NOI_CONSECUTIVE_MISSES,
            in_year=settings.NOI_MISSES_IN_YEAR,
        )
        if why and not case.noi_eligible and case.state != State.NOTICE_OF_INTENT:
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
