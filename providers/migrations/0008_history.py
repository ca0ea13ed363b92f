"""Row-level history (django-pghistory): event tables and triggers for providers, locations,
contacts, users (without the password hash), their links to locations and councils, and
registration status changes. See capacity_tracker/lib/history.py.
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

import providers.validators

# Django keeps no migration state for automatic many-to-many tables, so pgtrigger cannot add
# triggers to them itself: this is pgtrigger's own SQL for them, as compiled when written.
# PostgreSQL only: the demo's SQLite database has no triggers (pgtrigger skips it too).


def postgresql_only(sql: str, reverse_sql: str) -> migrations.RunPython:
    def run(statement: str):  # type: ignore[no-untyped-def]
        def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(statement)

        return apply

    return migrations.RunPython(run(sql), run(reverse_sql))


ADDED_INSERT_LIMITED_TO_LOCATIONS = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(
    trigger_name NAME
)
RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
        _result BOOLEAN;
    BEGIN
        BEGIN
            SELECT INTO _pgtrigger_ignore
                CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NOT NULL THEN
            SELECT trigger_name = ANY(_pgtrigger_ignore)
            INTO _result;
            RETURN _result;
        ELSE
            RETURN FALSE;
        END IF;
    END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pgtrigger_added_insert_fe2f8()
RETURNS TRIGGER AS $$

    BEGIN
        IF ("public"._pgtrigger_should_ignore(TG_NAME) IS TRUE) THEN
            IF (TG_OP = 'DELETE') THEN
                RETURN OLD;
            ELSE
                RETURN NEW;
            END IF;
        END IF;
        WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_userlocationlinkevent" ("id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "user_id") SELECT new_values."id", new_values."location_id", _pgh_attached_context.value, clock_timestamp(), 'added', new_values."id", new_values."user_id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;
    END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pgtrigger_added_insert_fe2f8 ON "providers_user_limited_to_locations";
CREATE  TRIGGER pgtrigger_added_insert_fe2f8
    AFTER INSERT ON "providers_user_limited_to_locations"

    REFERENCING NEW TABLE AS new_values
    FOR EACH STATEMENT
    EXECUTE PROCEDURE pgtrigger_added_insert_fe2f8();

COMMENT ON TRIGGER pgtrigger_added_insert_fe2f8 ON "providers_user_limited_to_locations" IS '8994ce1645e1c51a24d8b6ad9570394103bf8dbd';
"""

REMOVED_DELETE_LIMITED_TO_LOCATIONS = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(
    trigger_name NAME
)
RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
        _result BOOLEAN;
    BEGIN
        BEGIN
            SELECT INTO _pgtrigger_ignore
                CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NOT NULL THEN
            SELECT trigger_name = ANY(_pgtrigger_ignore)
            INTO _result;
            RETURN _result;
        ELSE
            RETURN FALSE;
        END IF;
    END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pgtrigger_removed_delete_a5175()
RETURNS TRIGGER AS $$

    BEGIN
        IF ("public"._pgtrigger_should_ignore(TG_NAME) IS TRUE) THEN
            IF (TG_OP = 'DELETE') THEN
                RETURN OLD;
            ELSE
                RETURN NEW;
            END IF;
        END IF;
        WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_userlocationlinkevent" ("id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "user_id") SELECT old_values."id", old_values."location_id", _pgh_attached_context.value, clock_timestamp(), 'removed', old_values."id", old_values."user_id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;
    END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pgtrigger_removed_delete_a5175 ON "providers_user_limited_to_locations";
CREATE  TRIGGER pgtrigger_removed_delete_a5175
    AFTER DELETE ON "providers_user_limited_to_locations"

    REFERENCING OLD TABLE AS old_values
    FOR EACH STATEMENT
    EXECUTE PROCEDURE pgtrigger_removed_delete_a5175();

