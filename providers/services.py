"""Every write to providers, locations and users. One transaction each, audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from capacity_tracker.lib.db import advisory_xact_lock
from providers.access import can_approve_users_of, role_of
from providers.audit import audit_record, audit_record_many
from providers.cqc_import import LocationRow, ParsedExtract, Rejection
from providers.models import (
    CqcImport,
    LocalAuthority,
    Location,
    LocationStatusChange,
    Provider,
    RegistrationStatus,
    Role,
    User,
)

# --- Users ------------------------------------------------------------------------------------


def user_approve(*, actor: User, user_id: int) -> User:
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",)).select_related("provider").get(pk=user_id)
        )
        if user.role != Role.PROVIDER or user.provider is None:
            raise ValidationError("Only provider users need approval.")
        if not can_approve_users_of(actor, user.provider):
            raise PermissionDenied("You cannot approve users of this provider.")
        if user.is_approved:
            return user  # approving twice (a double click) is not an error
        user.approved_at = timezone.now()
        user.approved_by = actor
        user.is_active = True
        user.save(update_fields=["approved_at", "approved_by", "is_active"])
        audit_record(actor=actor, action="providers.user.approved", target=user)
    return user


def user_reject(*, actor: User, user_id: int, reason: str) -> User:
    if not reason.strip():
        raise ValidationError("Say why the request is being turned down.")
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",)).select_related("provider").get(pk=user_id)
        )
        if user.provider is None or not can_approve_users_of(actor, user.provider):
            raise PermissionDenied("You cannot turn down users of this provider.")
        if user.is_approved:
            raise ValidationError("This user is already approved; ask support to remove them.")
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="providers.user.rejected", target=user, reason=reason)
    return user


def user_set_local_authorities(
    *, actor: User, user_id: int, local_authority_ids: Iterable[int]
) -> User:
    """Set the councils a local authority user sees: their whole scope, so always audited."""
    if role_of(actor) is not Role.SUPPORT:
        raise PermissionDenied("Only support staff set a user's councils.")
    wanted = set(local_authority_ids)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if wanted and user.role != Role.LOCAL_AUTHORITY:
            raise ValidationError("Only local authority users have councils.")
        before = set(user.local_authorities.values_list("pk", flat=True))
        if before == wanted:
            return user
        user.local_authorities.set(wanted)
        codes = dict(
            LocalAuthority.objects.filter(pk__in=before | wanted).values_list("pk", "ons_code")
        )
        audit_record(
            actor=actor,
            action="providers.user.councils_changed",
            target=user,
            data={
                "added": sorted(codes[pk] for pk in wanted - before),
                "removed": sorted(codes[pk] for pk in before - wanted),
                "councils": sorted(codes[pk] for pk in wanted),
            },
        )
    return user


# --- Registration status ----------------------------------------------------------------------


def location_change_status(
    *,
    actor: User | None,
    location_id: int,
    status: str,
    effective_from: datetime.date,
    reason: str,
) -> Location:
    if status not in RegistrationStatus.values:
        raise ValidationError(f"{status!r} is not a registration status.")
    if not reason.strip():
        raise ValidationError("Give a reason for the change of registration status.")
    with transaction.atomic():
        location = Location.objects.select_for_update().get(pk=location_id)
        previous = location.status
        location.status = status
        location.status_effective_from = effective_from
        location.save(update_fields=["status", "status_effective_from", "updated_at"])
        LocationStatusChange.objects.create(
            location=location,
            status=status,
            effective_from=effective_from,
            recorded_by=actor,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action=f"providers.location.{status}",
            target=location,
            reason=reason,
            data={"from": previous, "to": status, "effective_from": effective_from.isoformat()},
        )
    return location


# --- CQC import -------------------------------------------------------------------------------

PROVIDER_FIELDS = ("name", "address_line_1", "address_line_2", "town", "county", "postcode")
LOCATION_FIELDS = (
    "provider_id",
    "name",
    "local_authority_id",
    "postcode",
    "address_line_1",
    "address_line_2",
    "town",
    "county",
    "offers_care_home",
    "offers_home_care",
    "registered_places",
    "people_using_service",
    "registered_on",
)
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _apply_changes(
    obj: Any, desired: dict[str, Any], fields: tuple[str, ...]
) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in fields:
        new = desired[name]
        if name in KEEP_WHEN_BLANK and new in ("", None):
            continue
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
            setattr(obj, name, new)
    return changes


def _location_values(row: LocationRow, provider: Provider) -> dict[str, Any]:
    return {
        "provider_id": provider.pk,
        "name": row.location_name,
        "local_authority_id": row.local_authority.pk,
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


def cqc_import_apply(
    *,
    parsed: ParsedExtract,
    actor_label: str,
    full_extract: bool,
    as_of: datetime.date,
    file_name: str,
    sha256: str,
    dry_run: bool = False,
) -> tuple[ImportReport, CqcImport]:
    """Create or update providers and locations from checked rows, in one transaction.

    The number of queries does not grow with the number of rows: existing rows are read once,
    and writes are batched.
    """
    report = ImportReport(
        total_rows=parsed.total_rows,
        out_of_scope=list(parsed.out_of_scope),
        rejected=list(parsed.rejected),
    )
    label = f"import_cqc ({actor_label})"
    with transaction.atomic():
        advisory_xact_lock("providers.cqc_import")
        providers = {p.cqc_id: p for p in Provider.objects.all()}
        locations = {loc.cqc_id: loc for loc in Location.objects.all()}

        provider_audit = _upsert_providers(parsed, providers, report, as_of)
        status_changes, location_audit = _upsert_locations(
            parsed, providers, locations, report, as_of
        )
        if full_extract:
            _deregister_missing(
                parsed, providers, locations, report, as_of, status_changes, location_audit
            )

        LocationStatusChange.objects.bulk_create(status_changes, batch_size=2000)
        for action, items in {**provider_audit, **location_audit}.items():
            audit_record_many(actor=None, actor_label=label, action=action, targets=items)

        record = CqcImport(
            file_name=file_name[:255],
            sha256=sha256,
            full_extract=full_extract,
            as_of=as_of,
            run_by=actor_label[:200],
            dry_run=dry_run,
            counts=report.counts(),
            rejected=[
                {"row": r.row, "field": r.field, "message": r.message} for r in report.rejected
            ],
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            record.save()
    return report, record


def _upsert_providers(
    parsed: ParsedExtract,
    providers: dict[str, Provider],
    report: ImportReport,
    as_of: datetime.date,
) -> dict[str, list[tuple[Any, dict[str, Any]]]]:
    to_create: list[Provider] = []
    to_update: list[Provider] = []
    audit: dict[str, list[tuple[Any, dict[str, Any]]]] = {"providers.provider.updated": []}
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
            to_create.append(provider)
            continue
        changes = _apply_changes(provider, desired, PROVIDER_FIELDS)
        if provider.status == RegistrationStatus.DEREGISTERED:
            changes["status"] = [provider.status, RegistrationStatus.ACTIVE]
            provider.status = RegistrationStatus.ACTIVE
            provider.status_effective_from = as_of
        if changes:
            provider.updated_at = timezone.now()
            to_update.append(provider)
            audit["providers.provider.updated"].append((provider, changes))
    Provider.objects.bulk_create(to_create, batch_size=2000)
    Provider.objects.bulk_update(
        to_update,
        [*PROVIDER_FIELDS, "status", "status_effective_from", "updated_at"],
        batch_size=1000,
    )
    audit["providers.provider.created"] = [(p, {"name": p.name}) for p in to_create]
    report.providers_created = len(to_create)
    report.providers_updated = len(to_update)
    return audit


def _upsert_locations(
    parsed: ParsedExtract,
    providers: dict[str, Provider],
    locations: dict[str, Location],
    report: ImportReport,
    as_of: datetime.date,
) -> tuple[list[LocationStatusChange], dict[str, list[tuple[Any, dict[str, Any]]]]]:
    to_create: list[Location] = []
    to_update: list[Location] = []
    status_changes: list[LocationStatusChange] = []
    updated: list[tuple[Any, dict[str, Any]]] = []
    now = timezone.now()
    reason = "CQC directory import"
    for row in parsed.rows:
        values = _location_values(row, providers[row.provider_id])
        location = locations.get(row.location_id)
        if location is None:
            location = Location(
                cqc_id=row.location_id,
                status=row.status,
                status_effective_from=as_of,
                added_to_service_on=as_of,
                **values,
            )
            location.updated_at = now
            locations[row.location_id] = location
            to_create.append(location)
            continue
        changes = _apply_changes(location, values, LOCATION_FIELDS)
        if location.status != row.status:
            changes["status"] = [location.status, row.status]
            location.status = row.status
            location.status_effective_from = as_of
            status_changes.append(
                LocationStatusChange(
                    location=location, status=row.status, effective_from=as_of, reason=reason
                )
            )
        if changes:
            location.updated_at = now
            to_update.append(location)
            updated.append((location, changes))
    Location.objects.bulk_create(to_create, batch_size=2000)
    Location.objects.bulk_update(
        to_update,
        [*LOCATION_FIELDS, "status", "status_effective_from", "updated_at"],
        batch_size=1000,
    )
    status_changes.extend(
        LocationStatusChange(location=loc, status=loc.status, effective_from=as_of, reason=reason)
        for loc in to_create
    )
    report.locations_created = len(to_create)
    report.locations_updated = len(to_update)
    report.locations_unchanged = len(parsed.rows) - len(to_create) - len(to_update)
    audit = {
        "providers.location.created": [(loc, {"status": loc.status}) for loc in to_create],
        "providers.location.updated": updated,
    }
    return status_changes, audit


def _deregister_missing(
    parsed: ParsedExtract,
    providers: dict[str, Provider],
    locations: dict[str, Location],
    report: ImportReport,
    as_of: datetime.date,
    status_changes: list[LocationStatusChange],
    audit: dict[str, list[tuple[Any, dict[str, Any]]]],
) -> None:
    reason = "Not in the full CQC directory extract"
    gone = [
        loc
        for cqc_id, loc in locations.items()
        if cqc_id not in parsed.seen_location_ids and loc.status != RegistrationStatus.DEREGISTERED
    ]
    for loc in gone:
        audit.setdefault("providers.location.deregistered", []).append(
            (loc, {"from": loc.status, "effective_from": as_of.isoformat(), "reason": reason})
        )
        loc.status = RegistrationStatus.DEREGISTERED
        loc.status_effective_from = as_of
        status_changes.append(
            LocationStatusChange(
                location=loc, status=loc.status, effective_from=as_of, reason=reason
            )
        )
    Location.objects.filter(pk__in=[loc.pk for loc in gone]).update(
        status=RegistrationStatus.DEREGISTERED,
        status_effective_from=as_of,
        updated_at=timezone.now(),
    )
    report.locations_deregistered = len(gone)

    gone_providers = [
        p
        for cqc_id, p in providers.items()
        if cqc_id not in parsed.seen_provider_ids and p.status != RegistrationStatus.DEREGISTERED
    ]
    Provider.objects.filter(pk__in=[p.pk for p in gone_providers]).update(
        status=RegistrationStatus.DEREGISTERED,
        status_effective_from=as_of,
        updated_at=timezone.now(),
    )
    audit["providers.provider.deregistered"] = [(p, {"reason": reason}) for p in gone_providers]
    report.providers_deregistered = len(gone_providers)
