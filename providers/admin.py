"""Support staff's view of the registry: find anything fast, change it with a trail."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from providers import services
from providers.access import role_of
from providers.models import (
    AuditEvent,
    Contact,
    CqcImport,
    LocalAuthority,
    Location,
    LocationStatusChange,
    OutboundEmail,
    Provider,
    Region,
    Role,
    User,
)
from providers.outbox import outbox_resend
from providers.selectors import locations_without_users, onboarding_overdue


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def is_support(request: HttpRequest) -> bool:
    return role_of(request.user) is Role.SUPPORT


class SupportCanViewMixin:
    """Every support officer may read this in admin by role, without a model permission.

    Support accounts are made by role (seed_demo, the user admin), not given Django groups, so
    a model they must read says so here, as the bulk upload admin in ``returns`` does.
    """

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_support(request) or super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_support(request) or super().has_module_permission(request)  # type: ignore[misc]


class SupportReadOnlyAdmin(SupportCanViewMixin, ReadOnlyAdmin):
    """A register support staff read and nobody edits here."""


@admin.register(Region)
class RegionAdmin(SupportReadOnlyAdmin):
    list_display = ["name", "ons_code"]
    search_fields = ["name", "ons_code"]


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(SupportReadOnlyAdmin):
    # Readable by support so that the councils box on the user form can search it.
    list_display = ["name", "ons_code", "region", "kind"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "ons_code"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "email", "phone", "role", "is_primary", "last_confirmed_on"]


class StatusChangeInline(admin.TabularInline):
    model = LocationStatusChange
    extra = 0
    fields = ["status", "effective_from", "recorded_at", "recorded_by", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    fields = ["cqc_id", "name", "local_authority", "offers_care_home", "offers_home_care", "status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
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
                pk__in=onboarding_overdue(today=timezone.localdate()).values("pk")
            )
        if self.value() == "no_user":
            return queryset.filter(pk__in=locations_without_users().values("pk"))
        return queryset


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "cqc_id",
        "provider",
        "local_authority",
        "offers_care_home",
        "offers_home_care",
        "status",
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

    def _change_status(
        self, request: HttpRequest, queryset: QuerySet[Location], status: str
    ) -> None:
        from django.utils import timezone

        for location in queryset:
            services.location_change_status(
                actor=request.user,
                location_id=location.pk,
                status=status,
                effective_from=timezone.localdate(),
                reason=f"Changed in admin by {request.user.get_full_name()}",
            )
        self.message_user(
            request, f"{queryset.count()} location(s) marked {status}.", messages.SUCCESS
        )

    @admin.action(description="Mark selected locations dormant from today")
    def mark_dormant(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        self._change_status(request, queryset, "dormant")

    @admin.action(description="Mark selected locations active from today")
    def mark_active(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        self._change_status(request, queryset, "active")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "location", "role", "is_primary", "last_confirmed_on"]
    search_fields = ["name", "email", "location__name", "location__cqc_id"]
    list_select_related = ["location"]
    autocomplete_fields = ["location"]


class CouncilsOnlyForLocalAuthorityUsers:
    """Councils are a local authority user's whole scope; on anyone else they would mislead."""

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()  # type: ignore[misc]
        councils = cleaned.get("local_authorities")
        if councils and cleaned.get("role") != Role.LOCAL_AUTHORITY:
            self.add_error(  # type: ignore[attr-defined]
                "local_authorities", "Only local authority users have councils."
            )
        return cleaned


class ProviderUserCreationForm(CouncilsOnlyForLocalAuthorityUsers, UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "provider", "local_authorities"]


class StaffUserChangeForm(CouncilsOnlyForLocalAuthorityUsers, UserChangeForm):
    pass


# Only a superuser hands out admin powers beyond a role.
SUPERUSER_ONLY_FIELDS = ["is_superuser", "groups", "user_permissions"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
    readonly_fields = ["approved_at", "approved_by", "last_login", "date_joined"]
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

    # Support staff manage users by their role (README: "users and approvals"), but never
    # superusers, and never Django's own permission fields: they cannot raise anyone above
    # themselves, nor take over a superuser by setting its password.
    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_support(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_support(request) or super().has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_support(request) or super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if isinstance(obj, User) and obj.is_superuser and not request.user.is_superuser:
            return False
        return is_support(request) or super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += SUPERUSER_ONLY_FIELDS
        return fields

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool
    ) -> None:
        # The councils go through the audited service, not the form's plain M2M save.
        councils = form.cleaned_data.pop("local_authorities", None)
        super().save_related(request, form, formsets, change)
        if councils is not None:
            services.user_set_local_authorities(
                actor=request.user,
                user_id=form.instance.pk,
                local_authority_ids=[council.pk for council in councils],
            )

    @admin.action(description="Approve selected provider users")
    def approve_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        approved = 0
        for user in queryset.filter(role="provider", approved_at__isnull=True):
            services.user_approve(actor=request.user, user_id=user.pk)
            approved += 1
        self.message_user(request, f"{approved} user(s) approved.", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "target_label", "actor_label", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_label", "actor_label", "action", "target_id"]
    date_hierarchy = "at"


@admin.register(CqcImport)
class CqcImportAdmin(ReadOnlyAdmin):
    list_display = ["run_at", "file_name", "full_extract", "as_of", "run_by", "counts"]
    search_fields = ["file_name", "sha256"]


class ResendForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it is being sent again (recorded with the new email).",
    )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "scope",
        "recipient",
        "location",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "scope"]
    search_fields = ["recipient", "location__name", "location__cqc_id", "provider_reference"]
    list_select_related = ["location"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.method == "GET" and super().has_view_permission(request, obj)

    @admin.action(description="Resend selected emails (asks for a reason)")
    def resend(
        self, request: HttpRequest, queryset: QuerySet[OutboundEmail]
    ) -> TemplateResponse | None:
        if "apply" in request.POST:
            form = ResendForm(request.POST)
            if form.is_valid():
                for email in queryset:
                    outbox_resend(
                        actor=request.user, email_id=email.pk, reason=form.cleaned_data["reason"]
                    )
                self.message_user(
                    request, f"{queryset.count()} email(s) queued again.", messages.SUCCESS
                )
                return None
        else:
            form = ResendForm()
        return TemplateResponse(
            request,
            "admin/providers/resend_emails.html",
            {
                **self.admin_site.each_context(request),
                "emails": queryset,
                "form": form,
                "title": "Resend emails",
            },
        )
