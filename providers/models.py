"""Providers, locations, contacts, users and the audit trail.

A provider (legal entity) runs locations; a location offers one or both care types. The unit
that owes a monthly return is (location, care type, month), worked out in ``returns`` from the
registration history kept here.
"""

from __future__ import annotations

import pgtrigger
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from capacity_tracker.lib import clock, history
from providers.validators import (
    validate_cqc_location_id,
    validate_cqc_provider_id,
    validate_names_of,
    validate_postcode,
    validate_uk_mobile,
)

# Larger than any care home in England (the largest have a few hundred places).
MAX_REGISTERED_PLACES = 2_000
MAX_PEOPLE_USING_SERVICE = 100_000


class Region(models.Model):
    ons_code = models.CharField(
        "ONS code", max_length=9, unique=True, validators=[RegexValidator(r"^E12\d{6}$")]
    )
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LocalAuthority(models.Model):
    """A council with adult social services responsibilities (CASSR)."""

    class Kind(models.TextChoices):
        COUNTY = "county", "County council"
        METROPOLITAN_DISTRICT = "metropolitan_district", "Metropolitan district"
        LONDON_BOROUGH = "london_borough", "London borough"
        UNITARY = "unitary", "Unitary authority"

    ons_code = models.CharField(
        "ONS code",
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^E(06|08|09|10)\d{6}$")],
    )
    name = models.CharField(max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="local_authorities")
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DORMANT = "dormant", "Dormant"
    DEREGISTERED = "deregistered", "Deregistered"


class CareType(models.TextChoices):
    CARE_HOME = "care_home", "Care home"
    HOME_CARE = "home_care", "Home care"


class Address(models.Model):
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField("town or city", max_length=100, blank=True)
    county = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        parts = [self.address_line_1, self.address_line_2, self.town, self.county, self.postcode]
        return [p for p in parts if p]


class Provider(Address):
    cqc_id = models.CharField(
        "CQC provider ID", max_length=13, unique=True, validators=[validate_cqc_provider_id]
    )
    name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE
    )
    status_effective_from = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="provider_name_lower")]

    def __str__(self) -> str:
        return f"{self.name} ({self.cqc_id})"

    def clean(self) -> None:
        super().clean()
        validate_names_of(self, "name", "address_line_1", "address_line_2", "town", "county")


