"""Bulk update by CSV through the pages: template, upload, preview, errors, confirm.

The clock is frozen at the window boundary as in test_portal.py. Shared helpers (the header,
a good row, building a file) are imported by the other test_bulk_* modules.
"""

from __future__ import annotations

import csv
import datetime
import io
import threading
from collections.abc import Iterable, Mapping
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from providers.models import AuditEvent
from returns.bulk import parsing as bulk_parsing
from returns.bulk import save as bulk
from returns.deadlines import LONDON
from returns.models import BulkUpload, CollectionWindow, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.conftest import client_for
from tests.factories import LocationFactory, ProviderUserFactory
from tests.portal_data import ASKED_FROM_2027, GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
AFTER_WINDOW = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=LONDON)
NEXT_WINDOW = datetime.datetime(2027, 1, 11, 9, 0, tzinfo=LONDON)
HOME_CARE_GOOD = {
    "people_receiving_care": "50",
    "staff_direct_care": "20",
    "staff_direct_non_care": "3",
    "staff_agency": "2",
    "staff_absent_covid": "1",
    "vacc_staff_covid_primary": "22",
    "vacc_staff_covid_booster": "8",
    "vacc_staff_flu": "10",
}
HEADER = [  # December 2026's care home template: a campaign month, before the 2027 items
    "location_id",
    "location_name",
    "care_type",
    "return_kind",
    *(code for code in GOOD_CARE_HOME if code not in ASKED_FROM_2027),
    "nil_reason",
    "nil_reason_detail",
]


# --- helpers shared by the bulk tests -------------------------------------------------------


def good_row(location, kind: str = "full", **changes: str) -> dict[str, str]:
    return {
        "location_id": location.cqc_id,
        "location_name": location.name,
        "care_type": "care_home",
        "return_kind": kind,
        **GOOD_CARE_HOME,
        **changes,
    }


def csv_bytes(
    rows: Iterable[Mapping[str, str]],
    header: list[str] | None = None,
    encoding: str = "utf-8-sig",
) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=header or HEADER, lineterminator="\r\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def read_download(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def post_file(client: Client, data: bytes, name: str = "returns.csv", **fields: str):
    return client.post(
        reverse("bulk:start"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields},
    )


def latest_upload() -> BulkUpload:
    return BulkUpload.objects.order_by("-pk").first()


def error_pairs(upload: BulkUpload) -> set[tuple[int | None, str]]:
    return {(e["row"], e["column"]) for e in upload.errors}


def messages_of(upload: BulkUpload) -> str:
    return "\n".join(bulk.CellError(**e).text for e in upload.errors)


def save(location, user, *, now=IN_WINDOW, kind="full", care_type="care_home", **fields):
    return return_save(
        submitter=Submitter.of(user),
        location=location,
        care_type=care_type,
        window=december(),
        kind=kind,
        source="portal",
        now=now,
        answers=fields.pop("answers", GOOD_CARE_HOME if kind == "full" else None),
        **fields,
    )


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


def frozen(instant: datetime.datetime):
    return mock.patch("capacity_tracker.lib.clock.now", return_value=instant)


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


@pytest.fixture
def homes(provider):
    """Three care homes of the provider, in name order."""
    return [LocationFactory(provider=provider, name=f"Home {n}") for n in "ABC"]


# --- the template ---------------------------------------------------------------------------


