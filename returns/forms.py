"""Portal forms. The checking itself is returns.validation, shared with CSV and the API."""

from __future__ import annotations

from typing import Any

from django import forms

from returns.models import NilReason
from returns.validation import Dataset, ItemSpec, clean_answers
from returns.version_labels import unit_pair


class LenientChoiceField(forms.ChoiceField):
    """Radios whose wrong values are reported by the shared validation, in its words."""

    def validate(self, value: Any) -> None:
        return None


def unit_of(item: ItemSpec) -> tuple[str, str] | None:
    """What a whole-number item counts, (one, many), shown as its input's suffix; the figures
    are shown with it by returns.version_labels.figure_text, from the same table."""
    return unit_pair(item.code) if item.kind == "integer" else None


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
    field = forms.CharField(
        widget=forms.Textarea if item.kind == "text" else None,
        strip=False,
        label=item.label,
        help_text=item.help_text,
        required=False,
    )
    unit = unit_of(item)
    field.unit = unit[1] if unit else ""  # type: ignore[attr-defined]  # the input's suffix
    return field


def set_reveal(form: forms.Form, trigger: str, value: str, names: list[str]) -> None:
    """Show ``names`` in a GOV.UK conditional reveal under the ``value`` option of the
    ``trigger`` radios (templates/includes/field_radios.html reads these two attributes).
    The form itself checks the revealed questions for that answer, and ignores them for any
    other (``drop_unrevealed``): typed, then hidden by choosing another option, they are not
    what the person meant to send."""
    field = form.fields[trigger]
    field.reveal_value = value  # type: ignore[attr-defined]  # read by the radios include
    field.revealed = [form[name] for name in names]  # type: ignore[attr-defined]


def revealed_names(form: forms.Form) -> set[str]:
    """The fields that sit in a reveal, which a page must not draw a second time."""
    return {
        bound.name for field in form.fields.values() for bound in getattr(field, "revealed", [])
    }


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
        self.conditions = conditional_items(dataset)
        for trigger, value, targets in _reveals(self.conditions):
            set_reveal(self, trigger, value, targets)
        self.answers: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        raw = {code: self.data.get(code, "") for code in self.dataset.codes}
        # A follow-up answered and then hidden by another answer (the visiting reason, then
        # "Yes"): not asked, so not sent.
        for code, (trigger, value) in self.conditions.items():
            if str(raw.get(trigger, "")).strip().lower() not in YES_NO_ALIASES[value]:
                raw[code] = ""
        result = clean_answers(self.dataset, raw)
        for code, message in result.errors.items():
            self.add_error(code, message)
        self.answers = result.answers
        return cleaned

    def sections(self) -> list[tuple[str, list[tuple[forms.BoundField, ItemSpec]]]]:
        """The questions by section, less those drawn inside another's reveal."""
        return [
            (name, [(self[item.code], item) for item in items if item.code not in self.conditions])
            for name, items in self.dataset.sections()
        ]


# What a yes/no answer may be typed as (returns.validation.YES_NO), by the answer it means.
YES_NO_ALIASES = {"yes": {"yes", "y"}, "no": {"no", "n"}}


def conditional_items(dataset: Dataset) -> dict[str, tuple[str, str]]:
    """Questions asked only for one answer to a yes/no question (a ``required_when`` rule on
    a yes/no item, like the visiting reason when visiting is "No"): code -> (trigger, value)."""
    kinds = {item.code: item.kind for item in dataset.items}
    return {
        rule.right_codes[0]: (rule.left_codes[0], rule.when_value)
        for rule in dataset.rules
        if rule.kind == "required_when"
        and kinds.get(rule.left_codes[0]) == "yes_no"
        and rule.when_value in YES_NO_ALIASES
        and rule.right_codes[0] in kinds
    }


def _reveals(conditions: dict[str, tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
    by_trigger: dict[tuple[str, str], list[str]] = {}
    for code, key in conditions.items():
        by_trigger.setdefault(key, []).append(code)
    return [(trigger, value, codes) for (trigger, value), codes in by_trigger.items()]


class OnBehalfForm(forms.Form):
    """With ``on_behalf=True`` (support staff sending for a provider), asks why: recorded with
    the return. The save service refuses without it too; asking here puts the error on the
    field, linked from the error summary, before anything is tried."""

    def __init__(self, *args: Any, on_behalf: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["on_behalf_reason"] = forms.CharField(
                label="Why are you submitting for this provider?",
                help_text=(
                    "For example: “Manager phoned the helpline, could not sign in”. "
                    "This is recorded with the return."
                ),
                widget=forms.Textarea,
                max_length=1000,
                error_messages={
                    "required": "Enter why you are submitting for the provider",
                    "max_length": "The reason must be 1,000 characters or fewer",
                },
            )


class ConfirmForm(OnBehalfForm):
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
    # Asked only for "Another reason": drawn in a reveal under it (set_reveal).
    nil_reason_detail = forms.CharField(
        label="What is the reason?",
        required=False,
        max_length=500,
        widget=forms.Textarea,
        error_messages={"max_length": "The reason must be 500 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_reveal(self, "nil_reason", NilReason.OTHER, ["nil_reason_detail"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("nil_reason") != NilReason.OTHER:
            # Not asked for this reason (typed, then another reason chosen): not sent.
            self.errors.pop("nil_reason_detail", None)
            cleaned["nil_reason_detail"] = ""
        elif not cleaned.get("nil_reason_detail", "").strip():
            self.add_error("nil_reason_detail", "Enter the reason for the nil return")
        return cleaned


class NilReturnForm(NilReasonForm, OnBehalfForm):
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
        # Asked only for a nil return: drawn in a reveal under it, and checked here.
        self.fields["nil_reason"].required = False
        set_reveal(self, "choice", "nil", ["nil_reason"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("choice") != "nil":
            # The reason only matters for a nil return: not checked, and not sent.
            for name in ("nil_reason", "nil_reason_detail"):
                self.errors.pop(name, None)
                cleaned[name] = ""
        elif not cleaned.get("nil_reason"):
            self.add_error("nil_reason", "Select why you are making a nil return")
        return cleaned
