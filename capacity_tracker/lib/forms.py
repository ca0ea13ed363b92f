"""Form pieces for the GOV.UK patterns that Django lacks: the three-box date input."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms


class DateInputWidget(forms.MultiWidget):
    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """Day, month and year boxes; messages in the GOV.UK style ("must be a real date")."""

    widget = DateInputWidget

    def __init__(self, *, label: str, **kwargs: Any):
        self.what = label
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, label=label, **kwargs)

    def clean(self, value: Any) -> datetime.date | None:
        parts = [str(v or "").strip() for v in (value or ["", "", ""])]
        if not any(parts):
            if self.required:
                raise forms.ValidationError(f"Enter {self.what.lower()}")
            return None
        names = ("a day", "a month", "a year")
        missing = [name for name, part in zip(names, parts, strict=True) if not part]
        if missing:
            raise forms.ValidationError(f"{self.what} must include {' and '.join(missing)}")
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1900:
                raise ValueError
            return datetime.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(f"{self.what} must be a real date") from None

    def compress(self, data_list: list[Any]) -> Any:
        return data_list
