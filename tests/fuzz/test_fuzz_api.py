"""Fuzzing POST /api/v1/returns/ with a provider's key (issue 14): any JSON body.

No server error; a refusal saves nothing and each error names the request field it is about
(null only when the body as a whole is not an object); a 201 saved one valid version.
Schemathesis (tests/api/test_schemathesis.py) sends bodies valid by the schema; these are the
ones it does not: wrong shapes, awkward values, bodies that are not JSON at all.
"""

from __future__ import annotations

import datetime
import json
from unittest import mock

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from api.models import ApiKeyKind
from returns.datasets import dataset_for
from returns.deadlines import LONDON
from returns.models import NilReason, ReturnKind, ReturnVersion
from returns.services import windows_ensure_ahead
from tests.api.keys import client_with, make_key
from tests.fuzz.support import (
    AWKWARD,
    assert_saved_versions_valid,
    counts,
    fuzz_settings,
    last_version_pk,
    rolled_back,
    sometimes,
)
from tests.portal_data import ASKED_FROM_2027, GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
URL = "/api/v1/returns/"
FIELDS = ("location", "care_type", "period", "kind", "answers", "nil_reason", "nil_reason_detail")


@pytest.fixture(autouse=True)
def in_window():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


@pytest.fixture
def api(location):  # type: ignore[no-untyped-def]
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    return client_with(raw)


def dataset_of(version: ReturnVersion):  # type: ignore[no-untyped-def]
    return dataset_for(version.return_head.window.period_obj, version.return_head.care_type)


GOOD = {
    code: int(value) if value.isdigit() else value or None
    for code, value in GOOD_CARE_HOME.items()
    if code not in ASKED_FROM_2027
}
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(AWKWARD)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def bodies(draw: st.DrawFn, location_id: str) -> object:
    """Mostly a good full return with a few fields changed, dropped or added; sometimes any JSON."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    body: dict[str, object] = {
        "location": location_id,
        "care_type": "care_home",
        "period": "2026-12",
        "kind": draw(st.sampled_from([*ReturnKind.values, ReturnKind.FULL, ReturnKind.FULL])),
        "answers": dict(GOOD),
    }
    if body["kind"] != ReturnKind.FULL:
        body["answers"] = draw(st.sampled_from([{}, {}, dict(GOOD)]))
    if body["kind"] == ReturnKind.NIL:
        body["nil_reason"] = draw(st.sampled_from(NilReason.values))
    answers = body["answers"]
    assert isinstance(answers, dict)
    some_codes = st.sets(st.sampled_from(sorted(GOOD)), min_size=1, max_size=3)
    for code in draw(sometimes(some_codes, set())):
        answers[code] = draw(st.one_of(st.integers(0, 60), json_values))
    for code in draw(sometimes(some_codes, set())):
        answers.pop(code, None)
    for name in draw(sometimes(st.sets(st.sampled_from(FIELDS), min_size=1, max_size=2), set())):
        body[name] = draw(json_values)
    for name in draw(sometimes(st.sets(st.sampled_from(FIELDS), max_size=1), set())):
        body.pop(name, None)
    body.update(draw(sometimes(st.dictionaries(st.text(max_size=10), json_values, max_size=2), {})))
    return body


@fuzz_settings(60)
@given(data=st.data())
def test_any_json_body_is_saved_valid_or_refused_naming_the_field(api, location, data):
    body = data.draw(bodies(location.cqc_id))
    with rolled_back():
        before, since = counts(), last_version_pk()
        response = api.post(URL, body, format="json")
        event(f"api {response.status_code}")
        assert response.status_code < 500, response.content
        if response.status_code == 201:
            assert counts()[1] == before[1] + 1
            assert_saved_versions_valid(dataset_of, since)
            return
        assert counts() == before
        errors = response.json()["errors"]
        assert errors and all(error["message"] for error in errors)
        if response.status_code == 400 and isinstance(body, dict):
            assert all(error["field"] for error in errors), errors
            known = {*FIELDS, "based_on_version"}
            assert all(error["field"].split(".")[0] in known for error in errors), errors


@fuzz_settings(30)
@given(raw=st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_a_body_that_is_not_json_is_a_400_with_nothing_saved(api, raw):
    with rolled_back():
        before = counts()
        response = api.generic("POST", URL, raw, content_type="application/json")
        assert response.status_code < 500, response.content
        if response.status_code != 201:
            assert counts() == before
            assert response.json()["errors"]
        else:  # a valid body by chance: impossible without the location's ID
            raise AssertionError(json.loads(raw))
