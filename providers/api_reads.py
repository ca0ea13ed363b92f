"""Reads behind the API's locations endpoint: query parameters, the selector and the response
shape (the serializers are the schema, so what is documented is what is sent).

A page costs a fixed number of queries whatever its size: the window, the page of locations
(with their provider, council and registration status on the window's opening day), the page's
return heads, and, for a supplier's key, its waiting drafts.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework import exceptions, serializers
from rest_framework.pagination import Cursor
from rest_framework.request import Request

from api.pagination import ApiCursorPagination
from api.scope import Caller
from providers.models import CareType, Location, RegistrationStatus
from providers.validators import CQC_ID_PATTERN
from returns.api_reads import STATUS_HELP, STATUSES, CqcIdField
from returns.models import CollectionWindow, Return, ReturnDraft, ReturnKind
from returns.obligations import OFFERED, opening_day, owes, with_status_on
from returns.selectors import obligation_status


class LocationsQuery(serializers.Serializer):
    cqc_id = CqcIdField("location", required=False, help_text="Only this location.")
    provider = CqcIdField(
        "provider", required=False, help_text="Only this provider's locations (its CQC ID)."
    )
    owing = serializers.BooleanField(
        required=False,
        help_text="true: only locations with a return still to send for this window (owed, "
        "and nothing sent for it yet, in time or late). false: only the others.",
    )


class LocationsPagination(ApiCursorPagination):
    ordering = ("cqc_id",)  # unique, and never changes

    def decode_cursor(self, request: Request) -> Cursor | None:
        """A cursor is ours only if its position is a CQC ID (a tampered one could hold
        characters the database refuses, such as NUL)."""
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        # call-overload: rest_framework-stubs type Cursor.position as int, but CursorPagination
        # decodes it as the string in the cursor (here a CQC ID).
        if position is not None and not CQC_ID_PATTERN.fullmatch(position):  # type: ignore[call-overload]
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor


class ProviderRef(serializers.Serializer):
    cqc_id = serializers.CharField()
    name = serializers.CharField()


class LocalAuthorityRef(serializers.Serializer):
    ons_code = serializers.CharField()
    name = serializers.CharField()


class VersionRef(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=ReturnKind.choices)
    submitted_at = serializers.DateTimeField()


class ObligationOut(serializers.Serializer):
    care_type = serializers.ChoiceField(choices=CareType.choices)
    owed = serializers.BooleanField(
        help_text="Whether the location owes this window a return for this care type."
    )
    status = serializers.ChoiceField(choices=[(s, s) for s in STATUSES], help_text=STATUS_HELP)
    latest = VersionRef(
        allow_null=True, help_text="The newest version saved for this window, or null."
    )
    waiting_draft_reference = serializers.CharField(
        allow_null=True,
        help_text="For a supplier's key: the reference of its draft waiting for the provider "
        "to confirm, or null. Always null for other callers.",
    )


class WindowOut(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField(help_text="Exclusive: it closes at this instant.")
    obligations = ObligationOut(many=True, help_text="One per care type the location offers.")


class LocationOut(serializers.Serializer):
    cqc_id = serializers.CharField()
    name = serializers.CharField()
    provider = ProviderRef()
    local_authority = LocalAuthorityRef()
    care_types = serializers.ListField(child=serializers.ChoiceField(choices=CareType.choices))
    registration_status = serializers.ChoiceField(
        choices=RegistrationStatus.choices, help_text="As CQC has it now."
    )
    this_window = WindowOut(
        help_text="The window providers are working on: the newest one that has opened."
    )


def _sent(window: CollectionWindow, care_type: str) -> Exists:
    """Something was saved for the location's ``care_type`` return of ``window``."""
    return Exists(
        Return.objects.filter(
            location=OuterRef("pk"),
            care_type=care_type,
            window_id=window.pk,
            latest__isnull=False,
        )
    )


def locations_for(
    caller: Caller, window: CollectionWindow, query: dict[str, Any]
) -> QuerySet[Location]:
    """The caller's readable locations, filtered, annotated ``status_then`` (the registration
    status on ``window``'s opening day) for ``owes``. Unordered: the paginator orders it."""
    locations = with_status_on(caller.readable_locations(), opening_day(window)).select_related(
        "provider", "local_authority"
    )
    if query.get("cqc_id"):
        locations = locations.filter(cqc_id=query["cqc_id"])
    if query.get("provider"):
        locations = locations.filter(provider__cqc_id=query["provider"])
    owing = query.get("owing")
    if owing is not None:
        owed = Q(
            status_then=RegistrationStatus.ACTIVE, added_to_service_on__lte=opening_day(window)
        )
        if window.pk is None:
            to_send = owed  # not stored yet: nothing can have been sent for it
        else:
            locations = locations.annotate(**{f"sent_{ct}": _sent(window, ct) for ct in OFFERED})
            to_send = owed & (
                Q(**{OFFERED[CareType.CARE_HOME]: True, f"sent_{CareType.CARE_HOME}": False})
                | Q(**{OFFERED[CareType.HOME_CARE]: True, f"sent_{CareType.HOME_CARE}": False})
            )
        locations = locations.filter(to_send) if owing else locations.exclude(to_send)
    return locations


def location_rows(
    caller: Caller, locations: list[Location], window: CollectionWindow, now: datetime.datetime
) -> list[dict[str, Any]]:
    """One page of locations as the API shows them: two queries at most, whatever the size."""
    pks = [location.pk for location in locations]
    heads: dict[tuple[int, str], Return] = {}
    drafts: dict[tuple[int, str], str] = {}
    if window.pk is not None and pks:
        heads = {
            (head.location_id, head.care_type): head
            for head in Return.objects.filter(
                location_id__in=pks, window_id=window.pk
            ).select_related("latest", "counted")
        }
        if (supplier_id := caller.supplier_id) is not None:
            drafts = {
                (location_id, care_type): reference
                for location_id, care_type, reference in ReturnDraft.objects.filter(
                    location_id__in=pks,
                    window_id=window.pk,
                    supplier_id=supplier_id,
                    status=ReturnDraft.Status.WAITING,
                ).values_list("location_id", "care_type", "reference")
            }
    rows = []
    for location in locations:
        owed = owes(location, window)
        obligations = []
        for care_type in location.care_types:
            head = heads.get((location.pk, care_type))
            latest = head.latest if head is not None else None
            obligations.append(
                {
                    "care_type": care_type.value,
                    "owed": owed,
                    "status": obligation_status(head, owed, window, now),
                    "latest": None
                    if latest is None
                    else {
                        "reference": latest.reference,
                        "kind": latest.kind,
                        "submitted_at": latest.submitted_at,
                    },
                    "waiting_draft_reference": drafts.get((location.pk, care_type)),
                }
            )
        rows.append(
            {
                "cqc_id": location.cqc_id,
                "name": location.name,
                "provider": {"cqc_id": location.provider.cqc_id, "name": location.provider.name},
                "local_authority": {
                    "ons_code": location.local_authority.ons_code,
                    "name": location.local_authority.name,
                },
                "care_types": [care_type.value for care_type in location.care_types],
                "registration_status": location.status,
                "this_window": {
                    "period": window.period_key,
                    "opens_at": window.opens_at,
                    "closes_at": window.closes_at,
                    "obligations": obligations,
                },
            }
        )
    return rows
