"""Forms of the provider's "API access" pages: give a supplier access, make and revoke keys.

The forms only read and check what the person typed; the writes are api.services' (audited).
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet

from api.models import Supplier
from capacity_tracker.lib.forms import GovukDateField
from providers.models import Location

# Dates people type are England's (api sits below returns, so not returns.deadlines.LONDON).
LONDON = ZoneInfo("Europe/London")

ALL = "all"
SOME = "some"


def _model_choices(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """The form's field ``name``, declared as a model choice (or multiple choice) field."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class GrantForm(forms.Form):
    """Which supplier (when giving access) and which locations."""

    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.none(),
        label="Which software supplier?",
        empty_label=None,
        error_messages={"required": "Select a software supplier"},
    )
    scope = forms.ChoiceField(
        choices=[(ALL, "All your locations, including ones added later"), (SOME, "Some locations")],
        label="Which locations may the supplier send figures for?",
        error_messages={"required": "Select all locations or some"},
    )
    locations = forms.ModelMultipleChoiceField(
        queryset=Location.objects.none(),
        required=False,
        label="Locations",
        help_text="Select every location the supplier's system records.",
    )

    def __init__(
        self,
        *args: Any,
        suppliers: QuerySet[Supplier] | None,
        locations: QuerySet[Location],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if suppliers is None:
            # Changing a grant: the supplier is the grant's, fixed.
            del self.fields["supplier"]
        else:
            _model_choices(self, "supplier").queryset = suppliers
        _model_choices(self, "locations").queryset = locations

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("scope") == SOME and not data.get("locations"):
            self.add_error("locations", "Select at least one location")
        return data

    @property
    def chosen_locations(self) -> list[Location] | None:
        """None for all locations (the service's spelling), else the chosen ones."""
        if self.cleaned_data["scope"] == ALL:
            return None
        return list(self.cleaned_data["locations"])


class KeyForm(forms.Form):
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.none(),
        label="Which software supplier is the key for?",
        empty_label=None,
        error_messages={"required": "Select the software supplier"},
    )
    name = forms.CharField(
        max_length=100,
        label="Name of the key",
        help_text="So you can tell your keys apart, for example 'CareSys nightly upload'.",
        error_messages={
            "required": "Enter a name for the key",
            "max_length": "The name must be 100 characters or fewer",
        },
    )
    expires = GovukDateField(label="Expiry date")

    def __init__(
        self, *args: Any, suppliers: QuerySet[Supplier], today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _model_choices(self, "supplier").queryset = suppliers
        self.today = today

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name for the key")
        return name

    def clean_expires(self) -> datetime.date:
        expires = self.cleaned_data["expires"]
        if expires <= self.today:
            raise forms.ValidationError("Expiry date must be in the future")
        if expires > self.today + datetime.timedelta(days=3 * 366):
            raise forms.ValidationError("Expiry date must be within 3 years")
        return expires

    @property
    def expires_at(self) -> datetime.datetime:
        """The key works to the end of the expiry date in England: midnight after it."""
        after = self.cleaned_data["expires"] + datetime.timedelta(days=1)
        return datetime.datetime.combine(after, datetime.time(0), tzinfo=LONDON)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter the reason",
            "max_length": "The reason must be 1000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason")
        return reason
