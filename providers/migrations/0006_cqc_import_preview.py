import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("providers", "0005_local_authority_users")]

    # Earlier imports (all from the command line) were applied when they were recorded, so
    # "applied" is the right status for the rows already there.
    operations = [
        migrations.AddField(
            model_name="cqcimport",
            name="applied_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="cqcimport",
            name="applied_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="cqcimport",
            name="apply_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="cqcimport",
            name="content",
            field=models.BinaryField(
                default=b"", help_text="The uploaded file, applied exactly as previewed."
            ),
        ),
        migrations.AddField(
            model_name="cqcimport",
            name="preview",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="New, changed and deregistered rows, as previewed.",
            ),
        ),
        migrations.AddField(
            model_name="cqcimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("previewed", "Previewed, not applied"),
                    ("applying", "Applying"),
                    ("applied", "Applied"),
                    ("failed", "Failed"),
                ],
                default="applied",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="cqcimport",
            name="uploaded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
