"""Provider registry pages. Every view asks providers.access who may see what."""

from __future__ import annotations

from collections.abc import Callable

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from capacity_tracker.lib import clock, rate_limit
from providers import contacts, registration, selectors, services
from providers.access import (
    ALL_ROLES,
    HISTORY_ROLES,
    AuthenticatedHttpRequest,
    can_approve_users_of,
    editable_locations,
    get_location_for,
    get_provider_for,
    role_of,
    role_required,
)
from providers.audit import audit_trail_for
from providers.forms import (
    ContactForm,
    LocationAccessForm,
    ProviderSearchForm,
    RegisterForm,
    RejectUserForm,
)
from providers.models import Provider, RegistrationStatus, Role, User


@role_required(*ALL_ROLES)
def location_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if role_of(request.user) is Role.PROVIDER:
        locations = selectors.locations_for_listing(request.user)
        return render(
            request,
            "providers/location_list.html",
            {"locations": locations, "provider": request.user.provider},
        )
    form = ProviderSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    providers = selectors.search_providers(request.user, query) if query else []
    return render(
        request,
        "providers/provider_search.html",
        {"form": form, "query": query, "providers": providers},
    )


def _search_query(request: AuthenticatedHttpRequest) -> str:
    """The search that led here (?q= on links from the results), so the back link returns to
    the same results; "" when there was none or it is not a valid search."""
    form = ProviderSearchForm(request.GET)
    return form.cleaned_data["q"] if form.is_valid() else ""


@role_required(*ALL_ROLES)
def provider_detail(request: AuthenticatedHttpRequest, cqc_id: str) -> HttpResponse:
    provider = get_provider_for(request.user, cqc_id)
    locations = selectors.locations_for_listing(request.user).filter(provider=provider)
    return render(
        request,
        "providers/provider_detail.html",
        {"provider": provider, "locations": locations, "search_query": _search_query(request)},
    )


@role_required(*ALL_ROLES)
def location_detail(request: AuthenticatedHttpRequest, cqc_id: str) -> HttpResponse:
    location = get_location_for(request.user, cqc_id)
    context = {
        "location": location,
        "contacts": location.contacts.all(),
        "status_changes": location.status_changes.order_by("-effective_from", "-recorded_at")[:20],
        "can_edit": editable_locations(request.user).filter(pk=location.pk).exists(),
        "can_see_history": role_of(request.user) in HISTORY_ROLES,
        "show_audit": role_of(request.user) is Role.SUPPORT,
        "audit_events": audit_trail_for(location)[:20]
        if role_of(request.user) is Role.SUPPORT
        else [],
        "search_query": _search_query(request),
    }
    return render(request, "providers/location_detail.html", context)


