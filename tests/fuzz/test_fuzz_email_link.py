"""Fuzzing the emailed link's page (issue 14): any token, any form.

No server error, whatever the token; a token that is not ours is a 404 and saves nothing; a
real link with any form either saves valid returns for every care type the location owes, or
saves nothing and says which field is wrong.
"""

from __future__ import annotations

import datetime
from unittest import mock
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from returns.datasets import dataset_for
from returns.email_links import make_token
from returns.models import CollectionWindow, NilReason, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.factories import ContactFactory, LocationFactory
from tests.fuzz.support import (
    assert_errors_named,
    assert_saved_versions_valid,
    awkward_text,
    counts,
    fuzz_settings,
    last_version_pk,
    rolled_back,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def in_window():
    windows_ensure_ahead(now=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC))
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


@pytest.fixture
def token(provider, provider_user) -> str:  # type: ignore[no-untyped-def]
    """A real link for a care home with November's figures, so both choices are offered."""
    december = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    november = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    location = LocationFactory(provider=provider)
    contact = ContactFactory(location=location, is_primary=True)
    return_save(
        submitter=Submitter.of(provider_user),
        location=location,
        care_type="care_home",
        window=november,
        kind="full",
        source="portal",
        now=november.opens_at + datetime.timedelta(days=1),
        answers=GOOD_CARE_HOME,
    )
    return make_token(
        location_id=location.pk,
        window_id=december.pk,
        contact_id=contact.pk,
        expires_at=december.closes_at,
    )


def dataset_of(version: ReturnVersion):  # type: ignore[no-untyped-def]
    return dataset_for(version.return_head.window.period_obj, version.return_head.care_type)


tokens = st.one_of(
    st.text(min_size=1, max_size=200),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:.", max_size=300
    ),
    st.binary(max_size=60).map(lambda raw: raw.hex()),
)


@fuzz_settings(40)
@given(raw=tokens, post=st.booleans())
def test_any_token_is_refused_without_a_server_error(token, raw, post):
    client = Client()
    # A mangled copy of a real token too: the signature must catch every change.
    for candidate in (raw, token[: len(raw) % len(token)] + raw):
        path = "/quick/" + quote(candidate, safe="") + "/"
        with rolled_back():
            before = counts()
            response = client.post(path, {"choice": "nil"}) if post else client.get(path)
            assert response.status_code in (404, 410), (candidate, response.status_code)
            assert counts() == before


link_posts = st.fixed_dictionaries(
    {"choice": st.one_of(st.sampled_from(["unchanged", "nil"]), awkward_text)},
    optional={
        "nil_reason": st.one_of(st.sampled_from(NilReason.values), awkward_text),
        "nil_reason_detail": st.one_of(awkward_text, st.text(min_size=495, max_size=510)),
        "extra": awkward_text,
    },
)


@fuzz_settings(40)
@given(post=link_posts)
def test_a_real_link_with_any_form_saves_valid_returns_or_nothing(token, post):
    url = reverse("email-link", args=[token])
    with rolled_back():
        before, since = counts(), last_version_pk()
        response = Client().post(url, post)
        event(f"link {response.status_code}")
        assert response.status_code in (200, 400), response.status_code
        page = response.content.decode()
        if response.status_code == 200:  # the done page: a return for each care type owed
            assert "Nil return sent" in page or "Figures confirmed" in page
            saved = ReturnVersion.objects.filter(pk__gt=since)
            assert {version.kind for version in saved} == {post["choice"]}
            assert_saved_versions_valid(dataset_of, since)
        else:
            assert counts() == before
            assert_errors_named(page, unlinked_ok=True)
