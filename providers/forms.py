from django import forms


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
    phone = forms.CharField(label="Phone number", max_length=32, required=False)
    role = forms.CharField(
        label="Role", max_length=100, required=False, help_text="For example: registered manager"
    )
    is_primary = forms.TypedChoiceField(
        label="Is this the main contact for the location?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if this is the main contact"},
    )
