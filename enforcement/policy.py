"""NHSBSA's policy for proposing a notice of intent. Pure: periods in, a reason out.

Missing the deadline in 3 consecutive months, or in any 4 months out of 12, may lead to a
notice of intent (DOMAIN 5.3). Only breaches no notice of intent has cited yet count: a
provider is never penalised twice for the same months (DOMAIN 5.5).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable


def consecutive_ending_at(
    missed: set[datetime.date], end: datetime.date, swept: Iterable[datetime.date]
) -> int:
    """How many swept windows in a row, ending at ``end``, are in ``missed``."""
    count = 0
    for period in sorted((p for p in swept if p <= end), reverse=True):
        if period not in missed:
            break
        count += 1
    return count


def in_year_to(missed: Iterable[datetime.date], end: datetime.date) -> set[datetime.date]:
    """The missed periods in the 12 months ending with ``end`` (both first days of months)."""
    first = end.replace(year=end.year - 1)
    return {p for p in missed if first < p <= end}


def noi_reason(
    missed: Iterable[datetime.date],
    end: datetime.date,
    swept: Iterable[datetime.date],
    *,
    consecutive: int,
    in_year: int,
) -> str:
    """Why a notice of intent may follow, or "" when the policy is not met at ``end``."""
    recent = in_year_to(missed, end)
    run = consecutive_ending_at(recent, end, swept)
    if run >= consecutive:
        return f"missed {run} windows in a row"
    if len(recent) >= in_year:
        return f"missed {len(recent)} of the last 12 windows"
    return ""