def test_template_has_a_row_per_location_prefilled_with_the_last_figures(
    provider_user, homes, other_location
):
    save(homes[0], provider_user, answers={**GOOD_CARE_HOME, "beds_occupied": "33"})
    with frozen(IN_WINDOW):
        response = client_for(provider_user).get(reverse("bulk:template", args=["care_home"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_download(response)
    assert [r["location_id"] for r in rows] == [h.cqc_id for h in homes]  # not other_location
    with frozen(IN_WINDOW):
        mine_anyway = client_for(provider_user).get(
            reverse("bulk:template", args=["care_home"]),
            {"provider": other_location.provider.cqc_id},
        )
    assert len(read_download(mine_anyway)) == 3
    assert list(rows[0]) == HEADER  # the header is the first row: no comment lines
    assert rows[0]["beds_occupied"] == "33" and rows[0]["return_kind"] == "full"
    assert rows[1]["beds_occupied"] == "" and rows[1]["return_kind"] == "full"


def test_template_for_both_care_types_and_a_nil_return_last_time(provider, provider_user):
    both = LocationFactory(provider=provider, name="Both", offers_home_care=True)
    save(both, provider_user, kind="nil", nil_reason="no_staff")
    with frozen(IN_WINDOW):
        rows = read_download(client_for(provider_user).get(reverse("bulk:template", args=["all"])))
    assert [(r["care_type"], r["return_kind"], r["nil_reason"]) for r in rows] == [
        ("care_home", "nil", "no_staff"),
        ("home_care", "full", ""),
    ]
    assert "people_receiving_care" in rows[0] and "beds_occupied" in rows[0]


def test_template_only_has_the_locations_a_limited_user_may_update(provider, homes):
    limited = ProviderUserFactory(provider=provider)
    limited.limited_to_locations.set([homes[1]])
    with frozen(IN_WINDOW):
        rows = read_download(client_for(limited).get(reverse("bulk:template", args=["care_home"])))
    assert [r["location_id"] for r in rows] == [homes[1].cqc_id]


def test_template_text_that_looks_like_a_formula_is_escaped_and_comes_back_intact(
    provider_user, homes
):
    answers = {**GOOD_CARE_HOME, "visiting_possible": "no", "visiting_reason": "=HYPERLINK(x)"}
    save(homes[0], provider_user, answers=answers)
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        rows = read_download(client.get(reverse("bulk:template", args=["care_home"])))
        assert rows[0]["visiting_reason"] == "'=HYPERLINK(x)"
        post_file(client, csv_bytes(rows[:1]))
        client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
    assert ReturnVersion.objects.latest("pk").answers["visiting_reason"] == "=HYPERLINK(x)"


def test_the_page_explains_every_column_and_states_the_limits(provider_user, homes):
    with frozen(IN_WINDOW):
        page = client_for(provider_user).get(reverse("bulk:start")).content.decode()
    for column in [*HEADER, "people_receiving_care", "staff_agency"]:
        assert f"<code>{column}</code>" in page
    assert "smaller than 5 MB, with up to 10,000 rows" in page
    assert 'class="govuk-file-upload"' in page and 'enctype="multipart/form-data"' in page
    assert reverse("bulk:template", args=["care_home"]) in page


# --- the whole journey ----------------------------------------------------------------------


def test_download_edit_upload_fix_reupload_confirm_and_every_location_is_updated(
    provider_user, homes
):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        rows = read_download(client.get(reverse("bulk:template", args=["care_home"])))
        for row in rows:
            row.update(GOOD_CARE_HOME)
        rows[1]["beds_occupied"] = "41"  # more than maximum capacity (40)

        checked = post_file(client, csv_bytes(rows))
        assert checked.status_code == 302
        page = client.get(checked.url)
        assert page.status_code == 400
        text = page.content.decode()
        assert "There is a problem" in text
        assert (
            "Row 3, beds_occupied: Occupied beds cannot be more than maximum capacity (40)" in text
        )
        assert not ReturnVersion.objects.exists()

        rows[1]["beds_occupied"] = "35"
        again = post_file(client, csv_bytes(rows))
        preview = client.get(again.url)
        assert preview.status_code == 200
        text = preview.content.decode()
        assert "Check what will be saved" in text and "Save 3 returns" in text
        assert not ReturnVersion.objects.exists()  # nothing until confirmed

        done = client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
        assert done.status_code == 302
        assert "3 returns saved" in client.get(done.url).content.decode()
        dashboard = client.get(reverse("returns:dashboard")).content.decode()
    assert dashboard.count(">Updated<") == 3
    versions = list(ReturnVersion.objects.all())
    assert {v.source for v in versions} == {"csv"}
    assert {v.submitted_by_id for v in versions} == {provider_user.pk}
    assert all(v.in_window and v.number == 1 for v in versions)
    assert all(h.counted_id == h.latest_id for h in Return.objects.all())
    assert AuditEvent.objects.filter(action="returns.return.full").count() == 3
    applied = AuditEvent.objects.get(action="returns.bulk_upload.applied")
    assert applied.data["sha256"] == latest_upload().sha256


def test_dashboard_links_to_the_bulk_update_page(provider_user, homes):
    with frozen(IN_WINDOW):
        page = client_for(provider_user).get(reverse("returns:dashboard")).content.decode()
    assert reverse("bulk:start") in page


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_each_spreadsheet_encoding_is_read(provider_user, homes, encoding):
    detail = "Café closed – £0 income"
    rows = [
        good_row(homes[0], location_name="Café Home"),
        good_row(homes[1], "nil", nil_reason="other", nil_reason_detail=detail),
    ]
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes(rows, encoding=encoding))
        upload = latest_upload()
        assert upload.status == "ready", messages_of(upload)
        client.post(reverse("bulk:confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.encoding == ("cp1252" if encoding == "cp1252" else "utf-8-sig")
    assert ReturnVersion.objects.get(kind="nil").nil_reason_detail == detail


def test_other_encodings_are_refused_with_a_clear_message(provider_user, homes):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(homes[0])], encoding="utf-16"))
        assert "Save it from your spreadsheet as 'CSV UTF-8'" in messages_of(latest_upload())
        # 0x81 and 0x8d are not characters in Windows-1252, and not UTF-8 either.
        post_file(client, csv_bytes([good_row(homes[0])]) + b"\x81\x8d")
        assert "not UTF-8 or Windows-1252" in messages_of(latest_upload())
    assert latest_upload().status == "invalid"
    assert not ReturnVersion.objects.exists()


# --- file-level problems --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "returns.csv", "The selected file is empty"),
        (b"PK\x03\x04", "returns.xls", "The selected file must be a CSV file"),
    ],
)
def test_the_form_refuses_an_empty_file_or_a_spreadsheet(
    provider_user, homes, content, name, message
):
    with frozen(IN_WINDOW):
        response = post_file(client_for(provider_user), content, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'href="#id_file"' in page
    assert not BulkUpload.objects.exists()


def test_no_file_at_all(provider_user):
    with frozen(IN_WINDOW):
        response = client_for(provider_user).post(reverse("bulk:start"), {})
    assert "Select a CSV file" in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(provider_user, homes, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_FILE_BYTES", 100)
    with frozen(IN_WINDOW):
        response = post_file(client_for(provider_user), csv_bytes([good_row(homes[0])]))
    assert "The selected file must be smaller than" in response.content.decode()
    assert not BulkUpload.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b" \r\n\r\n", "The file is empty."),
        (csv_bytes([]), "The file has a header row but no rows of figures"),
        (b"\xef\xbb\xbf" + b'location_id,"unclosed\r\n', "The file is not valid CSV"),
    ],
)
def test_empty_header_only_and_broken_files_get_a_clear_message(
    provider_user, homes, content, message
):
    with frozen(IN_WINDOW):
        post_file(client_for(provider_user), content)
    assert message in messages_of(latest_upload())


