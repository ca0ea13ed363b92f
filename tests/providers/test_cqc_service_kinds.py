"""Nursing, residential and dementia from CQC's files (the vacancy finder's type of care
filter): the HSCA file's "Y" columns, the care directory's text columns, our own short columns,
files without any of them, and what applying an extract writes and counts as a change."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from providers.cqc_import import LocalAuthorityResolver, parse_extract
from providers.models import AuditEvent, LocalAuthority, Location
from tests.providers.cqc_files import (
    DIRECTORY_HEADER,
    HSCA_HEADER,
    csv_bytes,
    directory_csv,
    directory_row,
    hsca_csv,
    hsca_row,
    hsca_xlsx,
)

pytestmark = pytest.mark.django_db

NURSING = "Service type - Care home service with nursing"
RESIDENTIAL = "Service type - Care home service without nursing"
DEMENTIA = "Service user band - Dementia"
SPECIALISMS = DIRECTORY_HEADER.index("Specialisms/services")


def run_import(tmp_path: Path, content: bytes, *args: str, name: str = "cqc.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_cqc", str(path), *args, stdout=out)
    return out.getvalue()


def kinds(cqc_id: str) -> tuple[bool, bool, bool]:
    location = Location.objects.get(cqc_id=cqc_id)
    return (location.nursing, location.residential, location.dementia)


def parse(content: bytes):
    return parse_extract(content, LocalAuthorityResolver(list(LocalAuthority.objects.all())))


def hsca(location_id: str, name: str, **columns: str) -> list[object]:
    """An HSCA row with some columns set by their CQC heading (nursing=..., etc. below)."""
    row = hsca_row(location_id, name, provider_id=columns.pop("provider_id", "1-101000100"))
    names = {"nursing": NURSING, "residential": RESIDENTIAL, "dementia": DEMENTIA}
    for key, value in columns.items():
        row[HSCA_HEADER.index(names[key])] = value
    return row


OWN_HEADER = ["location_id", "location_name", "provider_id", "provider_name"]
OWN_HEADER += ["local_authority", "postcode", "care_types"]


def own_csv(location_id: str, name: str, extra: dict[str, str] | None = None) -> bytes:
    """Our own short columns for one care home of Oak Care Ltd in Leeds, with ``extra``
    columns (heading: value) after them."""
    extra = extra or {}
    row = [location_id, name, "1-101000100", "Oak Care Ltd", "Leeds", "LS6 2QA", "care_home"]
    return csv_bytes([[*OWN_HEADER, *extra], [*row, *extra.values()]])


def directory(location_id: str, name: str, services: str, specialisms: str) -> list[str]:
    row = directory_row(location_id, name, services=services)
    row[SPECIALISMS] = specialisms
    return row


# --- reading ----------------------------------------------------------------------------------


def test_the_hsca_files_y_columns_say_nursing_residential_and_dementia(tmp_path):
    rows = [
        hsca("1-1000000401", "Nursing And Dementia", nursing="Y", residential="", dementia="Y"),
        hsca("1-1000000402", "Residential Only", nursing="", residential="Y", dementia=""),
        hsca("1-1000000403", "Both Not Dementia", nursing="Y", residential="Y", dementia="N"),
        hsca("1-1000000404", "Lower Case Flags", nursing="y", residential="", dementia="yes"),
    ]
    output = run_import(tmp_path, hsca_csv(rows, preamble=True))
    assert "locations created: 4" in output and "rejected rows: 0" in output
    assert kinds("1-1000000401") == (True, False, True)
    assert kinds("1-1000000402") == (False, True, False)
    assert kinds("1-1000000403") == (True, True, False)
    assert kinds("1-1000000404") == (True, False, True)


def test_the_hsca_workbook_reads_the_same_columns(tmp_path):
    rows = [hsca("1-1000000401", "Oak Nursing", nursing="Y", residential="", dementia="Y")]
    run_import(tmp_path, hsca_xlsx(rows), name="cqc.xlsx")
    assert kinds("1-1000000401") == (True, False, True)


def test_the_care_directorys_service_types_and_specialisms_text_say_them(tmp_path):
    content = directory_csv(
        [
            directory(
                "1-1000000501",
                "Ash Nursing",
                "Nursing homes|Residential homes",
                "Caring for adults over 65 yrs|Dementia|Physical disabilities",
            ),
            directory(
                "1-1000000502", "Beech Residential", "Residential homes", "Sensory impairments"
            ),
            directory(
                "1-1000000503", "Cedar Nursing", "Nursing homes", "Caring for adults over 65 yrs"
            ),
            # A home care agency may care for people with dementia: stored as CQC says it.
            directory("1-1000000504", "Damson Home Care", "Homecare agencies", "Dementia"),
        ]
    )
    output = run_import(tmp_path, content)
    assert "locations created: 4" in output
    assert kinds("1-1000000501") == (True, True, True)
    assert kinds("1-1000000502") == (False, True, False)
    assert kinds("1-1000000503") == (True, False, False)
    assert kinds("1-1000000504") == (False, False, True)
    assert Location.objects.get(cqc_id="1-1000000504").care_types == ["home_care"]


def test_our_own_short_columns_say_them_too():
    flags = {"nursing": "Y", "residential": "N", "dementia": "Y"}
    content = own_csv("1-1000000601", "Elm House", flags)
    parsed = parse(content)
    row = parsed.rows[0]
    assert (row.nursing, row.residential, row.dementia) == (True, False, True)
    assert parsed.kinds_known == {"nursing", "residential", "dementia"}


def test_a_file_with_none_of_these_columns_says_all_false_and_knows_none():
    header = ["Location ID", "Location Name", "Provider ID", "Provider Name"]
    header += ["Location Local Authority", "Location Postal Code", "Care home?"]
    row = ["1-1000000701", "Fir House", "1-101000700", "Fir Ltd", "Leeds", "LS6 2QA", "Y"]
    content = csv_bytes([header, row])
    parsed = parse(content)
    assert parsed.rejected == []
    row = parsed.rows[0]
    assert (row.nursing, row.residential, row.dementia) == (False, False, False)
    assert parsed.kinds_known == frozenset()


def test_only_the_kinds_a_file_has_columns_for_are_known():
    content = own_csv("1-1000000701", "Fir House", {DEMENTIA: "Y"})
    parsed = parse(content)
    assert parsed.kinds_known == {"dementia"}
    assert parsed.rows[0].dementia is True


# --- applying ---------------------------------------------------------------------------------


def test_a_change_in_the_kinds_is_a_change_applied_and_audited(tmp_path):
    first = [hsca("1-1000000401", "Oak Lodge", nursing="", residential="Y", dementia="")]
    run_import(tmp_path, hsca_csv(first), name="first.csv")
    assert kinds("1-1000000401") == (False, True, False)

    second = [hsca("1-1000000401", "Oak Lodge", nursing="Y", residential="", dementia="Y")]
    output = run_import(tmp_path, hsca_csv(second), name="second.csv")
    assert "locations updated: 1" in output
    assert kinds("1-1000000401") == (True, False, True)
    event = AuditEvent.objects.get(action="providers.location.updated")
    assert event.data == {
        "nursing": [False, True],
        "residential": [True, False],
        "dementia": [False, True],
    }
    # The history table has the new columns too: the change is in the location's events.
    location = Location.objects.get(cqc_id="1-1000000401")
    newest = location.history.order_by("-pgh_id").first()
    assert (newest.nursing, newest.residential, newest.dementia) == (True, False, True)


def test_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    rows = [hsca("1-1000000401", "Oak Lodge", nursing="Y", residential="Y", dementia="Y")]
    run_import(tmp_path, hsca_csv(rows), name="first.csv")
    output = run_import(tmp_path, hsca_csv(rows), name="second.csv")
    assert "locations updated: 0" in output and "locations unchanged: 1" in output


def test_a_file_without_the_columns_leaves_the_kinds_we_hold(tmp_path):
    rows = [hsca("1-1000000401", "Oak Lodge", nursing="Y", residential="", dementia="Y")]
    run_import(tmp_path, hsca_csv(rows), name="first.csv")
    short = own_csv("1-1000000401", "Oak Lodge")
    output = run_import(tmp_path, short, name="short.csv")
    assert "locations updated: 0" in output
    assert kinds("1-1000000401") == (True, False, True)

    # A file with only the dementia column changes only dementia.
    dementia_only = own_csv("1-1000000401", "Oak Lodge", {DEMENTIA: ""})
    output = run_import(tmp_path, dementia_only, name="dementia.csv")
    assert "locations updated: 1" in output
    assert kinds("1-1000000401") == (True, False, False)


def test_a_new_location_from_a_file_without_the_columns_has_none(tmp_path):
    short = own_csv("1-1000000801", "Yew House")
    run_import(tmp_path, short)
    assert kinds("1-1000000801") == (False, False, False)


def test_changing_the_kinds_of_many_homes_takes_the_same_queries_as_a_few(
    tmp_path, django_assert_max_num_queries
):
    def rows(n: int, offset: int, nursing: str) -> list[list[object]]:
        return [
            hsca(
                f"1-{4000000000 + offset + i}",
                f"Home {i}",
                nursing=nursing,
                residential="" if nursing else "Y",
                dementia="Y" if i % 2 else "",
                provider_id=f"1-{104000000 + offset + i % 5}",
            )
            for i in range(n)
        ]

    counts = []
    for size, offset in ((3, 0), (300, 10_000)):
        run_import(tmp_path, hsca_csv(rows(size, offset, "")), name=f"{size}-a.csv")
        with django_assert_max_num_queries(30) as queries:
            output = run_import(tmp_path, hsca_csv(rows(size, offset, "Y")), name=f"{size}-b.csv")
        assert f"locations updated: {size}" in output
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert Location.objects.filter(nursing=True, residential=False).count() == 303
