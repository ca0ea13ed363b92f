"""The bulk upload preview, location by location (issue 17): each changed figure beside the
location's last figure, the unchanged locations summarised, in a fixed number of queries; no
file hash shown to providers; statuses and times in plain words."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from returns.bulk import save as bulk
from returns.deadlines import LONDON
from returns.models import BulkUpload
from returns.services import windows_ensure_ahead
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
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def change_rows(html: str, caption: str) -> list[tuple[str, str, str]]:
    """The (figure, last return, this file) rows of one location's table."""
    table = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>(.*?)</table>", html, re.S)
    assert table, f"no table {caption!r}"
    return [
        (text_of(a).strip(), text_of(b).strip(), text_of(c).strip())
        for a, b, c in re.findall(
            r'<th scope="row" class="govuk-table__header">(.*?)</th>\s*'
            r'<td class="govuk-table__cell">(.*?)</td>\s*<td class="govuk-table__cell">(.*?)</td>',
            table[1],
            re.S,
        )
    ]


def test_the_preview_lists_what_changes_beside_the_last_figures(provider, provider_user):
    changed, same, gone, new = (
        LocationFactory(provider=provider, name=name) for name in ("Ash", "Birch", "Cedar", "Elm")
    )
    for home in (changed, same, gone):
        save(home, provider_user)
    client = client_for(provider_user)
    rows = [
        good_row(changed, beds_occupied="30", beds_vacant_accepting="9"),
        good_row(same),
        good_row(gone, kind="nil", nil_reason="no_staff"),
        good_row(new),
    ]
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes(rows))
        upload = latest_upload()
        assert upload.status == "ready"
        html = client.get(reverse("bulk:upload", args=[upload.pk])).content.decode()
    assert "What will change" in html
    assert change_rows(html, "Ash (care home)") == [
        ("Beds occupied or used", "35 beds", "30 beds"),
        ("Vacant beds accepting admissions", "4 beds", "9 beds"),
    ]
    assert "Last return (December 2026)" in html
    elm = change_rows(html, "Elm (care home)")
    assert ("Beds occupied or used", "No earlier return", "35 beds") in elm
    assert "Nil return: there are no staff" in text_of(html)
    assert "Birch (care home)" not in re.findall(r"<caption[^>]*>(.*?)</caption>", html)
    assert "1 location with the same figures as its last return" in text_of(html)
    assert "<li>Birch (care home)</li>" in html
    assert "3 locations will have different figures" in text_of(html)


def test_the_check_and_the_preview_cost_the_same_queries_for_many_rows(
    provider, provider_user, django_assert_max_num_queries
):
    homes = [LocationFactory(provider=provider, name=f"Home {n:02}") for n in range(30)]
    for home in homes:
        save(home, provider_user)

    def upload_of(count: int) -> BulkUpload:
        content = csv_bytes(
            good_row(home, beds_occupied=str(30 + n % 5)) for n, home in enumerate(homes[:count])
        )
        return bulk.bulk_upload_create(
            user=provider_user,
            file_name="f.csv",
            content=content,
            on_behalf_reason="",
            now=IN_WINDOW,
        )

    def check_queries(upload: BulkUpload) -> int:
        with CaptureQueriesContext(connection) as captured:
            bulk.bulk_check(upload_id=upload.pk, now=IN_WINDOW)
        return len(captured)

    check_queries(upload_of(1))  # warm up: datasets, rules
    few = check_queries(upload_of(2))
    many = upload_of(30)
    with django_assert_max_num_queries(few):
        bulk.bulk_check(upload_id=many.pk, now=IN_WINDOW)
    many.refresh_from_db()
    assert many.status == "ready"
    assert many.counts["changes"]["changed"] + many.counts["changes"]["unchanged"] == 30

    client = client_for(provider_user)
    small = upload_of(2)
    bulk.bulk_check(upload_id=small.pk, now=IN_WINDOW)
    with frozen(IN_WINDOW):
        client.get(reverse("bulk:upload", args=[small.pk]))  # warm up the session
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("bulk:upload", args=[small.pk]))
        with django_assert_max_num_queries(len(captured)):
            page = client.get(reverse("bulk:upload", args=[many.pk]))
    assert "Home 29 (care home)" in page.content.decode()


def test_no_page_shows_the_files_hash_and_statuses_are_plain_words(provider, provider_user):
    home = LocationFactory(provider=provider, name="Ash")
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(home, beds_occupied="999")]))  # an error
        invalid = latest_upload()
        post_file(client, csv_bytes([good_row(home)]))
        ready = latest_upload()
        pages = [client.get(reverse("bulk:upload", args=[u.pk])) for u in (invalid, ready)]
        client.post(reverse("bulk:confirm", args=[ready.pk]))
        pages.append(client.get(reverse("bulk:upload", args=[ready.pk])))
        pages.append(client.get(reverse("bulk:start")))
    for response in pages:
        html = response.content.decode()
        assert ready.sha256 not in html and invalid.sha256 not in html
        assert "SHA-256" not in html
        assert not re.search(r"\b\d{1,2}:\d{2}\b(?![ap]m)", text_of(html))  # no 24-hour times
    start = pages[-1].content.decode()
    assert ">Saved</strong>" in start and ">Has problems to fix</strong>" in start
    assert "Ready to confirm" not in start and "Has errors" not in start
    applied = text_of(pages[2].content.decode())
    assert "Spreadsheet upload (CSV)" in applied
    assert "Thursday 10 December 2026 at 9pm" in applied


def test_an_excel_workbook_upload_says_so(provider, provider_user):
    from tests.returns.test_bulk_xlsx import workbook_bytes

    home = LocationFactory(provider=provider, name="Ash")
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, workbook_bytes([good_row(home)]), name="returns.xlsx")
        html = client.get(reverse("bulk:upload", args=[latest_upload().pk])).content.decode()
    assert "Spreadsheet upload (Excel)" in html
    assert GOOD_CARE_HOME["beds_occupied"] + " beds" in html  # a first return: every figure