def test_more_rows_than_the_limit_is_refused(provider_user, homes, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ROWS", 2)
    with frozen(IN_WINDOW):
        post_file(client_for(provider_user), csv_bytes([good_row(h) for h in homes]))
    assert "The file has more than 2 rows. Split it and try again." in messages_of(latest_upload())


def test_header_problems_are_named(provider_user, homes):
    client = client_for(provider_user)
    header = [h for h in HEADER if h != "return_kind"] + ["notes", "beds_occupied"]
    row = {**good_row(homes[0]), "notes": "x"}
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([row], header=header))
        text = messages_of(latest_upload())
        assert "The file is missing the return_kind column" in text
        assert "we do not recognise: notes" in text
        assert "The column beds_occupied appears more than once (columns E and AC)" in text

        header = [h for h in HEADER if h not in ("beds_occupied", "visiting_reason")]
        post_file(client, csv_bytes([good_row(homes[0])], header=header))
        assert (
            "The file has full care home returns but no beds_occupied and visiting_reason columns"
            in messages_of(latest_upload())
        )

        post_file(client, b"1-1000000011,Meadowbank,care_home\r\n1-2,x,y\r\n")
        assert "The first row of the file must be the header row" in messages_of(latest_upload())
    assert not ReturnVersion.objects.exists()


def test_headings_are_matched_loosely(provider_user, homes):
    header = ["Location ID", "Care type", "Return-Kind", *HEADER[4:-2]]
    row = {"Location ID": homes[0].cqc_id, "Care type": "Care home", "Return-Kind": "FULL"}
    with frozen(IN_WINDOW):
        post_file(client_for(provider_user), csv_bytes([{**row, **GOOD_CARE_HOME}], header=header))
    assert latest_upload().status == "ready", messages_of(latest_upload())


# --- row problems ---------------------------------------------------------------------------


