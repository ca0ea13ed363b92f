"""The dashboard's links, filled into URLs reversed once per page, equal what reverse gives."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import NoReverseMatch, reverse

from returns.dashboard_links import DashboardLinks


@pytest.mark.parametrize("cqc_id", ["1-123456789", "1-10000000001", "1-99999999999"])
@pytest.mark.parametrize("care_type", ["care_home", "home_care"])
def test_each_link_is_what_reverse_gives(cqc_id: str, care_type: str) -> None:
    links = DashboardLinks("2026-12").for_row(cqc_id, care_type)
    args = ["2026-12", cqc_id, care_type]
    assert links == {
        "form": reverse("returns:form", args=args),
        "unchanged": reverse("returns:unchanged", args=args),
        "nil": reverse("returns:nil", args=args),
        "location": reverse("providers:location", args=[cqc_id]),
        "benchmark": reverse("benchmark:location", args=[cqc_id]),
    }


def test_a_row_the_fast_path_cannot_vouch_for_goes_through_reverse() -> None:
    # Not a CQC ID the routes accept: reverse refuses it, as the {% url %} tag would have.
    with pytest.raises(NoReverseMatch):
        DashboardLinks("2026-12").for_row("1-12", "care_home")


def test_rows_come_back_in_order_with_their_links() -> None:
    rows = [
        SimpleNamespace(location=SimpleNamespace(cqc_id="1-123456789"), care_type="home_care"),
        SimpleNamespace(location=SimpleNamespace(cqc_id="1-223456789"), care_type="care_home"),
    ]
    linked = list(DashboardLinks("2027-01").rows(rows))
    assert [row for row, _ in linked] == rows
    assert linked[1][1]["form"] == reverse(
        "returns:form", args=["2027-01", "1-223456789", "care_home"]
    )
