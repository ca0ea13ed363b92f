"""Who signed in, who failed, who was locked out, refused, exported or changed something in
admin: each a structured JSON log line (``capacity_tracker.lib.json_logs``), for the security
team's alerts. Connected when the site's app is ready (``capacity_tracker/apps.py``)."""

from __future__ import annotations

import logging
from typing import Any

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from capacity_tracker.lib.json_logs import security_event

ADMIN_ACTIONS = {1: "added", 2: "changed", 3: "deleted"}


def _ip(request: HttpRequest | None) -> str:
    return (get_client_ip_address(request) if request is not None else None) or "unknown"


@receiver(user_logged_in, dispatch_uid="security_log.signed_in")
def signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    security_event("sign_in", user_id=user.pk, role=getattr(user, "role", ""), ip=_ip(request))


@receiver(user_logged_out, dispatch_uid="security_log.signed_out")
def signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    security_event("sign_out", user_id=getattr(user, "pk", None), ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="security_log.sign_in_failed")
def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already replaced the password with asterisks; log the name tried, not more.
    security_event(
        "sign_in_failed",
        level=logging.WARNING,
        username=str(credentials.get("username", ""))[:254],
        ip=_ip(request),
    )


@receiver(user_locked_out, dispatch_uid="security_log.locked_out")
def locked_out(
    sender: Any, request: HttpRequest, username: str, ip_address: str, **kwargs: Any
) -> None:
    security_event("locked_out", level=logging.WARNING, username=username, ip=ip_address)


@receiver(post_save, sender=LogEntry, dispatch_uid="security_log.admin_action")
def admin_action(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    security_event(
        "admin_action",
        user_id=instance.user_id,
        action=ADMIN_ACTIONS.get(instance.action_flag, str(instance.action_flag)),
        model=str(instance.content_type) if instance.content_type_id else "",
        object_id=instance.object_id or "",
        object=instance.object_repr,
        change=instance.get_change_message(),
    )
