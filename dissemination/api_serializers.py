"""The shapes of the dissemination API: its query parameters, its rows and its pages.

The serializers here only parse parameters and describe responses for the OpenAPI schema; the
figures come from ``dissemination.selectors`` and are turned into JSON by ``aggregate_json`` and
``compliance_json`` (plain dicts, built once per row, so a 1,000-row page costs no field
machinery). The schema below is written to match those dicts exactly, nulls included.

Aggregate rows have a fixed set of keys whatever the dataset: the area, the compliance counts,
``compliance_rate`` and ``registered_places`` (null for home care), then ``figures`` (item or
derived figure name -> summed value, null when not collected) and ``rates`` (rate name ->
``{numerator, denominator, value}``). The names in ``figures`` and ``rates`` are the data
dictionary's (``aggregate_columns``), so a new formal notice adds keys there, never new
top-level fields.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from dissemination.publishable import COMPLIANCE_COUNTS
from dissemination.rows import AggregateRow, ComplianceRow, Level, Rate
from providers.models import CareType
from returns.models import ReturnKind

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# The England row of a narrowed call (a council's key, or a region or council filter) is the
# total of what was read, not England's: it is relabelled, as in the export files.
AREA_TOTAL = "area_total"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
CARE_TYPES = CareType.choices


# --- query parameters --------------------------------------------------------------------
class _PeriodField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        # (Year 0000 matches the pattern but is no date at all.)
        if not PERIOD.match(value) or value.startswith("0000"):
            raise serializers.ValidationError(
                f"period must be a month like 2026-04 (got {value!r}).", code="invalid"
            )
        return value


class _PageParams(serializers.Serializer):
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )


class _AreaParams(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=20)
    local_authority = serializers.CharField(required=False, max_length=20)


class AggregateParams(_PageParams, _AreaParams):
    period = _PeriodField()
    level = serializers.ChoiceField(choices=[level.value for level in Level])
    care_type = serializers.ChoiceField(choices=CARE_TYPES)


class ComplianceParams(_PageParams, _AreaParams):
    period = _PeriodField()
    care_type = serializers.ChoiceField(choices=CARE_TYPES, required=False)


# --- responses ---------------------------------------------------------------------------
class RateSerializer(serializers.Serializer):
    numerator = serializers.IntegerField(allow_null=True, help_text="Summed numerator.")
    denominator = serializers.IntegerField(allow_null=True, help_text="Summed denominator.")
    value = serializers.FloatField(
        allow_null=True,
        help_text="numerator / denominator; null when not collected or the denominator is 0.",
    )

    class Meta:
        ref_name = "AggregateRate"


def _text(help_text: str, *, null: bool = True) -> serializers.CharField:
    return serializers.CharField(allow_null=null, help_text=help_text)


def _count(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(help_text=help_text)


class AggregateRowSerializer(serializers.Serializer):
    period = _text("The collection month, YYYY-MM.", null=False)
    level = serializers.ChoiceField(
        choices=[
            Level.ENGLAND.value,
            AREA_TOTAL,
            *(lv.value for lv in Level if lv.value != "england"),
        ],
        help_text="england, region, local_authority or location; area_total for the total "
        "of a narrowed call (a council's key, or a region or local_authority filter).",
    )
    area_code = _text(
        "ONS code of the area, CQC location ID at location level; null for area_total."
    )
    area_name = _text("Name of the area or location.", null=False)
    region_code = _text("ONS code of the region (null at England level).")
    region_name = _text("Region.")
    local_authority_code = _text("ONS code of the council (council level and below).")
    local_authority_name = _text("Council with adult social services responsibilities.")
    provider_code = _text("CQC provider ID (location level only).")
    provider_name = _text("Provider (location level only).")
    care_type = serializers.ChoiceField(choices=CARE_TYPES)
    locations_owing = _count("Locations owing a return: returned + late + missing.")
    returned = _count("Returns saved in the window: full + unchanged + nil.")
    returned_full = _count("Returns saved in the window with figures entered.")
    returned_unchanged = _count("Returns saved in the window as 'nothing has changed'.")
    returned_nil = _count("Nil returns saved in the window.")
    late = _count("No return in the window, one saved after it closed.")
    missing = _count("No return saved at all.")
    compliance_rate = RateSerializer(help_text="returned / locations_owing.")
    registered_places = serializers.IntegerField(
        allow_null=True,
        help_text="Places CQC registers the owing care homes for; null for home care.",
    )
    figures = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Figure name (see the data dictionary) -> summed value; null when no return "
        "in the area answered it (not collected).",
    )
    rates = serializers.DictField(
        child=RateSerializer(),
        help_text="Rate name (see the data dictionary) -> numerator, denominator and value, "
        "both parts summed over the same returns.",
    )


class _Page(serializers.Serializer):
    next = serializers.URLField(
        allow_null=True, help_text="The next page (same parameters, a new cursor), or null."
    )
    previous = serializers.URLField(allow_null=True, help_text="The page before, or null.")


class AggregatePageSerializer(_Page):
    period = _text("YYYY-MM", null=False)
    care_type = serializers.ChoiceField(choices=CARE_TYPES)
    level = serializers.ChoiceField(choices=[level.value for level in Level])
    total_label = _text(
        "What the england (or area_total) row is: England, or the narrowed area's total.",
        null=False,
    )
    results = AggregateRowSerializer(many=True)


class ComplianceRowSerializer(serializers.Serializer):
    period = _text("The collection month, YYYY-MM.", null=False)
    location_code = _text("CQC location ID.", null=False)
    location_name = _text("Location.", null=False)
    provider_code = _text("CQC provider ID.", null=False)
    provider_name = _text("Provider.", null=False)
    local_authority_code = _text("ONS code of the council.", null=False)
    local_authority_name = _text("Council.", null=False)
    region_code = _text("ONS code of the region.", null=False)
    region_name = _text("Region.", null=False)
    care_type = serializers.ChoiceField(choices=CARE_TYPES)
    compliant = serializers.IntegerField(help_text="1 if a return was saved in the window, else 0.")
    return_kind = serializers.ChoiceField(
        choices=ReturnKind.choices,
        allow_null=True,
        help_text="The month's return's kind (the latest save's when late); null if none.",
    )
    saved_at = serializers.DateTimeField(
        allow_null=True, help_text="When that return was saved (ISO 8601); null if none."
    )
    late = serializers.IntegerField(help_text="1 if the only saves came after the window closed.")


class CompliancePageSerializer(_Page):
    period = _text("YYYY-MM", null=False)
    care_type = serializers.ChoiceField(
        choices=CARE_TYPES, allow_null=True, help_text="null: both care types."
    )
    results = ComplianceRowSerializer(many=True)


# --- rows as JSON --------------------------------------------------------------------------
# The top-level keys of an aggregate row copied from the export row as they are.
AGGREGATE_FIXED = (
    "period",
    "level",
    "area_code",
    "area_name",
    "region_code",
    "region_name",
    "local_authority_code",
    "local_authority_name",
    "provider_code",
    "provider_name",
    "care_type",
    *COMPLIANCE_COUNTS,
)


def _rate(rate: Rate) -> dict[str, Any]:
    return {"numerator": rate.numerator, "denominator": rate.denominator, "value": rate.value}


def aggregate_json(row: AggregateRow, *, total_label: str | None) -> dict[str, Any]:
    """The row as the API sends it. ``total_label``: relabel the England row as the total of
    a narrowed call (None: a national call, England is England)."""
    flat = row.as_dict()  # the export row: the same names, the same values
    out: dict[str, Any] = {name: flat[name] for name in AGGREGATE_FIXED}
    out["compliance_rate"] = _rate(row.compliance_rate)
    out["registered_places"] = row.registered_places
    out["figures"] = dict(row.figures)
    out["rates"] = {name: _rate(rate) for name, rate in row.rates.items()}
    if total_label is not None and row.level is Level.ENGLAND:
        out.update(level=AREA_TOTAL, area_code=None, area_name=total_label)
    return out


def compliance_json(row: ComplianceRow) -> dict[str, Any]:
    return dict(row.as_dict())