def test_every_kind_of_row_problem_is_reported_with_its_row_and_column(
    provider, provider_user, homes, other_location
):
    more = [LocationFactory(provider=provider) for _ in range(8)]
    home_care = LocationFactory(provider=provider, offers_home_care=True, offers_care_home=False)
    home_care_only = ["people_receiving_care", "staff_agency", "staff_absent_covid"]
    header = [*HEADER[:-2], *home_care_only, *HEADER[-2:], ""]
    rows = [
        good_row(homes[0]),  # row 2: fine
        good_row(homes[0]),  # row 3: the same location and care type again
        good_row(other_location),  # 4: another provider's
        good_row(homes[1], location_id="1-9999999999"),  # 5: no such location
        good_row(homes[1], location_id=""),  # 6
        good_row(more[0], care_type="home_care"),  # 7: not offered there
        good_row(more[1], care_type="hospital"),  # 8
        good_row(more[2], return_kind="maybe"),  # 9
        good_row(more[3], "nil"),  # 10: no reason
        good_row(more[4], "nil", nil_reason="other"),  # 11: no detail
        good_row(more[5], "unchanged"),  # 12: nothing to copy
        {  # 13: a care home figure on a home care row
            "location_id": home_care.cqc_id,
            "care_type": "home_care",
            "return_kind": "full",
            **HOME_CARE_GOOD,
            "beds_occupied": "3",
        },
        good_row(more[6], beds_occupied="forty", staff_direct_care="-1"),  # 14
        {**good_row(more[7]), "": "stray"},  # 15: data under no heading
    ]
    with frozen(IN_WINDOW):
        post_file(client_for(provider_user), csv_bytes(rows, header=header))
    upload = latest_upload()
    assert upload.status == "invalid"
    found = {(e["row"], e["column"]): e["message"] for e in upload.errors}
    expected = {
        (3, "location_id"): "is already in row 2",
        (4, "location_id"): "your account does not give you access to it",
        (5, "location_id"): "There is no location with the ID 1-9999999999",
        (6, "location_id"): "Enter the location ID",
        (7, "care_type"): "does not offer home care services",
        (8, "care_type"): "Enter the care type: care_home or home_care",
        (9, "return_kind"): "Enter the return kind: full, unchanged or nil",
        (10, "nil_reason"): "no_service_users, no_staff, not_regulated_asc or other",
        (11, "nil_reason_detail"): "Enter the reason for the nil return",
        (12, "return_kind"): "There are no earlier figures to confirm",
        (13, "beds_occupied"): "Leave this empty: it is not asked for home care",
        (14, "beds_occupied"): "Beds occupied or used must be a whole number, like 12",
        (14, "staff_direct_care"): "Directly employed care-providing staff must be 0 or more",
        (15, f"column {bulk.column_letter(len(header) - 1)}"): "This column has no heading",
    }
    for where, fragment in expected.items():
        assert fragment in found.get(where, ""), (where, found.get(where))
    assert set(found) == set(expected)
    assert upload.error_count == len(expected)
    assert not Return.objects.exists() and not ReturnVersion.objects.exists()


def test_unchanged_row_with_a_different_figure_is_an_error(provider_user, homes):
    save(homes[0], provider_user)
    with frozen(IN_WINDOW):
        post_file(
            client_for(provider_user),
            csv_bytes([good_row(homes[0], "unchanged", beds_occupied="30")]),
        )
    assert (
        "Row 2, beds_occupied: This is different from your last figures (35). To send new "
        "figures, set return_kind to full." in messages_of(latest_upload())
    )


def test_nil_row_figures_are_ignored_and_nil_reason_may_be_the_label(provider_user, homes):
    rows = [good_row(homes[0], "nil", nil_reason="There are no staff", beds_occupied="999")]
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes(rows))
        client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
    version = ReturnVersion.objects.get()
    assert (version.kind, version.nil_reason, version.answers) == ("nil", "no_staff", {})


def test_the_errors_download_as_csv(provider_user, homes):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(homes[0], beds_occupied="41")]))
        response = client.get(reverse("bulk:errors", args=[latest_upload().pk]))
    assert read_download(response) == [
        {
            "row": "2",
            "column": "beds_occupied",
            "problem": "Occupied beds cannot be more than maximum capacity (40)",
        }
    ]


