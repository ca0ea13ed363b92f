"""Letters are owed inside the sweep and written after it commits (issue 13)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0005_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="letter",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="letter",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="letter",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="letter",
            name="written_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its text was written and its emails queued; empty while being prepared.",
                null=True,
            ),
        ),
        # Every letter stored so far was written when it was created. Run while the history
        # triggers are off: filling a new column is not a change to the letter.
        migrations.RunSQL(
            "UPDATE enforcement_letter SET written_at = created_at WHERE written_at IS NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AddField(
            model_name="letterevent",
            name="written_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its text was written and its emails queued; empty while being prepared.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="letter",
            name="body",
            field=models.TextField(
                blank=True, help_text="The letter as sent: never changed afterwards."
            ),
        ),
        migrations.AlterField(
            model_name="letter",
            name="subject",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name="letterevent",
            name="body",
            field=models.TextField(
                blank=True, help_text="The letter as sent: never changed afterwards."
            ),
        ),
        migrations.AlterField(
            model_name="letterevent",
            name="subject",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddIndex(
            model_name="letter",
            index=models.Index(
                condition=models.Q(("written_at__isnull", True)),
                fields=["id"],
                name="letter_pending",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="letter",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterevent" ("body", "case_id", "created_at", "created_by_id", "dated", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "subject", "written_at") SELECT new_values."body", new_values."case_id", new_values."created_at", new_values."created_by_id", new_values."dated", new_values."id", new_values."kind", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."reference", new_values."subject", new_values."written_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="35961c11682daf2192c86dfc38ab61d1f418884f",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterevent" ("body", "case_id", "created_at", "created_by_id", "dated", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "subject", "written_at") SELECT new_values."body", new_values."case_id", new_values."created_at", new_values."created_by_id", new_values."dated", new_values."id", new_values."kind", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."reference", new_values."subject", new_values."written_at" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="ed4446998f0a243b57aab0f3781507863de90120",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "enforcement_letterevent" ("body", "case_id", "created_at", "created_by_id", "dated", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "subject", "written_at") SELECT old_values."body", old_values."case_id", old_values."created_at", old_values."created_by_id", old_values."dated", old_values."id", old_values."kind", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."reference", old_values."subject", old_values."written_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="db2d8ce6fbd718b90887b37cf4ed562aa46a2960",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_0c407",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="enforcement_letter",
                    when="AFTER",
                ),
            ),
        ),
    ]
