"""The pure half of bulk update: reading a file and checking its rows, with no database.

The datasets are built from the shipped notice's JSON, and locations are plain facts, so these
tests (and the property-based ones) run in milliseconds.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returns.bulk import parsing as bulk_parsing
from returns.bulk import save as bulk
from returns.datasets import SHIPPED
from returns.validation import Dataset, ItemSpec, RuleSpec
from tests.portal_data import GOOD_CARE_HOME


def shipped(care_type: str, *, campaign: bool = False) -> Dataset:
    spec = json.loads(SHIPPED.read_text(encoding="utf-8"))
    items = tuple(
        ItemSpec(
            code=item["code"],
            label=item["label"],
            section=item["section"],
            kind=item.get("kind", "integer"),
            mandatory=item.get("mandatory", True),
            min_value=item.get(
                "min_value", 0 if item.get("kind", "integer") == "integer" else None
            ),
            max_value=item.get("max_value"),
            campaign_only=item.get("campaign_only", False),
        )
        for item in spec["items"][care_type]
        if campaign or not item.get("campaign_only", False)
    )
    rules = tuple(
        RuleSpec(
            kind=rule["kind"],
            left_codes=tuple(rule["left"]),
            right_codes=tuple(rule["right"]),
            message=rule["message"],
            when_value=rule.get("when", ""),
        )
        for rule in spec["rules"][care_type]
    )
    return Dataset(version_id=1, care_type=care_type, items=items, rules=rules, campaign=campaign)


DATASETS = {"care_home": shipped("care_home"), "home_care": shipped("home_care")}
HEADER = bulk.template_columns(list(DATASETS.values()))
MINE = bulk.LocationFact(1, "1-1000000001", "Mine", ("care_home",), editable=True)
BOTH = bulk.LocationFact(2, "1-1000000002", "Both", ("care_home", "home_care"), editable=True)
THEIRS = bulk.LocationFact(3, "1-1000000003", "Theirs", ("care_home",), editable=False)
CONTEXT = bulk.CheckContext(
    datasets=DATASETS,
    locations={fact.cqc_id: fact for fact in (MINE, BOTH, THEIRS)},
    previous={(1, "care_home"): {k: v for k, v in GOOD_CARE_HOME.items()}},
    saved_this_window=frozenset({(1, "care_home")}),
)


def to_csv(rows: list[dict[str, str]], header: list[str] = HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def row(fact: bulk.LocationFact = MINE, **cells: str) -> dict[str, str]:
    return {
        "location_id": fact.cqc_id,
        "care_type": "care_home",
        "return_kind": "full",
        **GOOD_CARE_HOME,
        **cells,
    }


def check(content: bytes, context: bulk.CheckContext = CONTEXT) -> bulk.CheckResult:
    return bulk.check_rows(bulk.parse_file(content, datasets=DATASETS), context)


# --- small helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("location_id", "location_id"),
        ("Location ID", "location_id"),
        ("\ufeff  location-id ", "location_id"),
        ("BEDS_OCCUPIED", "beds_occupied"),
        ("", ""),
    ],
)
def test_column_names_are_matched_without_case_spaces_or_hyphens(name, key):
    assert bulk.column_key(name) == key


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letters_are_the_spreadsheets(index, letter):
    assert bulk.column_letter(index) == letter


@pytest.mark.parametrize(
    ("cell", "value"),
    [("'=SUM(A1)", "=SUM(A1)"), ("'-3", "-3"), ("'tis", "'tis"), ("'", "'"), ("plain", "plain")],
)
def test_cells_we_escaped_in_the_template_are_unescaped(cell, value):
    assert bulk.unescape_cell(cell) == value


def test_the_template_header_is_ids_then_items_then_nil_columns():
    assert HEADER[:4] == ["location_id", "location_name", "care_type", "return_kind"]
    assert HEADER[-2:] == ["nil_reason", "nil_reason_detail"]
    assert HEADER.count("staff_direct_care") == 1  # shared by both care types


# --- checking -------------------------------------------------------------------------------


def test_a_good_file_gives_one_good_row_per_row_and_counts():
    result = check(
        to_csv(
            [
                row(),
                row(BOTH, return_kind="nil", nil_reason="no_staff"),
                {
                    "location_id": BOTH.cqc_id,
                    "care_type": "home_care",
                    "return_kind": "full",
                    "people_receiving_care": "5",
                    "staff_direct_care": "2",
                    "staff_direct_non_care": "1",
                    "staff_agency": "0",
                    "staff_absent_covid": "0",
                },
            ]
        )
    )
    assert result.errors == []
    assert [(g.number, g.location.pk, g.care_type, g.kind) for g in result.good] == [
        (2, 1, "care_home", "full"),
        (3, 2, "care_home", "nil"),
        (4, 2, "home_care", "full"),
    ]
    assert result.good[0].answers["beds_occupied"] == 35  # cleaned, as the portal saves it
    assert result.counts == {
        "rows": 3,
        "full": 2,
        "unchanged": 0,
        "nil": 1,
        "already_saved": 1,
        "care_types": ["care_home", "home_care"],
    }


def test_unchanged_copies_the_previous_figures_and_accepts_the_same_figures_typed_again():
    result = check(to_csv([row(return_kind="unchanged", beds_occupied="35", staff_direct_care="")]))
    assert result.errors == []
    assert result.good[0].answers["beds_occupied"] == 35
    assert result.good[0].answers["staff_direct_care"] == 30


def test_the_same_rule_messages_as_the_portal():
    result = check(to_csv([row(beds_occupied="38", beds_vacant_accepting="4")]))
    assert [e.text for e in result.errors] == [
        "Row 2, beds_occupied: Occupied, reserved and accepting beds add up to 43, which is "
        "more than maximum capacity (40)"
    ]


def test_progress_is_reported_every_so_many_rows(monkeypatch):
    monkeypatch.setattr(bulk_parsing, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    parsed = bulk.parse_file(
        to_csv([row(location_id=f"1-{n}") for n in range(5)]), datasets=DATASETS
    )
    bulk.check_rows(parsed, CONTEXT, on_progress=seen.append)
    assert seen == [2, 4]


def test_short_rows_read_as_empty_cells_and_blank_lines_are_skipped():
    content = b"location_id,care_type,return_kind,nil_reason\r\n\r\n1-1000000001,care_home,nil\r\n"
    parsed = bulk.parse_file(content, datasets=DATASETS)
    assert parsed.errors == []
    assert parsed.rows[0].number == 3
    assert parsed.rows[0].values["nil_reason"] == ""
    assert [e.column for e in bulk.check_rows(parsed, CONTEXT).errors] == ["nil_reason"]


def test_a_header_error_stops_before_the_rows():
    result = check(to_csv([row(location_id="nonsense")], header=[*HEADER, "notes"]))
    assert [e.row for e in result.errors] == [None]
    assert result.good == []


# --- properties -----------------------------------------------------------------------------

cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12
)
likely_cells = st.one_of(
    cell_text,
    st.sampled_from(
        ["", "0", "1", "35", "40", "-1", "1,000", "yes", "no", "full", "nil", "unchanged", "other"]
    ),
    st.integers(min_value=-5, max_value=3000).map(str),
)
column_names = st.one_of(st.sampled_from(HEADER), cell_text)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A CSV with a plausible header (sometimes broken) and rows of plausible or junk cells.

    Rows often name a real location, care type and kind, so that the checks go deep."""
    header = draw(st.lists(column_names, min_size=1, max_size=len(HEADER) + 2))
    if draw(st.booleans()):
        header = [*HEADER, *header[: draw(st.integers(0, 2))]]
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        cells = draw(st.lists(likely_cells, min_size=4, max_size=max(len(header) + 2, 4)))
        if draw(st.booleans()):
            cells[0] = draw(st.sampled_from([MINE.cqc_id, BOTH.cqc_id, THEIRS.cqc_id, "1-9"]))
            cells[2] = draw(st.sampled_from(["care_home", "home_care", "Care home", "x"]))
            cells[3] = draw(st.sampled_from(["full", "unchanged", "nil", "NIL", ""]))
        rows.append(cells)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return out.getvalue().encode(encoding, errors="replace")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000))
