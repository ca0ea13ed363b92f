"""The support desk's side of the API: suppliers, keys, and read-only grants and drafts.

Support staff act through the "NECS support" group's permissions (never as superusers):
- suppliers are added and changed here, never deleted (their keys and drafts point at them);
- a key is made with a form that calls ``api.services.key_create`` and shows the whole key once,
  in that POST's response (not stored, not in a message or the session, never cached);
- a key is revoked with a reason (``key_revoke``), never deleted; its prefix and digest are
  never edited;
- grants (given by providers in the portal) and drafts (sent by suppliers) are only read here.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from api.models import ApiKey, ApiKeyKind, Supplier, SupplierGrant
from api.services import key_create, key_revoke
from api.usage import noted_use
from capacity_tracker.lib import clock
from capacity_tracker.lib.history_admin import HistoryLinkMixin
from providers.access import signed_in_user
from providers.admin import ReadOnlyAdmin
from providers.models import LocalAuthority, Provider

# Registered here, beside the keys and grants it comes from, though the model is returns'.
from returns.models import ReturnDraft

LONDON = ZoneInfo("Europe/London")
# Which owner field each kind of key needs; the others are cleared.
OWNER_FIELD = {
    ApiKeyKind.SUPPLIER: "supplier",
    ApiKeyKind.PROVIDER: "provider",
    ApiKeyKind.LOCAL_AUTHORITY: "local_authority",
    ApiKeyKind.DHSC: None,
}


@admin.register(Supplier)
class SupplierAdmin(HistoryLinkMixin, admin.ModelAdmin):
    list_display = ["name", "contact_email", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_email"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # keys, grants and drafts point at it: make it inactive instead


class ApiKeyCreateForm(forms.Form):
    kind = forms.ChoiceField(choices=ApiKeyKind.choices, label="Whose key is it?")
    name = forms.CharField(max_length=100, help_text="What the key is for.")
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.all(),
        required=False,
        help_text="For a supplier's key.",
        widget=AutocompleteSelect(ApiKey._meta.get_field("supplier"), admin.site),
    )
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.all(),
        required=False,
        help_text=(
            "For a provider's key; for a supplier's key, limits it to this provider's grant "
            "(leave empty to let it act for every provider that granted the supplier access)."
        ),
        widget=AutocompleteSelect(ApiKey._meta.get_field("provider"), admin.site),
    )
    local_authority = forms.ModelChoiceField(
        queryset=LocalAuthority.objects.all(),
        required=False,
        help_text="For a council's key.",
        widget=AutocompleteSelect(ApiKey._meta.get_field("local_authority"), admin.site),
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        help_text="YYYY-MM-DD. The key stops working at the end of this day. Default: a year.",
    )

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind is None:
            return data
        needed = OWNER_FIELD[ApiKeyKind(kind)]
        if needed and not data.get(needed):
            self.add_error(needed, "Choose whose key this is.")
        for field in ("supplier", "provider", "local_authority"):
            keeps = field == needed or (kind == ApiKeyKind.SUPPLIER and field == "provider")
            if not keeps:
                data[field] = None
        expires = data.get("expires_on")
        if expires is not None and expires <= self.today:
            self.add_error("expires_on", "The expiry must be in the future.")
        return data

    @property
    def expires_at(self) -> datetime.datetime | None:
        expires = self.cleaned_data.get("expires_on")
        if expires is None:
            return None
        after = expires + datetime.timedelta(days=1)
        return datetime.datetime.combine(after, datetime.time(0), tzinfo=LONDON)


class RevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, max_length=1000)


# Only the name may change; the rest is the key's record. The digest is never shown.
API_KEY_FIELDS = (
    "name",
    "kind",
    "prefix",
    "supplier",
    "provider",
    "local_authority",
    "expires_at",
    "created_at",
    "created_by",
    "last_used",
    "revoked_at",
    "revoked_by",
    "revoke_reason",
)


@admin.register(ApiKey)
class ApiKeyAdmin(HistoryLinkMixin, admin.ModelAdmin):
    list_display = ["name", "prefix", "owner", "kind", "expires_at", "last_used", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["supplier", "provider", "local_authority"]
    search_fields = ["name", "prefix", "supplier__name", "provider__name", "provider__cqc_id"]
    fields = API_KEY_FIELDS
    readonly_fields = [f for f in API_KEY_FIELDS if f != "name"]
    actions = ["revoke"]

    @admin.display(description="owner")
    def owner(self, api_key: ApiKey) -> str:
        return api_key.owner_label

    @admin.display(description="last used")
    def last_used(self, api_key: ApiKey) -> datetime.datetime | None:
        return noted_use(api_key)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a key is revoked, so the record of who could call stays

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        now = clock.now()
        form = ApiKeyCreateForm(
            request.POST if request.method == "POST" else None, today=clock.local_date(now)
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                api_key, raw = key_create(
                    actor=signed_in_user(request),
                    kind=data["kind"],
                    name=data["name"],
                    now=now,
                    expires_at=form.expires_at,
                    supplier=data["supplier"],
                    provider=data["provider"],
                    local_authority=data["local_authority"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                # The whole key is in this response only, and no cache may keep it.
                response = TemplateResponse(
                    request,
                    "api/admin_key_created.html",
                    {
                        **self.admin_site.each_context(request),
                        "opts": self.opts,
                        "title": "API key created",
                        "api_key": api_key,
                        "raw_key": raw,
                    },
                )
                add_never_cache_headers(response)
                return response
        return TemplateResponse(
            request,
            "api/admin_key_add.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Create an API key",
                "form": form,
                "media": self.media + form.media,
            },
            status=400 if form.errors else 200,
        )

    @admin.action(description="Revoke selected keys (asks for a reason)", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> TemplateResponse | None:
        live = queryset.filter(revoked_at__isnull=True)
        if "apply" in request.POST:
            form = RevokeForm(request.POST)
            if form.is_valid():
                now = clock.now()
                actor = signed_in_user(request)
                keys = list(live)
                for api_key in keys:
                    key_revoke(
                        actor=actor,
                        api_key_id=api_key.pk,
                        reason=form.cleaned_data["reason"],
                        now=now,
                    )
                self.message_user(request, f"{len(keys)} key(s) revoked.", messages.SUCCESS)
                return None
        else:
            form = RevokeForm()
        return TemplateResponse(
            request,
            "api/admin_key_revoke.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Revoke API keys",
                "keys": live,
                "form": form,
            },
        )


@admin.register(SupplierGrant)
class SupplierGrantAdmin(HistoryLinkMixin, ReadOnlyAdmin):
    list_display = [
        "supplier",
        "provider",
        "all_locations",
        "granted_at",
        "granted_by",
        "revoked_at",
    ]
    list_select_related = ["supplier", "provider", "granted_by"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "all_locations"]
    search_fields = ["supplier__name", "provider__name", "provider__cqc_id"]
    readonly_fields = [
        "supplier",
        "provider",
        "all_locations",
        "location_list",
        "granted_at",
        "granted_by",
        "revoked_at",
        "revoked_by",
    ]
    fields = [*readonly_fields]

    @admin.display(description="locations")
    def location_list(self, grant: SupplierGrant) -> str:
        if grant.all_locations:
            return "All the provider's locations"
        return ", ".join(f"{loc.name} ({loc.cqc_id})" for loc in grant.locations.all())


@admin.register(ReturnDraft)
class ReturnDraftAdmin(HistoryLinkMixin, ReadOnlyAdmin):
    list_display = [
        "reference",
        "location",
        "care_type",
        "window",
        "supplier",
        "status",
        "received_at",
        "decided_at",
    ]
    list_select_related = ["location", "window", "supplier"]
    list_filter = ["status", "care_type"]
    search_fields = ["reference", "location__name", "location__cqc_id", "supplier__name"]
