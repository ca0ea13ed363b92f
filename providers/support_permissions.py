"""What the NECS support desk may do in admin: the one declared list, and the group that holds it.

Support staff get their admin powers from the "NECS support" group, never from being made
superusers. The list below is the whole of it: reading what the desk answers questions about,
and changing only what the desk's job needs, where admin saves through the audited services.
Deliberately absent: deleting users, editing groups or permissions, editing the fee table,
adding providers or locations (CQC's directory creates them), and deleting anything that is
history (returns, audit events, emails, status changes, enforcement records).

The data migration ``providers/0007_support_group`` created the group from a frozen copy of
this list; when the list changes, add a migration that brings the group up to date. The system
check below (``manage.py check --database default``) and a test report the two drifting apart.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core import checks
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q

SUPPORT_GROUP_NAME = "NECS support"

# "app_label.codename", as user.has_perm() spells them.
SUPPORT_PERMISSIONS: tuple[str, ...] = (
    # Providers and locations. Regions and councils are read so that the autocomplete boxes
    # on the location and user forms can search them.
    "providers.view_region",
    "providers.view_localauthority",
    "providers.view_provider",
    "providers.view_location",
    # Location details in the form; registration status only through the status actions.
    "providers.change_location",
    "providers.view_locationstatuschange",
    # Contacts: every add, change and removal goes through providers.contacts (audited, and
    # refuses to remove a location's only contact).
    "providers.view_contact",
    "providers.add_contact",
    "providers.change_contact",
    "providers.delete_contact",
    # Users: support creates accounts and approves them; role, approver flag and location
    # limits change through providers.services.user_change_access with a reason. No delete.
    "providers.view_user",
    "providers.add_user",
    "providers.change_user",
    # Emails: read, and resend with a reason (the resend action asks for change).
    "notifications.view_outboundmessage",
    "notifications.change_outboundmessage",
    "providers.view_auditevent",
    "providers.view_cqcimport",
    # The collection: windows are overridden with a reason, campaign months ticked.
    "returns.view_collectionwindow",
    "returns.change_collectionwindow",
    "returns.view_datasetversion",
    "returns.view_dataitem",
    "returns.view_itemrule",
    "returns.view_campaignmonth",
    "returns.change_campaignmonth",
    "returns.view_return",
    "returns.view_returnversion",
    "returns.view_bulkupload",
    # Soft warnings' thresholds are data the desk tunes (issue 15): view and change, no add
    # or delete. Added by returns/0013_soft_warnings.
    "returns.view_warningrule",
    "returns.change_warningrule",
    # Enforcement: read-only for the desk (caseworkers work cases on their own pages), and
    # the fee table is read, not edited.
    "enforcement.view_windowsweep",
    "enforcement.view_breach",
    "enforcement.view_enforcementcase",
    "enforcement.view_caseevent",
    "enforcement.view_letter",
    "enforcement.view_representation",
    "enforcement.view_recordedfee",
    "enforcement.view_feescheme",
    "enforcement.view_feeband",
    # Support officers have always read the disclosure register (who downloaded what).
    "dissemination.view_disclosurerecord",
    # The row-level history of every tracked table (pghistory's events admin; read-only).
    "pghistory.view_middlewareevents",
    # The public API (api/admin.py): the desk keeps the list of software suppliers and makes
    # and revokes keys for every kind of organisation (revoking with a reason is "change").
    # Grants are the providers' own decisions and drafts the suppliers' figures: read only.
    # No deletes: keys and suppliers are history. Added by api/0002_support_api_permissions.
    "api.view_supplier",
    "api.add_supplier",
    "api.change_supplier",
    "api.view_apikey",
    "api.add_apikey",
    "api.change_apikey",
    "api.view_suppliergrant",
    "returns.view_returndraft",
)


def _split(name: str) -> tuple[str, str]:
    app_label, codename = name.split(".", 1)
    return app_label, codename


def declared_permissions() -> set[tuple[str, str]]:
    return {_split(name) for name in SUPPORT_PERMISSIONS}


def group_permissions(group: Group) -> set[tuple[str, str]]:
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def _permission_objects() -> list[Permission]:
    wanted = Q(pk__in=[])
    for app_label, codename in declared_permissions():
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(wanted))
    if len(found) != len(SUPPORT_PERMISSIONS):
        missing = declared_permissions() - {(p.content_type.app_label, p.codename) for p in found}
        raise LookupError(f"Permissions not in the database: {sorted(missing)}")
    return found


def support_group() -> Group:
    """The group, made with the declared list if it is missing.

    The migration creates it; a test database flushed between transactional tests loses it
    (flush keeps no data rows), and support staff must not silently lose admin then.
    """
    with transaction.atomic():
        group, created = Group.objects.get_or_create(name=SUPPORT_GROUP_NAME)
        if created:
            group.permissions.set(_permission_objects())
    return group


def belongs_in_support_group(user: Any) -> bool:
    # Imported here: this module is imported by the app config before models are ready.
    from providers.models import Role

    return user.role == Role.SUPPORT and user.is_staff and user.is_active


def support_group_sync(user: Any) -> None:
    """Put the user in the group if their role is support staff with admin, else take them out.

    Called by the services that change a user's role, and on every save of a user (creation
    by seed_demo, the admin add form or a factory does not go through a service).
    """
    in_group = user.groups.filter(name=SUPPORT_GROUP_NAME).exists()
    if belongs_in_support_group(user):
        if not in_group:
            user.groups.add(support_group())
    elif in_group:
        user.groups.remove(*Group.objects.filter(name=SUPPORT_GROUP_NAME))


def _migrations_pending(alias: str) -> bool:
    executor = MigrationExecutor(connections[alias])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def check_support_group(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check --database default``: the group in the database is the declared list.

    Warnings, not errors: ``migrate`` runs database checks too, and an error would stop the
    very migration that brings a drifted group back in line (or any rollback). CI runs
    ``check --database default --fail-level WARNING``; the test suite asserts equality.
    """
    if "default" not in (kwargs.get("databases") or ()):
        return []
    try:
        # ``migrate`` runs database checks before it migrates: a group that a pending
        # migration creates or corrects must not stop that migration from running.
        if _migrations_pending("default"):
            return []
        group = Group.objects.filter(name=SUPPORT_GROUP_NAME).first()
    except DatabaseError:
        return []  # no database to look at (yet); other checks report that
    if group is None:
        return [
            checks.Warning(
                f'There is no "{SUPPORT_GROUP_NAME}" group.',
                hint="Run the migrations (providers/0007_support_group creates it).",
                id="providers.W001",
            )
        ]
    held = group_permissions(group)
    declared = declared_permissions()
    if held == declared:
        return []
    extra = sorted(".".join(p) for p in held - declared)
    missing = sorted(".".join(p) for p in declared - held)
    return [
        checks.Warning(
            f'The "{SUPPORT_GROUP_NAME}" group differs from providers.support_permissions: '
            f"extra {extra}, missing {missing}.",
            hint="Add a data migration that sets the group's permissions to the declared list.",
            id="providers.W002",
        )
    ]
