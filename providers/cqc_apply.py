"""What a CQC directory extract changes, worked out in memory, and then written in one go.

``cqc_import_plan`` compares checked rows (providers/cqc_import.py) with what we hold and
returns the plan without writing anything: the admin preview shows it. ``cqc_import_apply``
works the plan out again under a lock (what we hold may have changed since the preview) and
writes it in one transaction. Neither grows its number of queries with the number of rows:
existing rows are read once and writes are batched.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from capacity_tracker.lib.db import advisory_xact_lock
from providers.audit import audit_record_many
from providers.cqc_import import LocationRow, ParsedExtract, Rejection
from providers.models import (
    CqcImport,
    LocalAuthority,
    Location,
    LocationStatusChange,
    Provider,
    RegistrationStatus,
    User,
)

PROVIDER_FIELDS = ("name", "address_line_1", "address_line_2", "town", "county", "postcode")
LOCATION_FIELDS = (
    "name",
    "postcode",
    "address_line_1",
    "address_line_2",
    "town",
    "county",
    "offers_care_home",
    "offers_home_care",
    "nursing",
    "residential",
    "dementia",
    "registered_places",
    "people_using_service",
    "registered_on",
)
# The kinds of care home: written only when the file has a column for them (see
# ParsedExtract.kinds_known), so an extract without them leaves what we hold alone.
KIND_FIELDS = ("nursing", "residential", "dementia")
# A blank in the extract never clears what we hold: CQC's files leave columns empty when
# they do not know, and a support officer may have filled the gap by hand.
KEEP_WHEN_BLANK = {
    "address_line_1",
    "address_line_2",
    "town",
    "county",
    "registered_places",
    "people_using_service",
    "registered_on",
}
IMPORT_REASON = "CQC directory import"
MISSING_REASON = "Not in the full CQC directory extract"

Changes = dict[str, list[Any]]  # field -> [old, new], as stored in audit events and previews
AuditItems = list[tuple[Any, dict[str, Any]]]


@dataclass
class ImportReport:
    total_rows: int = 0
    providers_created: int = 0
    providers_updated: int = 0
    providers_deregistered: int = 0
    locations_created: int = 0
    locations_updated: int = 0
    locations_unchanged: int = 0
    locations_deregistered: int = 0
    out_of_scope: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.total_rows,
            "providers_created": self.providers_created,
            "providers_updated": self.providers_updated,
            "providers_deregistered": self.providers_deregistered,
            "locations_created": self.locations_created,
            "locations_updated": self.locations_updated,
            "locations_unchanged": self.locations_unchanged,
            "locations_deregistered": self.locations_deregistered,
            "skipped_out_of_scope": len(self.out_of_scope),
            "rejected_rows": len({r.row for r in self.rejected}),
        }

    @property
    def changes_anything(self) -> bool:
        counts = self.counts()
        return any(
            counts[name]
            for name in counts
            if name.endswith(("_created", "_updated", "_deregistered"))
        )


@dataclass
class CqcPlan:
    """Unsaved new objects and changed (not yet saved) existing ones."""

    report: ImportReport
    providers_new: list[Provider] = field(default_factory=list)
    providers_changed: list[tuple[Provider, Changes]] = field(default_factory=list)
    providers_gone: list[Provider] = field(default_factory=list)
    locations_new: list[tuple[LocationRow, Location]] = field(default_factory=list)
    locations_changed: list[tuple[LocationRow, Location, Changes]] = field(default_factory=list)
    locations_gone: list[Location] = field(default_factory=list)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _diff(obj: Any, desired: dict[str, Any], fields: tuple[str, ...]) -> Changes:
    """Set the changed fields on ``obj`` (in memory) and say what changed."""
    changes: Changes = {}
    for name in fields:
        if name not in desired:  # not known from this extract: left as it is
            continue
        new = desired[name]
        if name in KEEP_WHEN_BLANK and new in ("", None):
            continue
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
            setattr(obj, name, new)
    return changes


def _location_values(row: LocationRow, kinds_known: frozenset[str]) -> dict[str, Any]:
    kinds = {name: getattr(row, name) for name in KIND_FIELDS if name in kinds_known}
    return {
        **kinds,
        "name": row.location_name,
        "postcode": row.postcode,
        "address_line_1": row.address_line_1,
        "address_line_2": row.address_line_2,
        "town": row.town,
        "county": row.county,
        "offers_care_home": row.offers_care_home,
        "offers_home_care": row.offers_home_care,
        "registered_places": row.registered_places,
        "people_using_service": row.people_using_service,
        "registered_on": row.registered_on,
    }


def cqc_import_plan(*, parsed: ParsedExtract, full_extract: bool, as_of: datetime.date) -> CqcPlan:
    """Everything the extract would change, without writing: three queries, whatever its size."""
    providers = {p.cqc_id: p for p in Provider.objects.all()}
    locations = {loc.cqc_id: loc for loc in Location.objects.all()}
    councils = {la.pk: la for la in LocalAuthority.objects.all()}
    plan = CqcPlan(
        report=ImportReport(
            total_rows=parsed.total_rows,
            out_of_scope=list(parsed.out_of_scope),
            rejected=list(parsed.rejected),
        )
    )
    _plan_providers(parsed, providers, plan, as_of)
    _plan_locations(parsed, providers, locations, councils, plan, as_of)
    if full_extract:
        _plan_missing(parsed, providers, locations, plan)
    report = plan.report
    report.providers_created = len(plan.providers_new)
    report.providers_updated = len(plan.providers_changed)
    report.providers_deregistered = len(plan.providers_gone)
    report.locations_created = len(plan.locations_new)
    report.locations_updated = len(plan.locations_changed)
    report.locations_unchanged = (
        len(parsed.rows) - len(plan.locations_new) - len(plan.locations_changed)
    )
    report.locations_deregistered = len(plan.locations_gone)
    return plan


def _plan_providers(
    parsed: ParsedExtract, providers: dict[str, Provider], plan: CqcPlan, as_of: datetime.date
) -> None:
    done: set[str] = set()
    for row in parsed.rows:
        if row.provider_id in done:
            continue
        done.add(row.provider_id)
        desired = {"name": row.provider_name, **row.provider_address}
        provider = providers.get(row.provider_id)
        if provider is None:
            provider = Provider(cqc_id=row.provider_id, status_effective_from=as_of, **desired)
            providers[row.provider_id] = provider
            plan.providers_new.append(provider)
            continue
        changes = _diff(provider, desired, PROVIDER_FIELDS)
        if provider.status == RegistrationStatus.DEREGISTERED:
            changes["status"] = [provider.status, RegistrationStatus.ACTIVE]
            provider.status = RegistrationStatus.ACTIVE
            provider.status_effective_from = as_of
        if changes:
            plan.providers_changed.append((provider, changes))


def _plan_locations(
    parsed: ParsedExtract,
    providers: dict[str, Provider],
    locations: dict[str, Location],
    councils: dict[int, LocalAuthority],
    plan: CqcPlan,
    as_of: datetime.date,
) -> None:
    provider_cqc_ids = {p.pk: cqc_id for cqc_id, p in providers.items() if p.pk}
    for row in parsed.rows:
        provider = providers[row.provider_id]
        location = locations.get(row.location_id)
        if location is None:
            location = Location(
                cqc_id=row.location_id,
                provider=provider,
                local_authority=row.local_authority,
                status=row.status,
                status_effective_from=as_of,
                added_to_service_on=as_of,
                **_location_values(row, parsed.kinds_known),
            )
            locations[row.location_id] = location
            plan.locations_new.append((row, location))
            continue
        changes = _diff(location, _location_values(row, parsed.kinds_known), LOCATION_FIELDS)
        # Foreign keys are compared and shown by what a person recognises (the provider's CQC
        # ID, the council's name), not by our primary keys; a new provider has none yet.
        old_provider = provider_cqc_ids.get(location.provider_id)
        if old_provider != row.provider_id:
            changes["provider"] = [old_provider, row.provider_id]
        # Set even when unchanged: _write_plan reads ``location.provider`` for its primary key,
        # and one not in memory would cost a query for each changed location.
        location.provider = provider
        if location.local_authority_id != row.local_authority.pk:
            old_council = councils.get(location.local_authority_id)
            changes["local_authority"] = [
                old_council.name if old_council else None,
                row.local_authority.name,
            ]
            location.local_authority = row.local_authority
        if location.status != row.status:
            changes["status"] = [location.status, row.status]
            location.status = row.status
            location.status_effective_from = as_of
        if changes:
            plan.locations_changed.append((row, location, changes))


def _plan_missing(
    parsed: ParsedExtract,
    providers: dict[str, Provider],
    locations: dict[str, Location],
    plan: CqcPlan,
) -> None:
    plan.locations_gone = [
        loc
        for cqc_id, loc in locations.items()
        if loc.pk
        and cqc_id not in parsed.seen_location_ids
        and loc.status != RegistrationStatus.DEREGISTERED
    ]
    plan.providers_gone = [
        p
        for cqc_id, p in providers.items()
        if p.pk
        and cqc_id not in parsed.seen_provider_ids
        and p.status != RegistrationStatus.DEREGISTERED
    ]


def _write_plan(
    plan: CqcPlan, as_of: datetime.date, actor: User | None, label: str, now: datetime.datetime
) -> None:
    Provider.objects.bulk_create(plan.providers_new, batch_size=2000)
    changed_providers = [p for p, _ in plan.providers_changed]
    for provider in changed_providers:
        provider.updated_at = now
    Provider.objects.bulk_update(
        changed_providers,
        [*PROVIDER_FIELDS, "status", "status_effective_from", "updated_at"],
        batch_size=1000,
    )

    new_locations = [loc for _, loc in plan.locations_new]
    changed_locations = [loc for _, loc, _ in plan.locations_changed]
    for location in [*new_locations, *changed_locations]:
        # The provider may have been created just now: take its new primary key.
        location.provider_id = location.provider.pk
        location.updated_at = now
    Location.objects.bulk_create(new_locations, batch_size=2000)
    Location.objects.bulk_update(
        changed_locations,
        [
            *LOCATION_FIELDS,
            "provider_id",
            "local_authority_id",
            "status",
            "status_effective_from",
            "updated_at",
        ],
        batch_size=1000,
    )

    gone_ids = [loc.pk for loc in plan.locations_gone]
    Location.objects.filter(pk__in=gone_ids).update(
        status=RegistrationStatus.DEREGISTERED, status_effective_from=as_of, updated_at=now
    )
    Provider.objects.filter(pk__in=[p.pk for p in plan.providers_gone]).update(
        status=RegistrationStatus.DEREGISTERED, status_effective_from=as_of, updated_at=now
    )

    status_changes = [
        LocationStatusChange(
            location=loc, status=loc.status, effective_from=as_of, reason=IMPORT_REASON
        )
        for loc in new_locations
    ]
    status_changes += [
        LocationStatusChange(
            location=loc, status=loc.status, effective_from=as_of, reason=IMPORT_REASON
        )
        for _, loc, changes in plan.locations_changed
        if "status" in changes
    ]
    status_changes += [
        LocationStatusChange(
            location=loc,
            status=RegistrationStatus.DEREGISTERED,
            effective_from=as_of,
            reason=MISSING_REASON,
        )
        for loc in plan.locations_gone
    ]
    LocationStatusChange.objects.bulk_create(status_changes, batch_size=2000)

    audit: dict[str, AuditItems] = {
        "providers.provider.created": [(p, {"name": p.name}) for p in plan.providers_new],
        "providers.provider.updated": list(plan.providers_changed),
        "providers.provider.deregistered": [
            (p, {"reason": MISSING_REASON}) for p in plan.providers_gone
        ],
        "providers.location.created": [(loc, {"status": loc.status}) for loc in new_locations],
        "providers.location.updated": [(loc, ch) for _, loc, ch in plan.locations_changed],
        "providers.location.deregistered": [
            (
                loc,
                {"from": loc.status, "effective_from": as_of.isoformat(), "reason": MISSING_REASON},
            )
            for loc in plan.locations_gone
        ],
    }
    for action, items in audit.items():
        if items:
            audit_record_many(actor=actor, actor_label=label, action=action, targets=items)


def cqc_import_apply(
    *,
    parsed: ParsedExtract,
    actor_label: str,
    full_extract: bool,
    as_of: datetime.date,
    file_name: str,
    sha256: str,
    dry_run: bool = False,
    now: datetime.datetime,
    record: CqcImport | None = None,
    actor: User | None = None,
) -> tuple[ImportReport, CqcImport]:
    """Create or update providers and locations from checked rows, in one transaction.

    ``record``: an uploaded import (admin) to complete; the command line makes a new one.
    ``actor``: the support officer who applied an upload (None from the command line).
    A dry run works the plan out and writes nothing at all.
    """
    label = f"import_cqc ({actor_label})"
    with transaction.atomic():
        if not dry_run:
            # Two imports at once would each read the same rows and both create them.
            advisory_xact_lock("providers.cqc_import")
        plan = cqc_import_plan(parsed=parsed, full_extract=full_extract, as_of=as_of)
        report = plan.report
        if record is None:
            record = CqcImport(
                file_name=file_name[:255],
                sha256=sha256,
                full_extract=full_extract,
                as_of=as_of,
                run_by=actor_label[:200],
                dry_run=dry_run,
            )
        record.counts = report.counts()
        record.rejected = rejections_json(report.rejected)
        if not dry_run:
            _write_plan(plan, as_of, actor, label, now)
            record.status = CqcImport.Status.APPLIED
            record.applied_at = now
            if record.pk:  # an upload: its file is stored already and need not be written again
                record.save(update_fields=["counts", "rejected", "status", "applied_at"])
            else:
                record.save()
    return report, record


def rejections_json(rejected: list[Rejection]) -> list[dict[str, Any]]:
    return [{"row": r.row, "field": r.field, "message": r.message} for r in rejected]