@role_required(Role.PROVIDER)
def team(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = _provider_i_approve_for(request)
    return render(
        request,
        "providers/team.html",
        {
            "provider": provider,
            "pending": selectors.pending_users_of(provider),
            "members": selectors.team_of(provider),
        },
    )


def _provider_i_approve_for(request: AuthenticatedHttpRequest) -> Provider:
    # Approvers only, and asked before any look-up: a page that only shows a form still shows
    # the person's name and email, and a 404 or not would say which IDs exist.
    provider = request.user.provider
    if provider is None or not can_approve_users_of(request.user, provider):
        raise PermissionDenied("Only approvers can manage their organisation's users.")
    return provider


def _pending_user_of_my_provider(request: AuthenticatedHttpRequest, user_id: int) -> User:
    # Looked up within the approver's own provider: another provider's user ID is a 404.
    provider = _provider_i_approve_for(request)
    return get_object_or_404(selectors.pending_users_of(provider), pk=user_id)


def _member_of_my_provider(request: AuthenticatedHttpRequest, user_id: int) -> User:
    provider = _provider_i_approve_for(request)
    return get_object_or_404(selectors.team_of(provider), pk=user_id)


def _location_access_page(
    request: AuthenticatedHttpRequest,
    person: User,
    *,
    template: str,
    initial: dict[str, object] | None,
    save: Callable[[list[int]], object],
    done: str,
) -> HttpResponse:
    """The "All locations / Only some locations" page for ``person`` (approving, or changing
    later): GET shows the choice; a valid POST calls ``save`` with the chosen location IDs
    (empty: all) and goes back to the team page with ``done``."""
    assert person.provider is not None  # looked up within the approver's provider
    locations = person.provider.locations.exclude(status=RegistrationStatus.DEREGISTERED)
    form = LocationAccessForm(
        request.POST if request.method == "POST" else None,
        locations=locations.order_by("name"),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            save(form.location_ids())
        except ValidationError as exc:  # a location deregistered while the page was open
            form.add_error("locations", exc.messages)
        else:
            messages.success(request, done)
            return redirect("providers:team")
    return render(
        request, template, {"person": person, "form": form}, status=400 if form.errors else 200
    )


@role_required(Role.PROVIDER)
def team_approve(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Approve a request, choosing the locations the person sends data for."""
    pending = _pending_user_of_my_provider(request, user_id)
    return _location_access_page(
        request,
        pending,
        template="providers/team_approve.html",
        initial=None,
        save=lambda location_ids: services.user_approve(
            actor=request.user, user_id=pending.pk, now=clock.now(), location_ids=location_ids
        ),
        done=f"{pending.get_full_name()} can now sign in and submit data.",
    )


@role_required(Role.PROVIDER)
def team_locations(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Change the locations an approved user sends data for."""
    member = _member_of_my_provider(request, user_id)
    chosen = list(member.limited_to_locations.all())
    initial: dict[str, object] = (
        {"access": LocationAccessForm.SOME, "locations": chosen}
        if chosen
        else {"access": LocationAccessForm.ALL}
    )
    return _location_access_page(
        request,
        member,
        template="providers/team_locations.html",
        initial=initial,
        save=lambda location_ids: services.user_set_locations(
            actor=request.user, user_id=member.pk, location_ids=location_ids
        ),
        done=f"{member.get_full_name()}'s locations are changed.",
    )


@role_required(Role.PROVIDER)
def team_reject(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    pending = _pending_user_of_my_provider(request, user_id)
    form = RejectUserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.user_reject(
            actor=request.user, user_id=pending.pk, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"You turned down the request from {pending.get_full_name()}.")
        return redirect("providers:team")
    return render(request, "providers/team_reject.html", {"pending": pending, "form": form})


# --- Contacts -----------------------------------------------------------------------------


@role_required(Role.PROVIDER, Role.SUPPORT)
def contact_edit(
    request: AuthenticatedHttpRequest, cqc_id: str, contact_id: int | None = None
) -> HttpResponse:
    location = get_location_for(request.user, cqc_id, write=True)
    contact = get_object_or_404(location.contacts, pk=contact_id) if contact_id else None
    initial = (
        {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "role": contact.role,
            "is_primary": "yes" if contact.is_primary else "no",
            "receipts": contact.receipts,
            "sms": contact.sms,
            "mobile": contact.mobile,
        }
        if contact
        else {}
    )
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.contact_save(
                actor=request.user,
                now=clock.now(),
                location=location,
                details=contacts.ContactDetails(**form.cleaned_data),
                contact_id=contact.pk if contact else None,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"Contact {'changed' if contact else 'added'}: {form.cleaned_data['name']}.",
            )
            return redirect("providers:location", cqc_id=location.cqc_id)
    return render(
        request,
        "providers/contact_form.html",
        {"location": location, "contact": contact, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.PROVIDER, Role.SUPPORT)
def contact_remove(request: AuthenticatedHttpRequest, cqc_id: str, contact_id: int) -> HttpResponse:
    location = get_location_for(request.user, cqc_id, write=True)
    contact = get_object_or_404(location.contacts, pk=contact_id)
    error = ""
    if request.method == "POST":
        try:
            contacts.contact_remove(actor=request.user, location=location, contact_id=contact.pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"{contact.name} is no longer a contact for {location.name}.")
            return redirect("providers:location", cqc_id=location.cqc_id)
    return render(
        request,
        "providers/contact_remove.html",
        {"location": location, "contact": contact, "error": error},
        status=400 if error else 200,
    )


@require_POST
@role_required(Role.PROVIDER, Role.SUPPORT)
def contacts_confirm(request: AuthenticatedHttpRequest, cqc_id: str) -> HttpResponse:
    location = get_location_for(request.user, cqc_id, write=True)
    contacts.contacts_confirm(actor=request.user, location=location, now=clock.now())
    messages.success(request, "Thank you: the contacts are marked as checked today.")
    return redirect("providers:location", cqc_id=location.cqc_id)


# --- Registration ---------------------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        address = get_client_ip_address(request) or "unknown"
        if not rate_limit.allow(
            f"register:{address}", limit=settings.REGISTER_MAX_PER_HOUR, seconds=3600
        ):
            return render(request, "providers/register_limited.html", status=429)
    if request.method == "POST" and form.is_valid():
        try:
            registration.user_register(
                request=registration.Request(**form.cleaned_data), now=clock.now()
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return render(
                request, "providers/register_done.html", {"email": form.cleaned_data["email"]}
            )
    return render(
        request, "providers/register.html", {"form": form}, status=400 if form.errors else 200
    )


@role_required(Role.PROVIDER, approved=False)
def awaiting_approval(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_approved:
        return redirect("home")
    return render(request, "providers/awaiting_approval.html", {"provider": request.user.provider})
