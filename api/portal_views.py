"""The provider's "API access" pages: which software suppliers may send figures, and their keys.

Only a provider's approvers use them (as with managing users), and only for their own provider:
another provider's grant or key ID is a 404, so guessing IDs reveals nothing. Support staff
manage suppliers and keys in admin instead. Each POST is one call of api.services (audited);
a GET writes nothing. A new key is shown once, in the POST's own response, never stored.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers

from api import services
from api.models import ApiKey, ApiKeyKind, Supplier, SupplierGrant
from api.portal_forms import ALL, SOME, GrantForm, KeyForm, ReasonForm
from api.usage import noted_use
from capacity_tracker.lib import clock
from providers.access import AuthenticatedHttpRequest, can_approve_users_of, role_required
from providers.models import Location, Provider, Role


def _own_provider(request: AuthenticatedHttpRequest) -> Provider:
    """The approver's provider; asked before any look-up, so a non-approver learns nothing."""
    provider = request.user.provider
    if provider is None or not can_approve_users_of(request.user, provider):
        raise PermissionDenied("Only approvers can manage their organisation's API access.")
    return provider


def _locations(provider: Provider) -> QuerySet[Location]:
    return provider.locations.order_by("name", "cqc_id")


def _live_grant(provider: Provider, grant_id: int) -> SupplierGrant:
    return get_object_or_404(services.live_grants(provider), pk=grant_id)


def _granted_suppliers(provider: Provider) -> QuerySet[Supplier]:
    return Supplier.objects.filter(
        is_active=True, grants__provider=provider, grants__revoked_at__isnull=True
    ).order_by("name")


def _own_keys(provider: Provider) -> QuerySet[ApiKey]:
    # Every key that acts for this provider alone: the supplier keys its approvers made, and a
    # provider key support staff made for it.
    return ApiKey.objects.filter(provider=provider).select_related(
        "supplier", "provider", "created_by", "revoked_by"
    )


def last_day_of(api_key: ApiKey) -> datetime.date:
    """The last day a key works, as the person chose it: a key expires at the midnight that
    starts the day after, which a person would read as the wrong day."""
    return clock.local_date(api_key.expires_at - datetime.timedelta(microseconds=1))


def _add_errors(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@dataclass(frozen=True)
class KeyRow:
    key: ApiKey
    last_used: Any  # datetime | None: the cache's note, or the stored time

    @property
    def is_live(self) -> bool:
        return self.key.revoked_at is None

    @property
    def expires_on(self) -> datetime.date:
        return last_day_of(self.key)


@role_required(Role.PROVIDER)
def access(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = _own_provider(request)
    keys = [KeyRow(key=key, last_used=noted_use(key)) for key in _own_keys(provider)]
    return render(
        request,
        "api/access.html",
        {
            "provider": provider,
            "grants": list(services.live_grants(provider)),
            "keys": keys,
            "now": clock.now(),
            "can_add_key": _granted_suppliers(provider).exists(),
        },
    )


def _grant_page(
    request: HttpRequest, provider: Provider, form: GrantForm, grant: SupplierGrant | None
) -> HttpResponse:
    return render(
        request,
        "api/grant_form.html",
        {"provider": provider, "form": form, "grant": grant},
        status=400 if form.errors else 200,
    )


@role_required(Role.PROVIDER)
def grant_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = _own_provider(request)
    # A supplier that has access already is changed from its row, not given access twice.
    suppliers = Supplier.objects.filter(is_active=True).exclude(
        grants__provider=provider, grants__revoked_at__isnull=True
    )
    form = GrantForm(
        request.POST if request.method == "POST" else None,
        suppliers=suppliers,
        locations=_locations(provider),
        initial={"scope": ALL},
    )
    if request.method == "POST" and form.is_valid():
        supplier = form.cleaned_data["supplier"]
        try:
            services.grant_set(
                actor=request.user,
                provider=provider,
                supplier=supplier,
                locations=form.chosen_locations,
                now=clock.now(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{supplier.name} can now send figures for you to confirm.")
            return redirect("api_access:index")
    return _grant_page(request, provider, form, None)


@role_required(Role.PROVIDER)
def grant_change(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    provider = _own_provider(request)
    grant = _live_grant(provider, grant_id)
    form = GrantForm(
        request.POST if request.method == "POST" else None,
        suppliers=None,
        locations=_locations(provider),
        initial={
            "scope": ALL if grant.all_locations else SOME,
            "locations": [location.pk for location in grant.locations.all()],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_set(
                actor=request.user,
                provider=provider,
                supplier=grant.supplier,
                locations=form.chosen_locations,
                now=clock.now(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"You changed the locations {grant.supplier.name} can use.")
            return redirect("api_access:index")
    return _grant_page(request, provider, form, grant)


@role_required(Role.PROVIDER)
def grant_remove(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    provider = _own_provider(request)
    grant = _live_grant(provider, grant_id)
    if request.method == "POST":
        try:
            services.grant_revoke(
                actor=request.user, grant_id=grant.pk, provider=provider, now=clock.now()
            )
        except SupplierGrant.DoesNotExist:
            raise Http404("That access was removed already.") from None
        messages.success(request, f"{grant.supplier.name} can no longer send figures for you.")
        return redirect("api_access:index")
    waiting = grant.supplier.drafts.filter(location__provider=provider, status="waiting").count()
    return render(
        request,
        "api/grant_remove.html",
        {"provider": provider, "grant": grant, "waiting": waiting},
    )


@role_required(Role.PROVIDER)
def key_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = _own_provider(request)
    now = clock.now()
    today = clock.local_date(now)
    suppliers = _granted_suppliers(provider)
    default = services.default_expiry(now)
    default_date = clock.local_date(default)
    form = KeyForm(
        request.POST if request.method == "POST" else None,
        suppliers=suppliers,
        today=today,
        initial={"expires": [default_date.day, default_date.month, default_date.year]},
    )
    if request.method == "POST" and form.is_valid():
        supplier = form.cleaned_data["supplier"]
        try:
            api_key, raw = services.key_create(
                actor=request.user,
                kind=ApiKeyKind.SUPPLIER,
                name=form.cleaned_data["name"],
                now=now,
                expires_at=form.expires_at,
                supplier=supplier,
                provider=provider,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            # The whole key is in this response only: not stored, not in a URL or the session,
            # and no cache may keep the page.
            response = render(
                request,
                "api/key_created.html",
                {
                    "provider": provider,
                    "api_key": api_key,
                    "raw_key": raw,
                    "expires_on": last_day_of(api_key),
                },
            )
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
            return response
    return render(
        request,
        "api/key_form.html",
        {"provider": provider, "form": form, "has_suppliers": suppliers.exists()},
        status=400 if form.errors else 200,
    )


@role_required(Role.PROVIDER)
def key_revoke(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    provider = _own_provider(request)
    api_key = get_object_or_404(_own_keys(provider).filter(revoked_at__isnull=True), pk=key_id)
    form = ReasonForm(
        request.POST if request.method == "POST" else None, label="Why are you revoking the key?"
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.key_revoke(
                actor=request.user,
                api_key_id=api_key.pk,
                reason=form.cleaned_data["reason"],
                now=clock.now(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"The key {api_key.name} no longer works.")
            return redirect("api_access:index")
    return render(
        request,
        "api/key_revoke.html",
        {"provider": provider, "api_key": api_key, "form": form},
        status=400 if form.errors else 200,
    )
