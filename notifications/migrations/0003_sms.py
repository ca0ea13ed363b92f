"""Text messages: a channel on every outbox row (email by default, also in the database, so
SQL that names no channel still queues an email), a recipient that may be a mobile number,
the channel in both unique keys and a claim index per channel (each has its own send limit)."""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0006_letter_written_later"),
        ("notifications", "0002_own_table"),
        ("providers", "0015_contact_sms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="outboundmessage",
            name="email_once_per_kind_scope_location_recipient",
        ),
        migrations.RemoveConstraint(
            model_name="outboundmessage",
            name="message_once_per_kind_scope_recipient_no_location",
        ),
        migrations.RemoveIndex(
            model_name="outboundmessage",
            name="email_queued_due",
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="channel",
            field=models.CharField(
                choices=[("email", "Email"), ("sms", "Text message")],
                db_default="email",
                default="email",
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="recipient",
            field=models.CharField(max_length=254),
        ),
        migrations.AddIndex(
            model_name="outboundmessage",
            index=models.Index(
                condition=models.Q(("status", "queued")),
                fields=["channel", "next_attempt_at"],
                name="outbox_queued_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboundmessage",
            constraint=models.UniqueConstraint(
                models.F("channel"),
                models.F("kind"),
                models.F("scope"),
                models.F("location"),
                django.db.models.functions.text.Lower("recipient"),
                condition=models.Q(("resend_of__isnull", True)),
                name="message_once_per_channel_kind_scope_location",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboundmessage",
            constraint=models.UniqueConstraint(
                models.F("channel"),
                models.F("kind"),
                models.F("scope"),
                django.db.models.functions.text.Lower("recipient"),
                condition=models.Q(("location__isnull", True), ("resend_of__isnull", True)),
                name="message_once_per_channel_kind_scope_no_location",
            ),
        ),
    ]
