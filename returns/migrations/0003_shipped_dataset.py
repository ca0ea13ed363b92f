from django.db import migrations


def load_shipped_dataset(apps, schema_editor):
    from returns.datasets import SHIPPED, load_dataset_file

    load_dataset_file(
        SHIPPED,
        apps.get_model("returns", "DatasetVersion"),
        apps.get_model("returns", "DataItem"),
        apps.get_model("returns", "ItemRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("returns", "0002_data_items")]

    operations = [migrations.RunPython(load_shipped_dataset, migrations.RunPython.noop)]
