"""When a window closes: record breaches, move cases, close compliant ones, link cures.

Set-based throughout: a fixed number of queries per window whatever the number of locations
(one INSERT ... SELECT for the breaches, the affected providers' history and cases, bulk
writes). Each window is swept once (WindowSweep), under an advisory lock, so a second or late
run does nothing more.

The sweep's transaction holds only what must be atomic: breaches, the sweep record, case
moves and events, and the letters owed (each letter's row and the breaches it cites). Their
text, date and emails are written after it commits, in batches on the worker
(``letters.write_pending_letters``, queued by ``transaction.on_commit``; the scheduled sweep
job runs it too, so a lost task never leaves a letter unwritten). A catch-up of several
windows owes each provider one letter covering all of them, dated the day it is sent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery

from capacity_tracker.lib.db import advisory_xact_lock
from enforcement import letters
from enforcement.models import Breach, CaseEvent, EnforcementCase, Letter, WindowSweep
from enforcement.policy import noi_reason
from enforcement.transitions import ACTIVE_CYCLE, Action, State, next_state
from providers.models import Provider
from returns.models import CollectionWindow, Return
from returns.obligations import obligations
from returns.submission import wait_for_window_saves

# The breaches of one window in one statement: every owed (location, care type) whose return
# head has no counted version. A head saved after the close but before the sweep cures its
# breach at once. Only the providers of the new breaches come back to Python.
_BREACHES_SQL = """
WITH owed AS ({obligations}),
inserted AS (
    INSERT INTO {breach} (location_id, provider_id, care_type, window_id, recorded_at,
                          escalates, cured_by_id, cured_at)
    SELECT o.location_id, o.provider_id, o.care_type, o.window_id, %s, %s, r.latest_id,
           CASE WHEN r.latest_id IS NULL THEN NULL ELSE %s::timestamptz END
    FROM owed o
    LEFT JOIN {ret} r
      ON r.location_id = o.location_id AND r.care_type = o.care_type AND r.window_id = o.window_id
    WHERE r.counted_id IS NULL
    ON CONFLICT DO NOTHING
    RETURNING provider_id
)
SELECT count(*), coalesce(array_agg(DISTINCT provider_id), '{{}}') FROM inserted
"""

SYSTEM = "system: breach sweep"


@dataclass
class SweepReport:
    windows: list[str] = field(default_factory=list)
    breaches: int = 0
    cases_opened: int = 0
    second_breaches: int = 0
    noi_eligible: int = 0
    closed_compliant: int = 0
    letters_owed: int = 0

    def __str__(self) -> str:
        swept = ", ".join(self.windows) or "none"
        return (
            f"windows swept: {swept}; {self.breaches} breaches, {self.cases_opened} cases opened, "
            f"{self.second_breaches} moved to second breach, {self.noi_eligible} newly eligible for a "
            f"notice of intent, {self.closed_compliant} closed after compliant windows, "
            f"{self.letters_owed} letters to write"
        )


def sweep_due(*, now: datetime.datetime, dispatch_letters: bool = True) -> SweepReport:
    """Sweep every closed window not yet swept, oldest first (catch-up after an outage).

    One transaction for the whole catch-up, so that a provider who missed several of the
    windows being caught up is owed one letter that covers them all. ``dispatch_letters``
    False leaves the owed letters for the caller to write (``write_pending_letters``).
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
        _owe_letters(touched, now, report, dispatch=dispatch_letters)
    cure_breaches(now=now)
    return report


def sweep_window(
    *,
    window_id: int,
    now: datetime.datetime,
    report: SweepReport | None = None,
    dispatch_letters: bool = True,
) -> SweepReport:
    """Sweep one window (tests and the bench); the scheduled job uses ``sweep_due``."""
    report = report or SweepReport()
    with transaction.atomic():
        advisory_xact_lock("enforcement.sweep")
        window = CollectionWindow.objects.get(pk=window_id)
        touched: dict[int, _Touched] = {}
        _sweep_window(window, now, report, touched)
        _owe_letters(touched, now, report, dispatch=dispatch_letters)
    return report


def _owe_letters(
    touched: dict[int, _Touched], now: datetime.datetime, report: SweepReport, *, dispatch: bool
) -> None:
    if not touched:
        return
    owed = letters.owe_breach_letters(touched=list(touched.values()), now=now)
    report.letters_owed += owed
    if owed and dispatch:
        # After the commit, so the worker sees the letters; robust, so a broker that is down
        # costs only the minutes until the scheduled job writes them instead.
        transaction.on_commit(lambda: _dispatch_letter_writing(now), robust=True)


def _dispatch_letter_writing(now: datetime.datetime) -> None:
    from enforcement.tasks import write_pending_letters_task

    write_pending_letters_task.delay(now.isoformat())


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
    # Saves stamped inside the window may still be committing: wait for them, and hold back
    # later ones (stamped after the close, late) until this commits.
    wait_for_window_saves(window)
    count, provider_ids = _record_breaches(window, now)
    WindowSweep.objects.create(window=window, swept_at=now, breaches=count)
    report.windows.append(window.period_key)
    report.breaches += count
    if escalates(window):
        _advance_cases(window, set(provider_ids), now, report, touched)
    _close_compliant(window, now, report)