def test_a_file_with_thousands_of_errors_keeps_the_first_ones_and_counts_all(
    provider_user, homes, monkeypatch
):
    monkeypatch.setattr(bulk, "MAX_STORED_ERRORS", 3)
    rows = [good_row(homes[0], location_id=f"1-{n}") for n in range(10)]
    with frozen(IN_WINDOW):
        client = client_for(provider_user)
        post_file(client, csv_bytes(rows))
        page = client.get(reverse("bulk:upload", args=[latest_upload().pk])).content.decode()
    assert (latest_upload().error_count, len(latest_upload().errors)) == (10, 3)
    assert "We found 10 problems" in page and "The first 3 of 10 problems" in page


# --- saving ---------------------------------------------------------------------------------


def test_versions_continue_the_numbering_and_unchanged_copies_the_last_figures(
    provider_user, homes
):
    save(homes[0], provider_user)
    save(homes[0], provider_user, answers={**GOOD_CARE_HOME, "beds_occupied": "30"})
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(homes[0], "unchanged", beds_occupied="")]))
        page = client.get(reverse("bulk:upload", args=[latest_upload().pk])).content.decode()
        assert "Already sent for December 2026" in page
        client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
    head = Return.objects.get()
    version = head.latest
    assert (head.version_count, version.number, version.kind) == (3, 3, "unchanged")
    assert version.answers["beds_occupied"] == 30
    assert head.counted_id == version.pk


def test_unchanged_copies_figures_saved_between_the_preview_and_the_confirm(provider_user, homes):
    save(homes[0], provider_user)
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(homes[0], "unchanged", beds_occupied="")]))
        save(homes[0], provider_user, answers={**GOOD_CARE_HOME, "beds_occupied": "29"})
        client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
    latest = Return.objects.get().latest
    assert (latest.number, latest.answers["beds_occupied"]) == (3, 29)


def test_a_failure_on_the_last_row_at_confirm_saves_nothing(provider, provider_user, homes):
    """Access to the last row's location is removed between the preview and the confirm."""
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(h) for h in homes]))
        assert latest_upload().status == "ready"
        provider_user.limited_to_locations.set(homes[:2])
        response = client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
        page = client.get(response.url)
    assert page.status_code == 400
    assert f"Row 4, location_id: You cannot update {homes[2].cqc_id}" in page.content.decode()
    assert not Return.objects.exists() and not ReturnVersion.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="returns.return.").exists()


def test_a_database_failure_while_saving_saves_nothing(provider_user, homes):
    save(homes[0], provider_user)
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(h) for h in homes]))
        calls = []

        def fail_on_last_kind(**kwargs):
            calls.append(kwargs["action"])
            if kwargs["action"] == "returns.return.nil":  # the last batch written
                raise RuntimeError("database went away")
            return 0

        with (
            mock.patch("returns.submission.audit_record_many", side_effect=fail_on_last_kind),
            pytest.raises(RuntimeError),
        ):
            bulk.bulk_apply(upload_id=latest_upload().pk, now=IN_WINDOW)
    assert calls[-1] == "returns.return.nil"
    assert ReturnVersion.objects.count() == 1  # only the portal save from before
    assert Return.objects.count() == 1 and Return.objects.get().version_count == 1
    assert latest_upload().status == "ready"  # can be tried again


def test_confirming_twice_saves_once(provider_user, homes):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(homes[0])]))
        upload = latest_upload()
        client.post(reverse("bulk:confirm", args=[upload.pk]))
        client.post(reverse("bulk:confirm", args=[upload.pk]))
        assert bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW).status == "applied"
    assert ReturnVersion.objects.count() == 1


def test_a_file_with_errors_cannot_be_confirmed(provider_user, homes):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(homes[0]), good_row(homes[1], beds_occupied="")]))
        upload = latest_upload()
        page = client.get(reverse("bulk:upload", args=[upload.pk])).content.decode()
        assert reverse("bulk:confirm", args=[upload.pk]) not in page
        client.post(reverse("bulk:confirm", args=[upload.pk]))
        with pytest.raises(bulk.BulkNotReady):
            bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW)
    assert not ReturnVersion.objects.exists() and not Return.objects.exists()


