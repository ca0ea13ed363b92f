import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0010_api_drafts"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReminderPass",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("opens_at", models.DateTimeField()),
                ("checked_at", models.DateTimeField()),
                (
                    "window",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminder_pass",
                        to="returns.collectionwindow",
                    ),
                ),
            ],
        ),
    ]
