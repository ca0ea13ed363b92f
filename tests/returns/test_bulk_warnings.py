"""Soft warnings in the CSV preview (issue 15 item 2): the same rules as the portal's check
answers page, shown row by row before saving, never blocking, and recorded on each row's
version when the file is saved. Query counts stay flat in the number of rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from returns.bulk import parsing as bulk_parsing
from returns.bulk import save as bulk
from returns.models import BulkUpload, ReturnVersion, WarningRule
from returns.selectors import latest_opened_window
from returns.warnings import active_rules
from tests.conftest import client_for
from tests.factories import LocationFactory
from tests.portal_data import GOOD_CARE_HOME
from tests.returns.test_bulk import (
    IN_WINDOW,
    csv_bytes,
    frozen,
    good_row,
    latest_upload,
    post_file,
    save,
    windows,  # noqa: F401  (autouse: the collection windows)
)

pytestmark = pytest.mark.django_db

# 26 of 40 beds (65%): 22.5 points below GOOD_CARE_HOME's 35 (87.5%); fewer residents vaccinated.
LOW_OCCUPANCY = {
    "beds_occupied": "26",
    "vacc_residents_covid_booster": "20",
    "vacc_residents_flu": "20",
}


def upload_and_check(user, rows) -> BulkUpload:
    upload = bulk.bulk_upload_create(
        user=user, file_name="w.csv", content=csv_bytes(rows), on_behalf_reason="", now=IN_WINDOW
    )
    return bulk.bulk_check(upload_id=upload.pk, now=IN_WINDOW)


def test_the_preview_shows_check_these_figures_and_saving_stores_them_on_each_version(
    provider, provider_user
):
    homes = [LocationFactory(provider=provider, name=f"Home {n}") for n in "ABC"]
    for home in homes[:2]:
        save(home, provider_user)  # 87.5% occupied, 50 staff, 2 absent
    rows = [
        good_row(homes[0], **LOW_OCCUPANCY),  # occupancy down 22.5 points
        good_row(homes[1]),  # as last time: nothing to check
        good_row(homes[2], absent_direct_care="20"),  # no last return: 40% absent still warned
    ]
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes(rows))
        upload = latest_upload()
        assert upload.status == BulkUpload.Status.READY  # never blocking
        page = client.get(reverse("bulk:upload", args=[upload.pk])).content.decode()
    assert upload.counts["warnings"] == 2
    assert [(w["row"], w["location"], w["rule"], w["item"]) for w in upload.warnings] == [
        (2, homes[0].cqc_id, "occupancy_change", "beds_occupied"),
        (4, homes[2].cqc_id, "absence_high", "absent_direct_nurses"),
    ]
    assert upload.warnings[0]["item_label"] == "Beds occupied or used"
    assert "Check these figures" in page
    assert "2 figures look different from the location’s last return" in page
    assert "Occupancy has gone from 87.5% to 65% since the last return" in page
    assert ">65%<" in page and ">87.5%<" in page  # this file, last return
    assert "40% of staff are absent due to COVID-19" in page
    assert "Home A" in page and "Home C" in page
    assert "Saving records that you checked the figures above." in page

    with frozen(IN_WINDOW):
        done = client.post(reverse("bulk:confirm", args=[upload.pk]))
    assert done.status_code == 302
    upload.refresh_from_db()
    assert upload.status == BulkUpload.Status.APPLIED
    saved = {
        v.return_head.location_id: v
        for v in ReturnVersion.objects.filter(source="csv").select_related("return_head")
    }
    assert [w["rule"] for w in saved[homes[0].pk].warnings] == ["occupancy_change"]
    assert saved[homes[0].pk].warnings[0]["previous"] == 87.5
    assert saved[homes[1].pk].warnings == []
    assert [w["rule"] for w in saved[homes[2].pk].warnings] == ["absence_high"]


def test_a_file_with_nothing_to_check_shows_no_warnings(provider, provider_user):
    home = LocationFactory(provider=provider)
    save(home, provider_user)
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(home)]))
        page = client.get(reverse("bulk:upload", args=[latest_upload().pk])).content.decode()
    assert latest_upload().warnings == []
    assert "Check these figures" not in page


def test_unchanged_and_nil_rows_and_a_nil_last_return_give_no_warnings(provider, provider_user):
    homes = [LocationFactory(provider=provider) for _ in range(3)]
    save(homes[0], provider_user, answers={**GOOD_CARE_HOME, "absent_direct_care": "20"})
    save(homes[1], provider_user)
    save(homes[2], provider_user, kind="nil", nil_reason="no_staff")
    upload = upload_and_check(
        provider_user,
        [
            # 40% absent again: sent (and warned) before.
            good_row(homes[0], kind="unchanged", absent_direct_care="20"),
            good_row(homes[1], kind="nil", nil_reason="no_staff"),
            good_row(homes[2], **LOW_OCCUPANCY, staff_direct_care="5"),  # after a nil return
        ],
    )
    assert upload.status == BulkUpload.Status.READY
    assert upload.warnings == [] and upload.counts["warnings"] == 0


def test_a_file_with_errors_keeps_no_warnings(provider, provider_user):
    home = LocationFactory(provider=provider)
    save(home, provider_user)
    upload = upload_and_check(
        provider_user, [good_row(home, **LOW_OCCUPANCY), {**good_row(home), "location_id": "x"}]
    )
    assert upload.status == BulkUpload.Status.INVALID
    assert upload.warnings == []


def test_an_inactive_rule_and_a_changed_threshold_apply_to_the_next_check(provider, provider_user):
    home = LocationFactory(provider=provider)
    save(home, provider_user)
    rows = [good_row(home, **LOW_OCCUPANCY, absent_direct_care="20")]
    assert [w["rule"] for w in upload_and_check(provider_user, rows).warnings] == [
        "occupancy_change",
        "absence_high",
    ]
    occupancy = WarningRule.objects.get(code="occupancy_change")
    occupancy.threshold = 25
    occupancy.save()
    absence = WarningRule.objects.get(code="absence_high")
    absence.active = False
    absence.save()
    assert upload_and_check(provider_user, rows).warnings == []


def test_the_pure_check_takes_the_rules_and_last_answers_from_its_context(provider):
    location = LocationFactory(provider=provider)
    fact = bulk_parsing.LocationFact(
        pk=location.pk, cqc_id=location.cqc_id, name=location.name,
        care_types=("care_home",), editable=True,
    )  # fmt: skip
    datasets = bulk.datasets_for(latest_opened_window(IN_WINDOW))
    parsed = bulk_parsing.parse_file(
        csv_bytes([good_row(location, **LOW_OCCUPANCY)]), datasets=datasets
    )
    last = {code: int(value) for code, value in good_row(location).items() if value.isdigit()}
    context = bulk_parsing.CheckContext(
        datasets=datasets,
        locations={location.cqc_id: fact},
        previous={},
        warning_rules=active_rules(),
        latest={(location.pk, "care_home"): last},
    )
    result = bulk_parsing.check_rows(parsed, context)
    [row] = result.good
    assert [w.rule for w in row.warnings] == ["occupancy_change"]
    assert result.counts["warnings"] == 1
    # Without rules in the context (as the parsing tests build it): nothing, and no count.
    bare = bulk_parsing.check_rows(
        parsed, bulk_parsing.CheckContext(datasets=datasets, locations=context.locations, previous={})
    )  # fmt: skip
    assert bare.good[0].warnings == () and "warnings" not in bare.counts


def test_checking_and_saving_warnings_take_the_same_queries_for_5_and_100_rows(
    provider, provider_user, django_assert_max_num_queries
):
    locations = [LocationFactory(provider=provider) for _ in range(106)]
    for location in locations:
        save(location, provider_user)  # every row has a last return to compare with
    small = [good_row(loc, **LOW_OCCUPANCY) for loc in locations[:5]]
    large = [good_row(loc, **LOW_OCCUPANCY) for loc in locations[5:105]]
    upload_and_check(provider_user, [good_row(locations[-1])])  # warm caches (content types)
    active_rules()
    with django_assert_max_num_queries(60) as few:
        checked = upload_and_check(provider_user, small)
        assert bulk.bulk_apply(upload_id=checked.pk, now=IN_WINDOW).status == "applied"
    with django_assert_max_num_queries(60) as many:
        checked = upload_and_check(provider_user, large)
        assert bulk.bulk_apply(upload_id=checked.pk, now=IN_WINDOW).status == "applied"
    assert len(many.captured_queries) == len(few.captured_queries)
    assert checked.counts["warnings"] == 100
    warned = ReturnVersion.objects.filter(source="csv").exclude(warnings=[])
    assert warned.count() == 105
    assert all(v.warnings[0]["rule"] == "occupancy_change" for v in warned)
