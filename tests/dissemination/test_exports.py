"""Exports: the files say what the selectors say, stream, neutralise formulas, are registered,
and hold only what the person may have. World: ``aggregates_world`` on 20 July 2026."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from dissemination.models import DisclosureRecord
from dissemination.selectors import (
    AT_RISK_COLUMNS,
    RELEASE_COLUMNS,
    Level,
    Scope,
    aggregate,
    aggregate_columns,
    at_risk,
    compliance,
)
from providers.models import LocalAuthority
from tests.conftest import client_for
from tests.dissemination.aggregates_world import FIG_A, World, build_world, save
from tests.dissemination.pages_support import (
    PURPOSE,
    export,
    frozen_clock,
    la_user,
    read_csv,
    read_xlsx,
)
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with frozen_clock():
        yield


@pytest.fixture
def world() -> World:
    return build_world()


def text(value: object) -> str:
    """A selector value as the CSV writes it."""
    return "" if value is None else str(value)


# --- Aggregates: the same numbers as the selectors ------------------------------------------------


def test_a_region_csv_is_the_selectors_rows_streamed_with_a_bom_and_stable_headers(world):
    response = export(client_for(AnalystFactory()), from_period="2026-05", to_period="2026-07")
    assert isinstance(response, StreamingHttpResponse)
    content = response.streaming_content
    assert isinstance(content, Iterator) and iter(content) is content
    # Nothing is read before it is sent: after the first chunk (the BOM) the register still
    # waits for the row count, which the stream writes when it ends.
    assert next(content) == "\ufeff".encode()
    assert DisclosureRecord.objects.get().status == DisclosureRecord.Status.STARTED
    response = export(client_for(AnalystFactory()), from_period="2026-05", to_period="2026-07")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "care_home-region-2026-05-to-2026-07.csv" in response["Content-Disposition"]
    rows = read_csv(response)
    expected = aggregate(windows=world.windows, level=Level.REGION, care_type="care_home")
    assert list(rows[0]) == [column.name for column in aggregate_columns("care_home")]
    assert rows == [{k: text(v) for k, v in row.as_dict().items()} for row in expected]
    yorkshire_july = next(
        r for r in rows if r["period"] == "2026-07" and r["area_name"] == "Yorkshire and The Humber"
    )
    assert (yorkshire_july["locations_owing"], yorkshire_july["returned"]) == ("6", "5")
    assert yorkshire_july["occupancy_rate_numerator"] == "115"
    assert yorkshire_july["occupancy_rate_denominator"] == "140"


def test_the_xlsx_has_the_same_header_and_rows_as_the_csv(world):
    client = client_for(AnalystFactory())
    csv_rows = read_csv(export(client, level="local_authority"))
    response = export(client, level="local_authority", file_format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, rows = read_xlsx(response)
    assert header == list(csv_rows[0])
    assert len(rows) == len(csv_rows)
    for cells, csv_row in zip(rows, csv_rows, strict=True):
        for cell, written in zip(cells, csv_row.values(), strict=True):
            if isinstance(cell, int | float):
                assert float(written) == pytest.approx(cell, rel=1e-12)
            else:
                assert text(cell) == written
    leeds = dict(zip(header, rows[[r["area_name"] for r in csv_rows].index("Leeds")], strict=True))
    assert (leeds["locations_owing"], leeds["compliance_rate"]) == (4, 1)  # numbers, not text


def test_each_download_is_registered_once_with_its_rows_and_purpose(world):
    analyst = AnalystFactory()
    client = client_for(analyst)
    rows = read_csv(export(client, level="location", from_period="2026-06", to_period="2026-07"))
    export(client, level="england", file_format="xlsx")
    csv_record, xlsx_record = DisclosureRecord.objects.order_by("pk")
    assert (csv_record.user, csv_record.kind, csv_record.file_format) == (
        analyst,
        "aggregates",
        "csv",
    )
    assert csv_record.row_count == len(rows) == 14  # June 7 + July 7 care homes owing
    assert csv_record.status == DisclosureRecord.Status.COMPLETE
    assert csv_record.purpose == PURPOSE
    assert csv_record.parameters["windows"] == ["2026-06", "2026-07"]
    assert csv_record.parameters["level"] == "location"
    assert (xlsx_record.file_format, xlsx_record.row_count) == ("xlsx", 1)

    support = SupportUserFactory()  # a plain support officer, not a superuser
    assert not support.is_superuser
    listing = client_for(support).get(reverse("admin:dissemination_disclosurerecord_changelist"))
    assert listing.status_code == 200
    detail = client_for(support).get(
        reverse("admin:dissemination_disclosurerecord_change", args=[csv_record.pk])
    )
    assert PURPOSE in detail.content.decode()


def test_a_download_without_a_purpose_is_refused_and_not_registered(world):
    response = export(client_for(AnalystFactory()), purpose="   ")
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "There is a problem" in html and '<a href="#id_purpose">Enter what the data is for' in html
    )
    assert not DisclosureRecord.objects.exists()


def test_a_get_of_the_exports_page_prefills_and_writes_nothing(world):
    client = client_for(AnalystFactory())
    html = client.get(
        reverse("dissemination:exports"), {"level": "local_authority", "to_period": "2026-06"}
    ).content.decode()
    assert 'value="local_authority" checked' in html
    assert '<option value="2026-06" selected>June 2026</option>' in html
    assert not DisclosureRecord.objects.exists()


def test_the_last_month_cannot_come_before_the_first(world):
    response = export(client_for(AnalystFactory()), from_period="2026-07", to_period="2026-05")
    assert response.status_code == 400
    assert '<a href="#id_to_period">' in response.content.decode()


# --- Formula neutralisation, end to end -----------------------------------------------------------


def test_a_provider_named_like_a_formula_comes_out_as_text_in_csv_and_xlsx(world):
    evil = '=HYPERLINK("http://evil.example","Click")'
    location = LocationFactory(
        provider=ProviderFactory(name=evil), name="+SUM(A1:A9)", local_authority=world.leeds
    )
    save(location, "care_home", world.july, answers=FIG_A)
    client = client_for(AnalystFactory())
    rows = read_csv(export(client, level="location"))
    mine = next(r for r in rows if r["area_code"] == location.cqc_id)
    assert mine["provider_name"] == "'" + evil
    assert mine["area_name"] == "'+SUM(A1:A9)"
    header, cells = read_xlsx(export(client, level="location", file_format="xlsx"))
    row = next(dict(zip(header, c, strict=True)) for c in cells if c[2] == location.cqc_id)
    assert row["provider_name"] == "'" + evil
    assert row["area_name"] == "'+SUM(A1:A9)"
    assert row["beds_occupied"] == 35  # numbers stay numbers


# --- Location level and local authority users -----------------------------------------------------


def test_council_users_get_their_own_locations_and_their_area_total_only(world):
    for council, names in [(world.leeds, {"A", "B", "H", "J"}), (world.bradford, {"C", "D"})]:
        client = client_for(la_user(council))
        rows = read_csv(export(client, level="location"))
        assert {r["area_name"][0] for r in rows} == names
        assert {r["local_authority_name"] for r in rows} == {council.name}
        [total] = read_csv(export(client, level="england"))
        assert (total["level"], total["area_code"]) == ("area_total", "")
        assert total["area_name"] == f"Total for {council.name}"
        assert total["locations_owing"] == str(len(names))


def test_council_users_are_not_offered_regions_and_cannot_ask_for_one(world):
    client = client_for(la_user(world.leeds))
    html = client.get(reverse("dissemination:exports")).content.decode()
    assert 'value="region"' not in html and "Your area&#x27;s total" in html
    assert export(client, level="region").status_code == 400
    assert not DisclosureRecord.objects.exists()


def test_every_role_as_itself_on_the_export(world):
    assert export(client_for(ProviderUserFactory())).status_code == 403
    assert export(client_for(CaseworkerFactory())).status_code == 403
    from django.test import Client

    anonymous = export(Client())
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for user in (AnalystFactory(), SupportUserFactory()):
        # Support staff have location-level rows too: they see every return in admin anyway.
        assert len(read_csv(export(client_for(user), level="location"))) == 7
    assert DisclosureRecord.objects.count() == 2


# --- The publishable variant ----------------------------------------------------------------------


def test_publishable_hides_small_areas_and_their_partners_marked_c(world, settings):
    settings.DISCLOSURE_MIN_LOCATIONS = 5
    client = client_for(AnalystFactory())
    regions = read_csv(export(client, publishable="on"))
    # July care homes: North West owes 1 (primary), so Yorkshire (6) is hidden with it: else
    # England (7) minus Yorkshire would give the North West away.
    assert [r["area_name"] for r in regions] == ["North West", "Yorkshire and The Humber"]
    for row in regions:
        for column in ("locations_owing", "returned", "missing", "compliance_rate"):
            assert row[column] == "[c]", (row["area_name"], column)
        assert row["beds_occupied"] == row["occupancy_rate"] == "[c]"
    [england] = read_csv(export(client, publishable="on", level="england"))
    assert (england["locations_owing"], england["returned"], england["missing"]) == ("7", "5", "2")
    assert england["compliance_rate"] == str(5 / 7)
    # Only 4 returns (A, B, H, J) built England's figures: fewer than 5, so they are hidden
    # while the counts, built from the 7 owing locations, are not.
    assert england["beds_occupied"] == england["occupancy_rate_numerator"] == "[c]"
    assert england["provider_code"] == ""
    record = DisclosureRecord.objects.order_by("pk").first()
    assert (record.kind, record.parameters["publishable"]) == ("aggregates_publishable", True)


def test_no_hidden_count_can_be_worked_out_by_subtraction_across_the_levels(world, settings):
    settings.DISCLOSURE_MIN_LOCATIONS = 3
    # More councils, so that the pattern has choices to make: Wakefield (Yorkshire, 3 homes)
    # and Bolton (North West, 1 home).
    provider = ProviderFactory()
    for ons_code, homes in (("E08000036", 3), ("E08000001", 1)):
        council = LocalAuthority.objects.get(ons_code=ons_code)
        for _ in range(homes):
            save(
                LocationFactory(provider=provider, local_authority=council),
                "care_home",
                world.july,
                answers=FIG_A,
            )
    client = client_for(AnalystFactory())
    rows = {
        level: read_csv(export(client, publishable="on", level=level))
        for level in ("england", "region", "local_authority")
    }
    [england] = rows["england"]
    for column in ("locations_owing", "returned", "missing", "beds_occupied"):
        regions = [r[column] for r in rows["region"]]
        groups = [[england[column], *regions]]
        for region in rows["region"]:
            members = [
                r for r in rows["local_authority"] if r["region_code"] == region["area_code"]
            ]
            groups.append([region[column], *(m[column] for m in members)])
        for group in groups:
            # One hidden cell in a group would be its total minus the others.
            assert [cell == "[c]" for cell in group].count(True) != 1, (column, group)
        hidden = [r for r in rows["local_authority"] if r[column] == "[c]"]
        assert hidden, column  # Bradford, Manchester and Bolton are all small


def test_publishable_figures_follow_the_setting(world, settings):
    settings.DISCLOSURE_MIN_LOCATIONS = 1
    rows = read_csv(export(client_for(AnalystFactory()), publishable="on", level="local_authority"))
    leeds = next(r for r in rows if r["area_name"] == "Leeds")
    assert (leeds["locations_owing"], leeds["beds_occupied"]) == ("4", "115")
    assert leeds["occupancy_rate"] == str(115 / 140)
    assert leeds["vacc_staff_flu"] == "[x]"  # not asked in July: not available
    manchester = next(r for r in rows if r["area_name"] == "Manchester")
    # E owes and sent nothing: its count is published, but no return built a figure.
    assert manchester["locations_owing"] == "1"
    assert manchester["beds_occupied"] == "[c]"


def test_location_level_is_never_publishable(world):
    response = export(client_for(AnalystFactory()), publishable="on", level="location")
    assert response.status_code == 400
    assert '<a href="#id_publishable">Location-level data cannot be published' in (
        response.content.decode()
    )
    assert not DisclosureRecord.objects.exists()


def test_a_council_users_publishable_rows_are_their_councils_cut_from_the_national_table(
    world, settings
):
    settings.DISCLOSURE_MIN_LOCATIONS = 3
    client = client_for(la_user(world.leeds))
    [leeds] = read_csv(export(client, publishable="on", level="local_authority"))
    assert leeds["area_name"] == "Leeds"
    national = read_csv(
        export(client_for(AnalystFactory()), publishable="on", level="local_authority")
    )
    by_name = {row["area_name"]: row for row in national}
    assert leeds == by_name["Leeds"]  # the same cells as the national table
    # Bradford (2 owing) and Manchester (1) are hidden; Leeds (4) is shown, and Bradford
    # cannot be worked out: Yorkshire is hidden too, and England (7) - Leeds (4) only gives
    # Bradford + Manchester = 3.
    assert leeds["locations_owing"] == "4"
    assert by_name["Bradford"]["locations_owing"] == by_name["Manchester"]["locations_owing"]
    assert by_name["Bradford"]["locations_owing"] == "[c]"
    regions = read_csv(export(client_for(AnalystFactory()), publishable="on"))
    assert {row["locations_owing"] for row in regions} == {"[c]"}
    assert export(client, publishable="on", level="england").status_code == 400


# --- The compliance release and the at-risk list --------------------------------------------------


def release(client, name: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"file_format": "csv", "purpose": PURPOSE, **fields}
    return client.post(reverse(f"dissemination:{name}"), data)


def test_the_compliance_csv_is_the_selectors_rows_for_the_filters(world):
    client = client_for(CaseworkerFactory())
    response = release(
        client, "compliance", from_period="2026-05", to_period="2026-07", care_type="care_home"
    )
    rows = read_csv(response)
    expected = compliance(windows=world.windows, care_type="care_home")
    assert list(rows[0]) == [column.name for column in RELEASE_COLUMNS]
    assert rows == [{k: text(v) for k, v in row.as_dict().items()} for row in expected]
    d_june = next(r for r in rows if r["period"] == "2026-06" and r["location_name"] == "D House")
    assert (d_june["compliant"], d_june["return_kind"], d_june["late"]) == ("0", "full", "1")
    record = DisclosureRecord.objects.get()
    assert (record.kind, record.row_count) == ("compliance", len(rows))


def test_a_council_users_release_and_at_risk_files_hold_only_their_locations(world):
    client = client_for(la_user(world.leeds))
    rows = read_csv(release(client, "compliance", from_period="2026-05", to_period="2026-07"))
    assert {r["local_authority_name"] for r in rows} == {"Leeds"}
    assert len(rows) == len(
        compliance(windows=world.windows, scope=Scope(local_authority_ids=[world.leeds.pk]))
    )
    at_risk_rows = read_csv(release(client, "at-risk", window="2026-07"))
    assert [r["location_name"] for r in at_risk_rows] == ["J House"]
    # A crafted request for Bradford's file: no such area for this user, and nothing recorded.
    crafted = release(client, "compliance", local_authority=world.bradford.ons_code)
    assert crafted.status_code == 404
    assert release(client, "at-risk", local_authority=world.bradford.ons_code).status_code == 404
    assert DisclosureRecord.objects.count() == 2


def test_the_at_risk_csv_and_xlsx_match_the_selector(world):
    client = client_for(AnalystFactory())
    rows = read_csv(release(client, "at-risk", window="2026-07"))
    expected = at_risk(window=world.july)
    assert list(rows[0]) == [column.name for column in AT_RISK_COLUMNS]
    assert rows == [{k: text(v) for k, v in row.as_dict().items()} for row in expected]
    assert rows[1]["missed_periods"] == "2026-07 2026-06"  # D
    header, cells = read_xlsx(release(client, "at-risk", window="2026-07", file_format="xlsx"))
    assert header == list(rows[0]) and len(cells) == len(rows)


def test_a_release_download_without_a_purpose_shows_the_page_with_an_error(world):
    response = release(client_for(CaseworkerFactory()), "compliance", purpose="")
    assert response.status_code == 400
    assert '<a href="#id_purpose">Enter what the data is for</a>' in response.content.decode()
    assert not DisclosureRecord.objects.exists()


# --- Queries stay flat ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_export_queries_do_not_grow_with_locations(world, count, django_assert_max_num_queries):
    provider = ProviderFactory()
    for _ in range(count):
        location = LocationFactory(provider=provider, local_authority=world.leeds)
        save(location, "care_home", world.july, answers=FIG_A)
    client = client_for(AnalystFactory())
    # 13: one of them is django-otp loading the device that verified the analyst's session.
    with django_assert_max_num_queries(13):
        rows = read_csv(export(client, level="location"))
    assert len(rows) == 7 + count
    with django_assert_max_num_queries(13):
        read_csv(release(client, "compliance"))
