"""Row-level history (django-pghistory): windows, datasets and their items and rules, campaign
months, return heads, and any change to a saved return version. See capacity_tracker/lib/history.py.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0008_used_email_tokens"),
        ("pghistory", "0007_auto_20250421_0444"),
        ("providers", "0008_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CampaignMonthEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "month",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "January"),
                            (2, "February"),
                            (3, "March"),
                            (4, "April"),
                            (5, "May"),
                            (6, "June"),
                            (7, "July"),
                            (8, "August"),
                            (9, "September"),
                            (10, "October"),
                            (11, "November"),
                            (12, "December"),
                        ]
                    ),
                ),
                (
                    "in_campaign",
                    models.BooleanField(
                        default=False,
                        help_text="When ticked, the seasonal COVID-19 booster and flu questions are asked.",
                        verbose_name="in the vaccination campaign",
                    ),
                ),
                (
                    "note",
                    models.CharField(
                        blank=True,
                        help_text="Why it was last changed (also in the audit trail).",
                        max_length=255,
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="CollectionWindowEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("period", models.DateField(help_text="The first day of the month.")),
                ("opens_at", models.DateTimeField()),
                ("closes_at", models.DateTimeField()),
                ("last_day", models.DateField()),
                ("rule_opens_at", models.DateTimeField()),
                ("rule_closes_at", models.DateTimeField()),
                ("overridden", models.BooleanField(default=False)),
                ("override_reason", models.TextField(blank=True)),
                ("overridden_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="DataItemEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "care_type",
                    models.CharField(
                        choices=[("care_home", "Care home"), ("home_care", "Home care")],
                        max_length=16,
                    ),
                ),
                ("section", models.CharField(max_length=100)),
                ("code", models.SlugField(db_index=False, max_length=64)),
                ("label", models.CharField(max_length=255)),
                ("help_text", models.TextField(blank=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("integer", "Whole number"),
                            ("yes_no", "Yes or no"),
                            ("text", "Text"),
                        ],
                        default="integer",
                        max_length=16,
                    ),
                ),
                ("mandatory", models.BooleanField(default=True)),
                ("min_value", models.IntegerField(blank=True, default=0, null=True)),
                ("max_value", models.IntegerField(blank=True, null=True)),
                (
                    "campaign_only",
                    models.BooleanField(
                        default=False, help_text="Asked only in months with a vaccination campaign."
                    ),
                ),
                ("order", models.PositiveIntegerField(default=0)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="DatasetVersionEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("name", models.CharField(max_length=200)),
                ("effective_from", models.DateField(help_text="The first month it applies to.")),
                ("notes", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ItemRuleEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "care_type",
                    models.CharField(
                        choices=[("care_home", "Care home"), ("home_care", "Home care")],
                        max_length=16,
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("at_most", "Sum of left items at most sum of right items"),
                            ("required_when", "Right item required when left item has a value"),
                        ],
                        max_length=16,
                    ),
                ),
                ("left_codes", models.JSONField()),
                ("right_codes", models.JSONField()),
                ("when_value", models.CharField(blank=True, max_length=50)),
                (
                    "message",
                    models.CharField(
                        help_text="Shown to the user. May use {limit} and {total}.", max_length=255
                    ),
                ),
                ("order", models.PositiveIntegerField(default=0)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ReturnEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "care_type",
                    models.CharField(
                        choices=[("care_home", "Care home"), ("home_care", "Home care")],
                        max_length=16,
                    ),
                ),
                ("version_count", models.PositiveIntegerField(default=0)),
                ("updated_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ReturnVersionEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("number", models.PositiveIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("full", "Full return"),
                            ("unchanged", "Nothing has changed"),
                            ("nil", "Nil return"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "nil_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("no_service_users", "There are no people using the service"),
                            ("no_staff", "There are no staff"),
                            (
                                "not_regulated_asc",
                                "We do not provide regulated adult social care here",
                            ),
                            ("other", "Another reason"),
                        ],
                        max_length=32,
                    ),
                ),
                ("nil_reason_detail", models.CharField(blank=True, max_length=500)),
                ("answers", models.JSONField(default=dict)),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("portal", "Portal"),
                            ("csv", "CSV bulk update"),
                            ("api", "API"),
                            ("email_link", "Email link"),
                            ("assisted", "Support staff on the provider's behalf"),
                        ],
                        max_length=16,
                    ),
                ),
                ("submitter_first_name", models.CharField(max_length=150)),
                ("submitter_last_name", models.CharField(max_length=150)),
                ("submitted_at", models.DateTimeField()),
                ("in_window", models.BooleanField()),
                ("reference", models.CharField(max_length=20)),
                ("on_behalf_reason", models.TextField(blank=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="campaignmonth",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_campaignmonthevent" ("id", "in_campaign", "month", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT new_values."id", new_values."in_campaign", new_values."month", new_values."note", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="e54c53a041b895cb86c0e3236fd94acec4eda9c8",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_f85da",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="returns_campaignmonth",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="campaignmonth",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_campaignmonthevent" ("id", "in_campaign", "month", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT new_values."id", new_values."in_campaign", new_values."month", new_values."note", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="bbd78bc867433214913f7f3050b331ccd7b9600a",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_1af8a",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="returns_campaignmonth",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="campaignmonth",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_campaignmonthevent" ("id", "in_campaign", "month", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT old_values."id", old_values."in_campaign", old_values."month", old_values."note", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="1c7508ed0d16557fe386497fb0179c958b6c6b0e",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_cd4db",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="returns_campaignmonth",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="collectionwindow",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_collectionwindowevent" ("closes_at", "created_at", "id", "last_day", "opens_at", "overridden", "overridden_at", "overridden_by_id", "override_reason", "period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "rule_closes_at", "rule_opens_at") SELECT new_values."closes_at", new_values."created_at", new_values."id", new_values."last_day", new_values."opens_at", new_values."overridden", new_values."overridden_at", new_values."overridden_by_id", new_values."override_reason", new_values."period", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."rule_closes_at", new_values."rule_opens_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="3a321df2fd61e22d2dfa5c8a2b1689d2838ea1a9",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_d0410",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="returns_collectionwindow",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="collectionwindow",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_collectionwindowevent" ("closes_at", "created_at", "id", "last_day", "opens_at", "overridden", "overridden_at", "overridden_by_id", "override_reason", "period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "rule_closes_at", "rule_opens_at") SELECT new_values."closes_at", new_values."created_at", new_values."id", new_values."last_day", new_values."opens_at", new_values."overridden", new_values."overridden_at", new_values."overridden_by_id", new_values."override_reason", new_values."period", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."rule_closes_at", new_values."rule_opens_at" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="fba571c2f9517782b13d9c64d3ea3ac81519239d",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_39b59",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="returns_collectionwindow",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="collectionwindow",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_collectionwindowevent" ("closes_at", "created_at", "id", "last_day", "opens_at", "overridden", "overridden_at", "overridden_by_id", "override_reason", "period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "rule_closes_at", "rule_opens_at") SELECT old_values."closes_at", old_values."created_at", old_values."id", old_values."last_day", old_values."opens_at", old_values."overridden", old_values."overridden_at", old_values."overridden_by_id", old_values."override_reason", old_values."period", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."rule_closes_at", old_values."rule_opens_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="423dd46aa1a5dd3ab7d30844e3bbae6eeb9221e8",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_5c9b0",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="returns_collectionwindow",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dataitem",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_dataitemevent" ("campaign_only", "care_type", "code", "help_text", "id", "kind", "label", "mandatory", "max_value", "min_value", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "section", "version_id") SELECT new_values."campaign_only", new_values."care_type", new_values."code", new_values."help_text", new_values."id", new_values."kind", new_values."label", new_values."mandatory", new_values."max_value", new_values."min_value", new_values."order", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."section", new_values."version_id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="7eae2a734c311ca2d3469af9c66f1f8a6f56bf25",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_8edba",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="returns_dataitem",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dataitem",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_dataitemevent" ("campaign_only", "care_type", "code", "help_text", "id", "kind", "label", "mandatory", "max_value", "min_value", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "section", "version_id") SELECT new_values."campaign_only", new_values."care_type", new_values."code", new_values."help_text", new_values."id", new_values."kind", new_values."label", new_values."mandatory", new_values."max_value", new_values."min_value", new_values."order", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."section", new_values."version_id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="d7bfebfa5f472213cc33dbd78cb3da0e81dde3f9",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_95545",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="returns_dataitem",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dataitem",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_dataitemevent" ("campaign_only", "care_type", "code", "help_text", "id", "kind", "label", "mandatory", "max_value", "min_value", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "section", "version_id") SELECT old_values."campaign_only", old_values."care_type", old_values."code", old_values."help_text", old_values."id", old_values."kind", old_values."label", old_values."mandatory", old_values."max_value", old_values."min_value", old_values."order", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."section", old_values."version_id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="0cfe45075b1a104c92d5eafd4a3a8235fcdb11ab",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_90ad2",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="returns_dataitem",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="datasetversion",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_datasetversionevent" ("created_at", "effective_from", "id", "name", "notes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT new_values."created_at", new_values."effective_from", new_values."id", new_values."name", new_values."notes", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="6b3e24d10665fee024cc0bbefdc44c482a8fca2d",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_1f432",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="returns_datasetversion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="datasetversion",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_datasetversionevent" ("created_at", "effective_from", "id", "name", "notes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT new_values."created_at", new_values."effective_from", new_values."id", new_values."name", new_values."notes", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="8ac26a4f63c6f7f4f0ac714db463a3422f5aa2a2",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_b858c",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="returns_datasetversion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="datasetversion",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_datasetversionevent" ("created_at", "effective_from", "id", "name", "notes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT old_values."created_at", old_values."effective_from", old_values."id", old_values."name", old_values."notes", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="070216bf931bf101f15bdb3ee1e827d54f132884",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_7a1f5",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="returns_datasetversion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="itemrule",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_itemruleevent" ("care_type", "id", "kind", "left_codes", "message", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "right_codes", "version_id", "when_value") SELECT new_values."care_type", new_values."id", new_values."kind", new_values."left_codes", new_values."message", new_values."order", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."right_codes", new_values."version_id", new_values."when_value" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="72c4c4c06f691b73568057f2df2ce2503145576e",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_8ced6",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="returns_itemrule",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="itemrule",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_itemruleevent" ("care_type", "id", "kind", "left_codes", "message", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "right_codes", "version_id", "when_value") SELECT new_values."care_type", new_values."id", new_values."kind", new_values."left_codes", new_values."message", new_values."order", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."right_codes", new_values."version_id", new_values."when_value" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="c6c2179b6f57becca031e3a03d0f53f24b8e6f22",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_466bd",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="returns_itemrule",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="itemrule",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_itemruleevent" ("care_type", "id", "kind", "left_codes", "message", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "right_codes", "version_id", "when_value") SELECT old_values."care_type", old_values."id", old_values."kind", old_values."left_codes", old_values."message", old_values."order", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."right_codes", old_values."version_id", old_values."when_value" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="b9777de046516a4fd8f81503f22023e5c95119e6",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_191d7",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="returns_itemrule",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="return",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_returnevent" ("care_type", "counted_id", "id", "latest_id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "updated_at", "version_count", "window_id") SELECT new_values."care_type", new_values."counted_id", new_values."id", new_values."latest_id", new_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."updated_at", new_values."version_count", new_values."window_id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="559b4433352a007377640365f3e7c4b1132770ba",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_99a77",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="returns_return",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="return",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_returnevent" ("care_type", "counted_id", "id", "latest_id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "updated_at", "version_count", "window_id") SELECT new_values."care_type", new_values."counted_id", new_values."id", new_values."latest_id", new_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."updated_at", new_values."version_count", new_values."window_id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="30a4c0f6c3a3174dc301dde74a199a61ecfa0bc6",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_654ef",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="returns_return",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="return",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_returnevent" ("care_type", "counted_id", "id", "latest_id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "updated_at", "version_count", "window_id") SELECT old_values."care_type", old_values."counted_id", old_values."id", old_values."latest_id", old_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."updated_at", old_values."version_count", old_values."window_id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="728d2fd14f16481fad94ab864812f325a97278d1",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_8ae5e",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="returns_return",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="returnversion",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_returnversionevent" ("answers", "dataset_version_id", "id", "in_window", "kind", "nil_reason", "nil_reason_detail", "number", "on_behalf_reason", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "return_head_id", "source", "submitted_at", "submitted_by_id", "submitter_first_name", "submitter_last_name") SELECT new_values."answers", new_values."dataset_version_id", new_values."id", new_values."in_window", new_values."kind", new_values."nil_reason", new_values."nil_reason_detail", new_values."number", new_values."on_behalf_reason", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."reference", new_values."return_head_id", new_values."source", new_values."submitted_at", new_values."submitted_by_id", new_values."submitter_first_name", new_values."submitter_last_name" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="efef1beeb0de9ff090e2287e971c0e56e5e42246",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_8efd2",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="returns_returnversion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="returnversion",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "returns_returnversionevent" ("answers", "dataset_version_id", "id", "in_window", "kind", "nil_reason", "nil_reason_detail", "number", "on_behalf_reason", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "return_head_id", "source", "submitted_at", "submitted_by_id", "submitter_first_name", "submitter_last_name") SELECT old_values."answers", old_values."dataset_version_id", old_values."id", old_values."in_window", old_values."kind", old_values."nil_reason", old_values."nil_reason_detail", old_values."number", old_values."on_behalf_reason", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."reference", old_values."return_head_id", old_values."source", old_values."submitted_at", old_values."submitted_by_id", old_values."submitter_first_name", old_values."submitter_last_name" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="fcb0dc8f4d53db9275151a8de253c14e55286054",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_55149",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="returns_returnversion",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="campaignmonthevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="campaignmonthevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="returns.campaignmonth",
            ),
        ),
        migrations.AddField(
            model_name="collectionwindowevent",
            name="overridden_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="collectionwindowevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="collectionwindowevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="returns.collectionwindow",
            ),
        ),
        migrations.AddField(
            model_name="dataitemevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="dataitemevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="returns.dataitem",
            ),
        ),
        migrations.AddField(
            model_name="dataitemevent",
            name="version",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="returns.datasetversion",
            ),
        ),
        migrations.AddField(
            model_name="datasetversionevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="datasetversionevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="returns.datasetversion",
            ),
        ),
        migrations.AddField(
            model_name="itemruleevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="itemruleevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="returns.itemrule",
            ),
        ),
        migrations.AddField(
            model_name="itemruleevent",
            name="version",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="returns.datasetversion",
            ),
        ),
        migrations.AddField(
            model_name="returnevent",
            name="counted",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The latest version saved inside the window: the month's return.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="returns.returnversion",
            ),
        ),
        migrations.AddField(
            model_name="returnevent",
            name="latest",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="returns.returnversion",
            ),
        ),
        migrations.AddField(
            model_name="returnevent",
            name="location",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="providers.location",
            ),
        ),
        migrations.AddField(
            model_name="returnevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="returnevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="returns.return",
            ),
        ),
        migrations.AddField(
            model_name="returnevent",
            name="window",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="returns.collectionwindow",
            ),
        ),
        migrations.AddField(
            model_name="returnversionevent",
            name="dataset_version",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="returns.datasetversion",
            ),
        ),
        migrations.AddField(
            model_name="returnversionevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="returnversionevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="returns.returnversion",
            ),
        ),
        migrations.AddField(
            model_name="returnversionevent",
            name="return_head",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="returns.return",
            ),
        ),
        migrations.AddField(
            model_name="returnversionevent",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="campaignmonthevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="2c6514c5998084128f2893528f29093ceac5dc8d",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_2c470",
                    table="returns_campaignmonthevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="collectionwindowevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="b0ebd1f0616188d5c2fc04bdebde5312cf190337",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_f418a",
                    table="returns_collectionwindowevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dataitemevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="21c740c882a3f3676524185aaa7156ad774b0b3b",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_ed608",
                    table="returns_dataitemevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="datasetversionevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="eb759195f5872a2ce6858a061e9770623340e861",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_e3ae5",
                    table="returns_datasetversionevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="itemruleevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="c1590d1e7749ecf7ca7ce41673d52f395ed18afa",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_15105",
                    table="returns_itemruleevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="returnevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="3ecf5566130afecc5d05a6605ebc2ff5764e1754",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_ceac0",
                    table="returns_returnevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="returnversionevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="e6158be0466f7a5549475bfc6fd53ee54e155819",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_003e8",
                    table="returns_returnversionevent",
                    when="BEFORE",
                ),
            ),
        ),
    ]
