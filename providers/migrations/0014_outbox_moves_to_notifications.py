"""The outbox is notifications.OutboundMessage now (notifications 0001): forget the model here
without touching its table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0013_location_service_kinds"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboundEmail")],
            database_operations=[],
        )
    ]
