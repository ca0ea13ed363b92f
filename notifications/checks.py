"""A deployment check: with GOV.UK Notify on, every message the service sends needs a Notify
template ID, or those messages fail one by one at send time (permanently: "No Notify template
ID is set"). The names are the texts kept here for the console, one per message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

TEXTS = Path(__file__).resolve().parent / "templates" / "notifications"


def notify_template_names() -> set[str]:
    """Every name NOTIFY_TEMPLATE_IDS needs: emails by their name, texts as "<name>_sms"."""
    emails = {path.stem for path in (TEXTS / "email").glob("*.txt")}
    texts = {f"{path.stem}_sms" for path in (TEXTS / "sms").glob("*.txt")}
    return emails | texts


def check_notify_template_ids(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.NOTIFY_API_KEY:
        return []
    missing = sorted(notify_template_names() - set(settings.NOTIFY_TEMPLATE_IDS))
    if not missing:
        return []
    return [
        checks.Warning(
            f"GOV.UK Notify is on but NOTIFY_TEMPLATE_IDS has no ID for: {', '.join(missing)}.",
            hint="Create these templates in Notify and add their IDs; until then those messages "
            "fail when they are sent.",
            id="notifications.W001",
        )
    ]
