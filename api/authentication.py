"""``Authorization: Api-Key <key>``: the organisation's key, checked against its digest."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pghistory
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import keys, usage
from api.models import ApiKey
from capacity_tracker.lib import clock, history
from capacity_tracker.lib.json_logs import security_event
from capacity_tracker.security_log import _ip

if TYPE_CHECKING:  # for the type checker only: importing these here would be circular
    from drf_spectacular.openapi import AutoSchema
    from rest_framework.request import Request

SCHEME = "Api-Key"


class ApiKeyPrincipal:
    """``request.user`` for a call made with a key: authenticated, but no person and no role,
    so every rule written for people (``providers.access``) gives it nothing."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    role = ""

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix} ({self.api_key.owner_label})"

    def has_perm(self, *_: Any) -> bool:
        return False

    def is_verified(self) -> bool:
        return False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != SCHEME.lower():
            return None  # not ours: a signed-in person, or nobody
        raw = raw.strip()
        prefix = keys.split_prefix(raw)
        found = (
            ApiKey.objects.select_related("supplier", "provider", "local_authority")
            .filter(prefix=prefix)
            .first()
            if prefix
            else None
        )
        if found is None or not keys.matches(raw, found.hashed_key):
            security_event(
                "api_key_refused",
                level=logging.WARNING,
                prefix=prefix or "",
                why="unknown",
                ip=_ip(request),
            )
            raise exceptions.AuthenticationFailed("This API key is not valid.")
        now = clock.now()
        if found.revoked_at is not None:
            why = "This API key was revoked. Ask for a new one."
        elif now >= found.expires_at:
            why = "This API key has expired. Ask for a new one."
        elif found.supplier is not None and not found.supplier.is_active:
            why = "This supplier's access to the service has been stopped."
        else:
            why = ""
        if why:
            security_event(
                "api_key_refused",
                level=logging.WARNING,
                prefix=found.prefix,
                why=why,
                ip=_ip(request),
            )
            raise exceptions.AuthenticationFailed(why)
        usage.note_use(found, now)
        if history.in_context():
            # Changes made with the key are attributed to it in the row-level history.
            pghistory.context(api_key=found.prefix, api_key_owner=found.owner_label)
        return ApiKeyPrincipal(found), found

    def authenticate_header(self, request: Request) -> str:
        return SCHEME


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Your organisation\'s key, as "Api-Key <key>".',
        }
