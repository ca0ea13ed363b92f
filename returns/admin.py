from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from returns.models import CampaignMonth, CollectionWindow, DataItem, DatasetVersion, ItemRule
from returns.services import window_override


class WindowOverrideForm(forms.ModelForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the window is changing (shown to providers). Required.",
    )

    class Meta:
        model = CollectionWindow
        fields = ["opens_at", "closes_at"]
        help_texts = {"closes_at": "Exclusive: 00:00 on the day after the last day, UK time."}


@admin.register(CollectionWindow)
class CollectionWindowAdmin(admin.ModelAdmin):
    form = WindowOverrideForm
    list_display = ["period", "opens_at", "last_day", "closes_at", "overridden", "override_reason"]
    list_filter = ["overridden"]
    date_hierarchy = "period"
    readonly_fields = [
        "period",
        "last_day",
        "rule_opens_at",
        "rule_closes_at",
        "overridden",
        "override_reason",
        "overridden_by",
        "overridden_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # windows come from the rules (beat job or the calendar command)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CollectionWindow, form, change) -> None:  # type: ignore[no-untyped-def]
        try:
            window_override(
                actor=request.user,
                window_id=obj.pk,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:  # already checked by the form; kept for safety
            raise ValueError(exc.messages) from exc


class DataItemInline(admin.TabularInline):
    model = DataItem
    extra = 0
    fields = [
        "care_type",
        "order",
        "section",
        "code",
        "label",
        "kind",
        "mandatory",
        "min_value",
        "max_value",
        "campaign_only",
        "help_text",
    ]


class ItemRuleInline(admin.TabularInline):
    model = ItemRule
    extra = 0
    fields = ["care_type", "order", "kind", "left_codes", "right_codes", "when_value", "message"]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "effective_from", "created_at"]
    inlines = [DataItemInline, ItemRuleInline]


@admin.register(CampaignMonth)
class CampaignMonthAdmin(admin.ModelAdmin):
    list_display = ["period", "note"]
