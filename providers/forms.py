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
