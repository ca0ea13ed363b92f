"""The outbox: queue emails as rows, claim them, send them once, retry with backoff.

Queueing is an INSERT that ignores rows whose unique key exists, so a job that runs twice
queues nothing the second time. Sending claims small batches of rows with ``SELECT ... FOR
UPDATE SKIP LOCKED`` and marks them "sending" in the same transaction, so two workers never
take the same row (a run that waited for the lock re-reads the row, finds it "sending" and
passes it by).

Just before an email goes to the gateway its row is marked attempted (``attempted_at``), by
one conditional UPDATE committed to disk: only if it is still "sending", not yet attempted and
still held by this run's claim. That is one more statement per email, and it is what lets a
claim outlive the worker that made it:

* A row claimed but never attempted cannot have gone. A run ending normally puts its leftovers
  back at once; rows left by a worker that was killed (SIGKILL, OOM, a lost host: no
  ``finally`` runs) go back to the queue once their claim is older than
  ``EMAIL_CLAIM_REQUEUE_SECONDS``. If the run that claimed them is only slow, not dead, its
  conditional mark then finds the row no longer its own and skips it, so it is never sent twice.
* A row attempted but never finished may have gone: it is never retried blindly. After
  STUCK_AFTER it is marked failed for support staff to look at and resend.

Runs start every minute from beat and may overlap on a multi-process worker, so the
provider's per-minute limits (one for email, one for text messages) are each one limit shared by
every process (``send_limit``): each message takes a slot of its channel just before it goes.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import BadHeaderError
from django.db import connection, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from notifications import gateway as mail_gateway
from notifications import send_limit
from notifications.models import OutboundMessage
from providers.audit import audit_record
from providers.models import User

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
Channel = OutboundMessage.Channel
# Small, so that a worker killed mid-batch leaves few rows claimed (they are requeued after
# EMAIL_CLAIM_REQUEUE_SECONDS) and a batch never waits long for send-limit slots.
CLAIM_BATCH = 20
STUCK_AFTER = datetime.timedelta(minutes=15)
# A run stops claiming new batches after this long (the next beat tick carries on), so that
# its claims stay far younger than STUCK_AFTER and a Celery task never runs for hours.
RUN_FOR = datetime.timedelta(minutes=5)
# A veto looks at a claimed email just before it goes and may return a reason not to send it
# (for example: the location has updated since the reminder was queued).
Veto = Callable[[OutboundMessage], str | None]
# Errors in building one message (a line break in a header, a broken template or a value the
# template cannot use): sending it again will not help, and it must not hold up the others.
BUILD_ERRORS: tuple[type[Exception], ...] = (
    BadHeaderError,
    TemplateDoesNotExist,
    TemplateSyntaxError,
    ValueError,
    TypeError,
    LookupError,
)


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 ... minutes, at most six hours."""
    return min(datetime.timedelta(minutes=2 ** max(attempts - 1, 0)), datetime.timedelta(hours=6))


@dataclass(frozen=True)
class QueuedMessage:
    """A message to queue with ``outbox_insert``, the one way into the outbox: the columns a
    caller chooses. ``created_by_id`` and ``reason`` are for a message a person asked for."""

    kind: str
    scope: str
    recipient: str
    template: str
    personalisation: dict[str, object]
    # "sms": ``recipient`` is a mobile number as +447XXXXXXXXX (normalised where it is stored).
    channel: str = OutboundMessage.Channel.EMAIL
    location_id: int | None = None
    contact_id: int | None = None
    letter_id: int | None = None
    created_by_id: int | None = None
    reason: str = ""


# Thousands of rows in one statement, from arrays, skipping any the unique key already has
# (the same as bulk_create(ignore_conflicts=True) without building a model per row).
_INSERT_SQL = """
INSERT INTO {table} (channel, kind, scope, location_id, contact_id, recipient, template,
                     personalisation, letter_id, created_by_id, reason, status, attempts,
                     next_attempt_at, last_error, provider_reference, created_at)
SELECT e.channel, e.kind, e.scope, e.location_id, e.contact_id, e.recipient, e.template,
       e.personalisation, e.letter_id, e.created_by_id, e.reason, %s, 0, %s, '', '', %s
FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::text[],
            %s::text[], %s::jsonb[], %s::bigint[], %s::bigint[], %s::text[]) WITH ORDINALITY
     AS e(channel, kind, scope, location_id, contact_id, recipient, template, personalisation,
          letter_id, created_by_id, reason, ord)
ORDER BY e.ord
ON CONFLICT DO NOTHING
"""


