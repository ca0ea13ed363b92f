"""Values every page template needs: the service name and the navigation for this user."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from providers.access import Role, is_active_provider_user, role_of


def _nav_for(request: HttpRequest) -> list[dict[str, object]]:
    user = getattr(request, "user", None)
    items: list[tuple[str, str]] = [("Collection dates", reverse("calendar"))]
    if user is not None and user.is_authenticated:
        role = role_of(user)
        if role is Role.PROVIDER:
            # Someone waiting for approval can open neither yet: no links to a 403.
            if is_active_provider_user(user):
                items.insert(0, ("Your returns", reverse("returns:dashboard")))
                items.insert(1, ("Your locations", reverse("providers:locations")))
        elif role is not Role.DISCHARGE:
            items.insert(0, ("Find a provider", reverse("providers:locations")))
        if role in (Role.DISCHARGE, Role.SUPPORT, Role.ANALYST):
            items.insert(0, ("Vacant beds", reverse("vacancies:finder")))
        if role is Role.PROVIDER and user.is_provider_approver:
            items.append(("Manage users", reverse("providers:team")))
        if role in (Role.ANALYST, Role.SUPPORT, Role.LOCAL_AUTHORITY):
            items.insert(0, ("Data", reverse("dissemination:dashboard")))
        if role is Role.CASEWORKER:
            items.append(("Compliance", reverse("dissemination:compliance")))
        if role in (Role.CASEWORKER, Role.SUPPORT):
            items.append(("Enforcement cases", reverse("enforcement:queue")))
        if role is Role.SUPPORT:
            items.append(("Admin", reverse("admin:index")))
        items.append(("Account security", reverse("two_factor:account")))
    path = request.path
    return [
        {
            "text": text,
            "href": href,
            "active": path == href or (href != "/" and path.startswith(href)),
        }
        for text, href in items
    ]


def service(request: HttpRequest) -> dict[str, object]:
    return {
        "service_name": settings.SERVICE_NAME,
        "service_home_url": reverse("start"),
        "support_email": settings.SUPPORT_EMAIL,
        "nav_items": _nav_for(request),
    }
