"""Per-key request limits, in the cache (Redis in production, shared by every worker).

Over the limit, DRF answers 429 with ``Retry-After``. Writes have a lower limit than reads:
a supplier posting a month's returns for 500 locations sends 500 posts, well inside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey

if TYPE_CHECKING:  # for the type checker only: DRF's views import the API's settings
    from rest_framework.request import Request
    from rest_framework.views import APIView

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ApiKeyThrottle(SimpleRateThrottle):
    """A key's reads and writes, counted apart. People signed in are limited per user."""

    def get_rate(self) -> str | None:
        # The scope is chosen per request, so the rate is read in allow_request.
        return None

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = "api_read" if request.method in SAFE_METHODS else "api_write"
        self.rate = settings.API_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
