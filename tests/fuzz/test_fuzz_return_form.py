"""Fuzzing the portal's return pages (issue 14): the return form and its check-and-send page,
the nil return and "nothing has changed", with what people type and what a tampered form sends.

For every example: no server error; nothing saved unless the page said so (a redirect to the
saved page); anything saved passes the shared validation; an error page's summary links each
error to its field.
"""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from returns.datasets import dataset_for
from returns.deadlines import LONDON, Period
from returns.forms import FORM_EXPIRED
from returns.models import CollectionWindow, NilReason, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.conftest import client_for
from tests.fuzz.support import (
    assert_errors_named,
    assert_saved_versions_valid,
    awkward_text,
    counts,
    fuzz_settings,
    last_version_pk,
    rolled_back,
    sometimes,
    typed_text,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
PERIOD = "2026-12"


@pytest.fixture(autouse=True)
def world():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


@pytest.fixture
def client(provider_user):  # type: ignore[no-untyped-def]
    """Signed in once for all of a test's examples (each example rolls back its writes)."""
    return client_for(provider_user)


def url(name: str, location) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, args=[PERIOD, location.cqc_id, "care_home"])


def dataset_of(version: ReturnVersion):  # type: ignore[no-untyped-def]
    head = version.return_head
    return dataset_for(head.window.period_obj, head.care_type)


CODES = [code for code in GOOD_CARE_HOME]
EXTRA_NAMES = st.sampled_from(["answers", "kind", "source", "submitted_by", "reference", "pk"])

# A form: the good answers with some changed to awkward text, some left out, and some fields
# the form does not have; based_on as the page wrote it ("0"), or tampered with.
form_posts = st.fixed_dictionaries(
    {
        "changed": st.dictionaries(st.sampled_from(CODES), typed_text, max_size=4),
        "missing": sometimes(st.sets(st.sampled_from(CODES), min_size=1, max_size=2), set()),
        "extra": st.dictionaries(
            st.one_of(EXTRA_NAMES, st.text(max_size=10)), awkward_text, max_size=3
        ),
        "based_on": sometimes(st.one_of(st.none(), awkward_text), "0"),
    }
)


def build_post(draw: dict[str, Any]) -> dict[str, str]:
    data = {**draw["extra"], **GOOD_CARE_HOME, **draw["changed"]}
    for code in draw["missing"]:
        data.pop(code, None)
    data.pop("based_on", None)
    if draw["based_on"] is not None:
        data["based_on"] = draw["based_on"]
    return data


@fuzz_settings(40)
@given(post=form_posts)
def test_the_return_form_and_its_send_page(client, location, post):
    with rolled_back():
        before, since = counts(), last_version_pk()
        response = client.post(url("returns:form", location), build_post(post))
        event(f"form {response.status_code}")
        assert response.status_code in (400, 302), response.status_code
        assert counts() == before  # the form only keeps a draft in the session
        if response.status_code == 400:
            assert_errors_named(response.content.decode(), unlinked_ok={FORM_EXPIRED})
            return
        assert response.url == url("returns:check", location)
        assert client.get(response.url).status_code == 200
        sent = client.post(response.url)
        event(f"send {sent.status_code}")
        assert sent.status_code in (302, 400, 409), sent.status_code
        if sent.status_code == 302:
            assert counts()[1] == before[1] + 1
            assert_saved_versions_valid(dataset_of, since)
        elif sent.status_code == 409:  # a tampered version count: both sets of figures shown
            assert counts() == before
            assert "This return changed since you opened it" in sent.content.decode()
        else:
            assert counts() == before
            assert_errors_named(sent.content.decode(), unlinked_ok=True)


def test_a_form_without_its_version_count_says_it_has_expired(client, location):
    """Found by the fuzzing above: Django's "This field is required." for the hidden field sat
    in the error summary naming nothing the person could see or fix."""
    for based_on in (None, "", "x", "-1"):
        data = {**GOOD_CARE_HOME, **({} if based_on is None else {"based_on": based_on})}
        response = client.post(url("returns:form", location), data)
        assert assert_errors_named(response.content.decode(), unlinked_ok={FORM_EXPIRED}) == [
            (None, FORM_EXPIRED)
        ]
        nil = client.post(url("returns:nil", location), {"nil_reason": "no_staff", "based_on": "x"})
        assert (None, FORM_EXPIRED) in assert_errors_named(nil.content.decode(), unlinked_ok=True)
    assert counts() == (0, 0)