def _record_breaches(window: CollectionWindow, now: datetime.datetime) -> tuple[int, list[int]]:
    """A breach for every owed (location, care type) with no return counted in the window:
    how many, and the providers they belong to.

    Who owes is ``returns.obligations``: the same rule as the dashboard, the emails and the
    dissemination aggregates, embedded here as SQL.
    """
    if connection.vendor != "postgresql":
        return _record_breaches_portable(window, now)
    owed_sql, owed_params = obligations([window], extra=("provider_id",)).query.sql_with_params()
    sql = _BREACHES_SQL.format(
        obligations=owed_sql, breach=Breach._meta.db_table, ret=Return._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*owed_params, now, escalates(window), now])
        count, provider_ids = cursor.fetchone()
    return count, provider_ids


def _record_breaches_portable(
    window: CollectionWindow, now: datetime.datetime
) -> tuple[int, list[int]]:
    """The same breaches through the ORM, for the SQLite demo (no data-modifying CTEs)."""
    heads = {
        (h["location_id"], h["care_type"]): h
        for h in Return.objects.filter(window=window).values(
            "location_id", "care_type", "counted_id", "latest_id"
        )
    }
    breaches = []
    for owed in obligations([window], extra=("provider_id",)).iterator(chunk_size=5000):
        head = heads.get((owed["location_id"], owed["care_type"]))
        if head and head["counted_id"]:
            continue
        late = head["latest_id"] if head else None
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
    Breach.objects.bulk_create(breaches, batch_size=500, ignore_conflicts=True)
    return len(breaches), sorted({b.provider_id for b in breaches})


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
class _NewCase:
    """A case the sweep is opening: written with one INSERT, so no model instance is built
    for each of thousands of providers. Has what the loop below reads and writes of a case."""

    provider_id: int
    state: str = State.FIRST_BREACH
    noi_eligible: bool = False
    noi_eligible_reason: str = ""
    id: int | None = None
    reference: str = ""


@dataclass
class _Touched:
    """A case the sweep opened or moved in this run, and the windows it breached in."""

    case: EnforcementCase | _NewCase
    opened: bool = False
    moved_to_second: bool = False
    windows: list[CollectionWindow] = field(default_factory=list)


# (case, action, from state, to state, reason)
_Pending = tuple[EnforcementCase | _NewCase, str, str, str, str]


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
    earlier = set(
        EnforcementCase.objects.filter(provider_id__in=provider_ids)
        .exclude(state__in=[s.value for s in ACTIVE_CYCLE])
        .values_list("provider_id", flat=True)
    )
    swept = sorted(WindowSweep.objects.values_list("window__period", flat=True))
    missed = _uncited_periods(provider_ids, window)
    pending_events: list[_Pending] = []
    new_cases: list[_NewCase] = []
    changed: list[EnforcementCase] = []
    seconds = 0
    for provider_id in sorted(provider_ids):
        existing = cases.get(provider_id)
        case: EnforcementCase | _NewCase
        if existing is None:
            case = new_case = _NewCase(provider_id=provider_id)
            new_cases.append(new_case)
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
        elif existing.last_breach_window_id != window.pk:
            case = existing
            if case.state == State.FIRST_BREACH:
                target = next_state(case.state, Action.SECOND_BREACH)
                pending_events.append((case, Action.SECOND_BREACH, case.state, target, ""))
                case.state = target
                seconds += 1
                touched.setdefault(provider_id, _Touched(case=case)).moved_to_second = True
            else:
                pending_events.append((case, "breach_recorded", case.state, case.state, ""))
            changed.append(existing)
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
    _open_cases(new_cases, window, now)
    _update_cases(changed, window, now)
    _insert_events(pending_events, window, now)
    report.cases_opened += len(new_cases)
    report.second_breaches += seconds


# New cases, one statement: the reference is the window's month and the provider's CQC ID
# without its "1-" prefix (ENF-2611-300000123).
_OPEN_CASES_SQL = """
INSERT INTO {case} (provider_id, reference, state, opened_at, updated_at,
                    last_breach_window_id, noi_eligible, noi_eligible_reason, noi_method, decision)
SELECT p.id, 'ENF-' || %s || '-' || substr(p.cqc_id, 3), n.state, %s, %s, %s, n.noi, n.reason,
       '', ''
FROM unnest(%s::bigint[], %s::text[], %s::boolean[], %s::text[])
     WITH ORDINALITY AS n(provider_id, state, noi, reason, ord)
JOIN {provider} p ON p.id = n.provider_id
ORDER BY n.ord
RETURNING id, provider_id, reference
"""

