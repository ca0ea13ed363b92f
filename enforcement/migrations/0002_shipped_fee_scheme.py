import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "fee_scheme_2023.json"


def load(apps, schema_editor):
    FeeScheme = apps.get_model("enforcement", "FeeScheme")
    FeeBand = apps.get_model("enforcement", "FeeBand")
    spec = json.loads(DATA.read_text(encoding="utf-8"))
    scheme, _ = FeeScheme.objects.update_or_create(
        effective_from=spec["effective_from"],
        defaults={"name": spec["name"], "notes": spec["notes"]},
    )
    for band in spec["bands"]:
        FeeBand.objects.update_or_create(
            scheme=scheme,
            care_type=band["care_type"],
            lowest=band["lowest"],
            defaults={
                "highest": band["highest"],
                "amount": Decimal(band["amount"]) if band["amount"] is not None else None,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
