"""The provider dashboard's filter form (a GET form) and its page number.

Every choice is checked against a closed list: a status, a care type, or a council of the
user's own locations (a council of another provider's is not a choice, so it filters nothing
of theirs in). A bad value is reported in a GOV.UK error summary and that filter ignored; the
page number is never an error (anything but a whole number is page 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django import forms
from django.forms import BoundField
from django.http import QueryDict

from providers.models import CareType, LocalAuthority
from returns.selectors import DashboardFilters, Status

NAME_MAX_LENGTH = 100
SELECTS = ("status", "care_type", "council")
STATUS_CHOICES: list[tuple[str, str]] = [
    ("", "Any status"),
    *((key, label) for key, (label, _) in Status.LABELS.items()),
]
CARE_TYPE_CHOICES: list[tuple[str, str]] = [("", "Any care type"), *CareType.choices]


class DashboardFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status this month",
        required=False,
        choices=STATUS_CHOICES,
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    care_type = forms.ChoiceField(
        label="Care type",
        required=False,
        choices=CARE_TYPE_CHOICES,
        error_messages={"invalid_choice": "Select a care type from the list"},
    )
    council = forms.ChoiceField(
        label="Council",
        required=False,
        error_messages={"invalid_choice": "Select a council from the list"},
    )
    name = forms.CharField(
        label="Location name contains",
        required=False,
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "max_length": f"Location name must be {NAME_MAX_LENGTH} characters or fewer"
        },
    )

    def __init__(self, data: QueryDict, councils: Iterable[LocalAuthority]) -> None:
        super().__init__(data)
        # By ONS code, not pk: the address stays meaningful if shared.
        councils = list(councils)
        self._council_ids = {council.ons_code: council.pk for council in councils}
        council_choices = [
            ("", "Any council"),
            *((council.ons_code, council.name) for council in councils),
        ]
        self._select("council").choices = council_choices
        # Each select's options, as set on its field (read here, not back from the field).
        self._options = {
            "status": STATUS_CHOICES,
            "care_type": CARE_TYPE_CHOICES,
            "council": council_choices,
        }

    def _select(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # the selects are declared as such above
        return field

    def _value(self, name: str) -> str:
        """The cleaned value of one field, or "" if it was invalid (that filter is ignored)."""
        if not self.is_bound or name in self.errors:
            return ""
        return self.cleaned_data.get(name) or ""

    def selects(self) -> list[tuple[BoundField, list[tuple[str, str, bool]]]]:
        """Each select's field and its options as (value, label, selected): worked out once
        here, not per option in the template (a big group has a long list of councils)."""
        selects = []
        for name in SELECTS:
            chosen = self._value(name)
            options = [
                (str(value), str(label), str(value) == chosen)
                for value, label in self._options[name]
            ]
            selects.append((self[name], options))
        return selects

    def filters(self) -> DashboardFilters:
        council = self._value("council")
        return DashboardFilters(
            status=self._value("status"),
            care_type=self._value("care_type"),
            local_authority_id=self._council_ids.get(council) if council else None,
            name=self._value("name"),
        )

    def query(self) -> str:
        """The valid filters as a query string, for the pagination links (no page)."""
        pairs = [(name, self._value(name)) for name in self.fields]
        return urlencode([(name, value) for name, value in pairs if value])


def page_number(value: str | None) -> int:
    """The requested page: a whole number, else 1 (range is checked against the row count)."""
    try:
        return max(1, int(value or "1"))
    except ValueError:
        return 1
