"""Timestamp defaults read the service clock (capacity_tracker.lib.clock.now), issue 16."""

from django.db import migrations, models

import capacity_tracker.lib.clock


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0006_letter_written_later"),
    ]

    operations = [
        migrations.AlterField(
            model_name="breach",
            name="recorded_at",
            field=models.DateTimeField(default=capacity_tracker.lib.clock.now),
        ),
        migrations.AlterField(
            model_name="breachevent",
            name="recorded_at",
            field=models.DateTimeField(default=capacity_tracker.lib.clock.now),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="at",
            field=models.DateTimeField(default=capacity_tracker.lib.clock.now),
        ),
        migrations.AlterField(
            model_name="letter",
            name="created_at",
            field=models.DateTimeField(default=capacity_tracker.lib.clock.now),
        ),
        migrations.AlterField(
            model_name="letterevent",
            name="created_at",
            field=models.DateTimeField(default=capacity_tracker.lib.clock.now),
        ),
    ]
