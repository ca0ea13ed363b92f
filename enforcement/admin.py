"""Staff maintain the CQC fee table here; cases are worked on the caseworker pages."""

from __future__ import annotations

from django.contrib import admin

from capacity_tracker.lib.history_admin import HistoryLinkMixin
from enforcement.models import (
    Breach,
    CaseEvent,
    EnforcementCase,
    FeeBand,
    FeeScheme,
    Letter,
    RecordedFee,
    Representation,
    WindowSweep,
)
from providers.admin import ReadOnlyAdmin


class FeeBandInline(admin.TabularInline):
    model = FeeBand
    extra = 1
    fields = ["care_type", "lowest", "highest", "amount"]


@admin.register(FeeScheme)
class FeeSchemeAdmin(HistoryLinkMixin, admin.ModelAdmin):
    list_display = ["name", "effective_from"]
    inlines = [FeeBandInline]


@admin.register(Breach)
class BreachAdmin(HistoryLinkMixin, ReadOnlyAdmin):
    list_display = ["window", "location", "care_type", "provider", "escalates", "cured_by"]
    list_filter = ["escalates", "care_type", "window"]
    search_fields = ["location__name", "location__cqc_id", "provider__name", "provider__cqc_id"]
    list_select_related = ["window", "location", "provider", "cured_by"]


@admin.register(EnforcementCase)
class EnforcementCaseAdmin(HistoryLinkMixin, ReadOnlyAdmin):
    list_display = [
        "reference",
        "provider",
        "state",
        "noi_eligible",
        "next_action_due",
        "updated_at",
    ]
    list_filter = ["state", "noi_eligible"]
    search_fields = ["reference", "provider__name", "provider__cqc_id"]
    list_select_related = ["provider"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "case", "action", "from_state", "to_state", "actor_label"]
    list_select_related = ["case__provider"]
    list_filter = ["action"]
    search_fields = ["case__reference", "actor_label", "reason"]


@admin.register(Letter)
class LetterAdmin(HistoryLinkMixin, ReadOnlyAdmin):
    list_display = ["reference", "kind", "case", "created_at"]
    list_select_related = ["case__provider"]
    list_filter = ["kind"]
    search_fields = ["reference", "case__reference"]


@admin.register(WindowSweep)
class WindowSweepAdmin(ReadOnlyAdmin):
    list_display = ["window", "swept_at", "breaches"]
    list_select_related = ["window"]


@admin.register(Representation)
class RepresentationAdmin(HistoryLinkMixin, ReadOnlyAdmin):
    list_display = ["case", "received_on", "late", "considered_at"]
    search_fields = ["case__reference", "summary"]
    list_select_related = ["case__provider"]


@admin.register(RecordedFee)
class RecordedFeeAdmin(HistoryLinkMixin, ReadOnlyAdmin):
    """Fees recorded by caseworkers with their evidence; changed only on the case page."""

    list_display = ["case", "amount", "source", "evidence", "checked_on", "recorded_by"]
    search_fields = ["case__reference", "evidence"]
    list_select_related = ["case__provider", "recorded_by"]
