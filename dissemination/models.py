"""The disclosure register: every export of collected data, who took it and why.

Section 277B limits onward use of the data to purposes connected with health or adult social
care, so each download records its stated purpose beside who, when, what and how many rows.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from providers.models import Role, User


class DisclosureRecord(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        # Recorded before the first byte leaves, so a download that breaks off is still listed.
        STARTED = "started", "Started"
        COMPLETE = "complete", "Complete"
        INCOMPLETE = "incomplete", "Stopped before the end"

    at = models.DateTimeField("started at", db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="disclosures"
    )
    user_label = models.CharField(
        "who", max_length=200, help_text="Kept even if the user is later removed."
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    kind = models.CharField(
        "what", max_length=40, db_index=True, help_text="Which export, e.g. aggregates."
    )
    file_format = models.CharField("format", max_length=8, choices=Format.choices)
    parameters = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="Windows, level, care type and area chosen.",
    )
    purpose = models.TextField(help_text="What the user said the data is for.")
    row_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Rows written; empty until the export has finished."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STARTED)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "disclosure"
        verbose_name_plural = "disclosure register"
        indexes = [models.Index(fields=["user", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(purpose=""),
                name="disclosure_states_a_purpose",
                violation_error_message="Say what the data is for.",
            ),
            models.CheckConstraint(
                condition=Q(status="started") | Q(row_count__isnull=False),
                name="finished_disclosure_has_row_count",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} ({self.file_format}) by {self.user_label}"
