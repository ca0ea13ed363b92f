"""Support staff's view of the registry: find anything fast, change it with a trail."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import Field, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from capacity_tracker.lib import clock
from capacity_tracker.lib.history_admin import HistoryLinkMixin
from providers import (
    cqc_admin,  # noqa: F401  (registers CqcImportAdmin: upload, preview, apply)
    services,
)
from providers.access import signed_in_user
from providers.audit import action_label
from providers.contacts import ContactDetails, contact_remove, contact_save
from providers.forms import UKMobileField, check_sms_has_mobile
from providers.models import (
    AuditEvent,
    Contact,
    LocalAuthority,
    Location,
    LocationStatusChange,
    Provider,
    Region,
    Role,
    User,
)
from providers.selectors import locations_without_users, onboarding_overdue
from providers.support_desk import LocationOverviewMixin
from providers.support_permissions import support_group_sync


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SupportReadOnlyAdmin(ReadOnlyAdmin):
    """A register support staff read and nobody edits here.

    Reading it takes the model's view permission, which support staff hold through the
    "NECS support" group (providers.support_permissions), not through a role check here.
    """


@admin.register(Region)
class RegionAdmin(SupportReadOnlyAdmin):
    list_display = ["name", "ons_code"]
    search_fields = ["name", "ons_code"]


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(SupportReadOnlyAdmin):
    # Readable by support so that the councils box on the user form can search it.
    list_display = ["name", "ons_code", "region", "kind"]
    list_select_related = ["region"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "ons_code"]


class ContactInline(admin.TabularInline):
    """Read-only here: a contact is added, changed or removed on its own admin page, which
    saves through providers.contacts (audited; never leaves a location without a contact)."""

    model = Contact
    extra = 0
    readonly_fields = [
        "name",
        "email",
        "phone",
        "role",
        "is_primary",
        "sms",
        "mobile",
        "last_confirmed_on",
    ]
    fields = [*readonly_fields]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = LocationStatusChange
    extra = 0
    readonly_fields = ["status", "effective_from", "recorded_at", "recorded_by", "reason"]
    fields = [*readonly_fields]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    readonly_fields = [
        "cqc_id",
        "name",
        "local_authority",
        "offers_care_home",
        "offers_home_care",
        "status",
    ]
    fields = [*readonly_fields]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Provider)
class ProviderAdmin(HistoryLinkMixin, admin.ModelAdmin):
    history_method = "references"  # its locations, users and cases too
    list_display = ["name", "cqc_id", "status", "postcode"]
    list_filter = ["status"]
    search_fields = ["name", "cqc_id", "locations__cqc_id", "postcode"]
    inlines = [LocationInline]
    readonly_fields = ["created_at", "updated_at"]


class OnboardingOverdueFilter(admin.SimpleListFilter):
    title = "onboarding"
    parameter_name = "onboarding"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("overdue", "No registered user after 100 days"),
            ("no_user", "No registered user yet"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Location]) -> QuerySet[Location]:
        if self.value() == "overdue":
            return queryset.filter(
                pk__in=onboarding_overdue(today=clock.local_date(clock.now())).values("pk")
            )
        if self.value() == "no_user":
            return queryset.filter(pk__in=locations_without_users().values("pk"))
        return queryset


class LocationDetailsForm(forms.ModelForm):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the details are being corrected. Required for a change; kept in the audit trail.",
    )

    class Meta:
        model = Location
        # The details support staff correct by hand; status has its own service.
        fields = list(services.LOCATION_DETAILS)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        details_changed = set(self.changed_data) - {"reason"}
        if self.instance.pk and details_changed and not str(cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why the location's details are changing.")
        return cleaned


@admin.register(Location)
class LocationAdmin(HistoryLinkMixin, LocationOverviewMixin, admin.ModelAdmin):
    history_method = "references"  # its contacts, status changes, returns and breaches too
    list_display = [
        "name",
        "cqc_id",
        "provider",
        "local_authority",
        "offers_care_home",
        "offers_home_care",
        "status",
        "overview_link",
    ]
    list_filter = [
        OnboardingOverdueFilter,
        "status",
        "offers_care_home",
        "offers_home_care",
        "local_authority__region",
    ]
    search_fields = ["name", "cqc_id", "provider__name", "provider__cqc_id", "postcode"]
    list_select_related = ["provider", "local_authority"]
    autocomplete_fields = ["provider", "local_authority"]
    # Registration status changes go through the audited service (see actions), not this form.
    readonly_fields = ["status", "status_effective_from", "created_at", "updated_at"]
    inlines = [ContactInline, StatusChangeInline]
    actions = ["mark_dormant", "mark_active"]
    form = LocationDetailsForm

    def save_model(
        self, request: HttpRequest, obj: Location, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            super().save_model(request, obj, form, change)  # superusers only: no add for support
            return
        # Through the service, which writes only what changed, with the reason, audited.
        values = {}
        for name in form.changed_data:
            if name == "reason":
                continue
            field = Location._meta.get_field(name)
            # A form field is one of the model's own columns, never a reverse relation.
            assert isinstance(field, Field)
            values[field.attname] = getattr(obj, field.attname)
        services.location_update_details(
            actor=signed_in_user(request),
            location_id=obj.pk,
            values=values,
            reason=str(form.cleaned_data.get("reason") or ""),
        )

    def _change_status(
        self, request: HttpRequest, queryset: QuerySet[Location], status: str
    ) -> None:
        actor = signed_in_user(request)
        today = clock.local_date(clock.now())
        for location in queryset:
            services.location_change_status(
                actor=actor,
                location_id=location.pk,
                status=status,
                effective_from=today,
                reason=f"Changed in admin by {actor.get_full_name()}",
            )
        self.message_user(
            request, f"{queryset.count()} location(s) marked {status}.", messages.SUCCESS
        )

    @admin.action(description="Mark selected locations dormant from today", permissions=["change"])
    def mark_dormant(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        self._change_status(request, queryset, "dormant")

    @admin.action(description="Mark selected locations active from today", permissions=["change"])
    def mark_active(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        self._change_status(request, queryset, "active")


class ContactAdminForm(forms.ModelForm):
    # Any usual way of writing a UK mobile, saved as +447XXXXXXXXX.
    mobile = UKMobileField(
        label="Mobile number", required=False, help_text="A UK mobile, like 07700 900 982."
    )

    class Meta:
        model = Contact
        fields = [
            "location",
            "name",
            "email",
            "phone",
            "role",
            "is_primary",
            "receipts",
            "sms",
            "mobile",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_sms_has_mobile(self)
        return self.cleaned_data

    def _get_validation_exclusions(self) -> set[str]:
        # The service makes the old primary contact ordinary when a new one is made primary,
        # so "only one primary contact" is not the form's to refuse. The other constraints
        # (an address once per location) are checked as usual.
        # misc: BaseModelForm._get_validation_exclusions is private, so django-stubs omits it.
        return {*super()._get_validation_exclusions(), "is_primary"}  # type: ignore[misc]


@admin.register(Contact)
class ContactAdmin(HistoryLinkMixin, admin.ModelAdmin):
    """Every write goes through providers.contacts, as on the location page: audited, one
    primary contact, and never a location's only contact removed."""

    form = ContactAdminForm
    list_display = ["name", "email", "location", "role", "is_primary", "sms", "last_confirmed_on"]
    list_filter = ["sms"]
    search_fields = ["name", "email", "mobile", "location__name", "location__cqc_id"]
    list_select_related = ["location"]
    autocomplete_fields = ["location"]
    readonly_fields = ["last_confirmed_on", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        # A contact belongs to one location: moving it would be a removal and an addition.
        return [*fields, "location"] if obj is not None else fields

    def get_actions(
        self, request: HttpRequest
    ) -> dict[str, tuple[Callable[..., str], str, str] | None]:
        # Bulk delete would bypass the one-at-a-time rule that a location keeps a contact.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if isinstance(obj, Contact) and not (
            Contact.objects.filter(location_id=obj.location_id).exclude(pk=obj.pk).exists()
        ):
            return False  # the location's only contact: add the replacement first
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Contact, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        saved = contact_save(
            actor=signed_in_user(request),
            now=clock.now(),
            location=obj.location,
            details=ContactDetails(
                name=data["name"],
                email=data["email"],
                phone=data.get("phone", ""),
                role=data.get("role", ""),
                is_primary=data.get("is_primary", False),
                receipts=data.get("receipts", True),
                mobile=data.get("mobile", ""),
                sms=data.get("sms", False),
            ),
            contact_id=obj.pk if change else None,
        )
        # The admin's redirect and "added" message need the saved row's key.
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Contact) -> None:
        contact_remove(actor=signed_in_user(request), location=obj.location, contact_id=obj.pk)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refused:
            # Another contact was removed in the meantime and this one is now the last.
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:providers_contact_change", args=[object_id]))


