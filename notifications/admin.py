"""Support staff's view of the outbox: every message (email or text), what it was filled with
(secrets withheld) and a resend with a reason, on the message's own channel. Messages are never
edited or deleted here."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html

from capacity_tracker.lib import clock
from notifications.models import OutboundMessage
from notifications.outbox import outbox_resend
from providers.access import signed_in_user


class ResendForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it is being sent again (recorded with the new email).",
    )


# Personalisation keys holding links that act for the recipient (providers.password_reset,
# returns.emails): never shown to staff.
SECRET_LINKS = frozenset({"reset_url", "quick_url"})


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "kind",
        "scope",
        "recipient",
        "location",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["channel", "status", "kind", "scope"]
    search_fields = ["recipient", "location__name", "location__cqc_id", "provider_reference"]
    list_select_related = ["location"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [
        *(f.name for f in OutboundMessage._meta.fields if f.name != "personalisation"),
        "personalisation_shown",
    ]
    exclude = ["personalisation"]

    @admin.display(description="personalisation")
    def personalisation_shown(self, email: OutboundMessage) -> str:
        """What the email was filled with, with its secrets withheld: a password reset link
        or a signed quick-return link would let whoever reads this act as the recipient."""
        shown = {
            key: (
                "(withheld: a secret link for the recipient only)" if key in SECRET_LINKS else value
            )
            for key, value in (email.personalisation or {}).items()
        }
        return format_html(
            "<pre>{}</pre>", json.dumps(shown, indent=2, ensure_ascii=False, default=str)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # an email is a record of what was sent; it is resent, never edited

    def has_resend_permission(self, request: HttpRequest) -> bool:
        # Resending creates a new email: the desk holds "change" on emails for this alone.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(
        description="Resend selected messages (asks for a reason)", permissions=["resend"]
    )
    def resend(
        self, request: HttpRequest, queryset: QuerySet[OutboundMessage]
    ) -> TemplateResponse | None:
        if "apply" in request.POST:
            form = ResendForm(request.POST)
            if form.is_valid():
                actor = signed_in_user(request)
                now = clock.now()
                for email in queryset:
                    outbox_resend(
                        actor=actor,
                        email_id=email.pk,
                        reason=form.cleaned_data["reason"],
                        now=now,
                    )
                self.message_user(
                    request, f"{queryset.count()} email(s) queued again.", messages.SUCCESS
                )
                return None
        else:
            form = ResendForm()
        return TemplateResponse(
            request,
            "admin/notifications/resend_emails.html",
            {
                **self.admin_site.each_context(request),
                "emails": queryset,
                "form": form,
                "title": "Resend emails",
            },
        )
