"""Every write in returns: one transaction each, audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from providers.audit import audit_record
from providers.models import User
from returns import window_cache
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow
from returns.selectors import window_from_rules

# How far ahead the scheduled job keeps windows, so providers and staff can see them coming.
MONTHS_AHEAD = 12


class WindowNotStored(Exception):
    """A save for a month whose window was never stored, and that we must not store now."""


def windows_ensure(*, periods: list[Period]) -> int:
    """Create any missing windows from the rules; never touches existing (maybe overridden) ones.

    Safe to run any number of times and concurrently: the unique period makes a second insert
    of the same month a no-op.
    """
    before = CollectionWindow.objects.filter(period__in=[p.first_day() for p in periods]).count()
    CollectionWindow.objects.bulk_create(
        [window_from_rules(p) for p in periods], ignore_conflicts=True, batch_size=500
    )
    after = CollectionWindow.objects.filter(period__in=[p.first_day() for p in periods]).count()
    if after != before:
        # bulk_create sends no signals: every process's window cache must learn of the rows.
        window_cache.bump_after_commit()
    return after - before


def windows_ensure_ahead(*, now: datetime.datetime, months: int = MONTHS_AHEAD) -> int:
    """The scheduled job: this month's window and the next ``months``."""
    period = Period.of(now.astimezone(LONDON).date())
    periods = [period]
    for _ in range(months):
        period = period.next()
        periods.append(period)
    return windows_ensure(periods=periods)


def window_storable(period: Period, *, now: datetime.datetime) -> bool:
    """Whether a save may store ``period``'s window: one the scheduled job stores at ``now``."""
    return period >= Period.of(now.astimezone(LONDON).date())


def window_for_saving(*, period: Period, now: datetime.datetime) -> CollectionWindow:
    """The stored window a save (a POST) needs, to be called inside the save's transaction.

    Normally the scheduled job stored it already. If the job has not run yet (a new deployment,
    beat down), a month it would store (this month or later) is stored here, exactly as the job
    would. An earlier month is refused: storing a window that has closed would make the next
    breach sweep record a breach for every location that "missed" it.
    """
    stored = CollectionWindow.objects.filter(period=period.first_day()).first()
    if stored is not None:
        return stored
    if not window_storable(period, now=now):
        raise WindowNotStored(
            f"Returns for {period.label()} cannot be saved: this service did not run that "
            "month's collection."
        )
    windows_ensure(periods=[period])
    return CollectionWindow.objects.get(period=period.first_day())


def window_override(
    *,
    actor: User,
    window_id: int,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    reason: str,
    now: datetime.datetime,
) -> CollectionWindow:
    """Move a window's open or close instant (an outage, a national event), with a reason;
    ``now`` is when, recorded as ``overridden_at``."""
    if not reason.strip():
        raise ValidationError({"override_reason": "Give a reason for changing the window."})
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise ValidationError("Window instants must include a time zone.")
    if opens_at >= closes_at:
        raise ValidationError({"closes_at": "The window must close after it opens."})
    with transaction.atomic():
        window = CollectionWindow.objects.select_for_update().get(pk=window_id)
        before = {
            "opens_at": window.opens_at.isoformat(),
            "closes_at": window.closes_at.isoformat(),
        }
        window.opens_at = opens_at
        window.closes_at = closes_at
        # closes_at is exclusive: the last day is the London date of the instant just before it.
        window.last_day = (closes_at - datetime.timedelta(microseconds=1)).astimezone(LONDON).date()
        back_to_rules = opens_at == window.rule_opens_at and closes_at == window.rule_closes_at
        window.overridden = not back_to_rules
        window.override_reason = "" if back_to_rules else reason.strip()
        window.overridden_by = None if back_to_rules else actor
        window.overridden_at = None if back_to_rules else now
        window.full_clean()
        window.save()
        audit_record(
            actor=actor,
            action="returns.window.overridden" if window.overridden else "returns.window.reset",
            target=window,
            reason=reason,
            data={
                "before": before,
                "after": {"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()},
            },
        )
    return window
