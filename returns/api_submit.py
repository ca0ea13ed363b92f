"""POST /api/v1/returns/: a return for one obligation, sent with an organisation's key.

From a provider's key it is a submission, saved at once like a portal save. From a supplier's
key it is a draft: stored, and listed on the provider's dashboard until someone there confirms
it (then it is saved as the provider's return, "via" the supplier) or discards it. Both go
through the portal's checks (``returns.submission``), so the same figures get the same errors
everywhere; here they come back per field (``answers.<code>``) in the API's error shape.

Writes need a key: people use the portal. Council and DHSC keys read only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import Conflict
from api.idempotency import HEADER, idempotent
from api.models import ApiKey, ApiKeyKind
from api.schema import errors
from api.scope import Caller
from capacity_tracker.lib import clock
from providers.models import CareType, Location
from returns.datasets import dataset_for
from returns.deadlines import Period
from returns.drafts import draft_receive
from returns.models import CollectionWindow, NilReason, ReturnKind, ReturnSource
from returns.selectors import MAX_YEAR, MIN_YEAR, window_for_period
from returns.services import WindowNotStored, window_for_saving
from returns.submission import (
    ReturnInvalid,
    ReturnNotAllowed,
    StaleReturn,
    Submitter,
    check_care_type,
    return_save,
)
from returns.validation import Dataset
from returns.warnings import active_rules


@extend_schema_field({"type": ["integer", "string", "null"]})
class AnswerField(serializers.Field):
    """One answer: a whole number, "yes"/"no", text, or null for an optional item left blank.

    The dataset's own checks (``returns.validation``) decide whether it is right for its item;
    this only refuses shapes no item takes (true/false, fractions, lists, objects)."""

    default_error_messages = {
        "shape": "Give a whole number, yes or no, text, or null.",
    }

    def to_internal_value(self, data: Any) -> Any:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("shape")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class ReturnIn(serializers.Serializer):
    location = serializers.CharField(
        max_length=20, help_text="The location's CQC ID, like 1-123456789."
    )
    care_type = serializers.ChoiceField(choices=CareType.choices)
    period = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        help_text="The collection month, YYYY-MM.",
        error_messages={"invalid": "Give the month as YYYY-MM, like 2027-01."},
    )
    kind = serializers.ChoiceField(
        choices=ReturnKind.choices,
        help_text="full: the figures in `answers`. unchanged: the same figures as the last "
        "return. nil: nothing to report this month, with `nil_reason`.",
    )
    answers = serializers.DictField(
        child=AnswerField(allow_null=True),
        required=False,
        default=dict,
        help_text="For a full return: one entry per item code of GET /api/v1/data-items/.",
    )
    nil_reason = serializers.ChoiceField(
        choices=NilReason.choices, required=False, allow_blank=True, default=""
    )
    nil_reason_detail = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    based_on_version = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional: the number of versions the return had when you read it "
        "(GET /api/v1/returns/). If someone saved since, the return is refused with 409 "
        "rather than overwriting their figures. Submissions only.",
    )


@extend_schema_field({"type": "number"})
class NumberField(serializers.Field):
    """A figure as stored: a whole number, or a percentage to one decimal place."""

    def to_representation(self, value: Any) -> Any:
        return value


class FigureWarningOut(serializers.Serializer):
    rule = serializers.CharField(help_text="The rule's code, e.g. occupancy_change.")
    item = serializers.CharField(help_text="The item code the figure is shown beside.")
    message = serializers.CharField(
        help_text='In plain English, e.g. "Occupancy has gone from 92% to 61% since the last '
        'return".'
    )
    value = NumberField(help_text="This return's figure (a percentage when unit is %).")
    previous = NumberField(
        allow_null=True, help_text="The last return's figure; null if there is none."
    )
    threshold = NumberField(help_text="The rule's threshold when the return was saved.")
    unit = serializers.CharField(help_text='"%" for a percentage, "" for a count.')


class ReturnAccepted(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[("submitted", "submitted"), ("draft", "draft")],
        help_text="submitted: saved as the location's return. draft: waiting for the "
        "provider to confirm it in the portal.",
    )
    reference = serializers.CharField()
    location = serializers.CharField()
    care_type = serializers.ChoiceField(choices=CareType.choices)
    period = serializers.CharField()
    kind = serializers.ChoiceField(choices=ReturnKind.choices)
    received_at = serializers.DateTimeField()
    version_number = serializers.IntegerField(
        allow_null=True, help_text="The return's version this made (null for a draft)."
    )
    in_window = serializers.BooleanField(
        help_text="Whether it arrived while the month's window was open. A late return is "
        "kept but does not count for the month."
    )
    replaced_drafts = serializers.ListField(
        child=serializers.CharField(),
        help_text="Your earlier drafts for the same return that this one replaces.",
    )
    warnings = FigureWarningOut(
        many=True,
        help_text="Figures that differ sharply from the location's last return (or, for "
        "staff absences, are high whatever it was), for you to check. Never a refusal: the "
        "return is saved, and these are recorded with it as sent anyway. Empty for a draft.",
    )


SUBMIT_SCHEMA = extend_schema(
    operation_id="send_return",
    summary="Send a return (or, from a supplier's key, a draft)",
    description=(
        "One return for one location, care type and month. A provider's key saves it as the "
        "location's return. A supplier's key stores a draft that the provider confirms in the "
        "portal; a newer draft from you for the same return replaces a waiting one. Send an "
        f"`{HEADER}` header (a UUID) so that a retry after a timeout has one effect."
    ),
    request=ReturnIn,
    parameters=[
        OpenApiParameter(
            HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            required=False,
            description="A unique value per request, 1 to 255 printable characters. The same "
            "key with the same body returns the first response; with another body, 409.",
        )
    ],
    responses={
        201: OpenApiResponse(ReturnAccepted, description="Saved (or stored as a draft)."),
        **errors(400, 401, 403, 409, 413, 429),
    },
    examples=[
        OpenApiExample(
            "A nil return",
            value={
                "location": "1-123456789",
                "care_type": "home_care",
                "period": "2027-01",
                "kind": "nil",
                "nil_reason": "no_service_users",
            },
            request_only=True,
        )
    ],
)


def _refuse_writer(caller: Caller) -> None:
    if caller.key is None:
        raise exceptions.PermissionDenied(
            "Send returns with your organisation's API key, or use the portal."
        )
    if caller.key.kind not in (ApiKeyKind.PROVIDER, ApiKeyKind.SUPPLIER):
        raise exceptions.PermissionDenied(
            f"A {caller.key.get_kind_display().lower()} key reads figures; it cannot send returns."
        )


def _location(caller: Caller, cqc_id: str) -> Location:
    location = caller.writable_locations().filter(cqc_id=cqc_id).select_related("provider").first()
    if location is not None:
        return location
    if caller.is_supplier:
        message = (
            f"Your organisation may not send returns for location {cqc_id}: the provider has "
            "not given it access (they can, in the portal)."
        )
    else:
        message = f"Location {cqc_id} is not one of your organisation's locations."
    raise exceptions.PermissionDenied({"location": [message]})


def _window(period: Period, now: datetime.datetime) -> CollectionWindow:
    window = window_for_period(period)  # stored, or the rules' dates: this stores nothing
    if now < window.opens_at:
        raise exceptions.ValidationError(
            {"period": [f"The collection for {period.label()} has not opened yet."]}
        )
    return window


def _check_shape(data: dict[str, Any], period: Period) -> Dataset:
    """What the portal's form makes impossible and an API client can still send. Returns the
    month's dataset for the care type, which the save then uses (read once per request)."""
    kind, answers = data["kind"], data["answers"]
    if kind != ReturnKind.FULL and answers:
        raise exceptions.ValidationError({"answers": [f"Leave out answers for a {kind} return."]})
    dataset = dataset_for(period, data["care_type"])
    if kind == ReturnKind.FULL:
        codes = set(dataset.codes)
        unknown = sorted(set(answers) - codes)
        if unknown:
            raise exceptions.ValidationError(
                {
                    "answers": {
                        code: [
                            f"{code} is not a question for {period.label()}: see "
                            "GET /api/v1/data-items/."
                        ]
                        for code in unknown
                    }
                }
            )
    return dataset


