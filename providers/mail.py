"""Account emails (registration, password reset, two-factor reset), asked for by providers.

``providers`` sits below ``notifications`` and never imports it, so it asks for an email with
this signal; ``notifications.account_mail`` answers by queueing it through the outbox's one
way in, in the caller's transaction (the email exists if and only if the change that caused
it does). The outbox's unique key means the same email asked for twice is queued once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

# Sent with ``request``: an AccountEmail. Each receiver returns how many emails it queued.
email_requested = Signal()


@dataclass(frozen=True)
class AccountEmail:
    kind: str
    scope: str
    recipient: str
    personalisation: dict[str, object] = field(default_factory=dict)
    location_id: int | None = None
    created_by_id: int | None = None
    reason: str = ""

    @property
    def template(self) -> str:
        return self.kind


def request_emails(emails: list[AccountEmail], *, now: datetime.datetime) -> int:
    """Queue the emails; how many were new (0 for one already queued under the same key)."""
    if not emails:
        return 0
    answers = email_requested.send(sender=AccountEmail, emails=emails, now=now)
    if not answers:
        raise ImproperlyConfigured("No outbox answers providers.mail: is notifications installed?")
    # misc: django-stubs type a receiver's answer as str | None; a receiver may return anything,
    # and ours (notifications.account_mail) returns how many it queued.
    return sum(queued for _, queued in answers)  # type: ignore[misc]
