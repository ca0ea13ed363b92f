"""Format checks for identifiers that come from CQC, for postcodes, and for names.

CQC provider and location IDs are "1-" followed by 9 to 11 digits (e.g. provider 1-101234567,
location 1-1234567890). Messages name the field and show the bad value so that a support
officer reading an import report can find the row.
"""

from __future__ import annotations

import re
import unicodedata

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


def _is_control(char: str) -> bool:
    # Cc is C0 (incl. CR, LF, tab), DEL and C1; Zl/Zp are Unicode's line and paragraph
    # separators, which some mail clients also break lines on.
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def has_control_characters(value: str | None) -> bool:
    return any(_is_control(char) for char in value or "")


def validate_no_control_characters(value: str | None) -> None:
    """Refuse line breaks, tabs and other control characters in a name.

    Names go into email subjects and bodies: a carriage return in one would either stop the
    email being sent (Django refuses header injection) or let the writer start a paragraph of
    their own in an email sent in the service's name. A name never needs one.
    """
    if has_control_characters(value):
        raise ValidationError(
            "Enter a name without line breaks, tabs or other special characters",
            code="control_characters",
        )


def strip_control_characters(value: str) -> str:
    """Each run of control characters becomes one space: for text that has already been stored."""
    return re.sub(r"\s+", " ", "".join(" " if _is_control(c) else c for c in value)).strip()


def validate_names_of(instance: object, *fields: str) -> None:
    """For a model's ``clean()``: the named text fields hold no control characters.

    A model ``clean()`` rather than field validators, so that admin's forms refuse such names
    too without a migration for every field.
    """
    errors: dict[str, str] = {}
    for field in fields:
        try:
            validate_no_control_characters(getattr(instance, field, ""))
        except ValidationError as exc:
            errors[field] = exc.messages[0]
    if errors:
        raise ValidationError(errors)


# --- UK mobile numbers (text messages through GOV.UK Notify) ----------------------------------

MOBILE_MESSAGE = "Enter a UK mobile number, like 07700 900 982"
SMS_NEEDS_MOBILE = "Enter a mobile number to get text messages"
# What people put between digits: spaces, dashes, brackets and dots.
_MOBILE_PUNCTUATION = re.compile(r"[\s\-().]")
# After the country code or the leading 0: 10 digits starting 7. Ofcom's 07 range also holds
# 070 (personal numbers, which forward anywhere and cost the sender more) and 076 (pagers),
# which are not mobiles: only 071-075 and 077-079 are taken. (Notify itself accepts any 07.)
_MOBILE_NATIONAL = re.compile(r"7[1-57-9][0-9]{8}")


def normalise_uk_mobile(value: str) -> str:
    """A UK mobile number as +447XXXXXXXXX, or ValidationError.

    Accepts the ways people write one: 07700 900982, +44 7700 900982, 0044 7700 900982,
    44 7700 900982 and +44 (0)7700 900982, with spaces, dashes, brackets or dots anywhere.
    Refuses landlines (01, 02, 03 ...), 070 and 076 numbers, wrong lengths, letters and
    numbers outside the UK.
    """
    national = _uk_national_number(value, ("+44", "0044", "44"))
    if national is None or not _MOBILE_NATIONAL.fullmatch(national):
        raise ValidationError(MOBILE_MESSAGE, code="invalid_mobile")
    return f"+44{national}"


def _uk_national_number(value: str, country_codes: tuple[str, ...]) -> str | None:
    """The digits after +44 (or after the leading 0) of a number written any way people write
    it, with spaces, dashes, brackets or dots; None when it starts with neither."""
    compact = _MOBILE_PUNCTUATION.sub("", value or "")
    for country_code in country_codes:
        if compact.startswith(country_code):
            national = compact[len(country_code) :]
            # "+44 (0)7700 900982": the trunk 0 in brackets
            return national[1:] if national.startswith("0") else national
    return compact[1:] if compact.startswith("0") else None


def validate_uk_mobile(value: str) -> None:
    """For a model or form field: ``value`` is a UK mobile number in any form written above."""
    if value:
        normalise_uk_mobile(value)


# --- UK telephone numbers (a contact's phone: landline or mobile) -----------------------------

PHONE_MESSAGE = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
# After the country code or the leading 0: 9 or 10 digits, not starting 0 (Ofcom's plan:
# 01/02 geographic, 03, 05, 07 mobile, 08 freephone and others, 09 premium rate).
_PHONE_NATIONAL = re.compile(r"[1-9][0-9]{8,9}")


def normalise_uk_phone(value: str) -> str:
    """A UK telephone number as +44XXXXXXXXXX, or ValidationError.

    Accepts what people write: 01632 960 001, (01632) 960001, 0113-496-0001, +44 808 157 0192,
    +44 (0)113 496 0001 and 0044 ..., with spaces, dashes, brackets or dots anywhere. Refuses
    words, wrong lengths and numbers outside the UK.
    """
    national = _uk_national_number(value, ("+44", "0044"))
    if national is None or not _PHONE_NATIONAL.fullmatch(national):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
    return f"+44{national}"


def validate_uk_phone(value: str) -> None:
    """For a form or service: blank, or a UK telephone number in any form written above.

    The number is kept as typed (people read it back the way they wrote it); this only checks.
    """
    if value and value.strip():
        normalise_uk_phone(value)
