"""Two guards on every request: refuse a body larger than the service ever needs before
anything reads it, and log every refusal of access (401/403) for the security log."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from api.errors import json_error
from capacity_tracker.lib.json_logs import security_event


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Support staff upload CQC's national directory in admin: a larger file than any page's.
        api = request.path.startswith("/api/")
        if api:
            limit = settings.API_MAX_REQUEST_BYTES
        elif request.path.startswith("/admin/"):
            limit = settings.MAX_ADMIN_REQUEST_BYTES
        else:
            limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            security_event(
                "request_too_large",
                level=logging.WARNING,
                path=request.path,
                bytes=length,
                limit=limit,
            )
            if api:
                return json_error(
                    request,
                    413,
                    "too_large",
                    f"The request body is too large: the most the API accepts is "
                    f"{limit // 1024} KB.",
                )
            return HttpResponse(
                f"The request is too large: the most this service accepts is "
                f"{limit // (1024 * 1024)} MB.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                user_id, role = user.pk, getattr(user, "role", "")
            else:
                user_id, role = None, "anonymous"
            security_event(
                "access_denied",
                level=logging.WARNING,
                path=request.path,
                method=request.method,
                status=response.status_code,
                user_id=user_id,
                role=role,
            )
        return response
