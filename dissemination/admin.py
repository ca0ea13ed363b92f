"""The disclosure register in admin: every support officer can read it; nobody edits it."""

from __future__ import annotations

from django.contrib import admin

from dissemination.models import DisclosureRecord
from providers.admin import SupportReadOnlyAdmin


@admin.register(DisclosureRecord)
class DisclosureRecordAdmin(SupportReadOnlyAdmin):
    list_display = ["at", "user_label", "role", "kind", "file_format", "row_count", "status"]
    list_filter = ["role", "kind", "file_format", "status"]
    search_fields = ["user_label", "purpose", "kind"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    fields = [
        "at",
        "user",
        "user_label",
        "role",
        "kind",
        "file_format",
        "parameters",
        "purpose",
        "row_count",
        "status",
        "finished_at",
    ]
