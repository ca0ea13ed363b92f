"""The "NECS support" group: what the support desk may do in admin, without being superusers.

The permission list is a frozen copy of providers.support_permissions.SUPPORT_PERMISSIONS as it
was when this migration was written: a migration must give the same result whenever it runs,
so it does not import the live list. A later change to the list needs its own migration; the
system check ``providers.W002`` and tests/providers/test_support_admin.py catch a drift.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "NECS support"

PERMISSIONS = (
    "providers.view_region",
    "providers.view_localauthority",
    "providers.view_provider",
    "providers.view_location",
    "providers.change_location",
    "providers.view_locationstatuschange",
    "providers.view_contact",
    "providers.add_contact",
    "providers.change_contact",
    "providers.delete_contact",
    "providers.view_user",
    "providers.add_user",
    "providers.change_user",
    "providers.view_outboundemail",
    "providers.change_outboundemail",
    "providers.view_auditevent",
    "providers.view_cqcimport",
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
    "enforcement.view_windowsweep",
    "enforcement.view_breach",
    "enforcement.view_enforcementcase",
    "enforcement.view_caseevent",
    "enforcement.view_letter",
    "enforcement.view_representation",
    "enforcement.view_recordedfee",
    "enforcement.view_feescheme",
    "enforcement.view_feeband",
    "dissemination.view_disclosurerecord",
    "pghistory.view_middlewareevents",
)


def create_group(apps: Any, schema_editor: Any) -> None:
    # Content types and permissions are normally made after all migrations have run
    # (post_migrate), so on a fresh database they do not exist yet: make them now.
    for label in {name.split(".", 1)[0] for name in PERMISSIONS}:
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # create_permissions skips apps without models
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("providers", "User")

    permissions = []
    for name in PERMISSIONS:
        app_label, codename = name.split(".", 1)
        permissions.append(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)
    # Support staff who exist already join now; from here the user services keep it in step.
    for user in User.objects.filter(role="support", is_staff=True, is_active=True):
        user.groups.add(group)


def remove_group(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0006_cqc_import_preview"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The latest migrations that define the models named above. Not the "history"
        # migrations after them: those are made against providers' later migrations and
        # depending on them would make a cycle.
        ("returns", "0007_datasets_2022_and_2027"),
        ("enforcement", "0004_notice_citations_cycles_fees"),
        ("dissemination", "0001_disclosure_register"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
