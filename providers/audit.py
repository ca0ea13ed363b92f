"""Writing the audit trail. Every service that changes state calls one of these.

AuditEvent is the log of business events. The row-level history of the same changes is written
by database triggers (capacity_tracker/lib/history.py); the reason given here is added to that
history's context too, so the rows changed by the request or job carry it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from capacity_tracker.lib import history
from providers.models import AuditEvent, User

SYSTEM = "system"


def actor_label_for(actor: User | None, label: str | None = None) -> str:
    """Who did it, as the audit trail and the case timeline write it: the label given, else
    "Full Name <email>", else "system" when no one did."""
    if label:
        return label
    if actor is None:
        return SYSTEM
    return f"{actor.get_full_name()} <{actor.email}>"


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    history.add_reason(reason)
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor_label_for(actor, actor_label),
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_label=str(target)[:255],
        reason=reason,
        data=dict(data or {}),
    )


def audit_record_many(
    *,
    actor: User | None,
    action: str,
    targets: Iterable[tuple[models.Model, Mapping[str, Any]]],
    reason: str = "",
    actor_label: str | None = None,
) -> int:
    """One row per target in a single INSERT: for sweeps and imports that change many rows."""
    history.add_reason(reason)
    label = actor_label_for(actor, actor_label)
    rows = [
        AuditEvent(
            actor=actor,
            actor_label=label,
            action=action,
            target_type=ContentType.objects.get_for_model(target),  # cached by Django
            target_id=str(target.pk),
            target_label=str(target)[:255],
            reason=reason,
            data=dict(data),
        )
        for target, data in targets
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def audit_trail_for(target: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
