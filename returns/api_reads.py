"""Reads behind the API's data items and returns endpoints: query parameters, selectors and
the response shapes (the serializers are the schema, so what is documented is what is sent).

Nothing here writes. Statuses are the dashboard's (``returns.selectors.obligation_status``) and
who owes what is ``returns.obligations``'s: the rules exist once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import Cursor
from rest_framework.request import Request

from api.pagination import ApiCursorPagination
from providers.models import CareType, Location
from providers.validators import CQC_ID_PATTERN
from returns.datasets import dataset_for
from returns.deadlines import Period
from returns.models import (
    DataItem,
    DatasetVersion,
    ItemRule,
    NilReason,
    Return,
    ReturnKind,
    ReturnSource,
    ReturnVersion,
)
from returns.obligations import obligations
from returns.selectors import MAX_YEAR, MIN_YEAR, Status, obligation_status

# A month like 2026-04, from MIN_YEAR to MAX_YEAR (the calendar's years).
PERIOD_PATTERN = r"^(20[2-9][0-9]|2100)-(0[1-9]|1[0-2])$"
assert MIN_YEAR == 2020 and MAX_YEAR == 2100
PERIOD_MESSAGE = f"Enter a month like 2026-04, from {MIN_YEAR}-01 to {MAX_YEAR}-12."
CQC_ID_REGEX = CQC_ID_PATTERN.pattern
STATUSES = [
    Status.NOT_STARTED,
    Status.UPDATED,
    Status.NIL,
    Status.LATE,
    Status.MISSED,
    Status.NOT_REQUIRED,
]
STATUS_HELP = (
    "As on the provider's dashboard: not_started (owed, nothing sent, window open), updated, "
    "nil (a nil return counts), late (sent after the window closed), missed (owed, nothing "
    "sent, window closed), not_required (not owed)."
)


class PeriodField(serializers.RegexField):
    """A month ``YYYY-MM``, read as a ``Period``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "A month, YYYY-MM.")
        super().__init__(
            PERIOD_PATTERN,
            error_messages={"invalid": PERIOD_MESSAGE},
            max_length=7,
            trim_whitespace=False,
            **kwargs,
        )

    def run_validation(self, data: Any = serializers.empty) -> Any:
        text = super().run_validation(data)
        return Period.parse(text) if isinstance(text, str) else text


class CqcIdField(serializers.RegexField):
    def __init__(self, what: str, **kwargs: Any) -> None:
        super().__init__(
            CQC_ID_REGEX,
            max_length=13,
            trim_whitespace=False,
            error_messages={"invalid": f"Enter a CQC {what} ID like 1-1000000001."},
            **kwargs,
        )


# --- Data items ----------------------------------------------------------------------------


class DataItemsQuery(serializers.Serializer):
    care_type = serializers.ChoiceField(
        choices=CareType.choices, help_text="Whose questions: care homes' or home care's."
    )
    period = PeriodField(
        required=False,
        help_text="The month, YYYY-MM. Default: the month of the window open now, or else of "
        "the next to open.",
    )


class DatasetVersionOut(serializers.Serializer):
    name = serializers.CharField()
    effective_from = serializers.DateField(help_text="The first month it applies to.")


