"""Format checks for identifiers that come from CQC and for postcodes.

CQC provider and location IDs are "1-" followed by 9 to 11 digits (e.g. provider 1-101234567,
location 1-1234567890). Messages name the field and show the bad value so that a support
officer reading an import report can find the row.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

CQC_ID_PATTERN = re.compile(r"^1-\d{9,11}$")
POSTCODE_PATTERN = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$")


def normalise_cqc_id(value: str) -> str:
    return (value or "").strip().upper()


def _validate_cqc_id(value: str, kind: str, example: str) -> None:
    if not CQC_ID_PATTERN.match(value or ""):
        raise ValidationError(
            f"Enter a CQC {kind} ID in the correct format, like {example} (you entered {value!r})",
            code="invalid_cqc_id",
        )


def validate_cqc_provider_id(value: str) -> None:
    _validate_cqc_id(value, "provider", "1-101234567")


def validate_cqc_location_id(value: str) -> None:
    _validate_cqc_id(value, "location", "1-1234567890")


def normalise_postcode(value: str) -> str:
    """Upper-case with exactly one space before the inward code ("sw1a1aa" -> "SW1A 1AA")."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    if not POSTCODE_PATTERN.match(value or ""):
        raise ValidationError(
            f"Enter a real postcode, like SW1A 1AA (you entered {value!r})", code="invalid_postcode"
        )
