"""The one way out for email and text messages: GOV.UK Notify when NOTIFY_API_KEY is set;
otherwise Django's mail backend (console, file or SMTP from EMAIL_URL) for email, and for a
text message the console (with EMAIL_URL=consolemail://) or the log. Imports no app, not even
its own models.

Callers pass the channel, a template name, the recipient and the personalisation. With Notify
the template lives in Notify (its ID comes from settings: NOTIFY_TEMPLATE_IDS[<name>] for an
email, NOTIFY_TEMPLATE_IDS[<name>_sms] for a text); otherwise the text comes from
notifications/templates/notifications/email/<name>.txt, whose first line is the subject, or
notifications/templates/notifications/sms/<name>.txt, which has none.

Errors are sorted into temporary (try again later: timeouts, 429, 5xx) and permanent (a bad
address, a missing template): the outbox retries the first and gives up on the second.
The provider's per-minute limit is kept by the outbox with ``send_limit``, shared by every
worker process.
"""

from __future__ import annotations

import logging
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

EMAIL = "email"
SMS = "sms"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


class TemporaryFailure(Exception):
    """Worth trying again later: a timeout, a refused connection, 429 or 5xx."""


class PermanentFailure(Exception):
    """Trying again will not help: a bad address, a missing template ID, a 4xx."""


@dataclass(frozen=True)
class Sent:
    provider_reference: str


def clean_subject(subject: str) -> str:
    """One line of printable text: each run of control characters becomes one space.

    Names are checked when they are entered, but a subject is built from stored data (a CQC
    name, an old registration), and a line break in a header is refused by Django
    (``BadHeaderError``) or, worse, read as the start of another header.
    """
    flat = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in subject
    )
    return re.sub(r" {2,}", " ", flat).strip()


# Stands in for a line break inside a value while the template is rendered (a private-use
# character, so never in real text), so that the template's own first line break is the only
# one left to find where the subject ends.
_VALUE_LINE_BREAK = "\ue000"


def render(template: str, personalisation: dict[str, Any]) -> tuple[str, str]:
    values = {
        key: value.replace(_VALUE_LINE_BREAK, "").replace("\n", _VALUE_LINE_BREAK)
        if isinstance(value, str)
        else value
        for key, value in personalisation.items()
    }
    text = render_to_string(f"notifications/email/{template}.txt", values).strip()
    # A line break inside a value would otherwise end the subject early and push the rest of
    # the value into the top of the body.
    subject, _, body = text.partition("\n")
    subject = clean_subject(subject.replace(_VALUE_LINE_BREAK, " "))
    return subject, body.strip().replace(_VALUE_LINE_BREAK, "\n") + "\n"


def render_sms(template: str, personalisation: dict[str, Any]) -> str:
    """A text message: one paragraph, each run of whitespace in it (line breaks in a value or
    the template) one space."""
    text = render_to_string(f"notifications/sms/{template}.txt", personalisation)
    return " ".join(clean_subject(text).split())


def mask_number(number: str) -> str:
    """All but the last three digits hidden: enough to tell two numbers apart in a log."""
    return "*" * max(len(number) - 3, 0) + number[-3:]


def send(
    *,
    template: str,
    recipient: str,
    personalisation: dict[str, Any],
    reference: str,
    channel: str = EMAIL,
) -> Sent:
    if channel not in (EMAIL, SMS):
        raise PermanentFailure(f"Unknown channel {channel!r}.")
    if settings.NOTIFY_API_KEY:
        return _send_notify(template, recipient, personalisation, reference, channel=channel)
    if channel == SMS:
        return _send_sms_without_notify(template, recipient, personalisation, reference)
    return _send_django(template, recipient, personalisation, reference)


def _send_sms_without_notify(
    template: str, recipient: str, personalisation: dict[str, Any], reference: str
) -> Sent:
    """Where the console email goes (EMAIL_URL=consolemail://, the demo): printed in full.
    Anywhere else (SMTP, a file, tests) there is nothing to send a text with, so it is logged,
    the number masked."""
    text = render_sms(template, personalisation)
    if settings.EMAIL_BACKEND == CONSOLE_BACKEND:
        stream = sys.stdout
        stream.write(f"Text message to {recipient} (reference {reference}):\n{text}\n{'-' * 79}\n")
        stream.flush()
        return Sent(provider_reference=f"console:{reference}")
    logger.info("text message to %s (%s): %s", mask_number(recipient), reference, text)
    return Sent(provider_reference=f"log:{reference}")


def _send_django(
    template: str, recipient: str, personalisation: dict[str, Any], reference: str
) -> Sent:
    subject, body = render(template, personalisation)
    message = EmailMessage(
        subject=subject, body=body, to=[recipient], headers={"X-Reference": reference}
    )
    try:
        message.send(fail_silently=False)
    except (OSError, TimeoutError) as exc:  # SMTP down, refused, DNS: all worth retrying
        raise TemporaryFailure(f"{exc.__class__.__name__}: {exc}") from exc
    return Sent(provider_reference=f"django:{reference}")


def _send_notify(
    template: str,
    recipient: str,
    personalisation: dict[str, Any],
    reference: str,
    *,
    channel: str = EMAIL,
) -> Sent:
    from notifications_python_client.errors import APIError
    from notifications_python_client.notifications import NotificationsAPIClient

    name = f"{template}_sms" if channel == SMS else template
    template_id = settings.NOTIFY_TEMPLATE_IDS.get(name)
    if not template_id:
        raise PermanentFailure(f"No Notify template ID is set for {name!r} (NOTIFY_TEMPLATE_IDS).")
    client = NotificationsAPIClient(
        settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=20
    )
    # Notify's personalisation values must be strings or lists.
    values = {
        k: v if isinstance(v, list) else ("" if v is None else str(v))
        for k, v in personalisation.items()
    }
    try:
        if channel == SMS:
            response = client.send_sms_notification(
                phone_number=recipient,
                template_id=template_id,
                personalisation=values,
                reference=reference,
            )
        else:
            response = client.send_email_notification(
                email_address=recipient,
                template_id=template_id,
                personalisation=values,
                reference=reference,
            )
    except APIError as exc:
        status = getattr(exc, "status_code", 0) or 0
        if status == 429 or status >= 500:
            raise TemporaryFailure(f"Notify {status}: {exc}") from exc
        raise PermanentFailure(f"Notify {status}: {exc}") from exc
    except OSError as exc:  # connection refused, timeout (requests' errors are OSErrors)
        raise TemporaryFailure(f"{exc.__class__.__name__}: {exc}") from exc
    return Sent(provider_reference=str(response.get("id", "")))