class DataItemOut(serializers.Serializer):
    code = serializers.CharField(help_text="The answer's key in a return's answers.")
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field (DRF's metaclass moves it), not Field.label
    section = serializers.CharField()
    kind = serializers.ChoiceField(choices=DataItem.Kind.choices)
    mandatory = serializers.BooleanField()
    min_value = serializers.IntegerField(allow_null=True)
    max_value = serializers.IntegerField(allow_null=True)
    help_text = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # a declared field (DRF's metaclass moves it), not Field.help_text
    campaign_only = serializers.BooleanField(help_text="Asked only in vaccination campaign months.")


class ItemRuleOut(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ItemRule.Kind.choices,
        help_text="at_most: the sum of the left items must be at most the sum of the right "
        "items. required_when: the right item is required when the left item's answer is "
        "when_value.",
    )
    left_codes = serializers.ListField(child=serializers.CharField())
    right_codes = serializers.ListField(child=serializers.CharField())
    when_value = serializers.CharField(
        allow_null=True, help_text="For required_when rules; null for the others."
    )
    message = serializers.CharField(
        help_text="Shown when the rule fails; {total} and {limit} are filled in."
    )


class DatasetOut(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    care_type = serializers.ChoiceField(choices=CareType.choices)
    campaign = serializers.BooleanField(
        help_text="Whether the month is a vaccination campaign month (campaign_only items are "
        "asked, and listed, only then)."
    )
    dataset_version = DatasetVersionOut()
    items = DataItemOut(many=True)
    rules = ItemRuleOut(many=True)


def dataset_read(period: Period, care_type: str) -> dict[str, Any] | None:
    """The questions a return for ``period`` and ``care_type`` asks, or None when no dataset
    version is in force for that month."""
    try:
        dataset = dataset_for(period, care_type)
    except LookupError:
        return None
    version = DatasetVersion.objects.only("name", "effective_from").get(pk=dataset.version_id)
    return {
        "period": str(period),
        "care_type": care_type,
        "campaign": dataset.campaign,
        "dataset_version": {"name": version.name, "effective_from": version.effective_from},
        "items": [
            {
                "code": item.code,
                "label": item.label,
                "section": item.section,
                "kind": item.kind,
                "mandatory": item.mandatory,
                "min_value": item.min_value,
                "max_value": item.max_value,
                "help_text": item.help_text,
                "campaign_only": item.campaign_only,
            }
            for item in dataset.items
        ],
        "rules": [
            {
                "kind": rule.kind,
                "left_codes": list(rule.left_codes),
                "right_codes": list(rule.right_codes),
                "when_value": rule.when_value or None,
                "message": rule.message,
            }
            for rule in dataset.rules
        ],
    }


# --- Returns -------------------------------------------------------------------------------


class ReturnsQuery(serializers.Serializer):
    location = CqcIdField(
        "location", help_text="The location's CQC ID (one you may read; any other is a 404)."
    )
    period = PeriodField(required=False, help_text="One month, YYYY-MM. Default: every month.")


class ReturnsPagination(ApiCursorPagination):
    # Newest month first; a location has one return per care type a month.
    ordering = ("-window_period", "care_type")

    def decode_cursor(self, request: Request) -> Cursor | None:
        """A cursor is ours only if its position is a date: any other (tampered) text would
        reach the database as a date and fail there."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                # The position is the cursor's text (the stubs type it as an int).
                datetime.date.fromisoformat(str(cursor.position))
            except ValueError:
                raise exceptions.NotFound(self.invalid_cursor_message) from None
        return cursor


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": ["integer", "string", "null"]},
        "description": "Each data item's answer by its code: a whole number, yes or no, "
        "text, or null where an optional item was not answered. Empty for a nil return.",
    }
)
class AnswersField(serializers.DictField):
    pass


class ReturnVersionOut(serializers.Serializer):
    number = serializers.IntegerField(help_text="1 for the first save, then 2, 3, ...")
    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=ReturnKind.choices)
    source = serializers.ChoiceField(choices=ReturnSource.choices)  # type: ignore[assignment]  # a declared field (DRF's metaclass moves it), not Field.source
    submitted_at = serializers.DateTimeField()
    in_window = serializers.BooleanField(help_text="Saved while the window was open.")
    submitter_name = serializers.CharField(allow_blank=True)
    via_supplier = serializers.CharField(
        allow_null=True, help_text="The care record supplier whose draft this was, or null."
    )
    answers = AnswersField()
    nil_reason = serializers.ChoiceField(
        choices=NilReason.choices, allow_null=True, help_text="For a nil return; else null."
    )
    nil_reason_detail = serializers.CharField(
        allow_null=True, help_text="The provider's words for an other reason; else null."
    )


class ReturnOut(serializers.Serializer):
    care_type = serializers.ChoiceField(choices=CareType.choices)
    period = serializers.CharField(help_text="YYYY-MM")
    status = serializers.ChoiceField(choices=[(s, s) for s in STATUSES], help_text=STATUS_HELP)
    counted_reference = serializers.CharField(
        allow_null=True,
        help_text="The version that counts as the month's return (the latest saved inside the "
        "window), or null.",
    )
    versions = ReturnVersionOut(many=True, help_text="Oldest first.")


def return_heads(location: Location, period: Period | None) -> QuerySet[Return]:
    """A location's return heads (one month's, or all), with their versions: two queries."""
    heads = (
        Return.objects.filter(location=location)
        .annotate(window_period=F("window__period"))
        .select_related("window", "counted", "latest")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ReturnVersion.objects.select_related("via_supplier").order_by("number"),
            )
        )
    )
    if period is not None:
        heads = heads.filter(window__period=period.first_day())
    return heads


def _version_row(version: ReturnVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "reference": version.reference,
        "kind": version.kind,
        "source": version.source,
        "submitted_at": version.submitted_at,
        "in_window": version.in_window,
        "submitter_name": version.submitter_name,
        "via_supplier": version.via_supplier.name if version.via_supplier else None,
        "answers": version.answers or {},
        "nil_reason": version.nil_reason or None,
        "nil_reason_detail": version.nil_reason_detail or None,
    }


def return_rows(
    location: Location, heads: list[Return], now: datetime.datetime
) -> list[dict[str, Any]]:
    """One page of heads as the API shows them; one query for who owed what."""
    windows = list({head.window_id: head.window for head in heads}.values())
    owed = (
        {
            (row["window_id"], row["care_type"])
            for row in obligations(windows, locations=Location.objects.filter(pk=location.pk))
        }
        if windows
        else set()
    )
    return [
        {
            "care_type": head.care_type,
            "period": head.window.period_key,
            "status": obligation_status(
                head, (head.window_id, head.care_type) in owed, head.window, now
            ),
            "counted_reference": head.counted.reference if head.counted else None,
            # Prefetched, in number order.
            "versions": [_version_row(v) for v in head.versions.all()],
        }
        for head in heads
    ]
