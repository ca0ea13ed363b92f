"""Provider registry pages. Every view asks providers.access who may see what."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
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
from providers.models import Location, Provider, RegistrationStatus, Role, User


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
    provider = request.user.provider
    if provider is None or not can_approve_users_of(request.user, provider):
        raise PermissionDenied("Only approvers can manage their organisation's users.")
    return render(
        request,
        "providers/team.html",
        {
            "provider": provider,
            "pending": selectors.pending_users_of(provider),
            "members": selectors.team_of(provider),
        },
    )


def _pending_user_of_my_provider(request: AuthenticatedHttpRequest, user_id: int) -> User:
    # Approvers only, and asked before the look-up: a page that only shows a form still shows
    # the pending person's name and email, and a 404 or not would say which IDs exist.
    provider = request.user.provider
    if provider is None or not can_approve_users_of(request.user, provider):
        raise PermissionDenied("Only approvers can manage their organisation's users.")
    # Looked up within the approver's own provider: another provider's user ID is a 404.
    return get_object_or_404(selectors.pending_users_of(provider), pk=user_id)


def _current_locations_of(provider: Provider) -> QuerySet[Location]:
    """The locations an approver can give a user: the provider's own, not deregistered."""
    return provider.locations.exclude(status=RegistrationStatus.DEREGISTERED).order_by("name")


def _location_access_initial(person: User) -> dict[str, object]:
    chosen = list(person.limited_to_locations.all())
    if not chosen:
        return {"access": LocationAccessForm.ALL}
    return {"access": LocationAccessForm.SOME, "locations": chosen}


@role_required(Role.PROVIDER)
def team_approve(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Approve a request, choosing the locations the person sends data for (GET shows the
    choice; only POST writes)."""
    pending = _pending_user_of_my_provider(request, user_id)
    provider = pending.provider
    assert provider is not None  # pending users are looked up within the approver's provider
    form = LocationAccessForm(
        request.POST if request.method == "POST" else None,
        locations=_current_locations_of(provider),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_approve(
                actor=request.user,
                user_id=pending.pk,
                now=clock.now(),
                location_ids=form.location_ids(),
            )
        except ValidationError as exc:  # a location deregistered while the page was open
            form.add_error("locations", exc.messages)
        else:
            messages.success(request, f"{pending.get_full_name()} can now sign in and submit data.")
            return redirect("providers:team")
    return render(
        request,
        "providers/team_approve.html",
        {"person": pending, "form": form},
        status=400 if form.errors else 200,
    )


def _member_of_my_provider(request: AuthenticatedHttpRequest, user_id: int) -> User:
    # As for pending users: approvers only, asked first; another provider's user is a 404.
    provider = request.user.provider
    if provider is None or not can_approve_users_of(request.user, provider):
        raise PermissionDenied("Only approvers can manage their organisation's users.")
    return get_object_or_404(selectors.team_of(provider), pk=user_id)


@role_required(Role.PROVIDER)
def team_locations(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Change the locations an approved user sends data for (only POST writes)."""
    member = _member_of_my_provider(request, user_id)
    provider = member.provider
    assert provider is not None
    form = LocationAccessForm(
        request.POST if request.method == "POST" else None,
        locations=_current_locations_of(provider),
        initial=_location_access_initial(member),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_locations(
                actor=request.user, user_id=member.pk, location_ids=form.location_ids()
            )
        except ValidationError as exc:
            form.add_error("locations", exc.messages)
        else:
            messages.success(request, f"{member.get_full_name()}'s locations are changed.")
            return redirect("providers:team")
    return render(
        request,
        "providers/team_locations.html",
        {"person": member, "form": form},
        status=400 if form.errors else 200,
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
