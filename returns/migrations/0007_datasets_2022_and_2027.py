"""Two more shipped dataset versions (returns/datasets.py says what each is).

- August 2022, a reconstruction of the notice in force from 31 July 2022: without it the
  windows from April 2023 (when enforcement began) to June 2023 had no dataset, so they could
  be breached but not returned.
- January 2027: the July 2023 items plus the COVID-19 vaccination items asked every month.

The July 2023 version is not touched: returns saved against it keep what they were asked.
"""

from django.db import migrations


def load_versions(apps, schema_editor):
    from returns.datasets import SHIPPED_2022, SHIPPED_2027, load_dataset_file

    for path in (SHIPPED_2022, SHIPPED_2027):
        load_dataset_file(
            path,
            apps.get_model("returns", "DatasetVersion"),
            apps.get_model("returns", "DataItem"),
            apps.get_model("returns", "ItemRule"),
        )


def unload_versions(apps, schema_editor):
    # Only if nothing was saved against them: ReturnVersion protects its dataset version.
    apps.get_model("returns", "DatasetVersion").objects.filter(
        effective_from__in=["2022-08-01", "2027-01-01"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("returns", "0006_campaign_months_of_year")]

    operations = [migrations.RunPython(load_versions, unload_versions)]