class Location(Address):
    cqc_id = models.CharField(
        "CQC location ID", max_length=13, unique=True, validators=[validate_cqc_location_id]
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=255)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="locations"
    )
    offers_care_home = models.BooleanField("offers care home services", default=False)
    offers_home_care = models.BooleanField("offers home care services", default=False)
    registered_places = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_REGISTERED_PLACES)],
        help_text="Care homes: the number of places (beds) CQC registers the home for.",
    )
    people_using_service = models.PositiveIntegerField(
        "people using the service",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PEOPLE_USING_SERVICE)],
        help_text="Home care: the number of people receiving care, as last known.",
    )
    # What CQC's directory says of a care home (providers/cqc_import.py): False until it says so.
    nursing = models.BooleanField(
        "nursing care",
        default=False,
        help_text="CQC registers the home as a care home service with nursing.",
    )
    residential = models.BooleanField(
        "residential care",
        default=False,
        help_text="CQC registers the home as a care home service without nursing.",
    )
    dementia = models.BooleanField(
        "dementia care",
        default=False,
        help_text="CQC lists dementia among the people the home cares for or its specialisms.",
    )
    status = models.CharField(
        "registration status",
        max_length=16,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.ACTIVE,
    )
    status_effective_from = models.DateField(null=True, blank=True)
    registered_on = models.DateField("registered with CQC on", null=True, blank=True)
    added_to_service_on = models.DateField(default=clock.today)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(Lower("name"), name="location_name_lower"),
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["local_authority", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(offers_care_home=True) | Q(offers_home_care=True),
                name="location_offers_a_care_type",
                violation_error_message="A location must offer care home or home care services.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.cqc_id})"

    def clean(self) -> None:
        super().clean()
        validate_names_of(self, "name", "address_line_1", "address_line_2", "town", "county")

    @property
    def care_types(self) -> list[CareType]:
        types = []
        if self.offers_care_home:
            types.append(CareType.CARE_HOME)
        if self.offers_home_care:
            types.append(CareType.HOME_CARE)
        return types


class LocationStatusChange(models.Model):
    """Registration history: a location's status from a date, so past windows stay explainable."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=16, choices=RegistrationStatus.choices)
    effective_from = models.DateField()
    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(
        "providers.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["location", "effective_from", "recorded_at"]
        indexes = [models.Index(fields=["location", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.location.cqc_id} {self.status} from {self.effective_from}"


class Contact(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    role = models.CharField(
        max_length=100, blank=True, help_text="For example: registered manager, deputy manager."
    )
    is_primary = models.BooleanField("primary contact", default=False)
    # Whether this contact is emailed a receipt when a return is saved (returns/receipts.py).
    receipts = models.BooleanField("email receipts", default=True)
    # Stored as +447XXXXXXXXX (providers.validators.normalise_uk_mobile). With ``sms`` ticked
    # the window-open message and the 48-hour reminder also go to it as texts (returns/emails.py).
    # "Ticked needs a mobile" is checked by the forms and providers.contacts.contact_save.
    mobile = models.CharField(
        "mobile number", max_length=16, blank=True, validators=[validate_uk_mobile]
    )
    sms = models.BooleanField("text messages", default=False)
    last_confirmed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                "location",
                Lower("email"),
                name="contact_email_unique_per_location",
                violation_error_message="This email address is already a contact for this location.",
            ),
            models.UniqueConstraint(
                fields=["location"],
                condition=Q(is_primary=True),
                name="one_primary_contact_per_location",
                violation_error_message="A location can have only one primary contact.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def clean(self) -> None:
        super().clean()
        validate_names_of(self, "name", "phone", "role")


class Role(models.TextChoices):
    PROVIDER = "provider", "Provider user"
    SUPPORT = "support", "NECS support staff"
    CASEWORKER = "caseworker", "NHSBSA enforcement caseworker"
    ANALYST = "analyst", "DHSC analyst"
    LOCAL_AUTHORITY = "local_authority", "Local authority user"
    DISCHARGE = "discharge", "Discharge and brokerage team"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("role", Role.SUPPORT)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        # Email addresses are compared without case: people type them every which way.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices)
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    is_provider_approver = models.BooleanField(
        "approver",
        default=False,
        help_text="Can approve new users of the same provider.",
    )
    limited_to_locations = models.ManyToManyField(
        Location,
        blank=True,
        related_name="limited_users",
        help_text="Leave empty for access to every location of the provider.",
    )
    # Local authority users see their councils' locations only; with none they see nothing.
    local_authorities = models.ManyToManyField(
        LocalAuthority,
        blank=True,
        related_name="users",
        verbose_name="councils",
        help_text="Local authority users: the councils whose locations and figures they see.",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="Can sign in to the admin (support staff)."
    )
    date_joined = models.DateTimeField(default=clock.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
            models.CheckConstraint(
                condition=(Q(role="provider") & Q(provider__isnull=False))
                | (~Q(role="provider") & Q(provider__isnull=True)),
                name="provider_users_have_a_provider",
                violation_error_message="Provider users must belong to a provider; staff must not.",
            ),
            models.CheckConstraint(
                condition=Q(is_provider_approver=False) | Q(role="provider"),
                name="only_provider_users_approve",
                violation_error_message="Only provider users can be approvers.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_full_name()} <{self.email}>"

    def clean(self) -> None:
        super().clean()  # normalises the email address
        validate_names_of(self, "first_name", "last_name")

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class AuditEvent(models.Model):
    """Append-only record of every important change: who, when, what, why.

    Action codes are namespaced ("providers.location.deregistered") so that a support officer
    can filter by area. Apps above this one write here too; this app never imports them.
    """

    at = models.DateTimeField(default=clock.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    actor_label = models.CharField(
        max_length=200, help_text="Who acted, kept even if the user is later removed."
    )
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=255)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"


class CqcImport(models.Model):
    """One CQC directory import: the file, who ran it and what it did.

    From the command line it is written once, when applied. Uploaded in admin it is written
    first as "previewed" with the file's bytes and the preview, and applied later by the worker
    (providers/cqc_uploads.py), so a support officer sees every change before it is saved.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed, not applied"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    full_extract = models.BooleanField(default=False)
    as_of = models.DateField()
    run_at = models.DateTimeField(default=clock.now)
    run_by = models.CharField(max_length=200)
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField(default=dict)
    rejected = models.JSONField(default=list, help_text="Row number, field and reason per row.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLIED)
    content = models.BinaryField(
        default=b"", editable=False, help_text="The uploaded file, applied exactly as previewed."
    )
    uploaded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    preview = models.JSONField(
        default=dict, blank=True, help_text="New, changed and deregistered rows, as previewed."
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    apply_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-run_at"]
        verbose_name = "CQC import"

    def __str__(self) -> str:
        return f"{self.file_name} at {self.run_at:%Y-%m-%d %H:%M}"


# --- Row-level history (django-pghistory, see capacity_tracker/lib/history.py) ----------------
# Event models ProviderEvent, LocationEvent, ... are generated here; migration 0008 creates them.

history.track()(Provider)
history.track()(Location)
history.track()(LocationStatusChange)
history.track()(Contact)
history.track(exclude=["password", "last_login"])(User)
history.track_links(User.limited_to_locations.through, model_name="UserLocationLinkEvent")
history.track_links(User.local_authorities.through, model_name="UserCouncilLinkEvent")
pgtrigger.register(history.ATTACH_CONTEXT_ON_AUDIT)(AuditEvent)
