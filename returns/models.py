"""Collection windows (and, later, data items and returns)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from capacity_tracker.lib import history
from providers.models import CareType
from returns import warnings as soft_warnings
from returns.deadlines import LONDON, Period

# A CSV upload waiting this long for the worker tells the person it is delayed.
BULK_DELAYED_AFTER = datetime.timedelta(seconds=60)


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
    def opens_local(self) -> datetime.datetime:
        return self.opens_at.astimezone(LONDON)

    @property
    def closes_local(self) -> datetime.datetime:
        return self.closes_at.astimezone(LONDON)

    def contains(self, instant: datetime.datetime) -> bool:
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
    """A month of the year and whether the autumn/winter vaccination campaign runs in it.

    Twelve rows, one per month, shipped as September to March (migration 0006). Support staff
    tick or untick a month in admin. It applies to every year, so ``dataset_for`` needs one
    indexed lookup and no job has to keep rows ahead; a late save for a past month is asked
    what that month asks now (stored returns keep the answers they were saved with).
    """

    class Month(models.IntegerChoices):
        JANUARY = 1, "January"
        FEBRUARY = 2, "February"
        MARCH = 3, "March"
        APRIL = 4, "April"
        MAY = 5, "May"
        JUNE = 6, "June"
        JULY = 7, "July"
        AUGUST = 8, "August"
        SEPTEMBER = 9, "September"
        OCTOBER = 10, "October"
        NOVEMBER = 11, "November"
        DECEMBER = 12, "December"

    month = models.PositiveSmallIntegerField(unique=True, choices=Month.choices)
    in_campaign = models.BooleanField(
        "in the vaccination campaign",
        default=False,
        help_text="When ticked, the seasonal COVID-19 booster and flu questions are asked.",
    )
    note = models.CharField(
        max_length=255, blank=True, help_text="Why it was last changed (also in the audit trail)."
    )

    class Meta:
        ordering = ["month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="campaign_month_of_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_month_display()}: {'campaign' if self.in_campaign else 'no campaign'}"


class ReturnKind(models.TextChoices):
    FULL = "full", "Full return"
    UNCHANGED = "unchanged", "Nothing has changed"
    NIL = "nil", "Nil return"


class ReturnSource(models.TextChoices):
    PORTAL = "portal", "Portal"
    CSV = "csv", "CSV bulk update"
    API = "api", "API"
    EMAIL_LINK = "email_link", "Email link"
    ASSISTED = "assisted", "Support staff on the provider's behalf"


class NilReason(models.TextChoices):
    NO_SERVICE_USERS = "no_service_users", "There are no people using the service"
    NO_STAFF = "no_staff", "There are no staff"
    NOT_REGULATED_ASC = "not_regulated_asc", "We do not provide regulated adult social care here"
    OTHER = "other", "Another reason"


class Return(models.Model):
    """The head of one obligation: (location, care type, window).

    Each save adds a ReturnVersion; this row points at the newest one and at the newest one
    saved inside the window (the month's return). Saves lock this row, and ``version_count``
    is the optimistic-lock token a form carries, so two people saving at once never lose an
    update.
    """

    location = models.ForeignKey(
        "providers.Location", on_delete=models.PROTECT, related_name="returns"
    )
    care_type = models.CharField(max_length=16, choices=CareType.choices)
    window = models.ForeignKey(CollectionWindow, on_delete=models.PROTECT, related_name="returns")
    version_count = models.PositiveIntegerField(default=0)
    latest = models.ForeignKey(
        "returns.ReturnVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counted = models.ForeignKey(
        "returns.ReturnVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The latest version saved inside the window: the month's return.",
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location", "care_type", "window"], name="one_return_per_obligation"
            )
        ]
        indexes = [models.Index(fields=["window", "care_type"])]

    def __str__(self) -> str:
        return f"{self.location.cqc_id} {self.care_type} {self.window.period_key}"


class ReturnVersion(models.Model):
    """One save of a return: never changed or deleted afterwards."""

    return_head = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=ReturnKind.choices)
    nil_reason = models.CharField(max_length=32, choices=NilReason.choices, blank=True)
    nil_reason_detail = models.CharField(max_length=500, blank=True)
    answers = models.JSONField(default=dict)
    dataset_version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, choices=ReturnSource.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitter_first_name = models.CharField(max_length=150)
    submitter_last_name = models.CharField(max_length=150)
    submitted_at = models.DateTimeField()
    in_window = models.BooleanField()
    reference = models.CharField(max_length=20, unique=True)
    on_behalf_reason = models.TextField(blank=True)
    # Through the API: the key that sent it (a provider's key), or, for a supplier's draft the
    # provider confirmed, the draft's key and supplier ("via supplier X").
    api_key = models.ForeignKey(
        "api.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    via_supplier = models.ForeignKey(
        "api.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The soft warnings (returns/warnings.py) the person was shown and sent anyway: rule code,
    # item, value, previous value, threshold used and message, as FigureWarning.as_dict().
    warnings = models.JSONField(
        default=list, blank=True, help_text="Figures we asked the sender to check, and they sent."
    )

    class Meta:
        ordering = ["return_head", "number"]
        constraints = [
            models.UniqueConstraint(fields=["return_head", "number"], name="version_number_unique"),
            models.CheckConstraint(
                condition=~Q(kind="nil") | ~Q(nil_reason=""),
                name="nil_return_has_reason",
                violation_error_message="A nil return needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()})"

    @property
    def submitter_name(self) -> str:
        return f"{self.submitter_first_name} {self.submitter_last_name}".strip()


class BulkUpload(models.Model):
    """One CSV file uploaded to update many returns at once (returns/bulk/save.py).

    The file's bytes are kept (bounded by ``returns.bulk.save.MAX_FILE_BYTES``) so that the check,
    the worker and the final apply all read exactly the bytes whose SHA-256 we recorded.
    Nothing from the file reaches a return until someone confirms a check with no errors.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", "Checking"
        INVALID = "invalid", "Has errors"
        READY = "ready", "Ready to confirm"
        APPLYING = "applying", "Saving"
        APPLIED = "applied", "Saved"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.PositiveIntegerField(help_text="Bytes.")
    content = models.BinaryField(editable=False)
    encoding = models.CharField(max_length=16, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The uploader's provider; empty for support staff, who may update any location.",
    )
    care_type = models.CharField(
        max_length=16,
        choices=CareType.choices,
        blank=True,
        help_text="Empty when the file has rows of both care types.",
    )
    window = models.ForeignKey(CollectionWindow, on_delete=models.PROTECT, related_name="+")
    on_behalf_reason = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHECKING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="Row number, column and message per error."
    )
    error_count = models.PositiveIntegerField(
        default=0, help_text="All errors found; the list above may keep only the first ones."
    )
    counts = models.JSONField(
        default=dict, blank=True, help_text="What the file will save, or saved."
    )
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="Figures to check (never blocking): row, location, care type and warning.",
    )
    created_at = models.DateTimeField()
    checked_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # The row is the outbox of the worker's check or save (returns/bulk/tasks.py): the step is
    # recorded here first, queued after commit, and queued again by the redispatch tick if
    # the queue could not be reached or lost it, or if the worker holding it died.
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the current check or save was last queued for the worker; empty if "
        "the queue could not be reached.",
    )
    lease_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A worker (or the request) is running the current step until then.",
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Times the current step has been started."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="applied") | Q(applied_at__isnull=False),
                name="bulk_upload_applied_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()}, {self.created_at:%Y-%m-%d %H:%M})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)

    def is_delayed(self, now: datetime.datetime) -> bool:
        """Waiting for the worker longer than it should: the queue could not be reached, or
        nobody has started the step (or the one who had has stopped) for a while."""
        if not self.in_progress or (self.lease_until is not None and self.lease_until > now):
            return False
        return self.queued_at is None or now - self.queued_at > BULK_DELAYED_AFTER


