from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.two_factor import has_device, is_staff_user
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The cache is real Redis in the suite: rate limits and the like must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_and_simple(settings):
    # Hashing with PBKDF2 at full strength makes every test that creates a user slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Production settings leave the penalty account empty (a final notice is then refused);
    # the suite uses a test account so final notices can be issued.
    settings.PENALTY_PAYMENT_ACCOUNT = {
        "account_name": "DHSC Test Penalties",
        "sort_code": "12-34-56",
        "account_number": "12345678",
    }
    # Tests move the service's clock by days within one signed-in session, which the staff
    # idle time-out would end; tests/providers/test_two_factor.py sets it back to test it.
    settings.STAFF_SESSION_IDLE_MINUTES = 60 * 24 * 365 * 10


@pytest.fixture
def provider(db):
    return ProviderFactory()


@pytest.fixture
def other_provider(db):
    return ProviderFactory()


@pytest.fixture
def location(provider):
    return LocationFactory(provider=provider)


@pytest.fixture
def other_location(other_provider):
    return LocationFactory(provider=other_provider)


@pytest.fixture
def provider_user(provider):
    return ProviderUserFactory(provider=provider)


@pytest.fixture
def support_user(db):
    return SupportUserFactory()


@pytest.fixture
def caseworker(db):
    return CaseworkerFactory()


@pytest.fixture
def analyst(db):
    return AnalystFactory()


def client_for(user, **client_options) -> Client:
    """A client signed in as ``user``. Staff (and anyone with an authenticator app) come back
    having passed the second factor too: a confirmed TOTP device, its ID in the session as
    django_otp.login puts it after a right code."""
    client = Client(**client_options)
    client.force_login(user)
    if is_staff_user(user) or has_device(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
