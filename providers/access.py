"""The one authorisation helper. Every view, API endpoint and export asks it.

Rules:
- Provider users see and change only their own provider's locations, and only the ones they
  are limited to when a limit is set. Until someone approves them they see nothing.
- NECS support staff (and superusers) see and change everything: they act on providers' behalf.
- NHSBSA caseworkers and DHSC analysts read everything but change no provider data here.
- Local authority users read the locations in their councils' areas only, and the providers
  that run at least one of them (never those providers' locations elsewhere). They change
  nothing. With no council set they see nothing.
- Anyone else sees nothing.

Lookups by ID for a user who may not see the object raise Http404, not 403, so that guessing
URLs does not even reveal which IDs exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase

from providers.models import LocalAuthority, Location, Provider, Role, User

AnyUser = User | AnonymousUser
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind ``role_required`` gets: it has turned away anyone not signed
    in, so ``request.user`` is a ``User`` (django-stubs' documented pattern for this)."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user of a request that only signed-in people reach (the admin site, a
    view behind ``role_required``). Anyone else is refused, never treated as anonymous."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in to do this.")
    return user


STAFF_READ_ROLES = frozenset({Role.SUPPORT, Role.CASEWORKER, Role.ANALYST})
# Who may have location-level figures (exports, compliance by location), each within
# visible_locations(). Provider users see their own data in the portal, not through these.
LOCATION_LEVEL_ROLES = frozenset({*STAFF_READ_ROLES, Role.LOCAL_AUTHORITY})


def _active(user: AnyUser) -> User | None:
    """The user, if signed in and active; else None."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return None
    return user


def role_of(user: AnyUser) -> Role | None:
    """The role that decides access; superusers count as support staff."""
    active = _active(user)
    if active is None:
        return None
    if active.is_superuser:
        return Role.SUPPORT
    try:
        return Role(active.role)
    except ValueError:
        return None


def _approved_provider_user(user: AnyUser) -> tuple[User, int] | None:
    """The user and their provider's ID, if an active provider user someone has approved (with
    a provider: one without sees nothing, as no location has no provider); else None."""
    active = _active(user)
    if active is None or role_of(active) is not Role.PROVIDER or not active.is_approved:
        return None
    if active.provider_id is None:
        return None
    return active, active.provider_id


def is_active_provider_user(user: AnyUser) -> bool:
    active = _active(user)
    return active is not None and role_of(active) is Role.PROVIDER and active.is_approved


def visible_locations(user: AnyUser) -> QuerySet[Location]:
    role = role_of(user)
    if role in STAFF_READ_ROLES:
        return Location.objects.all()
    if (provider_user := _approved_provider_user(user)) is not None:
        limited_user, provider_id = provider_user
        return Location.objects.filter(provider_id=provider_id).filter(_within_limit(limited_user))
    if role is Role.LOCAL_AUTHORITY and (active := _active(user)) is not None:
        # A subquery, not a list: the scope is read in the same query as the locations.
        return Location.objects.filter(local_authority__in=_own_councils(active))
    return Location.objects.none()


def _within_limit(user: User) -> Q:
    """The user's location limit as a condition, read in the same query as the locations.

    No limit rows at all means every location of the provider. A limit counts as set if the
    user has any row, even one naming another provider's location: such a limit then lets
    through none of the provider's locations, never all of them.
    """
    limits = User.limited_to_locations.through.objects.filter(user_id=user.pk)
    return ~Exists(limits) | Exists(limits.filter(location_id=OuterRef("pk")))


def editable_locations(user: AnyUser) -> QuerySet[Location]:
    role = role_of(user)
    if role is Role.SUPPORT or role is Role.PROVIDER:
        return visible_locations(user)
    return Location.objects.none()


def visible_providers(user: AnyUser) -> QuerySet[Provider]:
    role = role_of(user)
    if role in STAFF_READ_ROLES:
        return Provider.objects.all()
    if (provider_user := _approved_provider_user(user)) is not None:
        _, provider_id = provider_user
        return Provider.objects.filter(pk=provider_id)
    if role is Role.LOCAL_AUTHORITY:
        # Exists, not a join: a provider with three locations in the area is listed once.
        in_area = visible_locations(user).filter(provider=OuterRef("pk"))
        return Provider.objects.filter(Exists(in_area))
    return Provider.objects.none()


def _own_councils(user: User) -> QuerySet[LocalAuthority]:
    return LocalAuthority.objects.filter(users=user)


def visible_local_authorities(user: AnyUser) -> QuerySet[LocalAuthority]:
    """Councils whose area figures (aggregates and, where entitled, locations) the user sees.

    Provider users get none here: they see their own locations, and benchmarks of their
    council, region and England, which are published aggregates rather than an area's data.
    """
    role = role_of(user)
    if role in STAFF_READ_ROLES:
        return LocalAuthority.objects.all()
    if role is Role.LOCAL_AUTHORITY and (active := _active(user)) is not None:
        return _own_councils(active)
    return LocalAuthority.objects.none()


def is_local_authority_user(user: AnyUser) -> bool:
    return role_of(user) is Role.LOCAL_AUTHORITY


def can_see_location_level(user: AnyUser) -> bool:
    """May this user have location-level rows at all? Which rows: visible_locations(user)."""
    return role_of(user) in LOCATION_LEVEL_ROLES


LOCATION_RELATED = ("provider", "local_authority__region")


def get_location_for(
    user: AnyUser, cqc_id: str, *, write: bool = False, related: tuple[str, ...] = LOCATION_RELATED
) -> Location:
    """The location, if ``user`` may see it (or change it, with ``write``); else Http404.
    ``related``: what to read with it (a page that shows none of it passes ``()``: the query
    then joins and builds one table, not four)."""
    queryset = editable_locations(user) if write else visible_locations(user)
    if related:
        queryset = queryset.select_related(*related)
    try:
        return queryset.get(cqc_id=cqc_id)
    except Location.DoesNotExist:
        raise Http404("No location with that ID that you can see.") from None


def get_provider_for(user: AnyUser, cqc_id: str) -> Provider:
    try:
        return visible_providers(user).get(cqc_id=cqc_id)
    except Provider.DoesNotExist:
        raise Http404("No provider with that ID that you can see.") from None


def can_approve_users_of(user: AnyUser, provider: Provider) -> bool:
    role = role_of(user)
    if role is Role.SUPPORT:
        return True
    active = _active(user)
    return (
        active is not None
        and is_active_provider_user(active)
        and active.is_provider_approver
        and active.provider_id == provider.pk
    )


def role_required(*roles: Role, approved: bool = True) -> Callable[[View], View]:
    """Decorate a view: anonymous people go to sign-in; the wrong role gets 403.

    Provider users must also have been approved, unless ``approved=False``.
    """

    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = role_of(request.user)
            if role not in allowed:
                raise PermissionDenied("Your account does not give you access to this page.")
            if role is Role.PROVIDER and approved and not is_active_provider_user(request.user):
                raise PermissionDenied("Your account has not been approved yet.")
            return view(request, *args, **kwargs)

        # return-value: functools.wraps types its result as _Wrapped, not as the view it copies
        # (same signature and name), so the decorated view's type is not kept without this.
        return wrapper  # type: ignore[return-value]

    return decorator


ALL_ROLES = tuple(Role)

# Who may open a location's return history and its versions (returns.history_views); here so
# the pages that link to the history (providers.views.location_detail) show the link to
# exactly these roles. Local authority officers see their area's figures in aggregate only.
HISTORY_ROLES = (Role.PROVIDER, Role.SUPPORT, Role.CASEWORKER, Role.ANALYST)
