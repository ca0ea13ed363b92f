from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0009_outbound_email_letter"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundemail",
            name="attempted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Rows "sending" when this is deployed may be in a gateway's hands: count them as
        # attempted, so they are failed for a person to check, never requeued and sent twice.
        migrations.RunSQL(
            "UPDATE providers_outboundemail SET attempted_at = COALESCE(claimed_at, CURRENT_TIMESTAMP) "
            "WHERE status = 'sending'",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
