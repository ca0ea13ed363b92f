"""Portal forms. The checking itself is returns.validation, shared with CSV and the API."""

from __future__ import annotations

from typing import Any

from django import forms

from returns.models import NilReason
from returns.validation import Dataset, ItemSpec, clean_answers


class LenientChoiceField(forms.ChoiceField):
    """Radios whose wrong values are reported by the shared validation, in its words."""

    def validate(self, value: Any) -> None:
        return None


def _field_for(item: ItemSpec) -> forms.Field:
    # Every answer is optional here: clean_answers says what is missing, in its own words.
    if item.kind == "yes_no":
        return LenientChoiceField(
            choices=[("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect,
            label=item.label,
            help_text=item.help_text,
            required=False,
        )
    return forms.CharField(
        widget=forms.Textarea if item.kind == "text" else None,
        strip=False,
        label=item.label,
        help_text=item.help_text,
        required=False,
    )


# The hidden version count the page was drawn from. Only a tampered or mangled form lacks it,
# but Django's own "This field is required." would then sit in the error summary naming no
# field the person can see, so say what to do instead.
FORM_EXPIRED = "This form has expired. Go back to your returns and open this return again."


def _based_on_field() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={key: FORM_EXPIRED for key in ("required", "invalid", "min_value")},
    )


class ReturnForm(forms.Form):
    based_on = _based_on_field()

    def __init__(self, dataset: Dataset, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.dataset = dataset
        for item in dataset.items:
            self.fields[item.code] = _field_for(item)
        self.answers: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        raw = {code: self.data.get(code, "") for code in self.dataset.codes}
        result = clean_answers(self.dataset, raw)
        for code, message in result.errors.items():
            self.add_error(code, message)
        self.answers = result.answers
        return cleaned

    def sections(self) -> list[tuple[str, list[tuple[forms.BoundField, ItemSpec]]]]:
        return [
            (name, [(self[item.code], item) for item in items])
            for name, items in self.dataset.sections()
        ]


class ConfirmForm(forms.Form):
    based_on = _based_on_field()


class NilReasonForm(forms.Form):
    nil_reason = forms.ChoiceField(
        label="Why are you making a nil return?",
        choices=NilReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select why you are making a nil return",
            "invalid_choice": "Select why you are making a nil return",
        },
    )
    nil_reason_detail = forms.CharField(
        label="Give details",
        required=False,
        max_length=500,
        widget=forms.Textarea,
        help_text="Required if you chose another reason.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if (
            cleaned.get("nil_reason") == NilReason.OTHER
            and not cleaned.get("nil_reason_detail", "").strip()
        ):
            self.add_error("nil_reason_detail", "Enter the reason for the nil return")
        return cleaned


class NilReturnForm(NilReasonForm):
    based_on = _based_on_field()


class EmailLinkForm(NilReasonForm):
    """The emailed link's page: confirm nothing has changed, or make a nil return."""

    choice = forms.ChoiceField(
        label="What do you want to do?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what you want to do",
            "invalid_choice": "Select what you want to do",
        },
    )
    field_order = ["choice", "nil_reason", "nil_reason_detail"]

    def __init__(self, *args: Any, can_confirm: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("nil", "Make a nil return")]
        if can_confirm:
            choices.insert(0, ("unchanged", "Nothing has changed since our last return"))
        choice = self.fields["choice"]
        assert isinstance(choice, forms.ChoiceField)  # declared above
        choice.choices = choices
        self.fields["nil_reason"].required = False
        self.fields["nil_reason"].label = "If you are making a nil return, why?"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("choice") != "nil":
            # The reason only matters for a nil return; keep what was typed but do not check it.
            for name in ("nil_reason", "nil_reason_detail"):
                self.errors.pop(name, None)
        elif not cleaned.get("nil_reason"):
            self.add_error("nil_reason", "Select why you are making a nil return")
        return cleaned
