"""Campaign months become months of the year (twelve rows), shipped as September to March.

Before, a campaign month was one dated month and none shipped, so the seasonal vaccination
questions were never asked. Any dated rows staff had added are folded in: their month of the
year joins the campaign. The data step sits between schema steps in one migration, which is
safe on PostgreSQL here because nothing references this table (no deferred foreign key
triggers to trip "pending trigger events").
"""

from django.db import migrations, models

# The autumn/winter COVID-19 booster and flu campaign (DOMAIN 3.2), written out rather than
# imported so that this migration means the same thing whatever the code says later.
DEFAULT_CAMPAIGN_MONTHS = frozenset({9, 10, 11, 12, 1, 2, 3})
NOTE = "Shipped default: the autumn/winter campaign, September to March"


def months_of_year(apps, schema_editor):
    CampaignMonth = apps.get_model("returns", "CampaignMonth")
    folded = {
        period.month
        for period in CampaignMonth.objects.values_list("period", flat=True)
        if period is not None
    }
    CampaignMonth.objects.all().delete()
    CampaignMonth.objects.bulk_create(
        CampaignMonth(
            month=month,
            in_campaign=month in DEFAULT_CAMPAIGN_MONTHS or month in folded,
            note=NOTE
            if month not in folded
            else "Was a dated campaign month before months of the year",
        )
        for month in range(1, 13)
    )


def empty_before_dated_periods_return(apps, schema_editor):
    # Reversing: months of the year cannot become dated months, and the dated column coming
    # back is NOT NULL, so the table must be empty before it is re-added.
    apps.get_model("returns", "CampaignMonth").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("returns", "0005_bulk_upload")]

    operations = [
        migrations.RemoveConstraint(
            model_name="campaignmonth", name="campaign_period_first_of_month"
        ),
        migrations.AddField(
            model_name="campaignmonth",
            name="month",
            field=models.PositiveSmallIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="campaignmonth",
            name="in_campaign",
            field=models.BooleanField(
                default=False,
                help_text="When ticked, the seasonal COVID-19 booster and flu questions are asked.",
                verbose_name="in the vaccination campaign",
            ),
        ),
        # The dated column goes below; until then the new rows leave it empty.
        migrations.AlterField(
            model_name="campaignmonth",
            name="period",
            field=models.DateField(help_text="The first day of the month.", null=True, unique=True),
        ),
        migrations.RunPython(months_of_year, migrations.RunPython.noop),
        migrations.RemoveField(model_name="campaignmonth", name="period"),
        migrations.RunPython(migrations.RunPython.noop, empty_before_dated_periods_return),
        migrations.AlterField(
            model_name="campaignmonth",
            name="month",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "January"),
                    (2, "February"),
                    (3, "March"),
                    (4, "April"),
                    (5, "May"),
                    (6, "June"),
                    (7, "July"),
                    (8, "August"),
                    (9, "September"),
                    (10, "October"),
                    (11, "November"),
                    (12, "December"),
                ],
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="campaignmonth",
            name="note",
            field=models.CharField(
                blank=True,
                help_text="Why it was last changed (also in the audit trail).",
                max_length=255,
            ),
        ),
        migrations.AlterModelOptions(name="campaignmonth", options={"ordering": ["month"]}),
        migrations.AddConstraint(
            model_name="campaignmonth",
            constraint=models.CheckConstraint(
                condition=models.Q(("month__gte", 1), ("month__lte", 12)),
                name="campaign_month_of_year",
            ),
        ),
    ]
