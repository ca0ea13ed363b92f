"""Every write in dissemination: the disclosure register.

When is the row count known? A CSV download streams, so its rows are counted as they are
written: the record is made before the first byte leaves (a download that breaks off is still
in the register) and finished when the stream ends, with the rows actually written. A count
taken up front by a separate COUNT query could disagree with what was sent, since returns keep
arriving while a large export streams. Exports built whole before they are sent (XLSX, or a
file made on the worker) know their count and record it at once with ``row_count=``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from capacity_tracker.lib import clock
from capacity_tracker.lib.json_logs import security_event
from dissemination.models import DisclosureRecord
from providers.access import role_of
from providers.audit import audit_record
from providers.models import User

Row = TypeVar("Row")


def disclosure_record(
    *,
    actor: User,
    kind: str,
    parameters: Mapping[str, Any],
    purpose: str,
    fmt: str,
    now: datetime.datetime,
    row_count: int | None = None,
) -> DisclosureRecord:
    """Register an export as it starts; pass ``row_count`` when it is already known (then the
    record is complete), or leave it out and wrap the rows in ``counted_rows``."""
    role = role_of(actor)
    if role is None:
        raise PermissionDenied("Only signed-in users with a role can export data.")
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError({"purpose": "Say what the data is for."})
    if fmt not in DisclosureRecord.Format.values:
        raise ValidationError({"file_format": f"Unknown format {fmt!r}."})
    if not kind:
        raise ValidationError({"kind": "Say which export this is."})
    # Plain JSON once, here: dates become ISO strings, the same in the register and the trail.
    plain_parameters = json.loads(json.dumps(dict(parameters), cls=DjangoJSONEncoder))
    finished = row_count is not None
    with transaction.atomic():
        record = DisclosureRecord.objects.create(
            at=now,
            user=actor,
            user_label=f"{actor.get_full_name()} <{actor.email}>"[:200],
            role=role,
            kind=kind,
            file_format=fmt,
            parameters=plain_parameters,
            purpose=purpose,
            row_count=row_count,
            status=DisclosureRecord.Status.COMPLETE
            if finished
            else DisclosureRecord.Status.STARTED,
            finished_at=now if finished else None,
        )
        audit_record(
            actor=actor,
            action="dissemination.disclosure.recorded",
            target=record,
            reason=purpose,
            data={
                "kind": kind,
                "format": fmt,
                "row_count": row_count,
                "parameters": record.parameters,
            },
        )
    security_event(
        "export",
        user_id=actor.pk,
        role=str(role),
        kind=kind,
        format=fmt,
        record=record.pk,
        parameters=record.parameters,
    )
    return record


def disclosure_finish(
    *, record_id: int, row_count: int, complete: bool, now: datetime.datetime
) -> bool:
    """Stamp the rows written. Only a started record changes: a second call does nothing."""
    status = DisclosureRecord.Status.COMPLETE if complete else DisclosureRecord.Status.INCOMPLETE
    changed = DisclosureRecord.objects.filter(
        pk=record_id, status=DisclosureRecord.Status.STARTED
    ).update(row_count=row_count, status=status, finished_at=now)
    return changed == 1


def counted_rows(
    rows: Iterable[Row],
    *,
    record_id: int,
    clock_now: Callable[[], datetime.datetime] = clock.now,
) -> Iterator[Row]:
    """Yield the rows unchanged and finish the record when the stream ends.

    If the person's connection drops, the server closes the response, which closes this
    generator mid-way: the ``finally`` still runs and records the rows written so far as
    an incomplete disclosure.
    """
    count = 0
    complete = False
    try:
        for row in rows:
            count += 1
            yield row
        complete = True
    finally:
        disclosure_finish(record_id=record_id, row_count=count, complete=complete, now=clock_now())
