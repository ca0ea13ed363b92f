"""import_cqc through the command line: counts, idempotency, bad rows, full extracts."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from providers.models import (
    AuditEvent,
    CqcImport,
    Location,
    LocationStatusChange,
    Provider,
    RegistrationStatus,
)
from tests.factories import LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

# Column names as CQC publishes them in the HSCA active locations file.
CQC_HEADER = (
    "Location ID,Location Name,Care home?,Is Dormant (Y/N),Care homes beds,Location Street Address,"
    "Location City,Location Postal Code,Location Local Authority,Location HSCA start date,"
    "Provider ID,Provider Name,Service type - Domiciliary care service"
)
GOOD_ROWS = [
    "1-1000000101,Oak Lodge,Y,N,40,1 Oak Road,Leeds,LS6 2QA,Leeds,01/04/2015,1-101000100,Oak Care Ltd,",
    "1-1000000102,Oak Home Support,N,N,,2 Oak Road,Leeds,LS6 2QB,Leeds,2016-05-01,1-101000100,Oak Care Ltd,Y",
    "1-1000000103,Birch House,Y,Y,12,3 Birch Lane,Truro,TR1 2HE,Cornwall,,1-101000200,Birch Homes Ltd,Y",
    "1-1000000104,St Mary's Surgery,N,N,,4 High St,Leeds,LS1 1AA,Leeds,,1-101000300,Dr Smith,",
]


def write_csv(
    tmp_path: Path, lines: list[str], *, encoding: str = "utf-8", name: str = "extract.csv"
) -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def run_import(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_cqc", str(path), *args, stdout=out)
    return out.getvalue()


def test_import_creates_providers_and_locations_and_reports_counts(tmp_path):
    output = run_import(write_csv(tmp_path, [CQC_HEADER, *GOOD_ROWS]), "--as-of", "2026-11-01")
    assert "providers created: 2" in output
    assert "locations created: 3" in output
    assert "skipped out of scope: 1" in output
    assert "row 5: 1-1000000104" in output

    oak = Location.objects.get(cqc_id="1-1000000101")
    assert (oak.offers_care_home, oak.offers_home_care, oak.registered_places) == (True, False, 40)
    assert oak.registered_on == datetime.date(2015, 4, 1)
    assert oak.added_to_service_on == datetime.date(2026, 11, 1)
    support = Location.objects.get(cqc_id="1-1000000102")
    assert (support.offers_care_home, support.offers_home_care) == (False, True)
    birch = Location.objects.get(cqc_id="1-1000000103")
    assert birch.care_types == ["care_home", "home_care"]
    assert birch.status == RegistrationStatus.DORMANT
    assert birch.local_authority.ons_code == "E06000052"
    assert LocationStatusChange.objects.count() == 3
    assert AuditEvent.objects.filter(action="providers.location.created").count() == 3
    record = CqcImport.objects.get()
    assert record.counts["locations_created"] == 3
    assert len(record.sha256) == 64


def test_running_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    path = write_csv(tmp_path, [CQC_HEADER, *GOOD_ROWS])
    run_import(path)
    before = (
        list(Location.objects.order_by("pk").values()),
        list(Provider.objects.order_by("pk").values()),
        LocationStatusChange.objects.count(),
        AuditEvent.objects.count(),
    )
    output = run_import(path)
    assert "locations created: 0" in output
    assert "locations updated: 0" in output
    assert "locations unchanged: 3" in output
    assert "providers updated: 0" in output
    after = (
        list(Location.objects.order_by("pk").values()),
        list(Provider.objects.order_by("pk").values()),
        LocationStatusChange.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_changes_are_applied_and_audited_with_old_and_new_values(tmp_path):
    run_import(write_csv(tmp_path, [CQC_HEADER, *GOOD_ROWS]))
    changed = GOOD_ROWS[0].replace(",40,", ",44,").replace("Oak Lodge", "Oak Lodge Nursing Home")
    output = run_import(write_csv(tmp_path, [CQC_HEADER, changed], name="second.csv"))
    assert "locations updated: 1" in output
    event = AuditEvent.objects.get(action="providers.location.updated")
    assert event.data["registered_places"] == [40, 44]
    assert event.data["name"] == ["Oak Lodge", "Oak Lodge Nursing Home"]


def test_bad_rows_are_rejected_with_row_and_field_and_good_rows_still_import(tmp_path):
    rows = [
        CQC_HEADER,
        GOOD_ROWS[0],
        "RXX123,Bad Id Home,Y,N,10,1 Road,Leeds,LS6 2QA,Leeds,,1-101000100,Oak Care Ltd,",
        "1-1000000105,Nowhere Home,Y,N,10,1 Road,Leeds,LS6 2QA,Narnia,,1-101000100,Oak Care Ltd,",
        "1-1000000106,Minus Home,Y,N,-3,1 Road,Leeds,LS6 2QA,Leeds,,1-101000100,Oak Care Ltd,",
        "1-1000000107,Bad Postcode Home,Y,N,10,1 Road,Leeds,NOT A CODE,Leeds,,1-101000100,Oak Care Ltd,",
        "1-1000000108,Bad Date Home,Y,N,10,1 Road,Leeds,LS6 2QA,Leeds,31/02/2020,1-101000100,Oak Care Ltd,",
    ]
    output = run_import(write_csv(tmp_path, rows))
    assert "locations created: 1" in output
    assert "rejected rows: 5" in output
    assert "row 3, Location ID: Enter a CQC location ID in the correct format" in output
    assert "row 4, Local authority: 'Narnia' is not a council in England" in output
    assert "row 5, Registered places: '-3' is not a whole number" in output
    assert "row 6, Postcode: Enter a real postcode" in output
    assert "row 7, Registered on:" in output
    assert list(Location.objects.values_list("cqc_id", flat=True)) == ["1-1000000101"]
    assert len(CqcImport.objects.get().rejected) == 5


def test_a_location_twice_in_one_file_is_rejected_both_times(tmp_path):
    rows = [
        CQC_HEADER,
        GOOD_ROWS[0],
        GOOD_ROWS[0].replace("Oak Lodge", "Oak Lodge Two"),
        GOOD_ROWS[1],
    ]
    output = run_import(write_csv(tmp_path, rows))
    assert "row 2, Location ID: 1-1000000101 appears more than once in the file" in output
    assert (
        "row 3, Location ID: 1-1000000101 appears more than once in the file (first on row 2)"
        in output
    )
    assert not Location.objects.filter(cqc_id="1-1000000101").exists()
    assert Location.objects.filter(cqc_id="1-1000000102").exists()


def test_windows_1252_file_is_read(tmp_path):
    row = GOOD_ROWS[0].replace("Oak Lodge", "Café Lodge – Annexe")
    run_import(write_csv(tmp_path, [CQC_HEADER, row], encoding="cp1252"))
    assert Location.objects.get().name == "Café Lodge – Annexe"


def test_utf8_with_bom_is_read(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([CQC_HEADER, GOOD_ROWS[0]]).encode())
    run_import(path)
    assert Location.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\x00\x01\x02binary", "not a CSV file"),
        ("\u0100".encode("utf-16"), "not a CSV file"),
        (
            b"Location ID,Location Name\r\n1-1000000101,Oak\r\n",
            "missing required columns: Provider ID",
        ),
        (
            b"Location ID,Location Name,Provider ID,Provider Name,Location Local Authority,Location Postal Code\r\n",
            "no column saying which care types",
        ),
        (
            (CQC_HEADER + ",Location ID\r\n").encode(),
            "These columns appear more than once: location id",
        ),
    ],
)
def test_file_level_problems_import_nothing(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_import(path)
    assert not Location.objects.exists()
    assert not Provider.objects.exists()
    assert not CqcImport.objects.exists()


def test_a_full_extract_deregisters_missing_locations_and_never_deletes(tmp_path):
    missing = LocationFactory(cqc_id="1-1000000999")
    run_import(write_csv(tmp_path, [CQC_HEADER, *GOOD_ROWS]), "--full", "--as-of", "2026-11-01")
    missing.refresh_from_db()
    assert missing.status == RegistrationStatus.DEREGISTERED
    assert missing.status_effective_from == datetime.date(2026, 11, 1)
    missing.provider.refresh_from_db()
    assert missing.provider.status == RegistrationStatus.DEREGISTERED
    assert AuditEvent.objects.filter(
        action="providers.location.deregistered", target_id=str(missing.pk)
    ).exists()
    assert LocationStatusChange.objects.filter(location=missing, status="deregistered").exists()


def test_a_full_extract_keeps_locations_whose_row_was_rejected(tmp_path):
    kept = LocationFactory(cqc_id="1-1000000101", provider=ProviderFactory(cqc_id="1-101000100"))
    typo = GOOD_ROWS[0].replace("LS6 2QA", "BAD")
    output = run_import(write_csv(tmp_path, [CQC_HEADER, typo]), "--full")
    assert "locations deregistered: 0" in output
    kept.refresh_from_db()
    assert kept.status == RegistrationStatus.ACTIVE


def test_a_partial_file_deregisters_nothing(tmp_path):
    other = LocationFactory()
    run_import(write_csv(tmp_path, [CQC_HEADER, GOOD_ROWS[0]]))
    other.refresh_from_db()
    assert other.status == RegistrationStatus.ACTIVE


def test_dry_run_saves_nothing(tmp_path):
    output = run_import(write_csv(tmp_path, [CQC_HEADER, *GOOD_ROWS]), "--dry-run")
    assert "Dry run (nothing saved)" in output
    assert "locations created: 3" in output
    assert not Location.objects.exists()
    assert not AuditEvent.objects.exists()


def test_our_own_column_names_are_accepted(tmp_path):
    rows = [
        "location_id,location_name,provider_id,provider_name,local_authority,postcode,care_types,"
        "registered_places,people_using_service,status",
        "1-1000000201,Elm Court,1-101000400,Elm Ltd,E08000025,B5 4BU,care_home;home_care,30,12,active",
    ]
    run_import(write_csv(tmp_path, rows))
    elm = Location.objects.get()
    assert (elm.registered_places, elm.people_using_service) == (30, 12)
    assert elm.local_authority.name == "Birmingham"


def test_care_directory_column_names_are_accepted(tmp_path):
    rows = [
        "Name,Address,Postcode,Service types,Provider name,Local Authority,"
        "CQC Location ID (for office use only),CQC Provider ID (for office use only)",
        '"Ash Grove","5 Ash Grove, Bristol",BS1 4DJ,Homecare agencies|Residential homes,Ash Ltd,'
        '"Bristol, City of",1-1000000301,1-101000500',
    ]
    run_import(write_csv(tmp_path, rows))
    ash = Location.objects.get()
    assert ash.care_types == ["care_home", "home_care"]
    assert ash.local_authority.ons_code == "E06000023"


def test_import_query_count_does_not_grow_with_rows(tmp_path, django_assert_max_num_queries):
    def rows(n: int, offset: int) -> list[str]:
        return [
            f"1-{2000000000 + offset + i},Home {i},Y,N,20,1 Road,Leeds,LS6 2QA,Leeds,,1-{102000000 + offset + i % 7},P {i % 7},"
            for i in range(n)
        ]

    small = write_csv(tmp_path, [CQC_HEADER, *rows(5, 0)], name="small.csv")
    large = write_csv(tmp_path, [CQC_HEADER, *rows(300, 10_000)], name="large.csv")
    with django_assert_max_num_queries(30) as small_ctx:
        run_import(small)
    with django_assert_max_num_queries(30) as large_ctx:
        run_import(large)
    assert len(large_ctx.captured_queries) == len(small_ctx.captured_queries)
    assert Location.objects.count() == 305
