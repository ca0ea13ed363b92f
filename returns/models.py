"""Collection windows (and, later, data items and returns)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

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