def _as_text(answers: dict[str, Any]) -> dict[str, str]:
    # The checks read answers as a form posts them: text, blank for none.
    return {code: "" if value is None else str(value) for code, value in answers.items()}


def _refusal(exc: Exception) -> exceptions.APIException:
    if isinstance(exc, ReturnInvalid):
        fields = {}
        for name, message in exc.errors.items():
            field = name if name in ("nil_reason", "nil_reason_detail") else f"answers.{name}"
            fields[field] = [message]
        return exceptions.ValidationError(fields)
    if isinstance(exc, StaleReturn):
        latest = exc.latest
        detail = (
            f" The newest is version {latest.number} ({latest.reference}), saved "
            f"{latest.submitted_at.isoformat()}."
            if latest
            else ""
        )
        return Conflict(
            "Someone saved this return after the version you based yours on; nothing was "
            f"saved.{detail} Read it again and send yours with the new based_on_version."
        )
    # What is left is the month (never run here) or the kind (no earlier figures, or the
    # questions changed since them): the window and the care type were checked before.
    field = "period" if isinstance(exc, WindowNotStored) else "kind"
    return exceptions.ValidationError({field: [str(exc)]})


def _submit(request: Request, caller: Caller, data: dict[str, Any]) -> Response:
    api_key = caller.key
    assert isinstance(api_key, ApiKey)
    now = clock.now()
    try:
        period = Period.parse(data["period"])
    except ValueError:
        period = None
    if period is None or not MIN_YEAR <= period.year <= MAX_YEAR:
        raise exceptions.ValidationError(
            {"period": [f"Give a month from {MIN_YEAR} to {MAX_YEAR}."]}
        )
    location = _location(caller, data["location"])
    window = _window(period, now)
    try:  # before the answers are read against the care type's questions
        check_care_type(location, data["care_type"])
    except ReturnNotAllowed as exc:
        raise exceptions.ValidationError({"care_type": [str(exc)]}) from None
    dataset = _check_shape(data, period)
    fields = {
        "location": location,
        "care_type": data["care_type"],
        "kind": data["kind"],
        "now": now,
        "answers": _as_text(data["answers"]),
        "nil_reason": data["nil_reason"],
        "nil_reason_detail": data["nil_reason_detail"],
        "dataset": dataset,
    }
    try:
        with transaction.atomic():
            if window.pk is None:  # the scheduled job has not stored it yet: store it now
                window = window_for_saving(period=period, now=now)
            if caller.is_supplier:
                draft = draft_receive(api_key=api_key, window=window, **fields)
                body: dict[str, Any] = {
                    "outcome": "draft",
                    "reference": draft.reference,
                    "version_number": None,
                    "in_window": window.contains(now),
                    "replaced_drafts": draft.replaced_references,
                    "warnings": [],
                }
            else:
                version = return_save(
                    submitter=Submitter(
                        user=None,
                        first_name=api_key.name[:150],
                        last_name=f"(API key {api_key.prefix})",
                        label=f"{api_key.owner_label} (API key {api_key.prefix})",
                    ),
                    window=window,
                    source=ReturnSource.API,
                    based_on=data["based_on_version"],
                    api_key=api_key,
                    # Soft warnings: worked out with the head locked, never refusing.
                    warning_rules=active_rules(),
                    **fields,
                )
                body = {
                    "outcome": "submitted",
                    "reference": version.reference,
                    "version_number": version.number,
                    "in_window": version.in_window,
                    "replaced_drafts": [],
                    "warnings": version.warnings,
                }
    except (ReturnInvalid, ReturnNotAllowed, StaleReturn, WindowNotStored) as exc:
        raise _refusal(exc) from None
    body.update(
        {
            "location": location.cqc_id,
            "care_type": data["care_type"],
            "period": data["period"],
            "kind": data["kind"],
            "received_at": now,
        }
    )
    return Response(ReturnAccepted(body).data, status=status.HTTP_201_CREATED)


def submit(request: Request) -> Response:
    caller = Caller.of(request)
    _refuse_writer(caller)

    def work() -> Response:
        incoming = ReturnIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        return _submit(request, caller, incoming.validated_data)

    return idempotent(request, work)
