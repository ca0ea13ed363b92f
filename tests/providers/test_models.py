"""Constraints, validators and the shipped reference data."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from providers.cqc_import import LocalAuthorityResolver
from providers.models import LocalAuthority, Region, Role, User
from providers.validators import (
    normalise_postcode,
    validate_cqc_location_id,
    validate_cqc_provider_id,
)
from tests.factories import (
    AuditEventFactory,
    ContactFactory,
    CqcImportFactory,
    LocationFactory,
    LocationStatusChangeFactory,
    ProviderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_reference_data_has_nine_regions_and_153_councils():
    assert Region.objects.count() == 9
    assert LocalAuthority.objects.count() == 153
    by_prefix = {
        p: LocalAuthority.objects.filter(ons_code__startswith=p).count()
        for p in ("E06", "E08", "E09", "E10")
    }
    assert by_prefix == {"E06": 63, "E08": 36, "E09": 33, "E10": 21}
    assert LocalAuthority.objects.get(ons_code="E06000063").name == "Cumberland"
    for region in Region.objects.all():
        assert region.local_authorities.exists()


def test_council_names_resolve_in_cqc_and_ons_spellings():
    resolver = LocalAuthorityResolver(list(LocalAuthority.objects.all()))
    assert resolver.resolve("Bristol, City of").ons_code == "E06000023"
    assert resolver.resolve("Bristol").ons_code == "E06000023"
    assert (
        resolver.resolve("Royal Borough of Windsor and Maidenhead").name == "Windsor and Maidenhead"
    )
    assert resolver.resolve("St Helens").name == "St. Helens"
    assert resolver.resolve("e08000025").name == "Birmingham"
    assert resolver.resolve("Narnia") is None


@pytest.mark.parametrize("good", ["1-101234567", "1-1234567890", "1-10000302982"])
def test_valid_cqc_ids(good):
    validate_cqc_provider_id(good)
    validate_cqc_location_id(good)


@pytest.mark.parametrize(
    "bad", ["", "101234567", "1-12345", "2-1234567890", "1-12345678901234", "1-12345abcde"]
)
def test_malformed_cqc_ids_get_a_clear_message(bad):
    with pytest.raises(ValidationError, match="correct format, like 1-1234567890"):
        validate_cqc_location_id(bad)


def test_full_clean_names_the_bad_id():
    provider = ProviderFactory.build(cqc_id="RXX123")
    with pytest.raises(ValidationError) as excinfo:
        provider.full_clean()
    assert "cqc_id" in excinfo.value.message_dict
    assert "'RXX123'" in excinfo.value.message_dict["cqc_id"][0]


def test_postcodes_are_normalised():
    assert normalise_postcode(" sw1a1aa ") == "SW1A 1AA"
    assert normalise_postcode("ls6  2qa") == "LS6 2QA"


def test_a_location_must_offer_a_care_type():
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(offers_care_home=False, offers_home_care=False)


def test_duplicate_cqc_ids_are_refused():
    LocationFactory(cqc_id="1-1234567890")
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(cqc_id="1-1234567890")


def test_only_one_primary_contact_per_location(location):
    ContactFactory(location=location, is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(location=location, is_primary=True)


def test_contact_email_unique_per_location_ignoring_case(location):
    ContactFactory(location=location, email="Manager@Home.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(location=location, email="manager@home.example")


def test_provider_users_must_have_a_provider_and_staff_must_not(provider):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role=Role.PROVIDER, provider=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role=Role.ANALYST, provider=provider)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role=Role.SUPPORT, is_provider_approver=True)


def test_user_emails_are_unique_ignoring_case_and_sign_in_ignores_case():
    user = User.objects.create_user(
        "Manager@Example.org", "pw", first_name="A", last_name="B", role=Role.ANALYST
    )
    assert user.email == "manager@example.org"
    assert User.objects.get_by_natural_key("MANAGER@example.ORG") == user
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="MANAGER@example.org")


def test_every_factory_builds_a_valid_row():
    for factory in (
        AuditEventFactory,
        CqcImportFactory,
        LocationStatusChangeFactory,
        ContactFactory,
    ):
        obj = factory()
        assert obj.pk is not None
        assert str(obj)
