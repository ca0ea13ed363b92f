"""Row-level history of the registers, written by database triggers (django-pghistory).

Every insert, update and delete of a tracked table leaves an append-only snapshot in its event
table, whatever made the change: a page, admin, a queryset ``.update()``, ``bulk_create``, the
shell or a data migration. Who and why come from the pghistory *context* attached to each
event: the signed-in user and URL (``pghistory.middleware.HistoryMiddleware``), the job's name
for Celery tasks and management commands (``job_context``), and the reason a service was given
(``add_reason``, called by ``providers.audit.audit_record``).

``AuditEvent`` stays the log of business events (a user approved, an email resent); this is the
record of what changed in which row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pghistory
import pgtrigger
from django.db import connection
from pghistory import runtime

M = TypeVar("M")

# Event models keep their own reverse accessor; "events" is taken (EnforcementCase.events).
HISTORY_RELATED_NAME = "history"
# One INSERT ... SELECT per statement from its transition table, not one per row: a sweep or an
# import that writes thousands of rows pays for the history once per statement.
LEVEL = pgtrigger.Statement


def track(
    *, exclude: list[str] | None = None, changes_only: bool = False, **kwargs: Any
) -> Callable[[M], M]:
    """Snapshot inserts, updates and deletes of a model into an append-only event table.

    ``changes_only`` is for rows that are themselves an append-only record (a return version):
    only an update or a delete, which should never happen, leaves an event.
    """
    trackers: list[pghistory.RowEvent] = []
    if not changes_only:
        trackers.append(pghistory.InsertEvent())
    trackers += [pghistory.UpdateEvent(), pghistory.DeleteEvent()]
    return pghistory.track(
        *trackers,
        exclude=exclude,
        obj_field=pghistory.ObjForeignKey(related_name=HISTORY_RELATED_NAME),
        append_only=True,
        level=LEVEL,
        **kwargs,
    )


def track_links(through: M, *, model_name: str) -> M:
    """History of an automatic many-to-many table: a link added or removed.

    Django keeps no migration state for these tables, so makemigrations does not see their
    triggers: providers/migrations/0008_history.py installs pgtrigger's SQL for them with
    RunSQL. A change here (or a pghistory upgrade that changes the SQL) needs a new RunSQL;
    ``manage.py pgtrigger ls`` shows OUTDATED when the two differ.
    """
    return pghistory.track(
        pghistory.InsertEvent("added"),
        pghistory.DeleteEvent("removed"),
        obj_field=pghistory.ObjForeignKey(related_name=HISTORY_RELATED_NAME),
        append_only=True,
        model_name=model_name,
        level=LEVEL,
    )(through)


def recording() -> bool:
    """Row history is kept on PostgreSQL only: the demo's SQLite database has no triggers, and
    pghistory's context (a ``set_config`` before each statement) is PostgreSQL's SQL."""
    return connection.vendor == "postgresql"


def in_context() -> bool:
    return hasattr(runtime._tracker, "value")


@contextlib.contextmanager
def job_context(job: str, **metadata: Any) -> Iterator[None]:
    """Attribute the changes made inside to a job (a task, a command).

    Inside a request or another job the name is added to that context instead: pghistory
    groups everything under the outermost context.
    """
    if not recording():
        yield
        return
    with pghistory.context(job=job, **metadata):
        yield


def add_reason(reason: str) -> None:
    """Attach a service's reason to the current context, so the row events carry it.

    Services write the audit record after the change. pghistory writes a context's metadata
    whenever a statement touches a tracked table, and a trigger on the audit table does the same
    (``ATTACH_CONTEXT_ON_AUDIT``), so the reason reaches the context row, shared by every event
    of the request or job, without a query of its own. Outside any context (a bare shell call)
    there is nothing to attach to: the reason is still in the AuditEvent.
    """
    reason = (reason or "").strip()
    if not reason or not in_context():
        return
    previous = runtime._tracker.value.metadata.get("reason")
    if previous and previous != reason and reason not in previous.split("\n"):
        reason = f"{previous}\n{reason}"
    pghistory.context(reason=reason)


# A statement-level trigger for the audit table: writes the current context (with the reason
# just added) as pghistory's own triggers do, at no extra round trip.
ATTACH_CONTEXT_ON_AUDIT = pgtrigger.Trigger(
    name="attach_history_context",
    when=pgtrigger.After,
    operation=pgtrigger.Insert,
    level=pgtrigger.Statement,
    func="PERFORM _pgh_attach_context(); RETURN NULL;",
)


# --- Celery: each task runs in its own context named after it --------------------------------

_task_contexts: dict[str, contextlib.ExitStack] = {}


def _task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    stack = contextlib.ExitStack()
    name = getattr(task, "name", "celery")
    stack.enter_context(job_context(name, task=name, task_id=task_id))
    _task_contexts[task_id or ""] = stack


def _task_postrun(task_id: str | None = None, **_: Any) -> None:
    stack = _task_contexts.pop(task_id or "", None)
    if stack is not None:
        stack.close()


def connect_celery_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="history_task_prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="history_task_postrun")
