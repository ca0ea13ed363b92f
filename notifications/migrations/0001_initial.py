"""The outbox moves from providers to notifications (issue 15): the model's state only, on
the table as it is (``providers_outboundemail``); 0002 renames the table and changes it.

Its content type and permissions move with it, so the support group keeps what it holds.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps: Any, schema_editor: Any) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    moved = ContentType.objects.filter(app_label="providers", model="outboundemail")
    if ContentType.objects.filter(app_label="notifications", model="outboundmessage").exists():
        return
    moved.update(app_label="notifications", model="outboundmessage")
    for permission in Permission.objects.filter(codename__endswith="_outboundemail"):
        permission.codename = permission.codename.replace("_outboundemail", "_outboundmessage")
        permission.save(update_fields=["codename"])


def move_content_type_back(apps: Any, schema_editor: Any) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ContentType.objects.filter(app_label="notifications", model="outboundmessage").update(
        app_label="providers", model="outboundemail"
    )
    for permission in Permission.objects.filter(codename__endswith="_outboundmessage"):
        permission.codename = permission.codename.replace("_outboundmessage", "_outboundemail")
        permission.save(update_fields=["codename"])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("enforcement", "0006_letter_written_later"),
        ("providers", "0013_location_service_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboundMessage",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=40)),
                        ("scope", models.CharField(max_length=40)),
                        ("recipient", models.EmailField(max_length=254)),
                        ("template", models.CharField(max_length=100)),
                        ("personalisation", models.JSONField(default=dict)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="queued",
                                max_length=16,
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        (
                            "next_attempt_at",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        ("last_error", models.TextField(blank=True)),
                        ("provider_reference", models.CharField(blank=True, max_length=100)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("attempted_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("link_used_at", models.DateTimeField(blank=True, null=True)),
                        ("reason", models.TextField(blank=True)),
                        (
                            "contact",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="emails",
                                to="providers.contact",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "location",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="emails",
                                to="providers.location",
                            ),
                        ),
                        (
                            "letter",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="emails",
                                to="enforcement.letter",
                            ),
                        ),
                        (
                            "resend_of",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="resends",
                                to="notifications.outboundmessage",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "email",
                        "db_table": "providers_outboundemail",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("status", "queued")),
                                fields=["next_attempt_at"],
                                name="email_queued_due",
                            ),
                            models.Index(
                                fields=["scope", "kind"], name="providers_o_scope_e15f36_idx"
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                models.F("kind"),
                                models.F("scope"),
                                models.F("location"),
                                django.db.models.functions.text.Lower("recipient"),
                                condition=models.Q(("resend_of__isnull", True)),
                                name="email_once_per_kind_scope_location_recipient",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
