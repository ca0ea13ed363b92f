"""Receipts: an email after every save of a return (issue 15, item 1).

Queued in the outbox inside the save's own transaction, so the row exists if and only if the
save committed, and keyed on the version's reference (``scope``), so a save is receipted once
whatever retries. One statement per save, one per CSV file: the recipients are chosen inside
the INSERT itself rather than read first.

Who gets the receipt of one save:

* a signed-in person (portal, support staff on a provider's behalf, a supplier's draft that a
  provider confirmed): that person, unless their address is a contact of the location who
  turned receipts off;
* an email link: the contact the link was sent to, if they have receipts on;
* an API key (no person): the location's primary contact if they have receipts on; when the
  location has no primary contact, every contact with receipts on. An automated feed may
  save every day, so only the people who answer for the location hear of it.

A CSV file gets one summary (``receipt_csv``) to the person who uploaded it, whatever the
contact preferences of its many locations: they asked for the file to be saved. The upload
row (locked, saved once) queues it once, and the outbox's key for messages without a location
(kind, scope, recipient) would refuse a second.

GOV.UK Notify: set ``NOTIFY_TEMPLATE_IDS["receipt"]`` and ``["receipt_csv"]`` to templates
with the same text as notifications/templates/notifications/email/receipt.txt and
receipt_csv.txt. The personalisation is strings, except ``figures``, a list ("Label: value"), which Notify shows as bullets; Notify's
optional content can key on ``is_nil`` and ``has_figures`` ("yes"/"no").
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.urls import reverse

from notifications.models import OutboundMessage
from notifications.outbox import QueuedMessage, outbox_insert
from providers.models import CareType, Contact, Location
from returns.deadlines import LONDON
from returns.models import CollectionWindow, NilReason, ReturnKind, ReturnVersion
from returns.validation import Dataset

if TYPE_CHECKING:
    from returns.models import BulkUpload
    from returns.submission import Submitter

RECEIPT = "receipt"
RECEIPT_CSV = "receipt_csv"

_KIND_TEXT: dict[str, str] = {
    ReturnKind.FULL: "Figures entered",
    ReturnKind.UNCHANGED: "No change since the last return",
    ReturnKind.NIL: "Nil return",
}


def _when(instant: datetime.datetime) -> str:
    local = instant.astimezone(LONDON)
    return f"{local:%-I:%M%p}".lower() + f" on {local:%A %-d %B %Y}"


def _timing(window: CollectionWindow, in_window: bool) -> str:
    if in_window:
        return f"This counts as your return for {window.label}: it was saved on time."
    return (
        f"This was saved outside the collection for {window.label}, so it does not count "
        "as on time."
    )


def _value(value: Any) -> str:
    if value is None or value == "":
        return "Not answered"
    if isinstance(value, str) and value in ("yes", "no"):
        return value.capitalize()
    return str(value)


def figures(dataset: Dataset | None, answers: dict[str, Any]) -> list[str]:
    """One line per question, in the dataset's order: "Label: value". Answers the dataset no
    longer asks (never expected: answers are cleaned against it) follow by their code."""
    items = dataset.items if dataset is not None else ()
    known = {item.code for item in items}
    lines = [f"{item.label}: {_value(answers.get(item.code))}" for item in items]
    lines += [f"{code}: {_value(value)}" for code, value in answers.items() if code not in known]
    return lines


def receipt_personalisation(
    version: ReturnVersion,
    *,
    location: Location,
    care_type: str,
    window: CollectionWindow,
    saved_by: str,
    dataset: Dataset | None,
) -> dict[str, object]:
    nil = version.kind == ReturnKind.NIL
    reason = NilReason(version.nil_reason).label if nil and version.nil_reason else ""
    if nil and version.nil_reason_detail:
        reason = f"{reason}: {version.nil_reason_detail}"
    return {
        "reference": version.reference,
        "location_name": location.name,
        "location_id": location.cqc_id,
        "care_type": CareType(care_type).label,
        "period": window.label,
        "saved_by": saved_by,
        "saved_at": _when(version.submitted_at),
        "on_time": "yes" if version.in_window else "no",
        "timing": _timing(window, version.in_window),
        "what": _KIND_TEXT.get(version.kind, version.kind),
        "is_nil": "yes" if nil else "no",
        "nil_reason": reason,
        "has_figures": "no" if nil else "yes",
        "figures": [] if nil else figures(dataset, version.answers),
        "return_url": settings.SITE_URL
        + reverse("returns:form", args=[window.period_key, location.cqc_id, care_type]),
        "support_email": settings.SUPPORT_EMAIL,
    }


def saved_by_text(submitter: Submitter) -> str:
    name = f"{submitter.first_name} {submitter.last_name}".strip()
    if submitter.user is None and submitter.contact is None and submitter.label:
        return submitter.label  # an API key: its owner and prefix
    return name or submitter.label


# The INSERT's columns, as outbox_insert writes them; the recipients come from a SELECT.
_COLUMNS = (
    "kind, scope, location_id, contact_id, recipient, template, personalisation, letter_id, "
    "status, attempts, next_attempt_at, last_error, provider_reference, created_at, reason"
)
_VALUES = "%s, %s, %s, {contact}, {recipient}, %s, %s::jsonb, NULL, %s, 0, %s, '', '', %s, ''"

# The person who saved, unless they are a contact of the location with receipts off. The
# contact table's unique key (location, lower(email)) makes the join give at most one row.
_TO_PERSON = """
INSERT INTO {outbox} ({columns})
SELECT {values}
FROM (SELECT 1) AS one
LEFT JOIN {contact} AS c ON c.location_id = %s AND lower(c.email) = lower(%s)
WHERE c.id IS NULL OR c.receipts
ON CONFLICT DO NOTHING
"""

# The location's primary contact; every contact when none is primary. Receipts on only.
_TO_PRIMARY = """
INSERT INTO {outbox} ({columns})
SELECT {values}
FROM {contact} AS c
WHERE c.location_id = %s AND c.receipts
  AND (c.is_primary OR NOT EXISTS (
       SELECT 1 FROM {contact} AS p WHERE p.location_id = c.location_id AND p.is_primary))