_UPDATE_CASES_SQL = """
UPDATE {case} c
SET state = u.state, noi_eligible = u.noi, noi_eligible_reason = u.reason,
    updated_at = %s, last_breach_window_id = %s
FROM unnest(%s::bigint[], %s::text[], %s::boolean[], %s::text[]) AS u(id, state, noi, reason)
WHERE c.id = u.id
"""

# Events in the order they happened (ids follow it: the timeline sorts by time, then id).
_EVENTS_SQL = """
INSERT INTO {event} (case_id, at, actor_label, action, from_state, to_state, reason, data)
SELECT e.case_id, %s, %s, e.action, e.from_state, e.to_state, e.reason,
       jsonb_build_object('window', %s::text)
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
     WITH ORDINALITY AS e(case_id, action, from_state, to_state, reason, ord)
ORDER BY e.ord
"""


def _open_cases(
    new_cases: list[_NewCase], window: CollectionWindow, now: datetime.datetime
) -> None:
    if not new_cases:
        return
    sql = _OPEN_CASES_SQL.format(
        case=EnforcementCase._meta.db_table, provider=Provider._meta.db_table
    )
    by_provider = {case.provider_id: case for case in new_cases}
    if connection.vendor != "postgresql":  # the SQLite demo
        cqc_ids = dict(Provider.objects.filter(pk__in=by_provider).values_list("pk", "cqc_id"))
        for case in new_cases:
            row = EnforcementCase(
                provider_id=case.provider_id,
                reference=f"ENF-{window.period:%y%m}-{cqc_ids[case.provider_id][2:]}",
                state=case.state,
                opened_at=now,
                updated_at=now,
                last_breach_window=window,
                noi_eligible=case.noi_eligible,
                noi_eligible_reason=case.noi_eligible_reason,
            )
            row.save()
            case.id, case.reference = row.pk, row.reference
        return
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                f"{window.period:%y%m}",
                now,
                now,
                window.pk,
                [c.provider_id for c in new_cases],
                [str(c.state) for c in new_cases],
                [c.noi_eligible for c in new_cases],
                [c.noi_eligible_reason for c in new_cases],
            ],
        )
        for case_id, provider_id, reference in cursor.fetchall():
            by_provider[provider_id].id, by_provider[provider_id].reference = case_id, reference


def _update_cases(
    changed: list[EnforcementCase], window: CollectionWindow, now: datetime.datetime
) -> None:
    if not changed:
        return
    for case in changed:  # the objects stay true to the rows (the letters read them)
        case.last_breach_window, case.updated_at = window, now
    if connection.vendor != "postgresql":  # the SQLite demo
        EnforcementCase.objects.bulk_update(
            changed,
            ["state", "updated_at", "last_breach_window", "noi_eligible", "noi_eligible_reason"],
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _UPDATE_CASES_SQL.format(case=EnforcementCase._meta.db_table),
            [
                now,
                window.pk,
                [c.pk for c in changed],
                [str(c.state) for c in changed],
                [c.noi_eligible for c in changed],
                [c.noi_eligible_reason for c in changed],
            ],
        )


def _insert_events(
    pending: list[_Pending], window: CollectionWindow, now: datetime.datetime
) -> None:
    if not pending:
        return
    if connection.vendor != "postgresql":  # the SQLite demo
        CaseEvent.objects.bulk_create(
            _event(_saved_id(case), action, from_state, to_state, now, window, reason=reason)
            for case, action, from_state, to_state, reason in pending
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _EVENTS_SQL.format(event=CaseEvent._meta.db_table),
            [
                now,
                SYSTEM,
                window.period_key,
                [case.id for case, *_ in pending],
                [str(action) for _, action, *_ in pending],
                [str(from_state) for _, _, from_state, _, _ in pending],
                [str(to_state) for *_, to_state, _ in pending],
                [reason for *_, reason in pending],
            ],
        )


def _saved_id(case: EnforcementCase | _NewCase) -> int:
    """The id of a case already written (new cases have theirs once ``_open_cases`` ran)."""
    if case.id is None:
        raise ValueError(f"The case of provider {case.provider_id} has not been written yet.")
    return case.id


def _event(
    case: EnforcementCase | int,
    action: str,
    from_state: str,
    to_state: str,
    now: datetime.datetime,
    window: CollectionWindow,
    reason: str = "",
) -> CaseEvent:
    """An event of ``case`` (a case, or its id)."""
    return CaseEvent(
        **({"case_id": case} if isinstance(case, int) else {"case": case}),
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
    needed = settings.COMPLIANT_WINDOWS_TO_CLOSE
    if len(swept) < needed:
        return
    # A case can close only if its last breach is before the run of the latest ``needed``
    # swept windows: the database picks those few, not every open early case.
    cutoff = swept[-needed]
    cases = list(
        EnforcementCase.objects.select_for_update(of=("self",))
        .filter(state__in=[State.FIRST_BREACH, State.SECOND_BREACH])
        .filter(Q(last_breach_window__isnull=True) | Q(last_breach_window__period__lt=cutoff))
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
