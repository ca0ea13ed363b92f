"""CQC directory files uploaded in admin: check and preview, then apply on the worker.

1. ``cqc_upload_create``: the file is read and checked completely and compared with what we
   hold, without writing any provider or location; the file's bytes and the preview are kept
   on a ``CqcImport`` row ("previewed").
2. ``cqc_upload_request_apply`` (the Apply button): claims the row under a row lock
   ("applying") and queues the worker once that commits. A second click, or a second person,
   finds it no longer "previewed" and changes nothing.
3. ``cqc_upload_apply`` (the worker, providers/tasks.py): reads the same bytes again and
   applies them in one transaction. What we hold may have changed since the preview, so the
   changes are worked out again, and the result page shows what was really done.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.db import transaction

from capacity_tracker.lib import clock
from providers.audit import audit_record
from providers.cqc_apply import CqcPlan, cqc_import_apply, cqc_import_plan, rejections_json
from providers.cqc_import import LocalAuthorityResolver, ParsedExtract, parse_extract
from providers.models import CqcImport, LocalAuthority, Location, User

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # CQC's national files are 10 to 30 MB
PREVIEW_LIMIT = 1000  # rows kept per list for the preview page; the counts are always complete
FIELD_LABELS = {
    "provider": "Provider (CQC ID)",
    "local_authority": "Local authority",
    **{f.name: str(f.verbose_name).capitalize() for f in Location._meta.fields},
}


class CqcUploadNotReady(Exception):
    """The import is not waiting to be applied (applied already, or never asked for)."""


def _parse(content: bytes) -> ParsedExtract:
    resolver = LocalAuthorityResolver(list(LocalAuthority.objects.all()))
    return parse_extract(content, resolver)


def _changes_json(changes: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [
        {"field": FIELD_LABELS.get(name, name), "old": old, "new": new}
        for name, (old, new) in changes.items()
    ]


def preview_json(plan: CqcPlan) -> dict[str, Any]:
    """What the preview page lists: the first ``PREVIEW_LIMIT`` rows of each kind."""
    limit = PREVIEW_LIMIT
    return {
        "limit": limit,
        "locations_new": [
            {
                "row": row.row,
                "location_id": loc.cqc_id,
                "name": loc.name,
                "provider_id": row.provider_id,
                "provider_name": row.provider_name,
                "local_authority": row.local_authority.name,
                "care_types": [str(t.label) for t in loc.care_types],
            }
            for row, loc in plan.locations_new[:limit]
        ],
        "locations_changed": [
            {
                "row": row.row,
                "location_id": loc.cqc_id,
                "name": loc.name,
                "changes": _changes_json(changes),
            }
            for row, loc, changes in plan.locations_changed[:limit]
        ],
        "locations_deregistered": [
            {"location_id": loc.cqc_id, "name": loc.name, "status": loc.status}
            for loc in plan.locations_gone[:limit]
        ],
        "providers_new": [
            {"provider_id": p.cqc_id, "name": p.name} for p in plan.providers_new[:limit]
        ],
        "providers_changed": [
            {"provider_id": p.cqc_id, "name": p.name, "changes": _changes_json(changes)}
            for p, changes in plan.providers_changed[:limit]
        ],
        "providers_deregistered": [
            {"provider_id": p.cqc_id, "name": p.name} for p in plan.providers_gone[:limit]
        ],
        "out_of_scope": [
            {"row": row, "location_id": location_id}
            for row, location_id in plan.report.out_of_scope[:limit]
        ],
        "changes_anything": plan.report.changes_anything,
    }


def _label(user: User) -> str:
    return f"{user.get_full_name()} <{user.email}>"[:200]


def cqc_upload_create(
    *,
    actor: User,
    file_name: str,
    content: bytes,
    full_extract: bool,
    as_of: datetime.date,
) -> CqcImport:
    """Check a file and store it with its preview. Raises ``CsvFileError`` for a file that
    cannot be used as a whole (nothing is stored then). Writes no provider or location."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValueError(f"The file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB.")
    parsed = _parse(content)
    plan = cqc_import_plan(parsed=parsed, full_extract=full_extract, as_of=as_of)
    with transaction.atomic():
        record = CqcImport.objects.create(
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            full_extract=full_extract,
            as_of=as_of,
            run_by=_label(actor),
            uploaded_by=actor,
            status=CqcImport.Status.PREVIEWED,
            content=content,
            counts=plan.report.counts(),
            rejected=rejections_json(plan.report.rejected),
            preview=preview_json(plan),
        )
        audit_record(
            actor=actor,
            action="providers.cqc_import.previewed",
            target=record,
            data={"sha256": record.sha256, "full_extract": full_extract, **record.counts},
        )
    return record


