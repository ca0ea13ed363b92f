"""The outbox: every email (and text message) is a row here before it goes.

An email link's single use is not recorded here: it belongs to the link, in
``returns.UsedEmailToken``, so the outbox row stays a record of what was sent.

This app sits above ``providers`` (its rows point at locations, contacts and users) and below
``returns`` and ``enforcement``, which queue their messages through ``notifications.outbox``.
``providers`` never imports it: its own account emails are asked for with a signal
(``providers.mail``) that this app answers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from capacity_tracker.lib import clock


class OutboundMessage(models.Model):
    """The outbox: every message is a row before it is sent.

    The unique key (kind, scope, location, recipient) means a job that runs twice, late, or
    in two workers at once can never create, and so never send, the same email twice. A
    resend is a new row that points at the original. ``scope`` names what the email is about
    without this app knowing about windows or cases: a period ("2026-12"), "onboarding", or
    an enforcement case reference.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    # How it goes: an email, or a text message to a mobile number (notifications.gateway).
    # ``db_default`` too, so an INSERT written in SQL that names no channel (returns.receipts)
    # queues an email.
    channel = models.CharField(
        max_length=8, choices=Channel.choices, default=Channel.EMAIL, db_default=Channel.EMAIL
    )
    kind = models.CharField(max_length=40)
    scope = models.CharField(max_length=40)
    location = models.ForeignKey(
        "providers.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="emails"
    )
    contact = models.ForeignKey(
        "providers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    # An email address (checked where the message is made) or, for a text message, a mobile
    # number as +447XXXXXXXXX (providers.validators.normalise_uk_mobile).
    recipient = models.CharField(max_length=254)
    template = models.CharField(max_length=100)
    personalisation = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    last_error = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set just before the email is handed to the gateway (notifications/outbox.py): a "sending" row
    # without it was claimed but never attempted, so it can go back to the queue.
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    resend_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resends"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    # An email that carries a stored enforcement letter: its subject and body are read from
    # the letter when it is sent, never copied into ``personalisation``. A string reference
    # keeps this app from importing enforcement (which sits above it).
    letter = models.ForeignKey(
        "enforcement.Letter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emails",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "email"
        constraints = [
            # With the channel: a text and an email to one contact are two messages.
            models.UniqueConstraint(
                "channel",
                "kind",
                "scope",
                "location",
                Lower("recipient"),
                condition=Q(resend_of__isnull=True),
                name="message_once_per_channel_kind_scope_location",
            ),
            # NULLs are distinct in a unique index, so messages about no location (account
            # emails: password reset, two-factor reset) need their own key to be queued once.
            models.UniqueConstraint(
                "channel",
                "kind",
                "scope",
                Lower("recipient"),
                condition=Q(resend_of__isnull=True, location__isnull=True),
                name="message_once_per_channel_kind_scope_no_location",
            ),
        ]
        indexes = [
            # The send task's claim query: only queued rows of one channel, oldest due first
            # (each channel has its own send limit, so each is claimed on its own).
            models.Index(
                fields=["channel", "next_attempt_at"],
                condition=Q(status="queued"),
                name="outbox_queued_due",
            ),
            models.Index(fields=["scope", "kind"], name="outbox_scope_kind"),
        ]

    def __str__(self) -> str:
        channel = "" if self.channel == self.Channel.EMAIL else f" {self.channel}"
        return f"{self.kind}{channel} {self.scope} to {self.recipient} ({self.status})"
