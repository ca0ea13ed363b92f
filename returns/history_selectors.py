"""Reads for a location's return history and its version pages (returns/history_views.py).

Each read is a fixed number of queries, however many versions a location has.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404

from providers.models import AuditEvent, Location
from returns.models import BulkUpload, DataItem, Return, ReturnSource, ReturnVersion

_VERSION_RELATED = ("return_head__window", "via_supplier", "api_key")


def _versions() -> QuerySet[ReturnVersion]:
    return ReturnVersion.objects.select_related(*_VERSION_RELATED)


def versions_of(location: Location) -> list[ReturnVersion]:
    """Every version saved for the location, newest month first (one query)."""
    return list(
        _versions()
        .filter(return_head__location=location)
        .order_by("-return_head__window__period", "return_head__care_type", "-number")
    )


def version_of(location: Location, reference: str) -> ReturnVersion:
    """The location's version with this reference, else Http404 (one query)."""
    version = _versions().filter(return_head__location=location, reference=reference).first()
    if version is None:
        raise Http404("No return with that reference for this location.")
    return version


def version_before(version: ReturnVersion) -> ReturnVersion | None:
    """The version of the same return saved just before this one (one query)."""
    if version.number <= 1:
        return None
    return (
        _versions().filter(return_head_id=version.return_head_id, number=version.number - 1).first()
    )


def upload_formats(versions: Iterable[ReturnVersion]) -> dict[str, str]:
    """For each spreadsheet-upload version, by reference, the format of its file ("xlsx" for a
    workbook, else the CSV's encoding). Two queries when there are any, none otherwise.

    A version does not point at its upload; the save's audit event (one per version, on the
    return) names both, as ``returns.submission.returns_save_many`` writes it.
    """
    by_head: dict[str, list[str]] = {}
    for version in versions:
        if version.source == ReturnSource.CSV:
            by_head.setdefault(str(version.return_head_id), []).append(version.reference)
    if not by_head:
        return {}
    references = {ref for refs in by_head.values() for ref in refs}
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Return),  # cached after the first read
        target_id__in=list(by_head),
        action__startswith="returns.return.",
        data__has_key="bulk_upload",
    ).values_list("data__reference", "data__bulk_upload")
    upload_of = {ref: upload for ref, upload in events if ref in references}
    encodings = dict(
        BulkUpload.objects.filter(pk__in=set(upload_of.values())).values_list("pk", "encoding")
    )
    return {ref: encodings[upload] for ref, upload in upload_of.items() if upload in encodings}


def items_of(dataset_version_ids: Iterable[int], care_type: str) -> list[DataItem]:
    """The questions of the dataset versions (in their order), for showing saved answers."""
    return list(
        DataItem.objects.filter(version_id__in=set(dataset_version_ids), care_type=care_type)
        .only("version_id", "code", "label", "section", "kind", "order")
        .order_by("version_id", "order")
    )
