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


# What each action code means, in the words the audit trail shows people. Every code written
# anywhere in the project has a label here (tests/providers/test_audit_labels.py reads the code for
# them), so no one is shown "providers.contact.confirmed".
ACTION_LABELS: dict[str, str] = {
    "api.grant.changed": "Supplier's locations changed",
    "api.grant.given": "Supplier given access",
    "api.grant.revoked": "Supplier's access removed",
    "api.key.created": "API key created",
    "api.key.revoked": "API key revoked",
    "dissemination.disclosure.recorded": "Data shared",
    "enforcement.case.close": "Case closed",
    "enforcement.case.close_compliant": "Case closed: returns sent on time again",
    "enforcement.case.contact_logged": "Contact with the provider recorded",
    "enforcement.case.decide_excuse_accepted": "Reasonable excuse accepted",
    "enforcement.case.decided_no_reasonable_excuse": "Decided: no reasonable excuse",
    "enforcement.case.fee_recorded": "CQC fee recorded",
    "enforcement.case.issue_final_notice": "Final notice issued",
    "enforcement.case.issue_notice_of_intent": "Notice of intent issued",
    "enforcement.case.letter_sent": "Letter sent",
    "enforcement.case.lodge_panel_appeal": "Appeal to the panel lodged",
    "enforcement.case.lodge_tribunal_appeal": "Appeal to the tribunal lodged",
    "enforcement.case.panel_quashes": "Panel quashed the penalty",
    "enforcement.case.panel_upholds": "Panel upheld the penalty",
    "enforcement.case.record_payment": "Payment recorded",
    "enforcement.case.representation_received": "Representations received",
    "enforcement.case.second_breach": "Second breach",
    "enforcement.case.tribunal_confirms": "Tribunal confirmed the penalty",
    "enforcement.case.tribunal_quashes": "Tribunal quashed the penalty",
    "enforcement.case.tribunal_varies": "Tribunal changed the penalty",
    "enforcement.case.withdraw": "Case withdrawn",
    "providers.contact.added": "Contact added",
    "providers.contact.changed": "Contact changed",
    "providers.contact.confirmed": "Contacts confirmed",
    "providers.contact.removed": "Contact removed",
    "providers.cqc_import.applied": "CQC data imported",
    "providers.cqc_import.apply_requested": "CQC import started",
    "providers.cqc_import.previewed": "CQC import checked",
    "providers.email.resent": "Email sent again",
    "providers.location.active": "Registration active",
    "providers.location.created": "Location added from CQC data",
    "providers.location.deregistered": "Deregistered",
    "providers.location.details_changed": "Details changed",
    "providers.location.dormant": "Registration dormant",
    "providers.location.updated": "Details updated from CQC data",
    "providers.provider.created": "Provider added from CQC data",
    "providers.provider.deregistered": "Provider deregistered",
    "providers.provider.updated": "Provider updated from CQC data",
    "providers.user.access_changed": "Role or access changed",
    "providers.user.approved": "User approved",
    "providers.user.backup_codes_renewed": "Backup codes renewed",
    "providers.user.councils_changed": "Councils the user can see changed",
    "providers.user.locations_changed": "Locations the user can access changed",
    "providers.user.password_reset": "Password reset",
    "providers.user.registered": "User registered",
    "providers.user.registration_repeated": "User tried to register again",
    "providers.user.rejected": "User turned down",
    "providers.user.two_factor_reset": "Two-factor sign-in reset",
    "providers.user.two_factor_set_up": "Two-factor sign-in set up",
    "returns.bulk_upload.applied": "Returns saved from a file",
    "returns.bulk_upload.uploaded": "File of returns uploaded",
    "returns.campaign_month.changed": "Campaign month changed",
    "returns.draft.confirmed": "Figures from software confirmed",
    "returns.draft.discarded": "Figures from software discarded",
    "returns.draft.received": "Figures received from software",
    "returns.return.full": "Return sent",
    "returns.return.nil": "Nil return sent",
    "returns.return.unchanged": "Figures confirmed",
    "returns.window.overridden": "Collection window dates changed",
    "returns.window.reset": "Collection window dates reset",
}


def action_label(action: str) -> str:
    """The plain words for an action code. A code with no label (a new one the mapping missed)
    still reads as words, not a dotted code: "Something else happened" beats a bare identifier."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    last = action.rsplit(".", 1)[-1].replace("_", " ").strip()
    return last[:1].upper() + last[1:] if last else "Change"
