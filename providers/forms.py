from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from providers.validators import (
    MOBILE_MESSAGE,
    SMS_NEEDS_MOBILE,
    normalise_uk_mobile,
    validate_no_control_characters,
)


class UKMobileField(forms.CharField):
    """A UK mobile number in any usual form, cleaned to +447XXXXXXXXX (blank stays blank)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("error_messages", {"invalid": MOBILE_MESSAGE})
        super().__init__(**kwargs)

    def to_python(self, value: object) -> str:
        value = super().to_python(value)
        return normalise_uk_mobile(value) if value else ""


def check_sms_has_mobile(form: forms.BaseForm) -> None:
    """``sms`` ticked needs a mobile: the error goes on the mobile field (where the fix is)."""
    data = form.cleaned_data
    if data.get("sms") and not data.get("mobile") and "mobile" not in form.errors:
        form.add_error("mobile", ValidationError(SMS_NEEDS_MOBILE, code="required"))


class ProviderSearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name, CQC ID or postcode",
        required=False,
        max_length=100,
    )


class RejectUserForm(forms.Form):
    reason = forms.CharField(
        label="Why are you turning down this request?",
        max_length=500,
        widget=forms.Textarea,
        error_messages={"required": "Enter why you are turning down this request"},
    )


class ContactForm(forms.Form):
    name = forms.CharField(
        label="Full name",
        max_length=200,
        validators=[validate_no_control_characters],
        error_messages={"required": "Enter the contact's full name"},
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter the contact's email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    phone = forms.CharField(
        label="Phone number",
        max_length=32,
        required=False,
        validators=[validate_no_control_characters],
    )
    role = forms.CharField(
        label="Role",
        max_length=100,
        required=False,
        help_text="For example: registered manager",
        validators=[validate_no_control_characters],
    )
    is_primary = forms.TypedChoiceField(
        label="Is this the main contact for the location?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if this is the main contact"},
    )
    # Unticked, a browser sends nothing: required=False makes that "no receipts".
    receipts = forms.BooleanField(
        label="Email a receipt each time a return is saved for this location",
        required=False,
        initial=True,
    )
    sms = forms.BooleanField(label="Send me text messages too", required=False)
    mobile = UKMobileField(
        label="UK mobile number",
        required=False,
        help_text="For example, 07700 900 982",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_sms_has_mobile(self)
        return self.cleaned_data


class RegisterForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        validators=[validate_no_control_characters],
        error_messages={"required": "Enter your first name"},
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        validators=[validate_no_control_characters],
        error_messages={"required": "Enter your last name"},
    )
    email = forms.EmailField(
        label="Email address",
        help_text="Use your work email address. You will sign in with it.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    provider_id = forms.CharField(
        label="CQC provider ID",
        help_text="On your CQC registration certificate, like 1-101234567",
        error_messages={"required": "Enter your CQC provider ID"},
    )
    location_id = forms.CharField(
        label="CQC location ID of one of your locations",
        help_text="Like 1-1234567890",
        error_messages={"required": "Enter a CQC location ID"},
    )
    password = forms.CharField(
        label="Create a password",
        help_text="At least 12 characters. Do not use a password you use elsewhere.",
        widget=forms.PasswordInput,
        error_messages={"required": "Create a password"},
    )
