"""What CQC's directory says of a care home: nursing, residential, dementia (default False),
on the location and its history event table; the history triggers are rebuilt to copy them.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0012_discharge_role"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="location",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="location",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="location",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="location",
            name="dementia",
            field=models.BooleanField(
                default=False,
                help_text="CQC lists dementia among the people the home cares for or its specialisms.",
                verbose_name="dementia care",
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="nursing",
            field=models.BooleanField(
                default=False,
                help_text="CQC registers the home as a care home service with nursing.",
                verbose_name="nursing care",
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="residential",
            field=models.BooleanField(
                default=False,
                help_text="CQC registers the home as a care home service without nursing.",
                verbose_name="residential care",
            ),
        ),
        migrations.AddField(
            model_name="locationevent",
            name="dementia",
            field=models.BooleanField(
                default=False,
                help_text="CQC lists dementia among the people the home cares for or its specialisms.",
                verbose_name="dementia care",
            ),
        ),
        migrations.AddField(
            model_name="locationevent",
            name="nursing",
            field=models.BooleanField(
                default=False,
                help_text="CQC registers the home as a care home service with nursing.",
                verbose_name="nursing care",
            ),
        ),
        migrations.AddField(
            model_name="locationevent",
            name="residential",
            field=models.BooleanField(
                default=False,
                help_text="CQC registers the home as a care home service without nursing.",
                verbose_name="residential care",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="location",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationevent" ("added_to_service_on", "address_line_1", "address_line_2", "county", "cqc_id", "created_at", "dementia", "id", "local_authority_id", "name", "nursing", "offers_care_home", "offers_home_care", "people_using_service", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "provider_id", "registered_on", "registered_places", "residential", "status", "status_effective_from", "town", "updated_at") SELECT new_values."added_to_service_on", new_values."address_line_1", new_values."address_line_2", new_values."county", new_values."cqc_id", new_values."created_at", new_values."dementia", new_values."id", new_values."local_authority_id", new_values."name", new_values."nursing", new_values."offers_care_home", new_values."offers_home_care", new_values."people_using_service", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."postcode", new_values."provider_id", new_values."registered_on", new_values."registered_places", new_values."residential", new_values."status", new_values."status_effective_from", new_values."town", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="27d1a54088e3ec574dc8158bb7f2c3610753a9b4",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_51dee",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="providers_location",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="location",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationevent" ("added_to_service_on", "address_line_1", "address_line_2", "county", "cqc_id", "created_at", "dementia", "id", "local_authority_id", "name", "nursing", "offers_care_home", "offers_home_care", "people_using_service", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "provider_id", "registered_on", "registered_places", "residential", "status", "status_effective_from", "town", "updated_at") SELECT new_values."added_to_service_on", new_values."address_line_1", new_values."address_line_2", new_values."county", new_values."cqc_id", new_values."created_at", new_values."dementia", new_values."id", new_values."local_authority_id", new_values."name", new_values."nursing", new_values."offers_care_home", new_values."offers_home_care", new_values."people_using_service", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."postcode", new_values."provider_id", new_values."registered_on", new_values."registered_places", new_values."residential", new_values."status", new_values."status_effective_from", new_values."town", new_values."updated_at" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="5d28fb68ea394f5f57d8f718879b9a8384f1c161",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_9eede",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="providers_location",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="location",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationevent" ("added_to_service_on", "address_line_1", "address_line_2", "county", "cqc_id", "created_at", "dementia", "id", "local_authority_id", "name", "nursing", "offers_care_home", "offers_home_care", "people_using_service", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "provider_id", "registered_on", "registered_places", "residential", "status", "status_effective_from", "town", "updated_at") SELECT old_values."added_to_service_on", old_values."address_line_1", old_values."address_line_2", old_values."county", old_values."cqc_id", old_values."created_at", old_values."dementia", old_values."id", old_values."local_authority_id", old_values."name", old_values."nursing", old_values."offers_care_home", old_values."offers_home_care", old_values."people_using_service", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."postcode", old_values."provider_id", old_values."registered_on", old_values."registered_places", old_values."residential", old_values."status", old_values."status_effective_from", old_values."town", old_values."updated_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="8ac5dcb5fc027036f105de74a7f4b11dee4c1a75",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_3a00e",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="providers_location",
                    when="AFTER",
                ),
            ),
        ),
    ]
