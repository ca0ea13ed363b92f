import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Single use of the emailed link as a property of the link (returns.UsedEmailToken)."""

    dependencies = [
        ("returns", "0007_datasets_2022_and_2027"),
        ("providers", "0002_reference_data"),  # Location exists since 0001
    ]

    operations = [
        migrations.CreateModel(
            name="UsedEmailToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "digest",
                    models.CharField(
                        editable=False,
                        max_length=64,
                        unique=True,
                        verbose_name="SHA-256 of the link's claim",
                    ),
                ),
                ("used_at", models.DateTimeField(editable=False)),
                (
                    "location",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="providers.location",
                    ),
                ),
                (
                    "window",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="returns.collectionwindow",
                    ),
                ),
            ],
            options={
                "verbose_name": "used email link",
                "ordering": ["-used_at"],
            },
        ),
    ]