def test_after_the_window_the_page_says_so_and_returns_are_kept_but_not_counted(
    provider_user, homes
):
    client = client_for(provider_user)
    with frozen(AFTER_WINDOW):
        start = client.get(reverse("bulk:start")).content.decode()
        assert "will not count as sent on time for December 2026" in start
        post_file(client, csv_bytes([good_row(homes[0])]))
        preview = client.get(reverse("bulk:upload", args=[latest_upload().pk])).content.decode()
        assert "will not count as sent on time for December 2026" in preview
        done = client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
        assert "do not count as sent on time" in client.get(done.url).content.decode()
    head = Return.objects.get()
    assert head.latest.in_window is False and head.counted is None


def test_a_file_checked_for_last_month_cannot_be_saved_into_the_new_one(provider_user, homes):
    client = client_for(provider_user)
    with frozen(AFTER_WINDOW):
        post_file(client, csv_bytes([good_row(homes[0])]))
    with frozen(NEXT_WINDOW):
        client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
    assert "The collection for January 2027 has opened since you uploaded" in messages_of(
        latest_upload()
    )
    assert not ReturnVersion.objects.exists()


# --- who may do what ------------------------------------------------------------------------


def test_caseworkers_analysts_and_unapproved_users_cannot_use_bulk_update(
    caseworker, analyst, provider
):
    waiting = ProviderUserFactory(provider=provider, approved_at=None)
    for user in (caseworker, analyst, waiting):
        assert client_for(user).get(reverse("bulk:start")).status_code == 403
    assert Client().get(reverse("bulk:start")).status_code == 302  # to sign in


def test_a_provider_user_never_sees_another_providers_upload(provider_user, homes, other_provider):
    stranger = ProviderUserFactory(provider=other_provider)
    with frozen(IN_WINDOW):
        post_file(client_for(provider_user), csv_bytes([good_row(homes[0])]))
        upload = latest_upload()
        client = client_for(stranger)
        for name in ("bulk:upload", "bulk:progress", "bulk:errors"):
            assert client.get(reverse(name, args=[upload.pk])).status_code == 404
        assert client.post(reverse("bulk:confirm", args=[upload.pk])).status_code == 404
        assert upload.file_name not in client.get(reverse("bulk:start")).content.decode()
    assert not ReturnVersion.objects.exists()


def test_a_colleagues_upload_is_not_visible_either(provider, provider_user, homes):
    colleague = ProviderUserFactory(provider=provider)
    with frozen(IN_WINDOW):
        post_file(client_for(provider_user), csv_bytes([good_row(homes[0])]))
        response = client_for(colleague).get(reverse("bulk:upload", args=[latest_upload().pk]))
    assert response.status_code == 404


def test_support_staff_give_a_reason_and_save_as_csv_with_it(support_user, homes, provider):
    client = client_for(support_user)
    with frozen(IN_WINDOW):
        start = client.get(reverse("bulk:start"), {"provider": provider.cqc_id}).content.decode()
        assert f"?provider={provider.cqc_id}" in start
        template = client.get(
            reverse("bulk:template", args=["care_home"]), {"provider": provider.cqc_id}
        )
        assert len(read_download(template)) == 3
        assert client.get(reverse("bulk:template", args=["care_home"])).status_code == 404

        refused = post_file(client, csv_bytes([good_row(homes[0])]))
        assert "Enter why you are updating these returns for the provider" in (
            refused.content.decode()
        )
        post_file(client, csv_bytes([good_row(homes[0])]), on_behalf_reason="Phoned the helpline")
        client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
    version = ReturnVersion.objects.get()
    assert (version.source, version.on_behalf_reason) == ("csv", "Phoned the helpline")
    assert latest_upload().provider is None
    audit = AuditEvent.objects.get(action="returns.return.full")
    assert audit.reason == "Phoned the helpline"


def test_support_staff_see_a_providers_upload_but_only_its_uploader_confirms_it(
    support_user, provider_user, homes
):
    with frozen(IN_WINDOW):
        post_file(client_for(provider_user), csv_bytes([good_row(homes[0])]))
        client = client_for(support_user)
        page = client.get(reverse("bulk:upload", args=[latest_upload().pk])).content.decode()
        assert "Only" in page and "can save it" in page
        assert client.post(reverse("bulk:confirm", args=[latest_upload().pk])).status_code == 403
    assert not ReturnVersion.objects.exists()


def test_support_gets_a_clear_message_for_an_unknown_provider(support_user):
    with frozen(IN_WINDOW):
        page = client_for(support_user).get(reverse("bulk:start"), {"provider": "1-000000000"})
    assert "There is no provider with that ID" in page.content.decode()