class CouncilsOnlyForLocalAuthorityUsers(forms.BaseForm):
    """Councils are a local authority user's whole scope; on anyone else they would mislead."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        councils = cleaned.get("local_authorities")
        if councils and cleaned.get("role") != Role.LOCAL_AUTHORITY:
            self.add_error("local_authorities", "Only local authority users have councils.")
        return cleaned


class ProviderUserCreationForm(CouncilsOnlyForLocalAuthorityUsers, UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "provider", "local_authorities"]


# Who a user is to the service. Changed only through services.user_change_access, with a
# reason kept in the audit trail; the form's own save leaves them as they were stored.
ACCESS_FIELDS = frozenset(
    {"role", "provider", "is_provider_approver", "is_staff", "is_active", "limited_to_locations"}
)
ACCESS_COLUMNS = ["role", "provider_id", "is_provider_approver", "is_staff", "is_active"]


class StaffUserChangeForm(CouncilsOnlyForLocalAuthorityUsers, UserChangeForm):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Required when the role, provider, approver flag, staff or active status, or "
            "location limits change. Kept in the audit trail."
        ),
    )

    def access_changed(self) -> bool:
        return bool(ACCESS_FIELDS & set(self.changed_data))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.access_changed() and not str(cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why this user's role or access is changing.")
        limits = cleaned.get("limited_to_locations")
        if limits:
            provider = cleaned.get("provider", self.instance.provider)
            if cleaned.get("role", self.instance.role) != Role.PROVIDER:
                self.add_error(
                    "limited_to_locations", "Only provider users are limited to locations."
                )
            elif provider is None or any(loc.provider_id != provider.pk for loc in limits):
                self.add_error(
                    "limited_to_locations",
                    "A user can be limited only to their own provider's locations.",
                )
        return cleaned


# Only a superuser hands out admin powers beyond a role.
SUPERUSER_ONLY_FIELDS = ["is_superuser", "groups", "user_permissions"]


@admin.register(User)
class UserAdmin(HistoryLinkMixin, BaseUserAdmin):
    form = StaffUserChangeForm
    add_form = ProviderUserCreationForm
    ordering = ["last_name", "first_name"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "role",
        "provider",
        "approved_at",
        "is_active",
    ]
    list_filter = ["role", "is_active", "is_staff", "is_provider_approver"]
    search_fields = ["email", "first_name", "last_name", "provider__name", "provider__cqc_id"]
    list_select_related = ["provider"]
    autocomplete_fields = ["provider", "limited_to_locations", "local_authorities"]
    readonly_fields = ["approved_at", "approved_by", "last_login", "date_joined", "two_factor"]
    actions = ["approve_users"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name"]}),
        (
            "Role",
            {
                "fields": [
                    "role",
                    "provider",
                    "is_provider_approver",
                    "limited_to_locations",
                    "local_authorities",
                ]
            },
        ),
        ("Approval", {"fields": ["approved_at", "approved_by"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
        ("Two-factor sign-in", {"fields": ["two_factor"]}),
        ("Why", {"fields": ["reason"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "provider",
                    "local_authorities",
                    "password1",
                    "password2",
                ]
            },
        ),
    ]

    # Support staff manage users (README: "users and approvals") with the permissions of the
    # "NECS support" group: view, add and change, never delete. Never superusers, and never
    # Django's own permission fields: they cannot raise anyone above themselves, nor take
    # over a superuser by setting its password.
    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if isinstance(obj, User) and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            # Role and access are saved by the service in save_related, with the reason;
            # this save writes the rest (name, email) and keeps access as stored.
            stored = User.objects.get(pk=obj.pk)
            for column in ACCESS_COLUMNS:
                setattr(obj, column, getattr(stored, column))
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += SUPERUSER_ONLY_FIELDS
        return fields

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool
    ) -> None:
        # Councils and location limits go through the audited services, not the form's plain
        # M2M save. Access first: a user becoming a council user may then be given councils.
        councils = form.cleaned_data.pop("local_authorities", None)
        limits = form.cleaned_data.pop("limited_to_locations", None)
        super().save_related(request, form, formsets, change)
        reason = str(form.cleaned_data.get("reason") or "")
        if change:
            services.user_change_access(
                actor=signed_in_user(request),
                user_id=form.instance.pk,
                access=self._access_from(form, limits),
                reason=reason,
            )
        if councils is not None:
            services.user_set_local_authorities(
                actor=signed_in_user(request),
                user_id=form.instance.pk,
                local_authority_ids=[council.pk for council in councils],
                reason=reason,
            )
        # A superuser's form may have set the groups by hand: the role decides support's.
        support_group_sync(User.objects.get(pk=form.instance.pk))

    @staticmethod
    def _access_from(
        form: forms.ModelForm, limits: Iterable[Location] | None
    ) -> services.UserAccess:
        stored = services.UserAccess.of(User.objects.get(pk=form.instance.pk))
        data = form.cleaned_data
        provider_id = stored.provider_id
        if "provider" in data:  # on the form: None means "no provider" (staff)
            provider_id = data["provider"].pk if data["provider"] is not None else None
        return services.UserAccess(
            role=data.get("role", stored.role),
            provider_id=provider_id,
            is_provider_approver=data.get("is_provider_approver", stored.is_provider_approver),
            is_staff=data.get("is_staff", stored.is_staff),
            is_active=data.get("is_active", stored.is_active),
            limited_to_location_ids=(
                frozenset(loc.pk for loc in limits)
                if limits is not None
                else stored.limited_to_location_ids
            ),
        )

    @admin.display(description="Authenticator app")
    def two_factor(self, obj: User) -> str:

        from providers.two_factor import has_device

        if obj.pk is None:
            return "-"
        return format_html(
            '{} <a href="{}">Reset two-factor sign-in (with a reason)</a>',
            "Set up." if has_device(obj) else "Not set up.",
            reverse("two_factor:reset", args=[obj.pk]),
        )

    @admin.action(description="Approve selected provider users", permissions=["change"])
    def approve_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = signed_in_user(request)
        now = clock.now()
        approved = 0
        for user in queryset.filter(role="provider", approved_at__isnull=True):
            services.user_approve(actor=actor, user_id=user.pk, now=now)
            approved += 1
        self.message_user(request, f"{approved} user(s) approved.", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "what", "target_label", "actor_label", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_label", "actor_label", "action", "target_id"]
    date_hierarchy = "at"

    @admin.display(description="What happened", ordering="action")
    def what(self, event: AuditEvent) -> str:
        # Plain words; the code stays on the change page and in the filter for searching.
        return action_label(event.action)