def test_any_bytes_are_parsed_without_an_unhandled_exception(content):
    parsed = bulk.parse_file(content, datasets=DATASETS, max_rows=50)
    result = bulk.check_rows(parsed, CONTEXT)
    assert all(isinstance(e.message, str) and e.message for e in result.errors)
    if parsed.errors:
        assert result.good == [] and result.errors == parsed.errors


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_any_csv_is_checked_without_an_unhandled_exception(content):
    parsed = bulk.parse_file(content, datasets=DATASETS)
    result = bulk.check_rows(parsed, CONTEXT)
    for error in result.errors:
        assert error.row is None or error.row >= 2
        assert error.message
    if not result.errors:
        # A clean file: every row became exactly one good row, of a location we may update.
        assert len(result.good) == len(parsed.rows) > 0
        assert all(good.location.editable for good in result.good)
        pairs = [(good.location.pk, good.care_type) for good in result.good]
        assert len(pairs) == len(set(pairs))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(list(GOOD_CARE_HOME)), likely_cells))
def test_a_row_is_good_exactly_when_the_portal_would_accept_its_figures(changes: dict[str, Any]):
    from returns.validation import clean_answers

    cells = {**GOOD_CARE_HOME, **changes}
    result = check(to_csv([row(**cells)]))
    portal = clean_answers(DATASETS["care_home"], cells)
    assert {e.column: e.message for e in result.errors} == portal.errors
    if portal.is_valid:
        assert result.good[0].answers == portal.answers