def test_confirm_needs_a_csrf_token_and_a_post(provider_user, homes):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_user)
    with frozen(IN_WINDOW):
        upload = bulk.bulk_upload_create(
            user=provider_user,
            file_name="a.csv",
            content=csv_bytes([good_row(homes[0])]),
            on_behalf_reason="",
            now=IN_WINDOW,
        )
        bulk.bulk_check(upload_id=upload.pk, now=IN_WINDOW)
        assert client.post(reverse("bulk:confirm", args=[upload.pk])).status_code == 403
        assert client.get(reverse("bulk:confirm", args=[upload.pk])).status_code == 405
    assert not ReturnVersion.objects.exists()


# --- the same file twice --------------------------------------------------------------------


def test_uploading_the_same_file_twice_is_detected_and_shown(provider, provider_user, homes):
    data = csv_bytes([good_row(homes[0])])
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, data, "first.csv")
        first = latest_upload()
        assert (
            "This is the same file"
            not in client.get(reverse("bulk:upload", args=[first.pk])).content.decode()
        )
        client.post(reverse("bulk:confirm", args=[first.pk]))
        post_file(client_for(ProviderUserFactory(provider=provider)), data, "copy.csv")
        second = latest_upload()
        assert second.sha256 == first.sha256
        colleague = client_for(second.uploaded_by)
        page = colleague.get(reverse("bulk:upload", args=[second.pk])).content.decode()
    assert "This is the same file as one" in page and provider_user.get_full_name() in page
    assert "which was saved for December 2026" in page
    assert "Saving it again adds another copy of the same returns" in page


# --- the worker path ------------------------------------------------------------------------


