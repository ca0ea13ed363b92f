from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from providers import registration
from providers.models import Location, User
from providers.validators import (
    MOBILE_MESSAGE,
    PHONE_MESSAGE,
    SMS_NEEDS_MOBILE,
    normalise_uk_mobile,
    validate_no_control_characters,
    validate_uk_phone,
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


class SignInForm(AuthenticationForm):
    """Django's sign-in form in GOV.UK words: one message per problem, saying how to fix it.

    The field keeps Django's name ``username`` (django-axes counts failures against it), but
    it only ever takes an email address.
    """

    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        # ModelBackend refuses inactive accounts before this is reached; kept in the same words
        # so that a turned-down account is not told apart from a wrong password.
        "inactive": "Enter a correct email address and password",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"


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
        label="Telephone number",
        max_length=32,
        required=False,
        help_text="For example, 01632 960 001 or 07700 900 982",
        validators=[validate_uk_phone],
        error_messages={"max_length": PHONE_MESSAGE},
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
        strip=False,  # spaces are part of a password: sign-in does not strip them either
        error_messages={"required": "Enter a password"},
    )

    def clean(self) -> dict[str, Any]:
        """Checks the IDs and the password alongside the other fields, so every problem shows
        at once. Whether the address has an account is never checked here (see
        registration.user_register)."""
        super().clean()
        data = self.cleaned_data
        found = registration.check_request(
            provider_id=data.get("provider_id"),
            location_id=data.get("location_id"),
            password=data.get("password"),
            user=User(
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            ),
        )
        for field, messages in found.errors.items():
            for message in messages:
                self.add_error(field, message)
        return data


class LocationAccessForm(forms.Form):
    """Which of the provider's locations a user sends data for: all, or the ones ticked."""

    ALL = "all"
    SOME = "some"

    access = forms.ChoiceField(
        choices=[(ALL, "All locations"), (SOME, "Only some locations")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select which locations they can send data for"},
    )
    locations = forms.ModelMultipleChoiceField(
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select locations from the list"},
    )

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["locations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = locations

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("access") == self.SOME and not data.get("locations"):
            self.add_error("locations", "Select the locations they can send data for")
        return data

    def location_ids(self) -> list[int]:
        """The locations chosen; empty means all of them (no limit)."""
        if self.cleaned_data["access"] == self.ALL:
            return []
        return [location.pk for location in self.cleaned_data["locations"]]
