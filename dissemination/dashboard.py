"""What the analyst dashboard shows, read from the aggregates in two queries (one per care
type) whatever the number of locations: the trend over the last 24 windows and the latest
closed window by region (by council for a local authority user)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dissemination.audience import Audience, opened_windows
from dissemination.charts_lines import LineChart, Series, line_chart
from dissemination.selectors import AggregateRow, Level, aggregate
from providers.models import CareType
from returns.models import CollectionWindow

TREND_WINDOWS = 24
CH, HC = CareType.CARE_HOME.value, CareType.HOME_CARE.value


@dataclass(frozen=True)
class Month:
    window: CollectionWindow
    care_home: AggregateRow | None  # None: no location owed this window this care type
    home_care: AggregateRow | None


def _rate(row: AggregateRow | None, name: str) -> float | None:
    if row is None:
        return None
    rate = row.compliance_rate if name == "compliance_rate" else row.rates.get(name)
    return rate.value if rate is not None else None


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def describe(title: str, months: Sequence[datetime.date], series: Sequence[Series]) -> str:
    """The chart's text alternative: the span, and each line's first, last, low and high."""
    if not months:
        return f"{title}: no months to show yet."
    parts = [f"{title}, {months[0]:%B %Y} to {months[-1]:%B %Y}."]
    for one in series:
        known = [(m, v) for m, v in zip(months, one.values, strict=True) if v is not None]
        if not known:
            parts.append(f"{one.label}: no data.")
            continue
        (first_month, first), (last_month, last) = known[0], known[-1]
        values = [v for _, v in known]
        parts.append(
            f"{one.label}: {_percent(first)} in {first_month:%B %Y}, {_percent(last)} in "
            f"{last_month:%B %Y}; lowest {_percent(min(values))}, highest {_percent(max(values))}."
        )
    return " ".join(parts) + " The table below the chart has every figure."


def _chart(
    chart_id: str, title: str, months: Sequence[datetime.date], series: list[Series]
) -> LineChart:
    return line_chart(
        chart_id=chart_id,
        title=title,
        description=describe(title, months, series),
        x_labels=[f"{m:%b %Y}" for m in months],
        series=series,
    )


def dashboard_context(audience: Audience, *, now: datetime.datetime) -> dict[str, Any]:
    windows = sorted(opened_windows(now)[:TREND_WINDOWS], key=lambda w: w.period)
    breakdown = Level.LOCAL_AUTHORITY if audience.scoped else Level.REGION
    scope = audience.scope()
    rows = {
        care_type: aggregate(
            windows=windows, level=[Level.ENGLAND, breakdown], care_type=care_type, scope=scope
        )
        for care_type in (CH, HC)
    }
    totals = {
        care_type: {row.period: row for row in found if row.level is Level.ENGLAND}
        for care_type, found in rows.items()
    }
    months = [Month(w, totals[CH].get(w.period), totals[HC].get(w.period)) for w in windows]
    periods = [w.period for w in windows]
    label = audience.total_label
    compliance_chart = _chart(
        "compliance-chart",
        f"Compliance rate by month, {label}",
        periods,
        [
            Series("Care homes", [_rate(m.care_home, "compliance_rate") for m in months]),
            Series("Home care", [_rate(m.home_care, "compliance_rate") for m in months]),
        ],
    )
    occupancy_chart = _chart(
        "occupancy-chart",
        f"Care home occupancy by month, {label}",
        periods,
        [Series("Occupancy", [_rate(m.care_home, "occupancy_rate") for m in months])],
    )
    closed = [w for w in windows if w.closes_at <= now]
    latest = closed[-1] if closed else None

    def latest_rows(care_type: str) -> list[AggregateRow]:
        if latest is None:
            return []
        found = [row for row in rows[care_type] if row.period == latest.period]
        # Areas first, then their total, as in a published table.
        return [r for r in found if r.level is breakdown] + [
            r for r in found if r.level is Level.ENGLAND
        ]

    return {
        "audience": audience,
        "total_label": label,
        "breakdown_label": "local authority" if audience.scoped else "region",
        "months": list(reversed(months)),  # the tables read newest first
        "compliance_chart": compliance_chart,
        "occupancy_chart": occupancy_chart,
        "latest": latest,
        "latest_care_homes": latest_rows(CH),
        "latest_home_care": latest_rows(HC),
        "breakdown_level": breakdown.value,
    }
