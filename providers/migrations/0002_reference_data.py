from django.db import migrations


def load_reference_data(apps, schema_editor):
    from providers import reference_data

    reference_data.load(
        apps.get_model("providers", "Region"), apps.get_model("providers", "LocalAuthority")
    )


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
