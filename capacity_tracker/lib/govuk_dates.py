"""Dates and times as GOV.UK's style guide writes them, read in UK time (Europe/London):
"Monday 14 December 2026", "9am", "9:05pm", "midday", "midnight". One place for the words,
so the return pages, the history and the saved pages say a time the same way."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def govuk_date(instant: datetime.datetime | datetime.date) -> str:
    """ "Monday 14 December 2026" (an instant is read in UK time)."""
    day = instant.astimezone(LONDON).date() if isinstance(instant, datetime.datetime) else instant
    return f"{day:%A} {day.day} {day:%B %Y}"


def govuk_time(instant: datetime.datetime) -> str:
    """ "9am", "2:05pm", "midnight", "midday", in UK time."""
    local = instant.astimezone(LONDON)
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def govuk_date_time(instant: datetime.datetime) -> str:
    """ "Monday 14 December 2026 at 9:05pm", in UK time."""
    return f"{govuk_date(instant)} at {govuk_time(instant)}"