class UsedEmailToken(models.Model):
    """A used "nothing has changed, or make a nil return" link (returns/email_links.py).

    Single use belongs to the link itself, not to the sent-email row it came in: a validly
    signed link with no such row (or whose row was since removed) is used up here all the same.
    The row is written in the same transaction as the returns it saves, and the unique digest
    means that of two uses at the same moment exactly one commits.
    """

    digest = models.CharField(
        "SHA-256 of the link's claim", max_length=64, unique=True, editable=False
    )
    location = models.ForeignKey(
        "providers.Location", on_delete=models.PROTECT, related_name="+", editable=False
    )
    window = models.ForeignKey(
        CollectionWindow, on_delete=models.PROTECT, related_name="+", editable=False
    )
    used_at = models.DateTimeField(editable=False)

    class Meta:
        ordering = ["-used_at"]
        verbose_name = "used email link"

    def __str__(self) -> str:
        return f"link for location {self.location_id}, window {self.window_id}, used {self.used_at}"


class ReturnDraft(models.Model):
    """Figures a care record supplier sent through the API, waiting for the provider.

    A draft is checked by the same rules as a return when it arrives, and again when the
    provider confirms it (the questions or the window may have changed). Confirming saves an
    ordinary return version as from the provider, via the supplier; a newer draft from the same
    supplier for the same return replaces a waiting one.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for the provider"
        CONFIRMED = "confirmed", "Confirmed by the provider"
        DISCARDED = "discarded", "Discarded by the provider"
        REPLACED = "replaced", "Replaced by a newer draft"

    location = models.ForeignKey(
        "providers.Location", on_delete=models.PROTECT, related_name="return_drafts"
    )
    care_type = models.CharField(max_length=16, choices=CareType.choices)
    window = models.ForeignKey(CollectionWindow, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ReturnKind.choices)
    answers = models.JSONField(default=dict)
    nil_reason = models.CharField(max_length=32, choices=NilReason.choices, blank=True)
    nil_reason_detail = models.CharField(max_length=500, blank=True)
    dataset_version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey("api.Supplier", on_delete=models.PROTECT, related_name="drafts")
    api_key = models.ForeignKey("api.ApiKey", on_delete=models.PROTECT, related_name="drafts")
    reference = models.CharField(max_length=20, unique=True)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discard_reason = models.TextField(blank=True)
    version = models.OneToOneField(
        ReturnVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draft",
        help_text="The return version saved when the provider confirmed it.",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["location", "status"], name="draft_location_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "care_type", "window", "supplier"],
                condition=Q(status="waiting"),
                name="one_waiting_draft_per_return_and_supplier",
            )
        ]

    # Set by returns.drafts.draft_receive: the waiting drafts the new one replaced.
    replaced_references: list[str]

    def __str__(self) -> str:
        return f"Draft {self.reference} from {self.supplier_id}"


class WarningRule(models.Model):
    """A soft warning's rule (returns/warnings.py): data that support staff tune in admin.

    The measure is the sum of ``numerator_codes`` (a count), or that sum as a percentage of the
    sum of ``denominator_codes`` (for the two percentage kinds). Codes of both care types may
    be listed: a return sums those its care type answers, and a measure none of whose items
    are answered gives no warning.
    """

    class Kind(models.TextChoices):
        CHANGE_POINTS = (
            soft_warnings.CHANGE_POINTS,
            "A percentage changed by more than the threshold (percentage points)",
        )
        FALL_TO_PERCENT = (
            soft_warnings.FALL_TO_PERCENT,
            "A count fell to the threshold (% of the last return) or less",
        )
        RATIO_ABOVE = (
            soft_warnings.RATIO_ABOVE,
            "A percentage is above the threshold (no last return needed)",
        )

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100, help_text="What support staff call it.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    threshold = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percentage points for a change; a percentage otherwise (0 to 100).",
    )
    numerator_codes = models.JSONField(
        help_text='Item codes summed for the count, or the top of the percentage: ["a", "b"].'
    )
    denominator_codes = models.JSONField(
        default=list,
        blank=True,
        help_text="Item codes summed for the bottom of the percentage (percentage kinds only).",
    )
    message = models.CharField(
        max_length=255,
        help_text="Shown to the person, in plain English. May use {value}, {previous} and "
        '{threshold}, e.g. "Occupancy has gone from {previous} to {value} since the last '
        'return". Figures come with their % sign.',
    )
    help_text = models.CharField(
        max_length=255, blank=True, help_text="Optional: shown under the message as a hint."
    )
    active = models.BooleanField(default=True, help_text="Untick to stop showing this warning.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=0) & Q(threshold__lte=100),
                name="warning_rule_threshold_0_to_100",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in ("numerator_codes", "denominator_codes"):
            codes = getattr(self, field)
            if codes in (None, "") and field == "denominator_codes":
                continue
            if not isinstance(codes, list) or not all(
                isinstance(code, str) and code for code in codes
            ):
                errors[field] = 'Enter a list of item codes, like ["beds_occupied"].'
        if not errors.get("numerator_codes") and not self.numerator_codes:
            errors["numerator_codes"] = "Enter at least one item code."
        if (
            self.kind in soft_warnings.RATIO_KINDS
            and not errors.get("denominator_codes")
            and not self.denominator_codes
        ):
            errors["denominator_codes"] = "A percentage needs the items to divide by."
        problem = soft_warnings.message_problem(self.message or "")
        if problem:
            errors["message"] = problem
        if errors:
            raise ValidationError(errors)


# --- Row-level history (django-pghistory, see capacity_tracker/lib/history.py) ----------------
# Bulk uploads are not tracked: their rows are the uploader's own work record.

history.track()(CollectionWindow)
history.track()(DatasetVersion)
history.track()(DataItem)
history.track()(ItemRule)
history.track()(CampaignMonth)
history.track()(Return)
# A version is never changed once saved: only a change or a delete (tampering) leaves an event.
history.track(changes_only=True)(ReturnVersion)
history.track()(ReturnDraft)
history.track()(WarningRule)


class ReminderPass(models.Model):
    """The 48-hour reminder pass of one window: the tick that runs every few minutes through
    the reminder's 48 hours reads every owing location only once, then only the locations
    changed since ``checked_at`` (returns.emails.queue_reminders).

    An operational marker, not business data: deleting it only makes the next tick read
    every location again (the outbox's unique key still stops a second email)."""

    window = models.OneToOneField(
        CollectionWindow, on_delete=models.CASCADE, related_name="reminder_pass"
    )
    # The window's opening when the pass ran: who owes is fixed on its opening day, so an
    # override that moves the opening sends the next tick through every location again.
    opens_at = models.DateTimeField()
    # The real time (read from the clock when the tick starts, like the ``updated_at`` stamps
    # it is compared with; not the instant the tick runs as of) at which the last pass that
    # read the locations began.
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "reminder passes"

    def __str__(self) -> str:
        return f"Reminder pass of {self.window_id} checked at {self.checked_at:%Y-%m-%d %H:%M}"
