from django.db import migrations, models

ROLES = [
    ("provider", "Provider user"),
    ("support", "NECS support staff"),
    ("caseworker", "NHSBSA enforcement caseworker"),
    ("analyst", "DHSC analyst"),
    ("local_authority", "Local authority user"),
    ("discharge", "Discharge and brokerage team"),
]


class Migration(migrations.Migration):
    dependencies = [
        # Linear after the contact receipts migration so the graph has one leaf (no merge needed).
        ("providers", "0011_contact_receipts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(choices=ROLES, max_length=16),
        ),
        migrations.AlterField(
            model_name="userevent",
            name="role",
            field=models.CharField(choices=ROLES, max_length=16),
        ),
    ]
