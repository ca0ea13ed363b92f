"""Row-level history (django-pghistory): fee schemes and bands, cases, breaches, letters and
their citations, representations and recorded fees. See capacity_tracker/lib/history.py.
"""

import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0004_notice_citations_cycles_fees"),
        ("pghistory", "0007_auto_20250421_0444"),
        ("providers", "0008_history"),
        ("returns", "0009_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BreachEvent",
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
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "escalates",
                    models.BooleanField(
                        default=True,
                        help_text="False for windows before enforcement began: recorded, never escalated.",
                    ),
                ),
                ("cured_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="EnforcementCaseEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("reference", models.CharField(max_length=20)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("first_breach", "First breach"),
                            ("second_breach", "Second breach"),
                            ("notice_of_intent", "Continued breach: notice of intent"),
                            ("final_notice", "Persistent failure: final notice"),
                            ("appeal_panel", "Appeal: Enforcement Review Panel"),
                            ("appeal_tribunal", "Appeal: First-tier Tribunal"),
                            ("paid", "Paid"),
                            ("withdrawn", "Withdrawn"),
                            ("quashed", "Quashed"),
                            ("closed", "Closed"),
                        ],
                        max_length=24,
                    ),
                ),
                ("opened_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "noi_eligible",
                    models.BooleanField(
                        default=False, verbose_name="eligible for a notice of intent"
                    ),
                ),
                ("noi_eligible_reason", models.CharField(blank=True, max_length=255)),
                ("noi_sent_on", models.DateField(blank=True, null=True)),
                (
                    "noi_method",
                    models.CharField(
                        blank=True,
                        choices=[("email", "Email"), ("post", "Post"), ("hand", "By hand")],
                        max_length=8,
                    ),
                ),
                ("noi_given_on", models.DateField(blank=True, null=True)),
                ("representations_due", models.DateField(blank=True, null=True)),
                ("decision_due", models.DateField(blank=True, null=True)),
                ("decided_on", models.DateField(blank=True, null=True)),
                (
                    "decision",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("accepted", "Reasonable excuse accepted"),
                            ("not_accepted", "No reasonable excuse"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "penalty_amount",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True),
                ),
                ("final_notice_sent_on", models.DateField(blank=True, null=True)),
                ("final_notice_given_on", models.DateField(blank=True, null=True)),
                ("payment_due", models.DateField(blank=True, null=True)),
                ("appeal_due", models.DateField(blank=True, null=True)),
                ("next_action_due", models.DateField(blank=True, null=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="FeeBandEvent",
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
                ("lowest", models.PositiveIntegerField()),
                (
                    "highest",
                    models.PositiveIntegerField(
                        blank=True, help_text="Empty: no upper limit.", null=True
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="Empty: not known yet (never 0).",
                        max_digits=10,
                        null=True,
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="FeeSchemeEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("name", models.CharField(max_length=100)),
                ("effective_from", models.DateField()),
                ("notes", models.TextField(blank=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="LetterBreachEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("first_breach", "First breach letter"),
                            ("second_breach", "Second breach letter"),
                            ("notice_of_intent", "Notice of intent"),
                            ("final_notice", "Final notice"),
                            ("decision", "Decision on representations"),
                            ("appeal_outcome", "Appeal outcome"),
                        ],
                        max_length=24,
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="LetterEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("first_breach", "First breach letter"),
                            ("second_breach", "Second breach letter"),
                            ("notice_of_intent", "Notice of intent"),
                            ("final_notice", "Final notice"),
                            ("decision", "Decision on representations"),
                            ("appeal_outcome", "Appeal outcome"),
                        ],
                        max_length=24,
                    ),
                ),
                ("reference", models.CharField(max_length=30)),
                ("subject", models.CharField(max_length=255)),
                (
                    "body",
                    models.TextField(help_text="The letter as sent: never changed afterwards."),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "dated",
                    models.DateField(
                        blank=True,
                        help_text="The date printed on the letter: the day it was sent.",
                        null=True,
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecordedFeeEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("amount", models.DecimalField(decimal_places=2, max_digits=10)),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("cqc_invoice", "CQC invoice"),
                            ("cqc_fees_calculator", "CQC fees calculator"),
                        ],
                        max_length=24,
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        help_text="The invoice number, or what was entered in the calculator.",
                        max_length=255,
                    ),
                ),
                ("checked_on", models.DateField()),
                ("recorded_at", models.DateTimeField()),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RepresentationEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("received_on", models.DateField()),
                ("summary", models.TextField()),
                ("late", models.BooleanField(default=False)),
                ("recorded_at", models.DateTimeField()),
                ("considered_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="breach",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_breachevent" ("care_type", "cured_at", "cured_by_id", "escalates", "id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "recorded_at", "window_id") SELECT new_values."care_type", new_values."cured_at", new_values."cured_by_id", new_values."escalates", new_values."id", new_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."provider_id", new_values."recorded_at", new_values."window_id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="1b3534c3ed54db000794d2293d5e3965e0fda2ea",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_436b5",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="enforcement_breach",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="breach",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_breachevent" ("care_type", "cured_at", "cured_by_id", "escalates", "id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "recorded_at", "window_id") SELECT new_values."care_type", new_values."cured_at", new_values."cured_by_id", new_values."escalates", new_values."id", new_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."provider_id", new_values."recorded_at", new_values."window_id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="70932ea8c9d1198fb4ea8e5d2151fa73b850b229",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_522c9",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="enforcement_breach",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="breach",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_breachevent" ("care_type", "cured_at", "cured_by_id", "escalates", "id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "recorded_at", "window_id") SELECT old_values."care_type", old_values."cured_at", old_values."cured_by_id", old_values."escalates", old_values."id", old_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."provider_id", old_values."recorded_at", old_values."window_id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="7cb5a3fca3d013b9882bfab0ee99967c86a84e8e",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_f3755",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_breach",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="enforcementcase",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_enforcementcaseevent" ("appeal_due", "closed_at", "decided_on", "decision", "decision_due", "final_notice_given_on", "final_notice_sent_on", "id", "last_breach_window_id", "next_action_due", "noi_eligible", "noi_eligible_reason", "noi_given_on", "noi_method", "noi_sent_on", "opened_at", "payment_due", "penalty_amount", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "reference", "representations_due", "state", "updated_at") SELECT new_values."appeal_due", new_values."closed_at", new_values."decided_on", new_values."decision", new_values."decision_due", new_values."final_notice_given_on", new_values."final_notice_sent_on", new_values."id", new_values."last_breach_window_id", new_values."next_action_due", new_values."noi_eligible", new_values."noi_eligible_reason", new_values."noi_given_on", new_values."noi_method", new_values."noi_sent_on", new_values."opened_at", new_values."payment_due", new_values."penalty_amount", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."provider_id", new_values."reference", new_values."representations_due", new_values."state", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="b079f1e42d54a31169f068dddf00fa7f5bef13ff",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_8a34e",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="enforcement_enforcementcase",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="enforcementcase",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_enforcementcaseevent" ("appeal_due", "closed_at", "decided_on", "decision", "decision_due", "final_notice_given_on", "final_notice_sent_on", "id", "last_breach_window_id", "next_action_due", "noi_eligible", "noi_eligible_reason", "noi_given_on", "noi_method", "noi_sent_on", "opened_at", "payment_due", "penalty_amount", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "reference", "representations_due", "state", "updated_at") SELECT new_values."appeal_due", new_values."closed_at", new_values."decided_on", new_values."decision", new_values."decision_due", new_values."final_notice_given_on", new_values."final_notice_sent_on", new_values."id", new_values."last_breach_window_id", new_values."next_action_due", new_values."noi_eligible", new_values."noi_eligible_reason", new_values."noi_given_on", new_values."noi_method", new_values."noi_sent_on", new_values."opened_at", new_values."payment_due", new_values."penalty_amount", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."provider_id", new_values."reference", new_values."representations_due", new_values."state", new_values."updated_at" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="6167ebbcc95b94820fc5cf57eab4fa260602833d",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_aa91e",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="enforcement_enforcementcase",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="enforcementcase",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_enforcementcaseevent" ("appeal_due", "closed_at", "decided_on", "decision", "decision_due", "final_notice_given_on", "final_notice_sent_on", "id", "last_breach_window_id", "next_action_due", "noi_eligible", "noi_eligible_reason", "noi_given_on", "noi_method", "noi_sent_on", "opened_at", "payment_due", "penalty_amount", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "reference", "representations_due", "state", "updated_at") SELECT old_values."appeal_due", old_values."closed_at", old_values."decided_on", old_values."decision", old_values."decision_due", old_values."final_notice_given_on", old_values."final_notice_sent_on", old_values."id", old_values."last_breach_window_id", old_values."next_action_due", old_values."noi_eligible", old_values."noi_eligible_reason", old_values."noi_given_on", old_values."noi_method", old_values."noi_sent_on", old_values."opened_at", old_values."payment_due", old_values."penalty_amount", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."provider_id", old_values."reference", old_values."representations_due", old_values."state", old_values."updated_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="060f09b0e753fbc7225397d941ebceaf93f48977",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_b96d8",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_enforcementcase",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="feeband",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_feebandevent" ("amount", "care_type", "highest", "id", "lowest", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "scheme_id") SELECT new_values."amount", new_values."care_type", new_values."highest", new_values."id", new_values."lowest", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."scheme_id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="1962229cc7c32ce7125e3f7ac14a08fe13915e13",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_ff21e",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="enforcement_feeband",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="feeband",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_feebandevent" ("amount", "care_type", "highest", "id", "lowest", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "scheme_id") SELECT new_values."amount", new_values."care_type", new_values."highest", new_values."id", new_values."lowest", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."scheme_id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="c1658ded22fc49723d37830464e4e65ea24c4549",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_4cbe4",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="enforcement_feeband",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="feeband",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_feebandevent" ("amount", "care_type", "highest", "id", "lowest", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "scheme_id") SELECT old_values."amount", old_values."care_type", old_values."highest", old_values."id", old_values."lowest", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."scheme_id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="06a18a6c859a79f08fe3503aa8c12086dfeeedad",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_a026e",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_feeband",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="feescheme",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_feeschemeevent" ("effective_from", "id", "name", "notes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT new_values."effective_from", new_values."id", new_values."name", new_values."notes", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="cdbe3a647d8738430dfc716ebb15c94ac035f3fe",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_b4d10",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="enforcement_feescheme",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="feescheme",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_feeschemeevent" ("effective_from", "id", "name", "notes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT new_values."effective_from", new_values."id", new_values."name", new_values."notes", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="317db74ab13681b91c93293e9390aa3ab2f53792",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_131db",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="enforcement_feescheme",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="feescheme",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_feeschemeevent" ("effective_from", "id", "name", "notes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT old_values."effective_from", old_values."id", old_values."name", old_values."notes", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="c9859454ae4432ef7349c0233eddfdf953e0f723",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_6d875",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_feescheme",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letter",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterevent" ("body", "case_id", "created_at", "created_by_id", "dated", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "subject") SELECT new_values."body", new_values."case_id", new_values."created_at", new_values."created_by_id", new_values."dated", new_values."id", new_values."kind", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."reference", new_values."subject" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="5dc8dfd9c7bca0ed9f691bce98c46f86d91399b7",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_2c348",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="enforcement_letter",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letter",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterevent" ("body", "case_id", "created_at", "created_by_id", "dated", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "subject") SELECT new_values."body", new_values."case_id", new_values."created_at", new_values."created_by_id", new_values."dated", new_values."id", new_values."kind", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."reference", new_values."subject" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="4e1528a3e76bc131801830d75e8be2fae59def28",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_befc9",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="enforcement_letter",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letter",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterevent" ("body", "case_id", "created_at", "created_by_id", "dated", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "subject") SELECT old_values."body", old_values."case_id", old_values."created_at", old_values."created_by_id", old_values."dated", old_values."id", old_values."kind", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."reference", old_values."subject" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="ebb187bc52b883c4c9d840f64a6ce343bf71264f",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_0c407",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_letter",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letterbreach",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterbreachevent" ("breach_id", "id", "kind", "letter_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT new_values."breach_id", new_values."id", new_values."kind", new_values."letter_id", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="14ab14931ef6540125ab0f22fea5a1f1e704ee16",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_effc8",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="enforcement_letterbreach",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letterbreach",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterbreachevent" ("breach_id", "id", "kind", "letter_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT new_values."breach_id", new_values."id", new_values."kind", new_values."letter_id", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="fd0f4d8e364269a02641f033238a2e488634bf35",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_f7bf6",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="enforcement_letterbreach",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letterbreach",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterbreachevent" ("breach_id", "id", "kind", "letter_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") SELECT old_values."breach_id", old_values."id", old_values."kind", old_values."letter_id", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="e7807d72a45396deddb5e4d94a18ec99caf086be",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_5ca7f",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_letterbreach",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="recordedfee",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_recordedfeeevent" ("amount", "case_id", "checked_on", "evidence", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_at", "recorded_by_id", "source") SELECT new_values."amount", new_values."case_id", new_values."checked_on", new_values."evidence", new_values."id", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."recorded_at", new_values."recorded_by_id", new_values."source" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="a7c7fa72781b0a8a7853a0e9e0d910003b896450",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_cb188",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="enforcement_recordedfee",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="recordedfee",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_recordedfeeevent" ("amount", "case_id", "checked_on", "evidence", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_at", "recorded_by_id", "source") SELECT new_values."amount", new_values."case_id", new_values."checked_on", new_values."evidence", new_values."id", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."recorded_at", new_values."recorded_by_id", new_values."source" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="ee40141fda5845885f2a7288d33d7be39cf393f3",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_9ea36",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="enforcement_recordedfee",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="recordedfee",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_recordedfeeevent" ("amount", "case_id", "checked_on", "evidence", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_at", "recorded_by_id", "source") SELECT old_values."amount", old_values."case_id", old_values."checked_on", old_values."evidence", old_values."id", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."recorded_at", old_values."recorded_by_id", old_values."source" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="729721953929b7498e95eee9b7b37d22a731441b",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_3c4fc",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_recordedfee",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="representation",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_representationevent" ("case_id", "considered_at", "considered_by_id", "id", "late", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "received_on", "recorded_at", "recorded_by_id", "summary") SELECT new_values."case_id", new_values."considered_at", new_values."considered_by_id", new_values."id", new_values."late", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."received_on", new_values."recorded_at", new_values."recorded_by_id", new_values."summary" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="19168d1d9e10c391d66ca005326eb3f5db988554",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_a7414",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="enforcement_representation",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="representation",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_representationevent" ("case_id", "considered_at", "considered_by_id", "id", "late", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "received_on", "recorded_at", "recorded_by_id", "summary") SELECT new_values."case_id", new_values."considered_at", new_values."considered_by_id", new_values."id", new_values."late", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."received_on", new_values."recorded_at", new_values."recorded_by_id", new_values."summary" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="4f3f6fc7c2b563081b4dac57eb7f37ade4d5dc45",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_23ec9",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="enforcement_representation",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="representation",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_representationevent" ("case_id", "considered_at", "considered_by_id", "id", "late", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "received_on", "recorded_at", "recorded_by_id", "summary") SELECT old_values."case_id", old_values."considered_at", old_values."considered_by_id", old_values."id", old_values."late", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."received_on", old_values."recorded_at", old_values."recorded_by_id", old_values."summary" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="b45dbbc882a3bef746c979eb7247f4c4c6052997",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_4f6a9",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_representation",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="breachevent",
            name="cured_by",
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
            model_name="breachevent",
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
            model_name="breachevent",
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
            model_name="breachevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="enforcement.breach",
            ),
        ),
        migrations.AddField(
            model_name="breachevent",
            name="provider",
            field=models.ForeignKey(
                db_constraint=False,
                help_text="The provider that ran the location when the window closed.",
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="providers.provider",
            ),
        ),
        migrations.AddField(
            model_name="breachevent",
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
            model_name="enforcementcaseevent",
            name="last_breach_window",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="returns.collectionwindow",
            ),
        ),
        migrations.AddField(
            model_name="enforcementcaseevent",
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
            model_name="enforcementcaseevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="enforcement.enforcementcase",
            ),
        ),
        migrations.AddField(
            model_name="enforcementcaseevent",
            name="provider",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="providers.provider",
            ),
        ),
        migrations.AddField(
            model_name="feebandevent",
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
            model_name="feebandevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="enforcement.feeband",
            ),
        ),
        migrations.AddField(
            model_name="feebandevent",
            name="scheme",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="enforcement.feescheme",
            ),
        ),
        migrations.AddField(
            model_name="feeschemeevent",
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
            model_name="feeschemeevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="enforcement.feescheme",
            ),
        ),
        migrations.AddField(
            model_name="letterbreachevent",
            name="breach",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="enforcement.breach",
            ),
        ),
        migrations.AddField(
            model_name="letterbreachevent",
            name="letter",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="enforcement.letter",
            ),
        ),
        migrations.AddField(
            model_name="letterbreachevent",
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
            model_name="letterbreachevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="enforcement.letterbreach",
            ),
        ),
        migrations.AddField(
            model_name="letterevent",
            name="case",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="enforcement.enforcementcase",
            ),
        ),
        migrations.AddField(
            model_name="letterevent",
            name="created_by",
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
            model_name="letterevent",
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
            model_name="letterevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="enforcement.letter",
            ),
        ),
        migrations.AddField(
            model_name="recordedfeeevent",
            name="case",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="enforcement.enforcementcase",
            ),
        ),
        migrations.AddField(
            model_name="recordedfeeevent",
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
            model_name="recordedfeeevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="enforcement.recordedfee",
            ),
        ),
        migrations.AddField(
            model_name="recordedfeeevent",
            name="recorded_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="representationevent",
            name="case",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="enforcement.enforcementcase",
            ),
        ),
        migrations.AddField(
            model_name="representationevent",
            name="considered_by",
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
            model_name="representationevent",
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
            model_name="representationevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="enforcement.representation",
            ),
        ),
        migrations.AddField(
            model_name="representationevent",
            name="recorded_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="breachevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="6f4fa6ccb776e0a587ea64aa24194f24e85a4314",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_f15bf",
                    table="enforcement_breachevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="enforcementcaseevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="44755d405ffc795104e8b02244b3242efdd961e0",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_9117f",
                    table="enforcement_enforcementcaseevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="feebandevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="872376eb57ea6164fce492b35ceda9da7cb87a08",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_0a823",
                    table="enforcement_feebandevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="feeschemeevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="882d04b8d4897c1a0f9edc764b380a9307084571",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_11c7b",
                    table="enforcement_feeschemeevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letterbreachevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="38b3d8f0930c36002df66d697fcc9355fc0e87d4",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_905b3",
                    table="enforcement_letterbreachevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letterevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="f4426a948dcbbc543c6ea9727a2a9286a965da82",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_aacf2",
                    table="enforcement_letterevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="recordedfeeevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="c052ecb9f6b398269f01b4e7aef50ce20cab929f",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_beea0",
                    table="enforcement_recordedfeeevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="representationevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="8244f00d28321cc77468821e613015dc8161677e",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_033f9",
                    table="enforcement_representationevent",
                    when="BEFORE",
                ),
            ),
        ),
    ]