def cqc_upload_request_apply(*, actor: User, import_id: int, reason: str = "") -> bool:
    """Claim a previewed import for the worker; False if it is not waiting (a second click)."""
    with transaction.atomic():
        record = CqcImport.objects.select_for_update(of=("self",)).get(pk=import_id)
        if record.status != CqcImport.Status.PREVIEWED:
            return False
        record.status = CqcImport.Status.APPLYING
        record.applied_by = actor
        record.apply_reason = reason.strip()
        record.save(update_fields=["status", "applied_by", "apply_reason"])
        audit_record(
            actor=actor,
            action="providers.cqc_import.apply_requested",
            target=record,
            reason=record.apply_reason,
        )
        # The worker must see the "applying" row, so it is queued only once that commits. If
        # the queue cannot be reached the row stays "applying" and the redispatch tick queues it.
        transaction.on_commit(lambda: _dispatch(import_id))
    return True


def _dispatch(import_id: int) -> bool:
    from capacity_tracker.celery import publish_quietly
    from providers.tasks import apply_cqc_import

    return publish_quietly(apply_cqc_import, import_id)


def cqc_upload_redispatch() -> str:
    """The tick: queue again every import waiting to be applied that no worker is applying.

    A worker applying one holds its row lock for the whole apply (one transaction), so the rows
    that ``skip_locked`` leaves are the ones the queue never got, lost, or whose worker died
    (PostgreSQL rolls its transaction back). One still in the queue may be queued twice: the
    second delivery finds it locked or applied and does nothing (``cqc_upload_apply``).
    """
    with transaction.atomic():
        waiting = list(
            CqcImport.objects.select_for_update(skip_locked=True)
            .filter(status=CqcImport.Status.APPLYING)
            .values_list("pk", flat=True)
        )
    queued = sum(_dispatch(pk) for pk in waiting)
    return f"{queued} of {len(waiting)} waiting CQC imports queued"


def cqc_upload_apply(*, import_id: int) -> CqcImport:
    """Apply a claimed import in one transaction (the worker). Safe to run twice, or at once:
    a second delivery while the first is applying finds the row locked and does nothing."""
    with transaction.atomic():
        record = (
            CqcImport.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("applied_by")
            .filter(pk=import_id)
            .first()
        )
        if record is None:
            if CqcImport.objects.filter(pk=import_id).exists():
                raise CqcUploadNotReady(f"CQC import {import_id} is being applied by another.")
            raise CqcImport.DoesNotExist(f"No CQC import {import_id}.")
        if record.status == CqcImport.Status.APPLIED:
            return record
        if record.status != CqcImport.Status.APPLYING:
            raise CqcUploadNotReady(f"CQC import {import_id} is {record.status}, not applying.")
        actor = record.applied_by
        parsed = _parse(bytes(record.content))
        report, record = cqc_import_apply(
            parsed=parsed,
            now=clock.now(),
            actor=actor,
            actor_label=actor.email if actor else "admin upload",
            full_extract=record.full_extract,
            as_of=record.as_of,
            file_name=record.file_name,
            sha256=record.sha256,
            record=record,
        )
        audit_record(
            actor=actor,
            action="providers.cqc_import.applied",
            target=record,
            reason=record.apply_reason,
            data=report.counts(),
        )
    return record


def cqc_upload_mark_failed(*, import_id: int) -> None:
    """The worker crashed: stop the progress page waiting. Nothing was saved (one transaction)."""
    CqcImport.objects.filter(pk=import_id, status=CqcImport.Status.APPLYING).update(
        status=CqcImport.Status.FAILED, applied_at=None
    )
