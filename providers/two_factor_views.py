"""Pages for two-factor sign-in: enter a code, set up an app, account security, and support
staff's reset. The rules live in providers.two_factor; these pages only ask and show."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from axes.helpers import get_client_ip_address
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from capacity_tracker.lib import clock
from providers import two_factor
from providers.access import AuthenticatedHttpRequest, role_required
from providers.models import Role, User


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )


class BackupCodeForm(forms.Form):
    backup_code = forms.CharField(
        label="Backup code",
        max_length=20,
        error_messages={"required": "Enter one of your backup codes"},
    )


class SetupForm(CodeForm):
    key = forms.CharField(widget=forms.HiddenInput)


class ResetForm(forms.Form):
    reason = forms.CharField(
        label="Why are you resetting their two-factor sign-in?",
        help_text="For example, how you checked who they are and what happened to their phone",
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Enter why you are resetting their two-factor sign-in"},
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _verified(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    django_otp.login(request, device)
    request.session[two_factor.SESSION_REQUIRED] = True
    request.session.cycle_key()  # a new session ID once the person is fully signed in


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """The page "Enter the code from your authenticator app" (or a backup code)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = _next_url(request)
    user: User = request.user
    if two_factor.is_verified(user):
        return redirect(next_url)
    if not two_factor.has_device(user):
        if two_factor.must_verify(request):
            return redirect(_with_next("two_factor:setup", next_url))
        return redirect(next_url)
    using_backup = "backup_code" in request.POST
    form = CodeForm(request.POST if request.method == "POST" and not using_backup else None)
    backup_form = BackupCodeForm(request.POST if using_backup else None)
    status = 200
    bound = backup_form if using_backup else form
    field = "backup_code" if using_backup else "otp_token"
    if request.method == "POST" and bound.is_valid():
        outcome = two_factor.two_factor_verify(
            user=user,
            now=clock.now(),
            code=bound.cleaned_data[field],
            ip=get_client_ip_address(request) or "unknown",
        )
        if outcome.device is not None:
            _verified(request, outcome.device)
            if outcome.used_backup_code:
                left = two_factor.backup_codes_left(user)
                messages.info(
                    request,
                    f"You used a backup code. You have {left} left. "
                    "You can get new ones from your account security page.",
                )
            return redirect(next_url)
        if outcome.wait_seconds:
            unit = "second" if outcome.wait_seconds == 1 else "seconds"
            bound.add_error(
                field,
                f"Too many attempts. Wait {outcome.wait_seconds} {unit}, then try again",
            )
            status = 429
        elif using_backup:
            bound.add_error(field, "That backup code is not right, or it has been used")
        else:
            bound.add_error(
                field, "The code is not right. Enter the 6-digit code your app shows now"
            )
    if request.method == "POST" and status == 200:
        status = 400
    return render(
        request,
        "registration/two_factor_verify.html",
        {
            "form": form,
            "backup_form": backup_form,
            "error_form": bound if bound.errors else None,
            "next": next_url,
        },
        status=status,
    )


@never_cache
def setup(request: HttpRequest) -> HttpResponse:
    """Scan a QR code (or type the key), confirm with a code, then see the backup codes once."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user: User = request.user
    next_url = _next_url(request)
    if two_factor.has_device(user):
        return redirect(
            next_url if two_factor.is_verified(user) else _with_next("two_factor:verify", next_url)
        )
    key = None
    form = SetupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        key = two_factor.unsign_key(user, request.POST.get("key", ""))
        if key is None:
            form = SetupForm()
            messages.info(request, "The set-up page had expired. Scan this new QR code.")
        elif form.is_valid():
            try:
                enrolled = two_factor.two_factor_enrol(
                    user=user, key=key, code=form.cleaned_data["otp_token"]
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                _verified(request, enrolled.device)
                return render(
                    request,
                    "registration/two_factor_backup_codes.html",
                    {"codes": enrolled.backup_codes, "next": next_url, "new_setup": True},
                )
    key = key or two_factor.new_key()
    url = two_factor.config_url(user, key)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "signed_key": two_factor.sign_key(user, key),
            "key_text": two_factor.key_for_people(key),
            "qr": two_factor.qr_svg(url),
            "next": next_url,
            "required": two_factor.is_staff_user(user),
        },
        status=400 if form.errors else 200,
    )


@never_cache
def account(request: HttpRequest) -> HttpResponse:
    """Account security: whether two-factor sign-in is on, and backup codes left."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user: User = request.user
    return render(
        request,
        "registration/two_factor_account.html",
        {
            "has_device": two_factor.has_device(user),
            "codes_left": two_factor.backup_codes_left(user),
            "required": two_factor.is_staff_user(user),
        },
    )


@require_POST
def backup_codes_new(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("two_factor:account"))
    user: User = request.user
    if not two_factor.is_verified(user):
        raise PermissionDenied("Enter a code from your app first.")
    try:
        codes = two_factor.backup_codes_renew(user=user)
    except ValidationError:
        return redirect("two_factor:setup")
    return render(
        request,
        "registration/two_factor_backup_codes.html",
        {"codes": codes, "next": reverse("two_factor:account"), "new_setup": False},
    )


@role_required(Role.SUPPORT)
def support_reset(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Support staff: remove someone's second factor, with a reason (audited, emailed)."""
    person = get_object_or_404(User, pk=user_id)
    if not two_factor.can_reset(request.user, person):
        raise PermissionDenied(
            "You cannot reset your own two-factor sign-in: ask another member of support staff."
            if person.pk == request.user.pk
            else "You cannot reset this person's two-factor sign-in."
        )
    form = ResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.two_factor_reset(
                actor=request.user,
                user_id=person.pk,
                reason=form.cleaned_data["reason"],
                now=clock.now(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                f"Two-factor sign-in for {person.get_full_name()} was reset. "
                "They have been emailed and will set it up again at their next sign-in.",
            )
            return redirect("two_factor:reset", user_id=person.pk)
    return render(
        request,
        "registration/two_factor_reset.html",
        {
            "person": person,
            "form": form,
            "has_device": two_factor.has_device(person),
            "required": two_factor.is_staff_user(person),
        },
        status=400 if form.errors else 200,
    )
