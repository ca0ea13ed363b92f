from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.renderers import BaseRenderer, get_default_renderer
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from capacity_tracker.lib import clock
from capacity_tracker.lib.history_admin import HistoryLinkMixin
from providers.access import signed_in_user
from providers.admin import ReadOnlyAdmin
from returns.datasets import campaign_month_change
from returns.models import (
    BulkUpload,
    CampaignMonth,
    CollectionWindow,
    DataItem,
    DatasetVersion,
    ItemRule,
    Return,
    ReturnVersion,
    WarningRule,
)
from returns.monitor import WindowMonitorMixin
from returns.services import window_override
from returns.warnings import warnings_from


class LabelledSplitDateTime(AdminSplitDateTime):
    """Admin's date and time boxes, each with a <label> of its own. Django's own widget writes
    "Date:" and "Time:" as plain text and the field's label names neither box (axe `label`)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        subwidgets = self.get_context(name, value, attrs)["widget"]["subwidgets"]
        date, time = (
            format_html(
                '<label for="{}">{}</label> {}',
                context["attrs"].get("id", ""),
                label,
                # The box itself, drawn by admin's own template for it, as MultiWidget does.
                mark_safe(  # noqa: S308 - a rendered template: escaped by the engine
                    (renderer or get_default_renderer()).render(
                        context["template_name"], {"widget": context}
                    )
                ),
            )
            for label, context in zip(("Date:", "Time:"), subwidgets, strict=True)
        )
        return format_html('<p class="datetime">{}<br>{}</p>', date, time)


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
class CollectionWindowAdmin(HistoryLinkMixin, WindowMonitorMixin):
    form = WindowOverrideForm
    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}
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

    def save_model(
        self, request: HttpRequest, obj: CollectionWindow, form: Any, change: Any
    ) -> None:
        try:
            window_override(
                actor=signed_in_user(request),
                window_id=obj.pk,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                reason=form.cleaned_data["reason"],
                now=clock.now(),
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
class DatasetVersionAdmin(HistoryLinkMixin, admin.ModelAdmin):
    list_display = ["name", "effective_from", "created_at"]
    inlines = [DataItemInline, ItemRuleInline]


class CampaignMonthForm(forms.ModelForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why this month is joining or leaving the campaign (kept in the audit trail).",
    )

    class Meta:
        model = CampaignMonth
        fields = ["in_campaign"]


@admin.register(CampaignMonth)
class CampaignMonthAdmin(HistoryLinkMixin, admin.ModelAdmin):
    """Twelve fixed rows, one per month of the year: staff tick the campaign's months.

    Support staff change them with the "NECS support" group's change permission; the save
    goes through campaign_month_change with a reason.
    """

    form = CampaignMonthForm
    list_display = ["month", "in_campaign", "note"]
    readonly_fields = ["month", "note"]
    fields = ["month", "in_campaign", "note", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the twelve months ship with the migration

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CampaignMonth, form: Any, change: Any) -> None:
        campaign_month_change(
            actor=signed_in_user(request),
            month=obj.month,
            in_campaign=form.cleaned_data["in_campaign"],
            reason=form.cleaned_data["reason"],
        )


@admin.register(BulkUpload)
class BulkUploadAdmin(ReadOnlyAdmin):
    """Read-only: who uploaded which file (by its SHA-256), when, and what came of it. Every
    support officer answers "did my file go in?" calls: the "NECS support" group can view."""

    list_display = [
        "pk",
        "file_name",
        "uploaded_by",
        "provider",
        "window",
        "status",
        "rows_total",
        "error_count",
        "created_at",
        "applied_at",
    ]
    list_filter = ["status", "care_type"]
    search_fields = ["file_name", "sha256", "uploaded_by__email", "provider__cqc_id"]
    date_hierarchy = "created_at"
    list_select_related = ["uploaded_by", "provider", "window"]
    exclude = ["content"]  # the file itself: up to 5 MB, not for a page

    def get_queryset(self, request: HttpRequest) -> QuerySet[BulkUpload]:
        return super().get_queryset(request).defer("content")


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    """Read-only: each obligation's head, for the support desk to look a return up. Returns
    are saved only through ``returns.submission.return_save`` (the portal, CSV, API)."""

    list_display = ["location", "care_type", "window", "counted", "latest", "version_count"]
    list_filter = ["care_type", "window"]
    search_fields = ["location__cqc_id", "location__name", "counted__reference"]
    list_select_related = ["location", "window", "counted", "latest"]
    raw_id_fields = ["location", "window", "latest", "counted"]


@admin.register(WarningRule)
class WarningRuleAdmin(HistoryLinkMixin, admin.ModelAdmin):
    """The soft warnings' rules (returns/warnings.py). Support staff change thresholds, messages
    and whether a rule is active with the "NECS support" group's change permission; adding or
    deleting a rule is an operator's (the three defaults ship with returns/0014). A change
    reaches every process once committed (the rules' cache is bumped on commit)."""

    list_display = ["name", "code", "kind", "threshold", "active"]
    list_editable = ["threshold", "active"]

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return _named_rows(super().get_changelist_form(request, **kwargs))

    list_filter = ["active", "kind"]
    fields = [
        "code",
        "name",
        "kind",
        "threshold",
        "numerator_codes",
        "denominator_codes",
        "message",
        "help_text",
        "active",
        "order",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return ["code"] if obj is not None else []  # stored on versions: keep it stable


def _named_rows(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """The list's editable boxes carry no label (axe `label`): each is named after its column
    and its row, "Threshold for High occupancy"."""

    class NamedRowForm(form_class):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for name, field in self.fields.items():
                label = field.label or name.replace("_", " ")
                field.widget.attrs["aria-label"] = f"{str(label).capitalize()} for {self.instance}"

    return NamedRowForm


class HasWarningsFilter(admin.SimpleListFilter):
    title = "figures to check"
    parameter_name = "warned"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("yes", "Sent with figures to check"), ("no", "None")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ReturnVersion]
    ) -> QuerySet[ReturnVersion]:
        if self.value() == "yes":
            return queryset.exclude(warnings=[])
        if self.value() == "no":
            return queryset.filter(warnings=[])
        return queryset


@admin.register(ReturnVersion)
class ReturnVersionAdmin(ReadOnlyAdmin):
    """Read-only: every save of a return, with the soft warnings the sender was shown and sent
    anyway ("figures checked"). Support staff read it with the group's view permission."""

    list_display = [
        "reference",
        "return_head",
        "number",
        "kind",
        "source",
        "submitted_at",
        "in_window",
        "figures_checked",
    ]
    list_filter = [HasWarningsFilter, "kind", "source", "in_window"]
    search_fields = ["reference", "return_head__location__cqc_id", "return_head__location__name"]
    list_select_related = ["return_head__location", "return_head__window"]
    raw_id_fields = ["return_head", "submitted_by", "dataset_version", "api_key", "via_supplier"]
    exclude = ["warnings"]
    readonly_fields = ["warnings_confirmed"]

    @admin.display(description="Figures to check")
    def figures_checked(self, obj: ReturnVersion) -> int:
        return len(obj.warnings or [])

    @admin.display(description="Figures the sender was asked to check, and sent")
    def warnings_confirmed(self, obj: ReturnVersion) -> str:
        warnings = warnings_from(obj.warnings or [])
        if not warnings:
            return "None"
        return format_html(
            '<ul class="warnings-confirmed">{}</ul>',
            format_html_join(
                "",
                "<li>{} (item {}: this return {}, last return {}; rule {}, threshold {})</li>",
                (
                    (
                        warning.message,
                        warning.item,
                        warning.value_text,
                        warning.previous_text or "none",
                        warning.rule,
                        warning.threshold,
                    )
                    for warning in warnings
                ),
            ),
        )
