"""Pages that sit above the apps: the signed-in landing page, the health check, and the
not-found and server-error answers (JSON under /api/)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found

from api.errors import SERVER_ERROR_MESSAGE, json_error
from capacity_tracker import db_unavailable
from providers.access import ALL_ROLES, role_of, role_required, signed_in_user
from providers.models import Role


@role_required(*ALL_ROLES, approved=False)
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: each role's own starting page."""
    user = signed_in_user(request)
    role = role_of(user)
    if role is Role.PROVIDER and not user.is_approved:
        return redirect("providers:awaiting-approval")
    if role is Role.PROVIDER:
        return redirect("returns:dashboard")
    if role is Role.CASEWORKER:
        return redirect("enforcement:queue")
    if role is Role.DISCHARGE:
        return redirect("vacancies:finder")
    if role in (Role.ANALYST, Role.LOCAL_AUTHORITY):
        return redirect("dissemination:dashboard")
    return redirect("providers:locations")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error"
    except Exception as exc:  # noqa: BLE001
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return json_error(
            request, 404, "not_found", "There is no such endpoint. See /api/v1/docs/."
        )
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # The database unreachable from a middleware (before or after the view): 503, not 500.
    if (unavailable := db_unavailable.response_for_current_exception(request)) is not None:
        return unavailable
    if _is_api(request):
        return json_error(request, 500, "server_error", SERVER_ERROR_MESSAGE)
    # Rendered without the request, as Django's own handler does (the context processors may
    # be what failed), but given what base.html's title and header link need: without the
    # service's name the header link had no text (axe link-name) and the title a gap.
    page = loader.get_template("500.html").render(
        {"service_name": settings.SERVICE_NAME, "support_email": settings.SUPPORT_EMAIL}
    )
    return HttpResponse(page, status=500)