COMMENT ON TRIGGER pgtrigger_removed_delete_a5175 ON "providers_user_limited_to_locations" IS 'a6d2c24f314fcc799b1f61a97bd707050e096671';
"""

ADDED_INSERT_LOCAL_AUTHORITIES = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(
    trigger_name NAME
)
RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
        _result BOOLEAN;
    BEGIN
        BEGIN
            SELECT INTO _pgtrigger_ignore
                CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NOT NULL THEN
            SELECT trigger_name = ANY(_pgtrigger_ignore)
            INTO _result;
            RETURN _result;
        ELSE
            RETURN FALSE;
        END IF;
    END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pgtrigger_added_insert_59530()
RETURNS TRIGGER AS $$

    BEGIN
        IF ("public"._pgtrigger_should_ignore(TG_NAME) IS TRUE) THEN
            IF (TG_OP = 'DELETE') THEN
                RETURN OLD;
            ELSE
                RETURN NEW;
            END IF;
        END IF;
        WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_usercouncillinkevent" ("id", "localauthority_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "user_id") SELECT new_values."id", new_values."localauthority_id", _pgh_attached_context.value, clock_timestamp(), 'added', new_values."id", new_values."user_id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;
    END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pgtrigger_added_insert_59530 ON "providers_user_local_authorities";
CREATE  TRIGGER pgtrigger_added_insert_59530
    AFTER INSERT ON "providers_user_local_authorities"

    REFERENCING NEW TABLE AS new_values
    FOR EACH STATEMENT
    EXECUTE PROCEDURE pgtrigger_added_insert_59530();

COMMENT ON TRIGGER pgtrigger_added_insert_59530 ON "providers_user_local_authorities" IS '186966ff3b528f68c2a169704c81b6bb01468528';
"""

REMOVED_DELETE_LOCAL_AUTHORITIES = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(
    trigger_name NAME
)
RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
        _result BOOLEAN;
    BEGIN
        BEGIN
            SELECT INTO _pgtrigger_ignore
                CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NOT NULL THEN
            SELECT trigger_name = ANY(_pgtrigger_ignore)
            INTO _result;
            RETURN _result;
        ELSE
            RETURN FALSE;
        END IF;
    END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pgtrigger_removed_delete_d7e55()
RETURNS TRIGGER AS $$

    BEGIN
        IF ("public"._pgtrigger_should_ignore(TG_NAME) IS TRUE) THEN
            IF (TG_OP = 'DELETE') THEN
                RETURN OLD;
            ELSE
                RETURN NEW;
            END IF;
        END IF;
        WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_usercouncillinkevent" ("id", "localauthority_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "user_id") SELECT old_values."id", old_values."localauthority_id", _pgh_attached_context.value, clock_timestamp(), 'removed', old_values."id", old_values."user_id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;
    END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pgtrigger_removed_delete_d7e55 ON "providers_user_local_authorities";
CREATE  TRIGGER pgtrigger_removed_delete_d7e55
    AFTER DELETE ON "providers_user_local_authorities"

    REFERENCING OLD TABLE AS old_values
    FOR EACH STATEMENT
    EXECUTE PROCEDURE pgtrigger_removed_delete_d7e55();

