from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

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


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
