"""Password reset by email, through the outbox.

Django's password reset views, with the email queued in the outbox (providers.mail; sent by the
worker, retried, visible to support) instead of sent during the request. The answer is the
same whether or not an account has the address, and at most one email per account goes out
in each ``RESET_EMAIL_EVERY`` (a button pressed ten times sends one).
"""

from __future__ import annotations

import logging
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse, reverse_lazy

from capacity_tracker.lib import clock, rate_limit
from capacity_tracker.lib.json_logs import security_event
from providers.audit import audit_record
from providers.mail import AccountEmail, request_emails
from providers.models import User
from providers.registration import password_problems

KIND = "password_reset"
RESET_EMAIL_EVERY = 5 * 60  # seconds


def password_reset_queue(*, user: User, uidb64: str, token: str) -> bool:
    """Queue the reset email for ``user``; False if one was queued in this interval already."""
    now = clock.now()
    bucket = int(now.timestamp()) // RESET_EMAIL_EVERY
    scope = f"reset-{user.pk}-{bucket}"
    # The outbox's key (kind, scope, recipient) makes a second request in the interval a no-op.
    return (
        request_emails(
            [
                AccountEmail(
                    kind=KIND,
                    scope=scope,
                    recipient=user.email,
                    personalisation={
                        "name": user.get_full_name(),
                        "reset_url": settings.SITE_URL
                        + reverse(
                            "password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}
                        ),
                        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
                        "support_email": settings.SUPPORT_EMAIL,
                    },
                )
            ],
            now=now,
        )
        == 1
    )


class OutboxPasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages.update(
            required="Enter your email address",
            invalid="Enter an email address in the correct format, like name@example.com",
        )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        password_reset_queue(user=context["user"], uidb64=context["uid"], token=context["token"])


class NewPasswordForm(auth_forms.SetPasswordForm):
    """Django's set-password form in GOV.UK words; a weak password is named on the first box,
    where it was chosen, rather than on the "type it again" box."""

    error_messages = {"password_mismatch": "Enter the same password in both boxes"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Type the new password again"

    def validate_password_for_user(self, user: Any, password_field_name: str = "") -> None:
        password = self.cleaned_data.get("new_password1")
        if password:
            for message in password_problems(password, user):
                self.add_error("new_password1", message)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: auth_forms.PasswordResetForm) -> HttpResponse:
        address = get_client_ip_address(self.request) or "unknown"
        allowed = rate_limit.allow(
            f"password-reset:{address}", limit=settings.REGISTER_MAX_PER_HOUR, seconds=3600
        )
        security_event("password_reset_requested", ip=address, limited=not allowed)
        if allowed:
            form.save(request=self.request)
        # The same answer whether the address has an account, has none, or was rate limited.
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: auth_forms.SetPasswordForm) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(actor=form.user, action="providers.user.password_reset", target=form.user)
        security_event(
            "password_reset",
            level=logging.INFO,
            user_id=form.user.pk,
            ip=get_client_ip_address(self.request) or "unknown",
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
