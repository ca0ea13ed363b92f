"""The sign-in lock-out counts every spelling of one address together (issue 11, item 7)."""

from __future__ import annotations

from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from capacity_tracker.sign_in_names import axes_username, normalise_sign_in_name
from providers.models import User
from tests.factories import TEST_PASSWORD, ProviderUserFactory

pytestmark = pytest.mark.django_db

EMAIL = "manager@brightside.example"


def sign_in(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password})


def is_signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return "_auth_user_id" in client.session


def rotate_case(text: str, n: int) -> str:
    """A different mix of capitals for each n: bit i of n capitalises letter i."""
    return "".join(c.upper() if (n >> i) & 1 else c for i, c in enumerate(text))


@pytest.fixture
def manager(provider):  # type: ignore[no-untyped-def]
    return ProviderUserFactory(provider=provider, email=EMAIL)


@pytest.mark.parametrize(
    "typed",
    ["MANAGER@brightside.example", " manager@brightside.example", "Manager@Brightside.Example "],
)
def test_after_five_failures_the_right_password_in_another_spelling_is_refused(
    client, manager, typed
):
    # The fifth failure is answered with the lock-out page itself.
    assert [sign_in(client, EMAIL, "wrong").status_code for _ in range(5)] == [200] * 4 + [429]
    locked = sign_in(client, typed, TEST_PASSWORD)
    assert locked.status_code == 429
    assert "You cannot sign in for now" in locked.content.decode()
    assert not is_signed_in(client)


def test_failures_in_mixed_spellings_add_up_to_one_lock_out(client, manager):
    for n, typed in enumerate(["MANAGER@brightside.example", " manager@brightside.example"] * 3):
        response = sign_in(client, typed, "wrong password")
        assert response.status_code == (200 if n < 4 else 429)
    assert sign_in(client, EMAIL, TEST_PASSWORD).status_code == 429
    assert not is_signed_in(client)


def test_thirty_guesses_rotating_case_get_only_five_tries(client, manager):
    checked = mock.patch.object(User, "check_password", autospec=True, return_value=False)
    with checked as check_password:
        statuses = [
            sign_in(client, rotate_case(EMAIL, n), f"guess {n}").status_code for n in range(30)
        ]
    # Four wrong answers, the fifth locks, and every later spelling meets the lock.
    assert statuses == [200] * 4 + [429] * 26
    assert check_password.call_count == 5  # the password was tried five times, not thirty
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [EMAIL]


def test_the_right_password_in_any_case_still_signs_in_before_a_lock_out(client, manager):
    sign_in(client, EMAIL, "wrong password")
    assert sign_in(client, " MANAGER@brightside.example", TEST_PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_the_username_axes_counts_is_trimmed_and_lower_case(rf):
    assert normalise_sign_in_name("  MaNaGeR@BrightSide.example\t") == EMAIL
    assert axes_username(None, {"username": " MANAGER@brightside.example"}) == EMAIL
    request = rf.post("/sign-in/", {"username": "Manager@Brightside.Example "})
    assert axes_username(request, None) == EMAIL
