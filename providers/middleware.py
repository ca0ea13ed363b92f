"""Sign-in rules applied to every request: the second factor, and staff idle time-out.

Both go after django-otp's ``OTPMiddleware`` (which tells whether this session passed its
second factor) and Django's message middleware (the time-out leaves a message).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from api.errors import json_error
from capacity_tracker.lib import clock
from capacity_tracker.lib.json_logs import security_event
from providers import two_factor

Handler = Callable[[HttpRequest], HttpResponseBase]

# Sent by our own scripts when they poll (static/js/window-monitor.js): not activity.
BACKGROUND_REFRESH = "X-Background-Refresh"


class TwoFactorMiddleware:
    """Until a session has passed its second factor, only the two-factor pages, sign-out and
    static files answer; everything else (admin included) sends the person to enter a code."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._open: frozenset[str] | None = None

    def _open_paths(self) -> frozenset[str]:
        if self._open is None:
            self._open = frozenset(
                reverse(name)
                for name in ("two_factor:verify", "two_factor:setup", "logout", "healthz")
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            two_factor.must_verify(request)  # first: most requests need no URL reversed
            and request.path not in self._open_paths()
            and not request.path.startswith(settings.STATIC_URL)
        ):
            if request.path.startswith("/api/"):
                return json_error(
                    request,
                    403,
                    "second_factor_needed",
                    "Enter the code from your authenticator app first.",
                )
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('two_factor:verify')}?{query}")
        return self.get_response(request)


class StaffIdleTimeoutMiddleware:
    """Signs staff out after ``STAFF_SESSION_IDLE_MINUTES`` with no request.

    The time of the last request travels in a cookie signed for this session, so that no GET
    writes the session. Without the cookie, the time the password was accepted counts instead.
    Provider users keep the normal session length.
    """

    COOKIE = "ct_staff_activity"

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    @staticmethod
    def _salt(request: HttpRequest) -> str:
        return f"providers.idle:{request.session.session_key}"

    def _last_activity(self, request: HttpRequest) -> float | None:
        value = request.get_signed_cookie(self.COOKIE, default=None, salt=self._salt(request))
        if value is not None:
            try:
                return float(value)
            except ValueError:
                pass
        signed_in = request.session.get(two_factor.SESSION_SIGNED_IN_AT)
        return float(signed_in) if signed_in is not None else None

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        now = clock.now()  # once per request: the idle check and the activity it records
        if two_factor.is_staff_user(request.user):
            idle = datetime.timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES)
            last = self._last_activity(request)
            if last is not None and now.timestamp() - last > idle.total_seconds():
                return self._sign_out(request, idle)
        response = self.get_response(request)
        if request.headers.get(BACKGROUND_REFRESH) == "1":
            return response  # a page polling for figures; the person may have walked away
        if two_factor.is_staff_user(request.user) and request.session.session_key:
            response.set_signed_cookie(
                self.COOKIE,
                str(now.timestamp()),
                salt=self._salt(request),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        elif self.COOKIE in request.COOKIES and not request.user.is_authenticated:
            response.delete_cookie(self.COOKIE, samesite="Lax")
        return response

    def _sign_out(self, request: HttpRequest, idle: datetime.timedelta) -> HttpResponse:
        minutes = int(idle.total_seconds() // 60)
        security_event(
            "session_idle_timeout",
            level=logging.INFO,
            user_id=request.user.pk,
            idle_minutes=minutes,
        )
        logout(request)
        messages.info(
            request,
            f"You were signed out because you did nothing for {minutes} minutes. "
            "Sign in again to carry on.",
        )
        response = redirect_to_login(request.get_full_path())
        response.delete_cookie(self.COOKIE, samesite="Lax")
        return response