COMMENT ON TRIGGER pgtrigger_removed_delete_d7e55 ON "providers_user_local_authorities" IS '68e291f6b1dd52edd6d8390292d864463a9e998a';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0007_support_group"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContactEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("name", models.CharField(max_length=200)),
                ("email", models.EmailField(max_length=254)),
                ("phone", models.CharField(blank=True, max_length=32)),
                (
                    "role",
                    models.CharField(
                        blank=True,
                        help_text="For example: registered manager, deputy manager.",
                        max_length=100,
                    ),
                ),
                ("is_primary", models.BooleanField(default=False, verbose_name="primary contact")),
                ("last_confirmed_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="LocationEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("address_line_1", models.CharField(blank=True, max_length=200)),
                ("address_line_2", models.CharField(blank=True, max_length=200)),
                ("town", models.CharField(blank=True, max_length=100, verbose_name="town or city")),
                ("county", models.CharField(blank=True, max_length=100)),
                (
                    "postcode",
                    models.CharField(
                        blank=True,
                        max_length=8,
                        validators=[providers.validators.validate_postcode],
                    ),
                ),
                (
                    "cqc_id",
                    models.CharField(
                        max_length=13,
                        validators=[providers.validators.validate_cqc_location_id],
                        verbose_name="CQC location ID",
                    ),
                ),
                ("name", models.CharField(max_length=255)),
                (
                    "offers_care_home",
                    models.BooleanField(default=False, verbose_name="offers care home services"),
                ),
                (
                    "offers_home_care",
                    models.BooleanField(default=False, verbose_name="offers home care services"),
                ),
                (
                    "registered_places",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Care homes: the number of places (beds) CQC registers the home for.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(2000)],
                    ),
                ),
                (
                    "people_using_service",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Home care: the number of people receiving care, as last known.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(100000)],
                        verbose_name="people using the service",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("dormant", "Dormant"),
                            ("deregistered", "Deregistered"),
                        ],
                        default="active",
                        max_length=16,
                        verbose_name="registration status",
                    ),
                ),
                ("status_effective_from", models.DateField(blank=True, null=True)),
                (
                    "registered_on",
                    models.DateField(blank=True, null=True, verbose_name="registered with CQC on"),
                ),
                ("added_to_service_on", models.DateField(default=django.utils.timezone.localdate)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="LocationStatusChangeEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("dormant", "Dormant"),
                            ("deregistered", "Deregistered"),
                        ],
                        max_length=16,
                    ),
                ),
                ("effective_from", models.DateField()),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", models.CharField(blank=True, max_length=255)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ProviderEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("address_line_1", models.CharField(blank=True, max_length=200)),
                ("address_line_2", models.CharField(blank=True, max_length=200)),
                ("town", models.CharField(blank=True, max_length=100, verbose_name="town or city")),
                ("county", models.CharField(blank=True, max_length=100)),
                (
                    "postcode",
                    models.CharField(
                        blank=True,
                        max_length=8,
                        validators=[providers.validators.validate_postcode],
                    ),
                ),
                (
                    "cqc_id",
                    models.CharField(
                        max_length=13,
                        validators=[providers.validators.validate_cqc_provider_id],
                        verbose_name="CQC provider ID",
                    ),
                ),
                ("name", models.CharField(max_length=255)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("dormant", "Dormant"),
                            ("deregistered", "Deregistered"),
                        ],
                        default="active",
                        max_length=16,
                    ),
                ),
                ("status_effective_from", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="UserCouncilLinkEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="UserEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "is_superuser",
                    models.BooleanField(
                        default=False,
                        help_text="Designates that this user has all permissions without explicitly assigning them.",
                        verbose_name="superuser status",
                    ),
                ),
                ("email", models.EmailField(max_length=254, verbose_name="email address")),
                ("first_name", models.CharField(max_length=150)),
                ("last_name", models.CharField(max_length=150)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("provider", "Provider user"),
                            ("support", "NECS support staff"),
                            ("caseworker", "NHSBSA enforcement caseworker"),
                            ("analyst", "DHSC analyst"),
                            ("local_authority", "Local authority user"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "is_provider_approver",
                    models.BooleanField(
                        default=False,
                        help_text="Can approve new users of the same provider.",
                        verbose_name="approver",
                    ),
                ),
                ("approved_at", models.DateTimeField(blank=True, null=True)),
                ("is_active", models.BooleanField(default=True)),
                (
                    "is_staff",
                    models.BooleanField(
                        default=False,
                        help_text="Can sign in to the admin (support staff).",
                        verbose_name="staff status",
                    ),
                ),
                ("date_joined", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="UserLocationLinkEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
            ],
            options={
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="attach_history_context",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM _pgh_attach_context(); RETURN NULL;",
                    hash="223a96ca3f31a4a1ba765613ac9c8f1e728dec48",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_attach_history_context_2c04b",
                    table="providers_auditevent",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contact",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_contactevent" ("created_at", "email", "id", "is_primary", "last_confirmed_on", "location_id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "role", "updated_at") SELECT new_values."created_at", new_values."email", new_values."id", new_values."is_primary", new_values."last_confirmed_on", new_values."location_id", new_values."name", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."phone", new_values."role", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="aa157abdeec63999588cecf2e225ddbbb3bfe5b6",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_e272d",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="providers_contact",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contact",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_contactevent" ("created_at", "email", "id", "is_primary", "last_confirmed_on", "location_id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "role", "updated_at") SELECT new_values."created_at", new_values."email", new_values."id", new_values."is_primary", new_values."last_confirmed_on", new_values."location_id", new_values."name", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."phone", new_values."role", new_values."updated_at" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="88b249b5e679c5e974be68d3e2ac4085aaf88088",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_4c089",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="providers_contact",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contact",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_contactevent" ("created_at", "email", "id", "is_primary", "last_confirmed_on", "location_id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "role", "updated_at") SELECT old_values."created_at", old_values."email", old_values."id", old_values."is_primary", old_values."last_confirmed_on", old_values."location_id", old_values."name", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."phone", old_values."role", old_values."updated_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="fb76bf688019b54a11d6ce59c5f451f716405e54",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_f20d4",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="providers_contact",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="location",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationevent" ("added_to_service_on", "address_line_1", "address_line_2", "county", "cqc_id", "created_at", "id", "local_authority_id", "name", "offers_care_home", "offers_home_care", "people_using_service", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "provider_id", "registered_on", "registered_places", "status", "status_effective_from", "town", "updated_at") SELECT new_values."added_to_service_on", new_values."address_line_1", new_values."address_line_2", new_values."county", new_values."cqc_id", new_values."created_at", new_values."id", new_values."local_authority_id", new_values."name", new_values."offers_care_home", new_values."offers_home_care", new_values."people_using_service", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."postcode", new_values."provider_id", new_values."registered_on", new_values."registered_places", new_values."status", new_values."status_effective_from", new_values."town", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="c9d6edc10d6486a79558c4e4b6020dc56f205ab4",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationevent" ("added_to_service_on", "address_line_1", "address_line_2", "county", "cqc_id", "created_at", "id", "local_authority_id", "name", "offers_care_home", "offers_home_care", "people_using_service", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "provider_id", "registered_on", "registered_places", "status", "status_effective_from", "town", "updated_at") SELECT new_values."added_to_service_on", new_values."address_line_1", new_values."address_line_2", new_values."county", new_values."cqc_id", new_values."created_at", new_values."id", new_values."local_authority_id", new_values."name", new_values."offers_care_home", new_values."offers_home_care", new_values."people_using_service", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."postcode", new_values."provider_id", new_values."registered_on", new_values."registered_places", new_values."status", new_values."status_effective_from", new_values."town", new_values."updated_at" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="932b8c05582839c98825f318adf0c8356a433b9e",
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
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationevent" ("added_to_service_on", "address_line_1", "address_line_2", "county", "cqc_id", "created_at", "id", "local_authority_id", "name", "offers_care_home", "offers_home_care", "people_using_service", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "provider_id", "registered_on", "registered_places", "status", "status_effective_from", "town", "updated_at") SELECT old_values."added_to_service_on", old_values."address_line_1", old_values."address_line_2", old_values."county", old_values."cqc_id", old_values."created_at", old_values."id", old_values."local_authority_id", old_values."name", old_values."offers_care_home", old_values."offers_home_care", old_values."people_using_service", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."postcode", old_values."provider_id", old_values."registered_on", old_values."registered_places", old_values."status", old_values."status_effective_from", old_values."town", old_values."updated_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="92886030250e69514b283f5a2f5783f589cbd419",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_3a00e",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="providers_location",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="locationstatuschange",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationstatuschangeevent" ("effective_from", "id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "recorded_at", "recorded_by_id", "status") SELECT new_values."effective_from", new_values."id", new_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."reason", new_values."recorded_at", new_values."recorded_by_id", new_values."status" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="b0923a9c6bed6fa41e444d7cae96ffd03fd7039d",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_2ac50",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="providers_locationstatuschange",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="locationstatuschange",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationstatuschangeevent" ("effective_from", "id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "recorded_at", "recorded_by_id", "status") SELECT new_values."effective_from", new_values."id", new_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."reason", new_values."recorded_at", new_values."recorded_by_id", new_values."status" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="aea930689400ebcf5267de2802ba4045822b6832",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_ac845",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="providers_locationstatuschange",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="locationstatuschange",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_locationstatuschangeevent" ("effective_from", "id", "location_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "recorded_at", "recorded_by_id", "status") SELECT old_values."effective_from", old_values."id", old_values."location_id", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."reason", old_values."recorded_at", old_values."recorded_by_id", old_values."status" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="69cba5d3d99b510e480cf34aa668e9eb42a72db5",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_8fc15",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="providers_locationstatuschange",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="provider",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_providerevent" ("address_line_1", "address_line_2", "county", "cqc_id", "created_at", "id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "status", "status_effective_from", "town", "updated_at") SELECT new_values."address_line_1", new_values."address_line_2", new_values."county", new_values."cqc_id", new_values."created_at", new_values."id", new_values."name", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."postcode", new_values."status", new_values."status_effective_from", new_values."town", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="c9b8ce765cbe8a7d346ce22a5a1c3986880de637",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_c2891",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="providers_provider",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="provider",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_providerevent" ("address_line_1", "address_line_2", "county", "cqc_id", "created_at", "id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "status", "status_effective_from", "town", "updated_at") SELECT new_values."address_line_1", new_values."address_line_2", new_values."county", new_values."cqc_id", new_values."created_at", new_values."id", new_values."name", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."postcode", new_values."status", new_values."status_effective_from", new_values."town", new_values."updated_at" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="de794225a9e073252b280292976cfed2de93fc43",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_b4a7f",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="providers_provider",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="provider",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_providerevent" ("address_line_1", "address_line_2", "county", "cqc_id", "created_at", "id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "postcode", "status", "status_effective_from", "town", "updated_at") SELECT old_values."address_line_1", old_values."address_line_2", old_values."county", old_values."cqc_id", old_values."created_at", old_values."id", old_values."name", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."postcode", old_values."status", old_values."status_effective_from", old_values."town", old_values."updated_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="e74d6198c07588da71b25b3daa49c224f27742fa",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_42d8b",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="providers_provider",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_userevent" ("approved_at", "approved_by_id", "date_joined", "email", "first_name", "id", "is_active", "is_provider_approver", "is_staff", "is_superuser", "last_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "role") SELECT new_values."approved_at", new_values."approved_by_id", new_values."date_joined", new_values."email", new_values."first_name", new_values."id", new_values."is_active", new_values."is_provider_approver", new_values."is_staff", new_values."is_superuser", new_values."last_name", _pgh_attached_context.value, clock_timestamp(), \'insert\', new_values."id", new_values."provider_id", new_values."role" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="06d009fe6cb829e235dee3eb3306d3e2e5a71bba",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_abd98",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="providers_user",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_userevent" ("approved_at", "approved_by_id", "date_joined", "email", "first_name", "id", "is_active", "is_provider_approver", "is_staff", "is_superuser", "last_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "role") SELECT new_values."approved_at", new_values."approved_by_id", new_values."date_joined", new_values."email", new_values."first_name", new_values."id", new_values."is_active", new_values."is_provider_approver", new_values."is_staff", new_values."is_superuser", new_values."last_name", _pgh_attached_context.value, clock_timestamp(), \'update\', new_values."id", new_values."provider_id", new_values."role" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values."approved_at" IS DISTINCT FROM (new_values."approved_at") OR old_values."approved_by_id" IS DISTINCT FROM (new_values."approved_by_id") OR old_values."date_joined" IS DISTINCT FROM (new_values."date_joined") OR old_values."email" IS DISTINCT FROM (new_values."email") OR old_values."first_name" IS DISTINCT FROM (new_values."first_name") OR old_values."id" IS DISTINCT FROM (new_values."id") OR old_values."is_active" IS DISTINCT FROM (new_values."is_active") OR old_values."is_provider_approver" IS DISTINCT FROM (new_values."is_provider_approver") OR old_values."is_staff" IS DISTINCT FROM (new_values."is_staff") OR old_values."is_superuser" IS DISTINCT FROM (new_values."is_superuser") OR old_values."last_name" IS DISTINCT FROM (new_values."last_name") OR old_values."provider_id" IS DISTINCT FROM (new_values."provider_id") OR old_values."role" IS DISTINCT FROM (new_values."role")) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="f8bb93cb2959b79502d22d692e3d5160de2687e1",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_06844",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="providers_user",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "providers_userevent" ("approved_at", "approved_by_id", "date_joined", "email", "first_name", "id", "is_active", "is_provider_approver", "is_staff", "is_superuser", "last_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "provider_id", "role") SELECT old_values."approved_at", old_values."approved_by_id", old_values."date_joined", old_values."email", old_values."first_name", old_values."id", old_values."is_active", old_values."is_provider_approver", old_values."is_staff", old_values."is_superuser", old_values."last_name", _pgh_attached_context.value, clock_timestamp(), \'delete\', old_values."id", old_values."provider_id", old_values."role" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="3f2f6910752228b89f574bfac53fc7f1a85beaa3",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_cf93d",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="providers_user",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="contactevent",
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
            model_name="contactevent",
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
            model_name="contactevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="providers.contact",
            ),
        ),
        migrations.AddField(
            model_name="locationevent",
            name="local_authority",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="providers.localauthority",
            ),
        ),
        migrations.AddField(
            model_name="locationevent",
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
            model_name="locationevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="providers.location",
            ),
        ),
        migrations.AddField(
            model_name="locationevent",
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
            model_name="locationstatuschangeevent",
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
            model_name="locationstatuschangeevent",
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
            model_name="locationstatuschangeevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="providers.locationstatuschange",
            ),
        ),
        migrations.AddField(
            model_name="locationstatuschangeevent",
            name="recorded_by",
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
            model_name="providerevent",
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
            model_name="providerevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="providers.provider",
            ),
        ),
        migrations.AddField(
            model_name="usercouncillinkevent",
            name="localauthority",
            field=models.ForeignKey(
                db_constraint=False,
                db_tablespace="",
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="providers.localauthority",
            ),
        ),
        migrations.AddField(
            model_name="usercouncillinkevent",
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
            model_name="usercouncillinkevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="providers.user_local_authorities",
            ),
        ),
        migrations.AddField(
            model_name="usercouncillinkevent",
            name="user",
            field=models.ForeignKey(
                db_constraint=False,
                db_tablespace="",
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="userevent",
            name="approved_by",
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
            model_name="userevent",
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
            model_name="userevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="userevent",
            name="provider",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="providers.provider",
            ),
        ),
        migrations.AddField(
            model_name="userlocationlinkevent",
            name="location",
            field=models.ForeignKey(
                db_constraint=False,
                db_tablespace="",
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="providers.location",
            ),
        ),
        migrations.AddField(
            model_name="userlocationlinkevent",
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
            model_name="userlocationlinkevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="providers.user_limited_to_locations",
            ),
        ),
        migrations.AddField(
            model_name="userlocationlinkevent",
            name="user",
            field=models.ForeignKey(
                db_constraint=False,
                db_tablespace="",
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contactevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="bb3ee8f472d0e5ebe5308d9e8d243fa413069966",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_34be4",
                    table="providers_contactevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="locationevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="751967dc6c8dbdac1309329daaaad23e50d8398e",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_d23d9",
                    table="providers_locationevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="locationstatuschangeevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="84486857c6e66ab8f3c0c8b438f2349de8c4149e",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_1fa7b",
                    table="providers_locationstatuschangeevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="providerevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="e5ccb8805cf6ea0316fbcd02acd5d3238fe5e90f",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_5a83e",
                    table="providers_providerevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="usercouncillinkevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="d6c6037ff35b60952f5c9c42b28527a9f0f5f5b9",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_6f68a",
                    table="providers_usercouncillinkevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="751872e2fd4c18589632862f2c2f19d63f44fe03",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_9c538",
                    table="providers_userevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userlocationlinkevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="91192c5338f52a6605368830cd5790744f59a8ec",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_921eb",
                    table="providers_userlocationlinkevent",
                    when="BEFORE",
                ),
            ),
        ),
        postgresql_only(
            ADDED_INSERT_LIMITED_TO_LOCATIONS,
            'DROP TRIGGER IF EXISTS pgtrigger_added_insert_fe2f8 ON "providers_user_limited_to_locations";',
        ),
        postgresql_only(
            REMOVED_DELETE_LIMITED_TO_LOCATIONS,
            'DROP TRIGGER IF EXISTS pgtrigger_removed_delete_a5175 ON "providers_user_limited_to_locations";',
        ),
        postgresql_only(
            ADDED_INSERT_LOCAL_AUTHORITIES,
            'DROP TRIGGER IF EXISTS pgtrigger_added_insert_59530 ON "providers_user_local_authorities";',
        ),
        postgresql_only(
            REMOVED_DELETE_LOCAL_AUTHORITIES,
            'DROP TRIGGER IF EXISTS pgtrigger_removed_delete_d7e55 ON "providers_user_local_authorities";',
        ),
    ]
