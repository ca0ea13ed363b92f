"""factory-boy factories for every model, with British data (Faker en_GB)."""

from __future__ import annotations

import datetime

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from factory.django import DjangoModelFactory
from faker import Faker

from providers.models import (
    AuditEvent,
    Contact,
    CqcImport,
    LocalAuthority,
    Location,
    LocationStatusChange,
    Provider,
    Region,
    RegistrationStatus,
    Role,
    User,
)

factory.Faker._DEFAULT_LOCALE = "en_GB"
_fake = Faker("en_GB")


def plain_faker(method: str) -> factory.LazyFunction:
    """A British name without apostrophes: tests look for names in escaped HTML."""
    return factory.LazyFunction(lambda: getattr(_fake, method)().replace("'", ""))


TEST_PASSWORD = "correct-horse-battery-staple"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("ons_code",)

    ons_code = "E12000003"
    name = "Yorkshire and The Humber"


class LocalAuthorityFactory(DjangoModelFactory):
    """Uses the shipped reference data (loaded by migration) where the code exists."""

    class Meta:
        model = LocalAuthority
        django_get_or_create = ("ons_code",)

    ons_code = "E08000035"
    name = "Leeds"
    region = factory.SubFactory(RegionFactory)
    kind = LocalAuthority.Kind.METROPOLITAN_DISTRICT


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    cqc_id = factory.Sequence(lambda n: f"1-{200000000 + n}")
    # Plain names: Faker's can hold apostrophes, which pages escape, and then a test that looks
    # for the name in the HTML fails one run in fifty.
    name = factory.Sequence(lambda n: f"Provider {n} Care Ltd")
    address_line_1 = factory.Faker("street_address")
    town = factory.Faker("city")
    postcode = "LS1 4AP"
    status = RegistrationStatus.ACTIVE


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    cqc_id = factory.Sequence(lambda n: f"1-{3000000000 + n}")
    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Location {n} House")
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    postcode = "LS6 2QA"
    town = "Leeds"
    offers_care_home = True
    offers_home_care = False
    registered_places = 30
    status = RegistrationStatus.ACTIVE
    added_to_service_on = datetime.date(2023, 1, 1)


class LocationStatusChangeFactory(DjangoModelFactory):
    class Meta:
        model = LocationStatusChange

    location = factory.SubFactory(LocationFactory)
    status = RegistrationStatus.ACTIVE
    effective_from = datetime.date(2023, 1, 1)
    reason = "test"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    location = factory.SubFactory(LocationFactory)
    name = plain_faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    phone = "0113 496 0000"
    role = "Registered manager"
    is_primary = False


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = plain_faker("first_name")
    last_name = plain_faker("last_name")
    role = Role.SUPPORT
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProviderUserFactory(UserFactory):
    role = Role.PROVIDER
    provider = factory.SubFactory(ProviderFactory)
    approved_at = factory.LazyFunction(timezone.now)


class SupportUserFactory(UserFactory):
    role = Role.SUPPORT
    is_staff = True


class CaseworkerFactory(UserFactory):
    role = Role.CASEWORKER


class AnalystFactory(UserFactory):
    role = Role.ANALYST


class AuditEventFactory(DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = None
    actor_label = "system"
    action = "tests.something.happened"
    target_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Location))
    target_id = "1"
    target_label = "a location"


class CqcImportFactory(DjangoModelFactory):
    class Meta:
        model = CqcImport

    file_name = "extract.csv"
    sha256 = "0" * 64
    as_of = datetime.date(2026, 11, 1)
    run_by = "tests"


class SupplierFactory(DjangoModelFactory):
    class Meta:
        model = "api.Supplier"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Care Records Ltd {n}")
    contact_email = factory.Sequence(lambda n: f"api-{n}@supplier.example")
