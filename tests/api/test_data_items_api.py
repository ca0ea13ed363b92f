"""GET /api/v1/data-items/: the questions a month's return asks, for any caller (issue 12)."""

from __future__ import annotations

from unittest import mock

import pytest

from returns.datasets import dataset_for
from returns.deadlines import Period
from returns.models import CampaignMonth, DatasetVersion
from tests.api.test_locations_api import NOW, World, assert_error, build_world

URL = "/api/v1/data-items/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW):
        yield


@pytest.fixture
def world(db, frozen_clock) -> World:
    return build_world()


READERS = [
    "supplier",
    "supplier_revoked_grant",
    "supplier_ungranted",
    "provider_a",
    "provider_b",
    "leeds",
    "dhsc",
    "provider_user_a",
    "provider_user_b",
    "support",
    "caseworker",
    "analyst",
    "council_user",
]


@pytest.mark.parametrize("who", READERS)
def test_every_key_and_every_role_may_read_the_questions(world, who):
    response = world.client(who).get(URL, {"care_type": "care_home", "period": "2026-12"})
    assert response.status_code == 200, response.content
    assert response.json()["care_type"] == "care_home"


@pytest.mark.parametrize("who", ["anonymous", "garbage", "expired", "revoked"])
def test_no_valid_key_is_401(world, who):
    assert_error(world.client(who).get(URL, {"care_type": "care_home"}), 401)


def test_the_items_and_rules_are_the_datasets(world):
    body = world.client("provider_a").get(URL, {"care_type": "home_care", "period": "2026-06"})
    body = body.json()
    dataset = dataset_for(Period(2026, 6), "home_care")
    version = DatasetVersion.objects.get(pk=dataset.version_id)
    assert body["period"] == "2026-06"
    assert body["dataset_version"] == {
        "name": version.name,
        "effective_from": version.effective_from.isoformat(),
    }
    assert [item["code"] for item in body["items"]] == dataset.codes
    first, spec = body["items"][0], dataset.items[0]
    assert first == {
        "code": spec.code,
        "label": spec.label,
        "section": spec.section,
        "kind": spec.kind,
        "mandatory": spec.mandatory,
        "min_value": spec.min_value,
        "max_value": spec.max_value,
        "help_text": spec.help_text,
        "campaign_only": spec.campaign_only,
    }
    assert len(body["rules"]) == len(dataset.rules)
    for got, rule in zip(body["rules"], dataset.rules, strict=True):
        assert got == {
            "kind": rule.kind,
            "left_codes": list(rule.left_codes),
            "right_codes": list(rule.right_codes),
            "when_value": rule.when_value or None,
            "message": rule.message,
        }


def test_campaign_months_list_the_campaign_items(world):
    CampaignMonth.objects.filter(month=12).update(in_campaign=True)
    CampaignMonth.objects.filter(month=6).update(in_campaign=False)
    client = world.client("dhsc")
    december = client.get(URL, {"care_type": "care_home", "period": "2026-12"}).json()
    june = client.get(URL, {"care_type": "care_home", "period": "2026-06"}).json()
    assert december["campaign"] is True and june["campaign"] is False
    assert not any(item["campaign_only"] for item in june["items"])
    campaign_codes = {i["code"] for i in december["items"]} - {i["code"] for i in june["items"]}
    assert campaign_codes
    assert all(i["campaign_only"] for i in december["items"] if i["code"] in campaign_codes)


def test_the_default_month_is_the_open_windows(world):
    body = world.client("dhsc").get(URL, {"care_type": "care_home"}).json()
    assert body["period"] == "2026-12"


def test_a_later_notice_applies_from_its_month(world):
    client = world.client("dhsc")
    before = client.get(URL, {"care_type": "care_home", "period": "2026-12"}).json()
    after = client.get(URL, {"care_type": "care_home", "period": "2027-01"}).json()
    assert before["dataset_version"]["effective_from"] < "2027-01-01"
    assert after["dataset_version"]["effective_from"] == "2027-01-01"


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({}, "care_type", "required"),
        ({"care_type": "hospital"}, "care_type", "invalid_choice"),
        ({"care_type": ""}, "care_type", "invalid_choice"),
        ({"care_type": "care_home", "period": "2026-13"}, "period", "invalid"),
        ({"care_type": "care_home", "period": "2026-1"}, "period", "invalid"),
        ({"care_type": "care_home", "period": " 2026-01"}, "period", "invalid"),
        ({"care_type": "care_home", "period": "2019-12"}, "period", "invalid"),
        ({"care_type": "care_home", "period": "2101-01"}, "period", "invalid"),
        ({"care_type": "care_home", "period": "2026-12\x00"}, "period", "invalid"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(world, params, field, code):
    assert_error(world.client("dhsc").get(URL, params), 400, field=field, code=code)


def test_a_month_before_any_notice_is_a_404(world):
    response = world.client("dhsc").get(URL, {"care_type": "care_home", "period": "2020-01"})
    assert_error(response, 404, field="period", code="not_found")


def test_queries_are_few(world, django_assert_max_num_queries):
    client = world.client("dhsc")
    with django_assert_max_num_queries(7):  # key, window, dataset (4), version name
        assert client.get(URL, {"care_type": "care_home"}).status_code == 200