nil_posts = st.fixed_dictionaries(
    {
        "nil_reason": st.one_of(st.sampled_from(NilReason.values), awkward_text),
        "nil_reason_detail": st.one_of(
            st.just(""), awkward_text, st.text(min_size=490, max_size=520)
        ),
        "based_on": st.one_of(st.just("0"), awkward_text),
        "on_behalf_reason": awkward_text,
    }
).map(lambda d: {k: v for k, v in d.items() if v is not None})


@fuzz_settings(40)
@given(
    post=nil_posts,
    leave_out=st.sets(st.sampled_from(["nil_reason", "nil_reason_detail", "based_on"])),
)
def test_the_nil_return_form(client, location, post, leave_out):
    data = {k: v for k, v in post.items() if k not in leave_out}
    with rolled_back():
        before, since = counts(), last_version_pk()
        response = client.post(url("returns:nil", location), data)
        event(f"nil {response.status_code}")
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 302:
            version = ReturnVersion.objects.get(pk__gt=since)
            assert version.kind == "nil" and version.nil_reason == data["nil_reason"]
            assert_saved_versions_valid(dataset_of, since)
        else:
            assert counts() == before
            assert_errors_named(response.content.decode(), unlinked_ok=True)


@pytest.fixture
def last_return(provider_user, location):  # type: ignore[no-untyped-def]
    november = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    return return_save(
        submitter=Submitter.of(provider_user),
        location=location,
        care_type="care_home",
        window=november,
        kind="full",
        source="portal",
        now=november.opens_at + datetime.timedelta(days=1),
        answers=GOOD_CARE_HOME,
    )


@fuzz_settings(20)
@given(
    based_on=st.one_of(st.just("0"), st.none(), awkward_text),
    extra=st.dictionaries(st.one_of(EXTRA_NAMES, st.sampled_from(CODES)), awkward_text, max_size=4),
)
def test_nothing_has_changed_copies_the_last_figures_or_saves_nothing(
    client, location, last_return, based_on, extra
):
    data = {**extra, **({"based_on": based_on} if based_on is not None else {})}
    with rolled_back():
        before, since = counts(), last_version_pk()
        response = client.post(url("returns:unchanged", location), data)
        event(f"unchanged {response.status_code}")
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 302:
            version = ReturnVersion.objects.get(pk__gt=since)
            assert version.kind == "unchanged"
            december = dataset_for(Period.parse(PERIOD), "care_home")
            assert version.answers == {k: last_return.answers.get(k) for k in december.codes}
            assert_saved_versions_valid(dataset_of, since)
        else:
            assert counts() == before
            assert_errors_named(response.content.decode(), unlinked_ok=True)


@fuzz_settings(40)
@given(
    period=st.from_regex(r"\A\d{4}-\d{2}\Z"),
    cqc_id=st.one_of(st.just(None), st.from_regex(r"\A1-\d{1,12}\Z")),
    care_type=st.sampled_from(["care_home", "home_care", "all", "CARE_HOME", "x"]),
    page=st.sampled_from(["", "check/", "unchanged/", "nil/", "use-my-figures/"]),
    post=st.booleans(),
)
def test_any_month_location_and_care_type_in_the_address(
    client, location, period, cqc_id, care_type, page, post
):
    """A month the service never ran, a location that is not yours: a 404, never a 500."""
    path = f"/returns/{period}/{cqc_id or location.cqc_id}/{care_type}/{page}"
    assert reverse("returns:form", args=["2026-12", location.cqc_id, "care_home"]).startswith(
        "/returns/2026-12/"
    )
    with rolled_back():
        before = counts()
        response = client.post(path, {"based_on": "0"}) if post else client.get(path)
        event(f"address {response.status_code}")
        assert response.status_code in (200, 302, 400, 404), response.status_code
        assert counts() == before or response.status_code == 302
