"""Breaches, enforcement cases and their append-only events, letters, and the CQC fee table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from capacity_tracker.lib import clock, history
from enforcement.deadlines import ServiceMethod
from enforcement.transitions import (
    ACTIVE_CYCLE,
    LABELS,
    TERMINAL,
    State,
    event_label,
    state_label,
)
from providers.models import CareType, Location, Provider
from returns.models import CollectionWindow, ReturnVersion

SERVICE_METHODS = [
    (ServiceMethod.EMAIL.value, "Email"),
    (ServiceMethod.POST.value, "Post"),
    (ServiceMethod.HAND.value, "By hand"),
]

# Sorted: a set would come out in a different order in each process and make migrations churn.
TERMINAL_VALUES = sorted(s.value for s in TERMINAL)
ACTIVE_CYCLE_VALUES = sorted(s.value for s in ACTIVE_CYCLE)


class WindowSweep(models.Model):
    """A window whose breaches have been recorded: the sweep runs once per window."""

    window = models.OneToOneField(CollectionWindow, on_delete=models.PROTECT, related_name="sweep")
    swept_at = models.DateTimeField()
    breaches = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"Sweep of {self.window.period_key}"


class Breach(models.Model):
    """A (location, care type, window) that was owed and had no return saved in the window."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="breaches")
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="breaches",
        help_text="The provider that ran the location when the window closed.",
    )
    care_type = models.CharField(max_length=16, choices=CareType.choices)
    window = models.ForeignKey(CollectionWindow, on_delete=models.PROTECT, related_name="breaches")
    recorded_at = models.DateTimeField(default=clock.now)
    escalates = models.BooleanField(
        default=True,
        help_text="False for windows before enforcement began: recorded, never escalated.",
    )
    cured_by = models.ForeignKey(
        ReturnVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="cures"
    )
    cured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "breaches"
        ordering = ["window__period", "location__name", "care_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "care_type", "window"], name="one_breach_per_obligation"
            )
        ]
        indexes = [
            models.Index(fields=["provider", "window"]),
            models.Index(
                fields=["window"], condition=Q(cured_by__isnull=True), name="breach_uncured"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location.cqc_id} {self.care_type} {self.window.period_key}"


class EnforcementCase(models.Model):
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="enforcement_cases"
    )
    reference = models.CharField(max_length=20, unique=True)
    state = models.CharField(max_length=24, choices=[(s.value, LABELS[s]) for s in State])
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    last_breach_window = models.ForeignKey(
        CollectionWindow, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The system proposes: set by the sweep when the policy says an NOI may be issued.
    noi_eligible = models.BooleanField("eligible for a notice of intent", default=False)
    noi_eligible_reason = models.CharField(max_length=255, blank=True)
    # Deadlines as data. next_action_due drives the caseworker queue's "overdue" filter.
    noi_sent_on = models.DateField(null=True, blank=True)
    noi_method = models.CharField(max_length=8, choices=SERVICE_METHODS, blank=True)
    noi_given_on = models.DateField(null=True, blank=True)
    representations_due = models.DateField(null=True, blank=True)
    decision_due = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decision = models.CharField(
        max_length=16,
        blank=True,
        choices=[
            ("accepted", "Reasonable excuse accepted"),
            ("not_accepted", "No reasonable excuse"),
        ],
    )
    penalty_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    final_notice_sent_on = models.DateField(null=True, blank=True)
    final_notice_given_on = models.DateField(null=True, blank=True)
    payment_due = models.DateField(null=True, blank=True)
    appeal_due = models.DateField(null=True, blank=True)
    next_action_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            # A provider has at most one case gathering breaches (first and second breach, notice
            # of intent). A case at the penalty stage (final notice, appeal) runs alongside the
            # provider's next cycle: not paying must not stop enforcement of later breaches.
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(state__in=ACTIVE_CYCLE_VALUES),
                name="one_active_cycle_per_provider",
            )
        ]
        indexes = [
            models.Index(fields=["state"]),
            models.Index(
                fields=["next_action_due"],
                condition=~Q(state__in=TERMINAL_VALUES),
                name="case_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.provider.name}"

    @property
    def state_label(self) -> str:
        return LABELS[State(self.state)]

    @property
    def is_open(self) -> bool:
        return State(self.state) not in TERMINAL

    @property
    def next_action_label(self) -> str:
        """What the next action due is, in the caseworker's words (for the queue and the case)."""
        state = State(self.state)
        if state is State.NOTICE_OF_INTENT:
            return "Send the final notice" if self.decision == "not_accepted" else "Decision due"
        if state is State.FINAL_NOTICE:
            return "Payment due"
        return ""


class CaseEvent(models.Model):
    """Append-only timeline: every transition, contact, representation, decision, payment."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.action} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self) -> str:
        return event_label(self.action)

    @property
    def moved(self) -> str:
        """'Second breach → Continued breach: notice of intent', or '' when the stage stayed."""
        if self.from_state == self.to_state:
            return ""
        before = state_label(self.from_state) if self.from_state else "New case"
        return f"{before} → {state_label(self.to_state)}"


class Letter(models.Model):
    class Kind(models.TextChoices):
        FIRST_BREACH = "first_breach", "First breach letter"
        SECOND_BREACH = "second_breach", "Second breach letter"
        NOTICE_OF_INTENT = "notice_of_intent", "Notice of intent"
        FINAL_NOTICE = "final_notice", "Final notice"
        DECISION = "decision", "Decision on representations"
        APPEAL_OUTCOME = "appeal_outcome", "Appeal outcome"

    case = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    reference = models.CharField(max_length=30, unique=True)
    # Subject, body and date are written once, after the sweep that owed the letter commits
    # (``letters.write_pending_letters``); until then ``written_at`` is empty and the letter
    # is "being prepared". Its citations are fixed when it is owed, inside the sweep.
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True, help_text="The letter as sent: never changed afterwards.")
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dated = models.DateField(
        null=True, blank=True, help_text="The date printed on the letter: the day it was sent."
    )
    written_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its text was written and its emails queued; empty while being prepared.",
    )
    breaches = models.ManyToManyField(
        Breach, through="LetterBreach", related_name="letters", blank=True
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The letter writer's queue: only letters still being prepared, oldest first.
            models.Index(fields=["id"], condition=Q(written_at__isnull=True), name="letter_pending")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def is_written(self) -> bool:
        return self.written_at is not None


class LetterBreach(models.Model):
    """A breach a letter cites. Each notice owns exactly the breaches it is based on.

    ``kind`` repeats the letter's kind so the database itself refuses a breach cited by two
    notices of intent, or by two final notices (so never by two penalties).
    """

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="citations")
    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="citations")
    kind = models.CharField(max_length=24, choices=Letter.Kind.choices)

    class Meta:
        verbose_name_plural = "letter breaches"
        constraints = [
            models.UniqueConstraint(fields=["letter", "breach"], name="letter_cites_breach_once"),
            models.UniqueConstraint(
                fields=["breach"],
                condition=Q(kind="notice_of_intent"),
                name="breach_in_one_notice_of_intent",
            ),
            models.UniqueConstraint(
                fields=["breach"],
                condition=Q(kind="final_notice"),
                name="breach_in_one_final_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter_id} cites breach {self.breach_id}"


class Representation(models.Model):
    """Written representations against a notice of intent, and whether the decision weighed them."""

    case = models.ForeignKey(
        EnforcementCase, on_delete=models.PROTECT, related_name="representations"
    )
    received_on = models.DateField()
    summary = models.TextField()
    late = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    considered_at = models.DateTimeField(null=True, blank=True)
    considered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.case.reference} representation received {self.received_on}"


class RecordedFee(models.Model):
    """The provider's actual annual CQC fee, checked by a caseworker, with its evidence.

    Used where the fee table lacks the provider's band (home care, care homes of 51-90 places);
    the newest one on a case is what its notices state. Never 0, never a guess.
    """

    class Source(models.TextChoices):
        CQC_INVOICE = "cqc_invoice", "CQC invoice"
        CQC_FEES_CALCULATOR = "cqc_fees_calculator", "CQC fees calculator"

    case = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="fees")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    source = models.CharField(max_length=24, choices=Source.choices)
    evidence = models.CharField(
        max_length=255, help_text="The invoice number, or what was entered in the calculator."
    )
    checked_on = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recorded_fee_never_zero")
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} £{self.amount:,.2f} ({self.get_source_display()})"

    @property
    def described(self) -> str:
        """The source as a notice states it."""
        return (
            f"{self.get_source_display()} {self.evidence}, checked on {self.checked_on:%-d %B %Y}"
        )


class FeeScheme(models.Model):
    """CQC's fee scheme in force from a date (a scheme year)."""

    name = models.CharField(max_length=100)
    effective_from = models.DateField(unique=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name


class FeeBand(models.Model):
    scheme = models.ForeignKey(FeeScheme, on_delete=models.CASCADE, related_name="bands")
    care_type = models.CharField(max_length=16, choices=CareType.choices)
    lowest = models.PositiveIntegerField()
    highest = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no upper limit.")
    amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Empty: not known yet (never 0).",
    )

    class Meta:
        ordering = ["scheme", "care_type", "lowest"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "care_type", "lowest"], name="fee_band_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(highest__isnull=True) | Q(highest__gte=models.F("lowest")),
                name="fee_band_in_order",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0), name="fee_never_zero"
            ),
        ]

    def __str__(self) -> str:
        upper = self.highest if self.highest is not None else "+"
        return f"{self.get_care_type_display()} {self.lowest}-{upper}: {self.amount or 'unknown'}"


# --- Row-level history (django-pghistory, see capacity_tracker/lib/history.py) ----------------
# CaseEvent is itself the case's append-only timeline.

history.track()(FeeScheme)
history.track()(FeeBand)
history.track()(EnforcementCase)
history.track()(Breach)
history.track()(Letter)
history.track()(LetterBreach)
history.track()(Representation)
history.track()(RecordedFee)