@pytest.fixture
def eager(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(bulk, "INLINE_MAX_ROWS", 2)


def test_a_big_file_is_checked_and_saved_by_the_worker(
    provider_user, homes, eager, django_capture_on_commit_callbacks
):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = post_file(client, csv_bytes([good_row(h) for h in homes]))
        upload = latest_upload()
        assert upload.status == "checking" and len(queued) == 1
        page = client.get(response.url).content.decode()
        assert "Checking your file" in page and ">Refresh</a>" in page
        assert "js/bulk-progress.js" in page and "<script>" not in page
        assert client.get(reverse("bulk:progress", args=[upload.pk])).json() == {
            "status": "checking",
            "in_progress": True,
            "rows_checked": 0,
            "rows_total": 4,  # an estimate (lines) until the worker counts them
        }
        queued[0]()  # the worker runs the check (eager)
        progress = client.get(reverse("bulk:progress", args=[upload.pk])).json()
        assert progress == {
            "status": "ready",
            "in_progress": False,
            "rows_checked": 3,
            "rows_total": 3,
        }
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("bulk:confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == "applied" and ReturnVersion.objects.count() == 3


def test_the_task_reports_progress_while_checking(provider_user, homes, monkeypatch):
    """Each progress update commits on its own, so the page sees rows checked go up."""
    from returns.bulk.tasks import process_bulk_upload

    monkeypatch.setattr(bulk_parsing, "PROGRESS_EVERY", 1)
    with frozen(IN_WINDOW):
        upload = bulk.bulk_upload_create(
            user=provider_user,
            file_name="a.csv",
            content=csv_bytes([good_row(h) for h in homes]),
            on_behalf_reason="",
            now=IN_WINDOW,
        )
        seen = []
        check_row = bulk_parsing._check_row

        def spy(*args):
            seen.append(
                BulkUpload.objects.values_list("rows_checked", "rows_total").get(pk=upload.pk)
            )
            return check_row(*args)

        with mock.patch("returns.bulk.parsing._check_row", side_effect=spy):
            assert process_bulk_upload(upload.pk, "check") == "ready"
    assert seen == [(0, 3), (1, 3), (2, 3)]


def test_a_crash_in_the_worker_marks_the_upload_failed_and_is_raised(provider_user, homes):
    from returns.bulk.tasks import run_step

    with frozen(IN_WINDOW):
        upload = bulk.bulk_upload_create(
            user=provider_user,
            file_name="a.csv",
            content=csv_bytes([good_row(homes[0])]),
            on_behalf_reason="",
            now=IN_WINDOW,
        )
        with (
            mock.patch("returns.bulk.tasks.bulk_check", side_effect=RuntimeError("bug")),
            pytest.raises(RuntimeError),
        ):
            run_step(upload.pk, "check")
        upload.refresh_from_db()
        assert upload.status == "failed"
        page = client_for(provider_user).get(reverse("bulk:upload", args=[upload.pk]))
    assert "Something went wrong on our side and nothing was saved" in page.content.decode()


def test_a_redelivered_task_does_nothing_twice(provider_user, homes):
    from returns.bulk.tasks import run_step

    with frozen(IN_WINDOW):
        upload = bulk.bulk_upload_create(
            user=provider_user,
            file_name="a.csv",
            content=csv_bytes([good_row(homes[0])]),
            on_behalf_reason="",
            now=IN_WINDOW,
        )
        assert run_step(upload.pk, "check") == "ready"
        assert run_step(upload.pk, "check") == "ready"
        assert bulk.bulk_mark_applying(upload_id=upload.pk)
        assert not bulk.bulk_mark_applying(upload_id=upload.pk)  # a double click
        assert run_step(upload.pk, "apply") == "applied"
        assert run_step(upload.pk, "apply") == "applied"
    assert ReturnVersion.objects.count() == 1


# --- queries --------------------------------------------------------------------------------


def _check_and_apply(user, rows) -> BulkUpload:
    upload = bulk.bulk_upload_create(
        user=user, file_name="q.csv", content=csv_bytes(rows), on_behalf_reason="", now=IN_WINDOW
    )
    bulk.bulk_check(upload_id=upload.pk, now=IN_WINDOW)
    return bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW)


def test_checking_and_saving_take_the_same_queries_for_5_and_200_rows(
    provider, provider_user, django_assert_max_num_queries
):
    locations = [LocationFactory(provider=provider) for _ in range(205)]
    for location in locations[:3]:
        save(location, provider_user)
    small = [good_row(loc) for loc in locations[:5]]
    small[1]["return_kind"] = "unchanged"
    small[2].update(return_kind="nil", nil_reason="no_staff")
    large = [good_row(loc) for loc in locations[5:]]
    large[0]["return_kind"] = "nil"
    large[0]["nil_reason"] = "no_staff"
    _check_and_apply(provider_user, [good_row(locations[-1])])  # warm caches (content types)
    with django_assert_max_num_queries(60) as few:
        assert _check_and_apply(provider_user, small).status == "applied"
    save(locations[10], provider_user)
    large[5]["return_kind"] = "unchanged"
    with django_assert_max_num_queries(60) as many:
        assert _check_and_apply(provider_user, large).status == "applied"
    assert len(many.captured_queries) == len(few.captured_queries)
    assert ReturnVersion.objects.filter(source="csv").count() == 1 + 5 + 200


# --- concurrency ----------------------------------------------------------------------------


# serialized_rollback: put back the migrations' reference data after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_save_and_a_portal_save_at_once_never_lose_an_update(provider_user, homes):
    from django.db import connection

    save(homes[0], provider_user)
    upload = bulk.bulk_upload_create(
        user=provider_user,
        file_name="a.csv",
        content=csv_bytes([good_row(h) for h in homes]),
        on_behalf_reason="",
        now=IN_WINDOW,
    )
    bulk.bulk_check(upload_id=upload.pk, now=IN_WINDOW)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(work) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=(lambda: bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW),)
        ),
        threading.Thread(target=run, args=(lambda: save(homes[0], provider_user),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    head = Return.objects.get(location=homes[0])
    numbers = sorted(head.versions.values_list("number", flat=True))
    assert numbers == [1, 2, 3] and head.version_count == 3
    assert head.latest.number == 3 and head.counted_id == head.latest_id
    assert ReturnVersion.objects.filter(source="csv").count() == 3


def test_support_staff_see_uploads_in_admin_read_only(support_user, provider_user, homes):
    with frozen(IN_WINDOW):
        post_file(client_for(provider_user), csv_bytes([good_row(homes[0])]), "meadow.csv")
    client = client_for(support_user)
    listing = client.get(reverse("admin:returns_bulkupload_changelist"))
    assert listing.status_code == 200 and "meadow.csv" in listing.content.decode()
    detail = client.get(reverse("admin:returns_bulkupload_change", args=[latest_upload().pk]))
    assert detail.status_code == 200 and latest_upload().sha256 in detail.content.decode()
    assert client.get(reverse("admin:returns_bulkupload_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:returns_bulkupload_delete", args=[latest_upload().pk])
        ).status_code
        == 403
    )
