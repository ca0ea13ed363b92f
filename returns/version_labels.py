"""The plain words for a saved return version: how it was saved, who saved it, when, whether it
counted, and its figures with their units.

One place, so that the history list, a version's page, its comparison and the bulk upload pages
say the same thing. Pure functions over what the caller has already read: no queries here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from capacity_tracker.lib.govuk_dates import govuk_date_time
from returns.models import NilReason, ReturnKind, ReturnSource, ReturnVersion

# What capacity_tracker/lib/xlsx_files.py records as a workbook's "encoding".
XLSX_ENCODING = "xlsx"

ONLINE_FORM = "Online form"
CSV_UPLOAD = "Spreadsheet upload (CSV)"
EXCEL_UPLOAD = "Spreadsheet upload (Excel)"
SPREADSHEET_UPLOAD = "Spreadsheet upload"  # a file whose format we can no longer tell
EMAIL_LINK = "Link in email"
ON_BEHALF = "Support staff on behalf of the provider"
SUPPORT_TEAM = "NECS support"

NOT_ANSWERED = "Not answered"
NIL_REASONS: list[tuple[str, str]] = NilReason.choices
YES_NO = {"yes": "Yes", "no": "No"}


def upload_format_label(encoding: str | None) -> str:
    """A spreadsheet upload's "how", from the format its check recorded (None: unknown)."""
    if encoding is None:
        return SPREADSHEET_UPLOAD
    return EXCEL_UPLOAD if encoding == XLSX_ENCODING else CSV_UPLOAD


def how_saved(version: ReturnVersion, *, upload_encoding: str | None = None) -> str:
    """How a version reached us, in plain words. ``upload_encoding``: for a spreadsheet
    upload, the format of the file it came in (returns.history_selectors.upload_formats).

    Reads ``version.via_supplier`` and ``version.api_key`` for an API save: select them."""
    source = version.source
    if source == ReturnSource.PORTAL:
        return ONLINE_FORM
    if source == ReturnSource.CSV:
        return upload_format_label(upload_encoding)
    if source == ReturnSource.EMAIL_LINK:
        return EMAIL_LINK
    if source == ReturnSource.ASSISTED:
        return ON_BEHALF
    if source == ReturnSource.API:
        if version.via_supplier_id is not None:
            return f"API ({version.via_supplier.name})"  # type: ignore[union-attr]  # id set
        if version.api_key_id is not None:
            return f"API ({version.api_key.name})"  # type: ignore[union-attr]  # id set
        return "API"
    return "Another way"  # a source added later that this list does not know yet


def on_behalf(version: ReturnVersion) -> bool:
    """Saved by support staff for the provider: in the form, or a file they uploaded (every
    such save records their reason; a provider's own save never has one)."""
    return version.source == ReturnSource.ASSISTED or bool(version.on_behalf_reason)


def who_saved(version: ReturnVersion, *, provider_name: str, show_staff_name: bool) -> str:
    """Who saved a version, as the version recorded it when it was saved (never the user's
    name today, nor anyone else's). Support staff saving for a provider are "NECS support";
    ``show_staff_name`` adds the officer's name (for support staff reading it)."""
    name = version.submitter_name
    if on_behalf(version):
        who = f"{SUPPORT_TEAM} on behalf of {provider_name}"
        return f"{who} ({name})" if show_staff_name and name else who
    if version.source == ReturnSource.API and version.submitted_by_id is None:
        # Saved by a key, not a person: the key's name (the stored last name is its prefix,
        # an internal code).
        if version.api_key_id is not None:
            return version.api_key.name  # type: ignore[union-attr]  # id set
        return version.submitter_first_name or "Software using the API"
    return name or "Not recorded"


def when_saved(instant: datetime.datetime) -> str:
    """ "Monday 14 December 2026 at 9:05pm", in Europe/London."""
    return govuk_date_time(instant)


@dataclass(frozen=True)
class Counted:
    """Whether a version counted, as a GOV.UK tag and a sentence."""

    tag: str
    colour: str  # the govuk-tag modifier
    detail: str


def counted(version: ReturnVersion, *, counted_id: int | None, month: str) -> Counted:
    """``counted_id``: the head's counted version (the newest saved inside the window)."""
    if not version.in_window:
        return Counted(
            "Sent late",
            "orange",
            f"Saved after the collection for {month} closed, so it does not count as sent on time.",
        )
    if counted_id is not None and counted_id != version.pk:
        return Counted(
            "Replaced",
            "grey",
            f"Sent on time, then replaced by a later version saved before the collection for "
            f"{month} closed.",
        )
    if version.kind == ReturnKind.NIL:
        return Counted("Nil return", "blue", f"Sent on time. This nil return counts for {month}.")
    return Counted("Sent on time", "green", f"Sent on time. This is the return for {month}.")


# --- Figures ----------------------------------------------------------------------------------

# The unit of a count, by the start of its item code: (one, many).
_UNITS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("beds_", ("bed", "beds")),
    ("vacc_residents_", ("resident", "residents")),
    ("people_", ("person", "people")),
    ("staff_", ("member of staff", "staff")),
    ("absent_", ("member of staff", "staff")),
    ("vacc_staff_", ("member of staff", "staff")),
)


def unit_pair(code: str) -> tuple[str, str] | None:
    """What a count item counts, (one, many), by its code; None if it is not a count."""
    for prefix, pair in _UNITS:
        if code.startswith(prefix):
            return pair
    return None


def unit_for(code: str, value: int) -> str:
    pair = unit_pair(code)
    if pair is None:
        return ""
    return pair[0] if value == 1 else pair[1]


def figure_text(code: str, kind: str, value: Any) -> str:
    """A stored answer as shown: "35 beds", "Yes", the text, or "Not answered"."""
    if value is None or value == "":
        return NOT_ANSWERED
    if kind == "yes_no":
        return YES_NO.get(str(value), str(value))
    if kind == "integer":
        try:
            number = int(value)
        except (TypeError, ValueError):
            return str(value)
        unit = unit_for(code, number)
        return f"{number:,} {unit}" if unit else f"{number:,}"
    return str(value)


def kind_text(version: ReturnVersion) -> str:
    """What the version was: "Figures entered", "No change since the last return", or the nil
    return with its reason."""
    if version.kind == ReturnKind.NIL:
        reason = version.get_nil_reason_display()
        detail = f" ({version.nil_reason_detail})" if version.nil_reason_detail else ""
        return f"Nil return: {reason[:1].lower()}{reason[1:]}{detail}"
    if version.kind == ReturnKind.UNCHANGED:
        return "No change since the last return"
    return "Figures entered"
