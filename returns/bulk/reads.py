"""Bulk update by CSV: the database reads (facts for checking) and the template download."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from providers.access import Role, editable_locations, role_of
from providers.models import CareType, Location, Provider, User
from returns.bulk.parsing import (
    CARE_TYPE,
    LOCATION_ID,
    LOCATION_NAME,
    NIL_DETAIL,
    NIL_REASON,
    RETURN_KIND,
    CheckContext,
    LocationFact,
    ParsedFile,
    template_columns,
)
from returns.datasets import dataset_for
from returns.models import (
    BulkUpload,
    CollectionWindow,
    Return,
    ReturnKind,
    ReturnVersion,
)
from returns.validation import Dataset
from returns.warnings import active_rules

# --- 3. Database: reads ---------------------------------------------------------------------


def datasets_for(window: CollectionWindow) -> dict[str, Dataset]:
    return {care_type: dataset_for(window.period_obj, care_type) for care_type in CareType.values}


def latest_versions(
    location_ids: Iterable[int], *, figures_only: bool, with_month: bool = False
) -> dict[tuple[int, str], ReturnVersion]:
    """The newest version per (location, care type) in one query, whatever the month.

    With ``figures_only`` this is ``submission.previous_figures`` for many locations at once.
    ``with_month``: each version's month (``head_period``, a date) is read in the same query.
    """
    versions = ReturnVersion.objects.filter(return_head__location_id__in=list(location_ids))
    if with_month:
        versions = versions.annotate(head_period=F("return_head__window__period"))
    if figures_only:
        versions = versions.filter(kind__in=[ReturnKind.FULL, ReturnKind.UNCHANGED])
    ranked = versions.annotate(
        head_location=F("return_head__location_id"),
        head_care_type=F("return_head__care_type"),
        rank=Window(
            RowNumber(),
            partition_by=[F("return_head__location_id"), F("return_head__care_type")],
            order_by=[F("submitted_at").desc(), F("pk").desc()],
        ),
    ).filter(rank=1)
    return {(v.head_location, v.head_care_type): v for v in ranked}


@dataclass
class _Located:
    facts: dict[str, LocationFact]
    instances: dict[int, Location]


def _locate(parsed: ParsedFile, user: User) -> _Located:
    ids = {row.cqc_id for row in parsed.rows} - {""}
    found = list(
        Location.objects.filter(cqc_id__in=ids).only(
            "pk", "cqc_id", "name", "offers_care_home", "offers_home_care"
        )
    )
    allowed = set(
        editable_locations(user)
        .filter(pk__in=[loc.pk for loc in found])
        .values_list("pk", flat=True)
    )
    return _Located(
        facts={
            loc.cqc_id: LocationFact(
                pk=loc.pk,
                cqc_id=loc.cqc_id,
                name=loc.name,
                care_types=tuple(str(ct) for ct in loc.care_types),
                editable=loc.pk in allowed,
            )
            for loc in found
        },
        instances={loc.pk: loc for loc in found},
    )


def _unchanged_location_ids(parsed: ParsedFile, located: _Located) -> set[int]:
    return {
        located.facts[cqc_id].pk
        for row in parsed.rows
        if row.kind == ReturnKind.UNCHANGED and (cqc_id := row.cqc_id) in located.facts
    }


def _full_location_ids(parsed: ParsedFile, located: _Located) -> set[int]:
    return {
        fact.pk
        for row in parsed.rows
        if row.kind == ReturnKind.FULL
        and (fact := located.facts.get(row.cqc_id)) is not None
        and fact.editable
    }


def _not_in_file_counter(user: User) -> Callable[[set[tuple[int, str]]], int | None]:
    """For provider users: how many of their location x care types the file leaves alone."""

    def count(pairs: set[tuple[int, str]]) -> int | None:
        if role_of(user) is not Role.PROVIDER:
            return None  # support staff may update any location: "all the others" means nothing
        mine = editable_locations(user).values_list("pk", "offers_care_home", "offers_home_care")
        every = {
            (pk, care_type)
            for pk, care_home, home_care in mine
            for care_type, offered in (
                (CareType.CARE_HOME, care_home),
                (CareType.HOME_CARE, home_care),
            )
            if offered
        }
        return len(every - pairs)

    return count


def load_context(
    parsed: ParsedFile,
    *,
    user: User,
    window: CollectionWindow,
    datasets: Mapping[str, Dataset],
    located: _Located | None = None,
) -> CheckContext:
    """Every fact the rows are checked against, in a fixed number of queries.

    ``located`` is given by the apply, which has already looked the locations up to lock them;
    it does not count the locations left out of the file, which only the preview shows.
    """
    previewing = located is None
    located = located or _locate(parsed, user)
    saved = Return.objects.filter(
        window=window,
        location_id__in=[fact.pk for fact in located.facts.values() if fact.editable],
        latest__isnull=False,
    ).values_list("location_id", "care_type")
    unchanged_ids = _unchanged_location_ids(parsed, located)
    previous = latest_versions(unchanged_ids, figures_only=True) if unchanged_ids else {}
    # Soft warnings: the rules (the process's cache, else one query) and every full row's last
    # version (one query, whatever the number of rows). Read by the apply again, heads locked.
    rules = active_rules()
    full_ids = _full_location_ids(parsed, located) if rules else set()
    latest = latest_versions(full_ids, figures_only=False) if full_ids else {}
    return CheckContext(
        datasets=datasets,
        locations=located.facts,
        previous={pair: version.answers for pair, version in previous.items()},
        saved_this_window=frozenset(saved),
        not_in_file=_not_in_file_counter(user) if previewing else None,
        warning_rules=rules,
        latest={pair: version.answers for pair, version in latest.items()},
    )


def same_file_uploads(upload: BulkUpload) -> list[BulkUpload]:
    """Earlier uploads of the same bytes by the same provider (or, for support, by anyone)."""
    earlier = BulkUpload.objects.filter(sha256=upload.sha256, pk__lt=upload.pk)
    if upload.provider_id is not None:
        earlier = earlier.filter(provider_id=upload.provider_id)
    return list(
        earlier.select_related("uploaded_by").defer("content", "errors").order_by("-pk")[:5]
    )


def uploads_visible_to(user: User) -> QuerySet[BulkUpload]:
    """Provider users see only their own uploads; support staff see every upload."""
    role = role_of(user)
    if role is Role.SUPPORT:
        return BulkUpload.objects.all()
    if role is Role.PROVIDER and user.is_approved:
        mine = BulkUpload.objects.filter(uploaded_by=user)
        if user.provider_id is None:  # never expected: their uploads recorded without one
            return mine.filter(provider__isnull=True)
        return mine.filter(provider_id=user.provider_id)
    return BulkUpload.objects.none()


# --- 4. Templates (downloads) ------------------------------------------------------------------


def template_care_types(choice: str) -> list[str]:
    """'care_home', 'home_care' or 'all' (one file with a row per location and care type)."""
    if choice == "all":
        return list(CareType.values)
    if choice in CareType.values:
        return [choice]
    raise ValueError(f"Unknown care type {choice!r}")


def template_rows(
    *, user: User, provider: Provider, window: CollectionWindow, care_types: Sequence[str]
) -> tuple[list[str], Iterator[list[object]]]:
    """The header and rows of a template, pre-filled with each location's last return."""
    datasets = [dataset_for(window.period_obj, care_type) for care_type in care_types]
    header = template_columns(datasets)
    locations = list(
        editable_locations(user)
        .filter(provider=provider)
        .filter(_offers_any(care_types))
        .order_by("name", "cqc_id")
        .only("pk", "cqc_id", "name", "offers_care_home", "offers_home_care")
    )
    ids = [loc.pk for loc in locations]
    figures = latest_versions(ids, figures_only=True)
    newest = latest_versions(ids, figures_only=False)
    by_type = {dataset.care_type: dataset for dataset in datasets}

    def rows() -> Iterator[list[object]]:
        for location in locations:
            for care_type in location.care_types:
                if care_type not in by_type:
                    continue
                latest = newest.get((location.pk, care_type))
                last = figures.get((location.pk, care_type))
                cells: dict[str, object] = {
                    LOCATION_ID: location.cqc_id,
                    LOCATION_NAME: location.name,
                    CARE_TYPE: str(care_type),
                    RETURN_KIND: ReturnKind.FULL,
                }
                if latest is not None and latest.kind == ReturnKind.NIL:
                    cells.update(
                        {
                            RETURN_KIND: ReturnKind.NIL,
                            NIL_REASON: latest.nil_reason,
                            NIL_DETAIL: latest.nil_reason_detail,
                        }
                    )
                elif last is not None:
                    cells.update(
                        {code: last.answers.get(code) for code in by_type[care_type].codes}
                    )
                yield [_cell(cells.get(column)) for column in header]

    return header, rows()


def _offers_any(care_types: Sequence[str]) -> Q:
    offers = Q(pk__in=[])
    if CareType.CARE_HOME in care_types:
        offers |= Q(offers_care_home=True)
    if CareType.HOME_CARE in care_types:
        offers |= Q(offers_home_care=True)
    return offers


def _cell(value: object) -> object:
    return "" if value is None else value
