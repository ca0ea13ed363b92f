"""The export and filter forms. They only parse and check entitlement; the selectors decide
the numbers and ``dissemination.downloads`` builds the files.

Months are chosen from the stored windows that have opened (no date typing): one month is
the same month as first and last. A council or region outside what the user may see is not
a choice at all, and the views answer such a request with 404, as for any URL guessing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms

from capacity_tracker.lib.forms import field_of
from dissemination.audience import Audience, closed_windows, opened_windows
from dissemination.models import DisclosureRecord
from dissemination.publishable import PUBLISHABLE_LEVELS
from dissemination.selectors import Level
from providers.models import CareType, LocalAuthority, Region
from returns.models import CollectionWindow

CARE_TYPES = [(CareType.CARE_HOME.value, "Care homes"), (CareType.HOME_CARE.value, "Home care")]
ALL_CARE_TYPES = [("", "Both care types"), *CARE_TYPES]
FORMATS = [
    (DisclosureRecord.Format.CSV.value, "CSV (comma-separated values)"),
    (DisclosureRecord.Format.XLSX.value, "Excel spreadsheet (XLSX)"),
]
# Not a user's choice in a filter: the views 404 when one of these fields is out of reach.
AREA_FIELDS = ("region", "local_authority")


def _month_choices(windows: Iterable[CollectionWindow]) -> list[tuple[str, str]]:
    return [(w.period_key, w.label) for w in windows]


class PurposeMixin(forms.Form):
    file_format = forms.ChoiceField(
        label="File format",
        choices=FORMATS,
        initial=DisclosureRecord.Format.CSV.value,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a file format"},
    )
    purpose = forms.CharField(
        label="What is the data for?",
        help_text="Recorded in the disclosure register with your name and the time. The data "
        "may only be used for purposes connected with health or adult social care.",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Enter what the data is for"},
    )

    def clean_purpose(self) -> str:
        purpose = self.cleaned_data["purpose"].strip()
        if not purpose:
            raise forms.ValidationError("Enter what the data is for")
        return purpose


class MonthRangeMixin(forms.Form):
    """``from_period`` .. ``to_period`` over the opened windows; cleaned to ``windows``."""

    from_period = forms.ChoiceField(
        label="First month", error_messages={"required": "Select the first month"}
    )
    to_period = forms.ChoiceField(
        label="Last month",
        help_text="For one month, choose the same month again.",
        error_messages={"required": "Select the last month"},
    )

    def _set_months(self, now: datetime.datetime) -> None:
        self.window_choices = list(opened_windows(now))
        months = _month_choices(self.window_choices)
        field_of(self, "from_period", forms.ChoiceField).choices = months
        field_of(self, "to_period", forms.ChoiceField).choices = months
        if months:
            self.fields["from_period"].initial = months[0][0]
            self.fields["to_period"].initial = months[0][0]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        first, last = cleaned.get("from_period"), cleaned.get("to_period")
        if first and last:
            if first > last:  # "YYYY-MM" keys sort as dates
                self.add_error("to_period", "The last month must be the same as or after the first")
            else:
                cleaned["windows"] = sorted(
                    (w for w in self.window_choices if first <= w.period_key <= last),
                    key=lambda w: w.period,
                )
        return cleaned


class AggregateExportForm(MonthRangeMixin, PurposeMixin):
    level = forms.ChoiceField(
        label="Level", widget=forms.RadioSelect, error_messages={"required": "Select a level"}
    )
    care_type = forms.ChoiceField(
        label="Care type",
        choices=CARE_TYPES,
        initial=CareType.CARE_HOME.value,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a care type"},
    )
    publishable = forms.BooleanField(
        label="For publication outside government",
        required=False,
        help_text="Cells built from fewer than {min} locations are replaced by [c], and so are "
        "the cells that would let anyone work them out. England, region and local authority "
        "levels only.",
    )

    field_order = ["from_period", "to_period", "level", "care_type", "publishable"]

    def __init__(
        self,
        *args: Any,
        audience: Audience,
        now: datetime.datetime,
        min_locations: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.audience = audience
        self._set_months(now)
        total = "Your area's total" if audience.scoped else "England"
        levels = [(Level.ENGLAND.value, total)]
        if not audience.scoped:
            levels.append((Level.REGION.value, "Region"))
        levels.append((Level.LOCAL_AUTHORITY.value, "Local authority"))
        if audience.location_level:
            levels.append((Level.LOCATION.value, "Location (care home or home care service)"))
        field_of(self, "level", forms.ChoiceField).choices = levels
        self.fields["level"].initial = (
            Level.ENGLAND.value if audience.scoped else Level.REGION.value
        )
        publishable = self.fields["publishable"]
        publishable.help_text = publishable.help_text.format(min=min_locations)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        level = cleaned.get("level")
        if level:
            cleaned["level"] = level = Level(level)
        if cleaned.get("publishable") and level:
            if level not in PUBLISHABLE_LEVELS:
                self.add_error(
                    "publishable",
                    "Location-level data cannot be published: choose another level, or untick "
                    "publication outside government",
                )
            elif self.audience.scoped and level is not Level.LOCAL_AUTHORITY:
                self.add_error(
                    "publishable",
                    "For publication, choose local authority level: your area's total is not a "
                    "published figure",
                )
        return cleaned


class AreaFilterMixin(forms.Form):
    """Region, council and care type, offered only within what the user may see."""

    region = forms.ModelChoiceField(
        label="Region",
        queryset=Region.objects.none(),
        to_field_name="ons_code",
        required=False,
        empty_label="All regions",
    )
    local_authority = forms.ModelChoiceField(
        label="Local authority",
        queryset=LocalAuthority.objects.none(),
        to_field_name="ons_code",
        required=False,
        empty_label="All local authorities",
    )
    care_type = forms.ChoiceField(label="Care type", choices=ALL_CARE_TYPES, required=False)

    def _set_areas(self, audience: Audience) -> None:
        field_of(self, "region", forms.ModelChoiceField).queryset = audience.regions()
        field_of(
            self, "local_authority", forms.ModelChoiceField
        ).queryset = audience.local_authorities()
        if audience.scoped:
            field_of(
                self, "local_authority", forms.ModelChoiceField
            ).empty_label = "All your local authorities"

    @property
    def out_of_reach(self) -> bool:
        """A region or council the user may not see was asked for (a crafted request)."""
        return any(name in self.errors for name in AREA_FIELDS)


class ComplianceFilterForm(MonthRangeMixin, AreaFilterMixin):
    def __init__(self, *args: Any, audience: Audience, now: datetime.datetime, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._set_months(now)
        self._set_areas(audience)
        # The release is for windows that have closed; default to the newest of them.
        newest_closed = closed_windows(now).first()
        if newest_closed is not None:
            self.fields["from_period"].initial = newest_closed.period_key
            self.fields["to_period"].initial = newest_closed.period_key


class AtRiskFilterForm(AreaFilterMixin):
    window = forms.ChoiceField(
        label="Last closed month",
        help_text="Locations that missed this month, or 2 of the 3 months ending with it.",
        error_messages={"required": "Select a month"},
    )

    field_order = ["window", "region", "local_authority", "care_type"]

    def __init__(self, *args: Any, audience: Audience, now: datetime.datetime, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.windows = {w.period_key: w for w in closed_windows(now)}
        field_of(self, "window", forms.ChoiceField).choices = [
            (key, w.label) for key, w in self.windows.items()
        ]
        if self.windows:
            self.fields["window"].initial = next(iter(self.windows))
        self._set_areas(audience)

    def clean_window(self) -> CollectionWindow:
        return self.windows[self.cleaned_data["window"]]


class DownloadForm(PurposeMixin):
    """Format and purpose, posted with the filters of the page it is on."""
