"""Figures as the dissemination pages show them: counts with separators, rates as percentages
(one decimal), and "no data" rather than a misleading 0 when nothing was collected."""

from __future__ import annotations

from django import template

from dissemination.rows import Rate

register = template.Library()

NO_DATA = "no data"


@register.filter
def number(value: object) -> str:
    if value is None or value == "":
        return NO_DATA
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@register.filter
def percent(value: Rate | float | None) -> str:
    if isinstance(value, Rate):
        value = value.value
    if not isinstance(value, int | float) or isinstance(value, bool):
        return NO_DATA  # None, or nothing at all (a month no location owed)
    return f"{value * 100:.1f}%"


@register.filter
def rate_of(row: object, name: str) -> Rate | None:
    """``row.rates[name]`` (``compliance_rate`` is an attribute of its own)."""
    if row is None:
        return None
    if name == "compliance_rate":
        return row.compliance_rate  # type: ignore[attr-defined]
    return row.rates.get(name)  # type: ignore[attr-defined]


@register.filter
def figure(row: object, name: str) -> int | None:
    return None if row is None else row.figures.get(name)  # type: ignore[attr-defined]