def outbox_insert(emails: Iterable[QueuedMessage], *, now: datetime.datetime) -> int:
    """Queue the emails not already queued, in one statement; return how many were new.
    Due at once (``next_attempt_at`` is ``now``, the time the caller read)."""
    emails = list(emails)
    if not emails:
        return 0
    if connection.vendor != "postgresql":  # the SQLite demo: one writer, so a count is exact
        before = OutboundMessage.objects.count()
        rows = [OutboundMessage(**vars(e), next_attempt_at=now, created_at=now) for e in emails]
        OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
        return OutboundMessage.objects.count() - before
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_SQL.format(table=OutboundMessage._meta.db_table),
            [
                Status.QUEUED,
                now,
                now,
                [e.channel for e in emails],
                [e.kind for e in emails],
                [e.scope for e in emails],
                [e.location_id for e in emails],
                [e.contact_id for e in emails],
                [e.recipient for e in emails],
                [e.template for e in emails],
                [json.dumps(e.personalisation) for e in emails],
                [e.letter_id for e in emails],
                [e.created_by_id for e in emails],
                [e.reason for e in emails],
            ],
        )
        return cursor.rowcount


def outbox_claim(
    *,
    now: datetime.datetime,
    limit: int = CLAIM_BATCH,
    claimed_at: datetime.datetime | None = None,
    channel: str | None = None,
) -> list[int]:
    """Take up to ``limit`` due rows (of one ``channel``, or any) for this run alone, marking
    them "sending"."""
    due = OutboundMessage.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
    if channel is not None:
        due = due.filter(channel=channel)
    with transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        OutboundMessage.objects.filter(id__in=ids).update(
            status=Status.SENDING, claimed_at=claimed_at or now, attempts=F("attempts") + 1
        )
    return ids


def outbox_unclaim(email_ids: Iterable[int], *, claimed_at: datetime.datetime) -> int:
    """Put claimed rows that never reached the gateway back in the queue, as if untouched:
    only rows still held by this claim and never attempted (a row another run requeued and
    claimed again is that run's now)."""
    return OutboundMessage.objects.filter(
        id__in=list(email_ids),
        status=Status.SENDING,
        claimed_at=claimed_at,
        attempted_at__isnull=True,
    ).update(status=Status.QUEUED, claimed_at=None, attempted_at=None, attempts=F("attempts") - 1)


def requeue_after() -> datetime.timedelta:
    """How old a claim whose row was never attempted must be before another run requeues it.
    Any age would be safe (the conditional mark keeps a slow run from sending a row it lost);
    long enough that a live run rarely loses rows it is about to send."""
    return datetime.timedelta(seconds=settings.EMAIL_CLAIM_REQUEUE_SECONDS)


def _mark_attempted(
    email_id: int, *, at: datetime.datetime, claimed_at: datetime.datetime | None
) -> bool:
    """Mark the row as handed to the gateway, if it is still this run's and not attempted.

    Committed on its own, with a synchronous commit (autocommit, never ``_finish``'s
    asynchronous one): if the mark were lost in a crash after the email went, the row would
    look never attempted and be sent again. ``claimed_at`` None (a caller outside a run)
    skips the claim check; the other conditions still let only one caller through.
    """
    rows = OutboundMessage.objects.filter(
        pk=email_id, status=Status.SENDING, attempted_at__isnull=True
    )
    if claimed_at is not None:
        rows = rows.filter(claimed_at=claimed_at)
    return rows.update(attempted_at=at) == 1


def personalisation(email: OutboundMessage) -> dict[str, object]:
    """What the template is filled with. An email that carries a stored letter takes its
    subject and body from the letter (loaded with the email, no extra query); older rows that
    copied them into ``personalisation`` send as they are."""
    letter = email.letter
    if letter is None:
        return email.personalisation
    if letter.written_at is None:
        # Emails are queued in the transaction that writes the letter, so this cannot happen
        # unless a row was made by hand: a build error, not something to retry.
        raise ValueError(f"letter {letter.reference} has not been written yet")
    return {
        **email.personalisation,
        "subject": letter.subject,
        "body": letter.body,
        "reference": letter.reference,
    }


