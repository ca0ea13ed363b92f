"""The outbox gets its own table and index names and a key for messages about no location;
an email link's single use leaves the outbox row (returns 0013 copied it to UsedEmailToken)."""

from __future__ import annotations

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("providers", "0014_outbox_moves_to_notifications"),
        ("returns", "0013_link_uses_from_outbox"),
    ]

    operations = [
        migrations.AlterModelTable(name="outboundmessage", table=None),
        migrations.RenameIndex(
            model_name="outboundmessage",
            new_name="outbox_scope_kind",
            old_name="providers_o_scope_e15f36_idx",
        ),
        migrations.AddConstraint(
            model_name="outboundmessage",
            constraint=models.UniqueConstraint(
                models.F("kind"),
                models.F("scope"),
                django.db.models.functions.text.Lower("recipient"),
                condition=models.Q(("location__isnull", True), ("resend_of__isnull", True)),
                name="message_once_per_kind_scope_recipient_no_location",
            ),
        ),
        migrations.RemoveField(model_name="outboundmessage", name="link_used_at"),
    ]
