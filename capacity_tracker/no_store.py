"""``Cache-Control: no-store`` on everything a signed-in person sees and on every download.

Pages behind sign-in carry contact details, figures and letters; without this a shared
computer's browser cache, or a proxy in between, keeps a copy after the person signs out.
Public pages (the start page, the calendar, static files) are left cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


def _is_attachment(response: HttpResponseBase) -> bool:
    disposition = response.get("Content-Disposition", "")
    return disposition.strip().lower().startswith("attachment")


class NoStoreMiddleware:
    """Goes after AuthenticationMiddleware, so that ``request.user`` is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or _is_attachment(response):
            # Also sets Expires and "private": no shared cache may keep it either.
            add_never_cache_headers(response)
        return response
