"""Collection windows (and, later, data items and returns)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from providers.models import CareType
from returns.deadlines import LONDON, Period


class CollectionWindow(models.Model):
    """One month's window, stored so that staff can see it and, with a reason, override it.

    ``rule_*`` keep what the rules computed, so an override always shows what it replaced.
    ``closes_at`` is exclusive (00:00 Europe/London after the last day).
    """

    period = models.DateField(unique=True, help_text="The first day of the month.")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    last_day = models.DateField()
    rule_opens_at = models.DateTimeField()
    rule_closes_at = models.DateTimeField()
    overridden = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period"]
        indexes = [models.Index(fields=["opens_at"]), models.Index(fields=["closes_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")),
                name="window_opens_before_it_closes",
                violation_error_message="A window must open before it closes.",
            ),
            models.CheckConstraint(
                condition=Q(period__day=1),
                name="window_period_is_first_of_month",
            ),
            models.CheckConstraint(
                condition=Q(overridden=False) | ~Q(override_reason=""),
                name="window_override_has_reason",
                violation_error_message="An override needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"Collection window {self.period_key}"

    @property
    def period_obj(self) -> Period:
        return Period.of(self.period)

    @property
    def period_key(self) -> str:
        return str(self.period_obj)

    @property
    def label(self) -> str:
        return self.period_obj.label()

    @property
    def opens_local(self):  # type: ignore[no-untyped-def]
        return self.opens_at.astimezone(LONDON)

    @property
    def closes_local(self):  # type: ignore[no-untyped-def]
        return self.closes_at.astimezone(LONDON)

    def contains(self, instant) -> bool:  # type: ignore[no-untyped-def]
        return self.opens_at <= instant < self.closes_at


class DatasetVersion(models.Model):
    """A formal notice's list of data items, in force from a month until the next version."""

    name = models.CharField(max_length=200)
    effective_from = models.DateField(unique=True, help_text="The first month it applies to.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__day=1), name="dataset_effective_from_first_of_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (from {self.effective_from:%B %Y})"


class DataItem(models.Model):
    class Kind(models.TextChoices):
        INTEGER = "integer", "Whole number"
        YES_NO = "yes_no", "Yes or no"
        TEXT = "text", "Text"

    version = models.ForeignKey(DatasetVersion, on_delete=models.CASCADE, related_name="items")
    care_type = models.CharField(max_length=16, choices=CareType.choices)
    section = models.CharField(max_length=100)
    code = models.SlugField(max_length=64)
    label = models.CharField(max_length=255)
    help_text = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INTEGER)
    mandatory = models.BooleanField(default=True)
    min_value = models.IntegerField(null=True, blank=True, default=0)
    max_value = models.IntegerField(null=True, blank=True)
    campaign_only = models.BooleanField(
        default=False, help_text="Asked only in months with a vaccination campaign."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "care_type", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "care_type", "code"], name="item_code_unique_per_version"
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="item_bounds_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_care_type_display()}: {self.code}"


class ItemRule(models.Model):
    """A cross-item check. ``at_most``: sum(left) <= sum(right). ``required_when``: the right
    item is required when the left item's answer equals ``when_value``."""

    class Kind(models.TextChoices):
        AT_MOST = "at_most", "Sum of left items at most sum of right items"
        REQUIRED_WHEN = "required_when", "Right item required when left item has a value"

    version = models.ForeignKey(DatasetVersion, on_delete=models.CASCADE, related_name="rules")
    care_type = models.CharField(max_length=16, choices=CareType.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    left_codes = models.JSONField()
    right_codes = models.JSONField()
    when_value = models.CharField(max_length=50, blank=True)
    message = models.CharField(
        max_length=255, help_text="Shown to the user. May use {limit} and {total}."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "care_type", "order"]

    def __str__(self) -> str:
        return self.message


class CampaignMonth(models.Model):
    """A month in which vaccination items are collected."""

    period = models.DateField(unique=True, help_text="The first day of the month.")
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-period"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period__day=1), name="campaign_period_first_of_month"
            )
        ]

    def __str__(self) -> str:
        return f"Vaccination campaign {self.period:%B %Y}"