def _finish(email_id: int, **fields: object) -> bool:
    """Record how one email went, conditional on it still being ours ("sending")."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Without waiting for the disk: a synchronous commit is a WAL flush per email, more
            # than half of our cost of sending one. If the server crashed in the fraction of a
            # second before the flush, the row would be left "sending", which is exactly the
            # state a crash between the hand-over and this update leaves: after STUCK_AFTER it
            # is marked "may or may not have gone" for support staff. Nothing is sent twice.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        changed = OutboundMessage.objects.filter(pk=email_id, status=Status.SENDING).update(
            **fields
        )
    if changed != 1:
        logger.warning("email %s was not in 'sending' when finishing it", email_id)
    return changed == 1


# What ``outbox_send_one`` returns for a row that stopped being this run's before it was sent
# (requeued after its claim grew old, and perhaps claimed or sent by another run): not counted
# in this run's report.
SKIPPED = "skipped"


def outbox_send_one(
    email_id: int,
    *,
    now: datetime.datetime,
    vetoes: Mapping[str, Veto] | None = None,
    claimed_at: datetime.datetime | None = None,
    at: datetime.datetime | None = None,
) -> str:
    """Send one claimed email. ``claimed_at`` is the stamp of the caller's claim and ``at``
    the time to record as the attempt (default ``now``)."""
    email = OutboundMessage.objects.select_related("location", "letter").get(pk=email_id)
    if email.status != Status.SENDING:  # another run requeued it and may have sent it
        return SKIPPED
    veto = (vetoes or {}).get(email.kind)
    reason = veto(email) if veto else None
    if reason:
        _finish(email_id, status=Status.CANCELLED, last_error=reason)
        return Status.CANCELLED
    if not _mark_attempted(email_id, at=at or now, claimed_at=claimed_at):
        logger.info("email %s is no longer this run's claim; not sending it", email_id)
        return SKIPPED
    try:
        sent = mail_gateway.send(
            channel=email.channel,
            template=email.template,
            recipient=email.recipient,
            personalisation=personalisation(email),
            reference=f"outbox-{email.pk}",
        )
    except mail_gateway.PermanentFailure as exc:
        _finish(email_id, status=Status.FAILED, last_error=f"Not sent: {exc}")
        return Status.FAILED
    except BUILD_ERRORS as exc:
        logger.warning("email %s could not be built: %r", email_id, exc)
        _finish(
            email_id,
            status=Status.FAILED,
            last_error=f"Not sent: the email could not be built ({exc.__class__.__name__}: {exc})",
        )
        return Status.FAILED
    except mail_gateway.TemporaryFailure as exc:
        if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            _finish(
                email_id,
                status=Status.FAILED,
                last_error=f"Gave up after {email.attempts} attempts. Last error: {exc}",
            )
            return Status.FAILED
        # Back in the queue as a row never attempted, so the next claim can mark it.
        _finish(
            email_id,
            status=Status.QUEUED,
            next_attempt_at=now + backoff(email.attempts),
            claimed_at=None,
            attempted_at=None,
            last_error=str(exc),
        )
        return Status.QUEUED
    _finish(
        email_id,
        status=Status.SENT,
        sent_at=now,
        provider_reference=sent.provider_reference,
        last_error="",
    )
    return Status.SENT


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    stuck: int = 0

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed, "
            f"{self.cancelled} cancelled, {self.stuck} found stuck"
        )


def claim_batch(limit: send_limit.SendLimit) -> int:
    """A quarter of a window's allowance at most: claimed rows wait their turn for a slot, and
    with several runs sharing the limit the wait must stay short."""
    return max(1, min(CLAIM_BATCH, limit.limit // 4))


def outbox_send_due(
    *,
    now: datetime.datetime,
    vetoes: Mapping[str, Veto] | None = None,
    max_batches: int = 50,
    limit: send_limit.SendLimit | None = None,
    sms_limit: send_limit.SendLimit | None = None,
) -> SendReport:
    """Send what is due, batch by batch, each channel under its own service-wide per-minute
    limit (``limit`` for email, ``sms_limit`` for text messages).

    The channels take turns, a batch each, and each batch is claimed from one channel only, so
    a message only ever waits for a slot of its own channel: a channel whose limit has no slot
    to give drops out of this run, and the other carries on.
    """
    report = SendReport(stuck=outbox_release_stuck(now=now))
    limits = {
        Channel.EMAIL: limit or send_limit.for_email(),
        Channel.SMS: sms_limit or send_limit.for_sms(),
    }
    active = list(limits)
    started = time.monotonic()

    def elapsed() -> datetime.timedelta:
        return datetime.timedelta(seconds=time.monotonic() - started)

    for _ in range(max_batches):
        for channel in list(active):
            if elapsed() >= RUN_FOR:
                return report
            if not _send_batch(
                channel, limits[channel], report, now=now, vetoes=vetoes, at=elapsed
            ):
                active.remove(channel)
        if not active:
            break
    return report


def _send_batch(
    channel: str,
    limit: send_limit.SendLimit,
    report: SendReport,
    *,
    now: datetime.datetime,
    vetoes: Mapping[str, Veto] | None,
    at: Callable[[], datetime.timedelta],
) -> bool:
    """Claim one batch of ``channel`` and send it; False when the channel is done for this run
    (nothing due, or no slot came free)."""
    # ``now`` is when the run began; a claim made minutes later is stamped with the real time,
    # or another run would take it for one left by a dead worker.
    claimed_at = now + at()
    ids = outbox_claim(now=now, limit=claim_batch(limit), claimed_at=claimed_at, channel=channel)
    if not ids:
        return False
    pending = list(ids)
    try:
        while pending:
            # Twice the window: slots free up within one window unless other runs keep taking
            # them, in which case those runs are sending and this one can stop.
            if not limit.acquire(timeout=2 * limit.window):
                logger.warning(
                    "no %s slot came free; %s %s messages left queued",
                    channel,
                    len(pending),
                    channel,
                )
                return False
            email_id = pending.pop(0)
            outcome = _send_guarded(
                email_id, now=now, vetoes=vetoes, claimed_at=claimed_at, at=now + at()
            )
            _tally(report, outcome)
    finally:
        # A SIGKILL never gets here: those rows are requeued by outbox_release_stuck.
        if pending:
            outbox_unclaim(pending, claimed_at=claimed_at)
    return True


def _send_guarded(
    email_id: int,
    *,
    now: datetime.datetime,
    vetoes: Mapping[str, Veto] | None,
    claimed_at: datetime.datetime,
    at: datetime.datetime,
) -> str:
    try:
        return outbox_send_one(email_id, now=now, vetoes=vetoes, claimed_at=claimed_at, at=at)
    except Exception as exc:  # one email's surprise must not stop the rest of the batch
        logger.exception("email %s: unexpected error while sending", email_id)
        _finish(
            email_id,
            status=Status.FAILED,
            last_error="An unexpected error stopped this email, so it may or may not "
            f"have gone. Check with the recipient and resend it if needed. "
            f"({exc.__class__.__name__}: {exc})",
        )
        return Status.FAILED


def _tally(report: SendReport, outcome: str) -> None:
    if outcome == Status.SENT:
        report.sent += 1
    elif outcome == Status.QUEUED:
        report.retrying += 1
    elif outcome == Status.FAILED:
        report.failed += 1
    elif outcome == Status.CANCELLED:
        report.cancelled += 1


STUCK_MESSAGE = (
    "The worker stopped while sending, so this email may or may not have gone. "
    "Check with the recipient and resend it if needed."
)


def outbox_release_stuck(*, now: datetime.datetime) -> int:
    """Requeue rows claimed long ago but never attempted (they cannot have gone); fail rows
    attempted long ago but never finished (they may have). Returns how many were failed."""
    requeued = OutboundMessage.objects.filter(
        status=Status.SENDING, attempted_at__isnull=True, claimed_at__lt=now - requeue_after()
    ).update(status=Status.QUEUED, claimed_at=None, attempts=F("attempts") - 1)
    if requeued:
        logger.warning("%s claimed emails were never attempted: back in the queue", requeued)
    return OutboundMessage.objects.filter(
        status=Status.SENDING, attempted_at__lt=now - STUCK_AFTER
    ).update(status=Status.FAILED, last_error=STUCK_MESSAGE)


def outbox_resend(
    *, actor: User, email_id: int, reason: str, now: datetime.datetime
) -> OutboundMessage:
    """A copy of a message, queued to go from ``now``, audited."""
    if not reason.strip():
        raise ValueError("Give a reason for resending the email.")
    with transaction.atomic():
        original = OutboundMessage.objects.select_for_update().get(pk=email_id)
        copy = OutboundMessage.objects.create(
            channel=original.channel,
            kind=original.kind,
            scope=original.scope,
            location=original.location,
            contact=original.contact,
            recipient=original.recipient,
            template=original.template,
            personalisation=original.personalisation,
            letter_id=original.letter_id,
            resend_of=original,
            created_by=actor,
            reason=reason.strip(),
            next_attempt_at=now,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="providers.email.resent",
            target=original,
            reason=reason,
            data={"resend_id": copy.pk},
        )
    return copy
