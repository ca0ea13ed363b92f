"""Answers ``providers.mail.email_requested``: providers' account emails into the outbox."""

from __future__ import annotations

import datetime
from typing import Any

from django.dispatch import receiver

from notifications.outbox import QueuedMessage, outbox_insert
from providers.mail import AccountEmail, email_requested


@receiver(email_requested, sender=AccountEmail, dispatch_uid="notifications.account_mail")
def queue_account_emails(
    sender: Any, *, emails: list[AccountEmail], now: datetime.datetime, **kwargs: Any
) -> int:
    return outbox_insert(
        [
            QueuedMessage(
                kind=email.kind,
                scope=email.scope,
                recipient=email.recipient,
                template=email.template,
                personalisation=email.personalisation,
                location_id=email.location_id,
                created_by_id=email.created_by_id,
                reason=email.reason,
            )
            for email in emails
        ],
        now=now,
    )
