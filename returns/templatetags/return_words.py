"""Template filters for the plain words of returns/version_labels.py, so pages that show an
upload or a version say it the same way."""

from __future__ import annotations

import datetime

from django import template

from returns import version_labels

register = template.Library()


@register.filter
def when_saved(instant: datetime.datetime | None) -> str:
    """ "Monday 14 December 2026 at 9:05pm" (Europe/London); empty for no time."""
    return "" if instant is None else version_labels.when_saved(instant)


@register.filter
def upload_format(encoding: str | None) -> str:
    """A spreadsheet upload's "how": "Spreadsheet upload (CSV)" or "(Excel)"."""
    return version_labels.upload_format_label(encoding or "")


# An upload's status in plain words (BulkUpload.Status's labels are for support staff).
UPLOAD_STATUS_WORDS = {
    "checking": "Checking the file",
    "invalid": "Has problems to fix",
    "ready": "Checked: ready to save",
    "applying": "Saving",
    "applied": "Saved",
    "failed": "Could not be processed",
}


@register.filter
def upload_status(status: str) -> str:
    return UPLOAD_STATUS_WORDS.get(status, status)
