"""A location's return history, each version's own page, and its comparison with the version
before it. Read only (GET): who may open them is exactly who may open the location
(providers.access.get_location_for), and anyone else gets a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from providers.access import HISTORY_ROLES, get_location_for, role_of, role_required
from providers.models import CareType, Location, Role
from returns import version_labels as labels
from returns.history_selectors import (
    items_of,
    upload_formats,
    version_before,
    version_of,
    versions_of,
)
from returns.models import DataItem, ReturnKind, ReturnVersion


@dataclass(frozen=True)
class VersionFacts:
    """What the pages say about one version, in plain words."""

    version: ReturnVersion
    month: str
    care_type: str
    what: str
    who: str
    how: str
    when: str
    counted: labels.Counted
    reason: str
    url: str


def _facts(
    request: HttpRequest, location: Location, version: ReturnVersion, formats: dict[str, str]
) -> VersionFacts:
    head = version.return_head
    month = head.window.label
    return VersionFacts(
        version=version,
        month=month,
        care_type=CareType(head.care_type).label,
        what=labels.kind_text(version),
        who=labels.who_saved(
            version,
            provider_name=location.provider.name,
            show_staff_name=role_of(request.user) is Role.SUPPORT,
        ),
        how=labels.how_saved(version, upload_encoding=formats.get(version.reference)),
        when=labels.when_saved(version.submitted_at),
        counted=labels.counted(version, counted_id=head.counted_id, month=month),
        reason=version.on_behalf_reason if labels.on_behalf(version) else "",
        url=reverse("returns:version", args=[location.cqc_id, version.reference]),
    )


@require_safe
@role_required(*HISTORY_ROLES)
def history(request: HttpRequest, cqc_id: str) -> HttpResponse:
    location = get_location_for(request.user, cqc_id)
    versions = versions_of(location)
    formats = upload_formats(versions)
    rows = [_facts(request, location, version, formats) for version in versions]
    return render(request, "returns/history.html", {"location": location, "rows": rows})


@dataclass
class FigureRow:
    label: str
    previous: str
    current: str

    @property
    def changed(self) -> bool:
        return self.previous != self.current


@dataclass
class Section:
    name: str
    rows: list[FigureRow] = field(default_factory=list)


def _sections(
    items: list[DataItem], current: ReturnVersion, previous: ReturnVersion | None
) -> list[Section]:
    """The questions either version answered, by section, in the newer dataset's order; a
    question neither answered is left out (a nil return answers none)."""
    ordered = sorted(
        items, key=lambda item: (item.version_id != current.dataset_version_id, item.order)
    )
    sections: dict[str, Section] = {}
    seen: set[str] = set()
    for item in ordered:
        if item.code in seen:
            continue
        seen.add(item.code)
        answered = [v for v in (current, previous) if v is not None and item.code in v.answers]
        if not answered:
            continue

        def shown(version: ReturnVersion | None, item: DataItem = item) -> str:
            if version is None or version.kind == ReturnKind.NIL:
                return labels.NOT_ANSWERED
            return labels.figure_text(item.code, item.kind, version.answers.get(item.code))

        sections.setdefault(item.section, Section(item.section)).rows.append(
            FigureRow(item.label, shown(previous), shown(current))
        )
    return list(sections.values())


def _version_context(request: HttpRequest, cqc_id: str, reference: str) -> dict[str, Any]:
    location = get_location_for(request.user, cqc_id)
    version = version_of(location, reference)
    previous = version_before(version)
    pair = [version] if previous is None else [version, previous]
    formats = upload_formats(pair)
    items = items_of({v.dataset_version_id for v in pair}, version.return_head.care_type)
    return {
        "location": location,
        "facts": _facts(request, location, version, formats),
        "previous": previous,
        "previous_facts": None
        if previous is None
        else _facts(request, location, previous, formats),
        "sections": _sections(items, version, previous),
        "history_url": reverse("returns:history", args=[location.cqc_id]),
        "compare_url": reverse("returns:version-compare", args=[location.cqc_id, reference]),
    }


@require_safe
@role_required(*HISTORY_ROLES)
def version_detail(request: HttpRequest, cqc_id: str, reference: str) -> HttpResponse:
    """One version: its figures, who saved it, how, when and whether it counted."""
    return render(request, "returns/version.html", _version_context(request, cqc_id, reference))


@require_safe
@role_required(*HISTORY_ROLES)
def version_compare(request: HttpRequest, cqc_id: str, reference: str) -> HttpResponse:
    """One version beside the version of the same return saved before it."""
    context = _version_context(request, cqc_id, reference)
    context["changed_count"] = sum(
        row.changed for section in context["sections"] for row in section.rows
    )
    return render(request, "returns/version_compare.html", context)
