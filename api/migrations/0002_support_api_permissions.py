"""The support desk's permissions for the public API, added to the "NECS support" group.

A frozen copy of what providers.support_permissions.SUPPORT_PERMISSIONS gained for the API
(see providers/0007_support_group for why a migration never imports the live list). Reversing
takes exactly these away again. The system check ``providers.W002`` and
tests/providers/test_support_admin.py catch the group and the list drifting apart.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "NECS support"

PERMISSIONS = (
    "api.view_supplier",
    "api.add_supplier",
    "api.change_supplier",
    "api.view_apikey",
    "api.add_apikey",
    "api.change_apikey",
    "api.view_suppliergrant",
    "returns.view_returndraft",
)


def _permissions(apps: Any) -> list[Any]:
    # On a fresh database permissions are made after all migrations (post_migrate): make the
    # ones named here now, as providers/0007 does.
    for label in {name.split(".", 1)[0] for name in PERMISSIONS}:
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # create_permissions skips apps without models
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    found = []
    for name in PERMISSIONS:
        app_label, codename = name.split(".", 1)
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def add_permissions(apps: Any, schema_editor: Any) -> None:
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(*_permissions(apps))


def remove_permissions(apps: Any, schema_editor: Any) -> None:
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("providers", "0008_history"),
        # ReturnDraft's view permission: the migration that made the model.
        ("returns", "0010_api_drafts"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