ORDER BY c.id
ON CONFLICT DO NOTHING
"""


def _execute(sql: str, *, recipient: str, params: Sequence[str | int | datetime.datetime]) -> int:
    """``recipient``: the SQL for the address (a parameter, or the contact's column)."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.format(
                outbox=OutboundMessage._meta.db_table,
                contact=Contact._meta.db_table,
                columns=_COLUMNS,
                values=_VALUES.format(contact="c.id", recipient=recipient),
            ),
            params,
        )
        return cursor.rowcount


def queue_receipt(
    version: ReturnVersion,
    *,
    submitter: Submitter,
    location: Location,
    care_type: str,
    window: CollectionWindow,
    dataset: Dataset | None,
    now: datetime.datetime,
) -> int:
    """Queue the receipt of one saved version, in the caller's transaction: one statement
    (none when an email link's contact has receipts off). Returns how many were queued."""
    values = receipt_personalisation(
        version,
        location=location,
        care_type=care_type,
        window=window,
        saved_by=saved_by_text(submitter),
        dataset=dataset,
    )
    scope = version.reference
    if submitter.contact is not None:  # an email link: the contact it was sent to
        contact = submitter.contact
        if not contact.receipts:
            return 0
        email = QueuedMessage(
            kind=RECEIPT,
            scope=scope,
            recipient=contact.email,
            template=RECEIPT,
            personalisation=values,
            location_id=location.pk,
            contact_id=contact.pk,
        )
        return outbox_insert([email], now=now)
    person = submitter.user.email if submitter.user is not None else ""
    if submitter.user is not None and not person:
        return 0  # a user without an address (never expected): nobody to send it to
    if connection.vendor != "postgresql":  # the SQLite demo: the same rules, in Python
        return _queue_receipt_orm(values, scope=scope, location=location, person=person, now=now)
    common: list[str | int | datetime.datetime] = [RECEIPT, scope, location.pk]
    # Due at once and made at ``now`` (next_attempt_at, created_at), as outbox_insert does.
    rest: list[str | int | datetime.datetime] = [
        RECEIPT,
        json.dumps(values),
        OutboundMessage.Status.QUEUED,
        now,
        now,
    ]
    if person:
        params = [*common, person, *rest, location.pk, person]
        return _execute(_TO_PERSON, recipient="%s", params=params)
    return _execute(_TO_PRIMARY, recipient="c.email", params=[*common, *rest, location.pk])


def _queue_receipt_orm(
    values: dict[str, object],
    *,
    scope: str,
    location: Location,
    person: str,
    now: datetime.datetime,
) -> int:
    contacts = list(Contact.objects.filter(location=location))
    if person:
        match = next((c for c in contacts if c.email.lower() == person.lower()), None)
        if match is not None and not match.receipts:
            return 0
        pairs = [(person, match.pk if match else None)]
    else:
        primary = [c for c in contacts if c.is_primary]
        pairs = [(c.email, c.pk) for c in (primary or contacts) if c.receipts]
    return outbox_insert(
        [
            QueuedMessage(
                kind=RECEIPT,
                scope=scope,
                recipient=recipient,
                template=RECEIPT,
                personalisation=values,
                location_id=location.pk,
                contact_id=contact_id,
            )
            for recipient, contact_id in pairs
        ],
        now=now,
    )


def queue_csv_receipt(
    upload: BulkUpload, versions: list[ReturnVersion], *, in_window: bool, now: datetime.datetime
) -> int:
    """One summary for a saved CSV file, to the person who uploaded it: one statement."""
    user = upload.uploaded_by
    if not user.email:
        return 0
    count = len(versions)
    nil = sum(1 for version in versions if version.kind == ReturnKind.NIL)
    window = upload.window
    values: dict[str, object] = {
        "file_name": upload.file_name,
        "period": window.label,
        "count": str(count),
        "returns": "return" if count == 1 else "returns",
        "on_time_count": str(count if in_window else 0),
        "late_count": str(0 if in_window else count),
        "nil_count": str(nil),
        "timing": _timing(window, in_window),
        "saved_by": f"{user.first_name} {user.last_name}".strip() or user.email,
        "saved_at": _when(now),
        "upload_url": settings.SITE_URL + reverse("bulk:upload", args=[upload.pk]),
        "support_email": settings.SUPPORT_EMAIL,
    }
    email = QueuedMessage(
        kind=RECEIPT_CSV,
        scope=f"upload-{upload.pk}",
        recipient=user.email,
        template=RECEIPT_CSV,
        personalisation=values,
    )
    return outbox_insert([email], now=now)
