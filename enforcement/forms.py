"""Caseworker action forms. The rules are in enforcement/services.py; these only parse."""

from __future__ import annotations

from typing import Any

from django import forms

from capacity_tracker.lib.forms import GovukDateField, field_of
from enforcement.models import SERVICE_METHODS, EnforcementCase, RecordedFee

METHODS = SERVICE_METHODS


def _money_errors(name: str, example: str, **more: str) -> dict[str, str]:
    """GOV.UK messages for an amount in pounds, in place of Django's ("Ensure this value...")."""
    return {
        "invalid": f"{name} must be a number, like {example}",
        "max_digits": f"{name} must be less than £100,000,000",
        "max_whole_digits": f"{name} must be less than £100,000,000",
        "max_decimal_places": f"{name} must be in pounds and pence, like {example}",
        "min_value": f"{name} must be 0 or more",
        **more,
    }


def _reason(
    label: str = "Reason (recorded on the case timeline)", missing: str = "Enter a reason"
) -> forms.CharField:
    # GOV.UK error messages name the thing that is missing, so each box passes its own.
    return forms.CharField(
        label=label,
        widget=forms.Textarea,
        max_length=2000,
        error_messages={
            "required": missing,
            "max_length": f"{label.split(' (')[0]} must be 2,000 characters or fewer",
        },
    )


class CaseForm(forms.Form):
    """A form that may need the case (its representations, say) to offer its choices."""

    def __init__(self, *args: Any, case: EnforcementCase | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case


class NoticeForm(CaseForm):
    sent_on = GovukDateField(label="Date sent")
    method = forms.ChoiceField(
        label="How was it sent?",
        choices=METHODS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the notice was sent"},
    )
    reason = _reason(
        "Reasons for the notice (printed in the letter)", "Enter the reasons for the notice"
    )


class RepresentationForm(CaseForm):
    received_on = GovukDateField(label="Date received")
    summary = _reason("Summary of the representation", "Enter a summary of the representation")


class DecisionForm(CaseForm):
    considered = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Representations you have considered",
        help_text="Tick each one. Every representation received in time must be considered "
        "before you decide.",
        widget=forms.CheckboxSelectMultiple,
    )
    excuse_accepted = forms.TypedChoiceField(
        coerce=lambda value: value == "yes",
        label="Did the provider have a reasonable excuse?",
        choices=[
            ("yes", "Yes: no penalty, close the case"),
            ("no", "No: a final notice may follow"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the provider had a reasonable excuse"},
    )
    reason = _reason("Reasons for the decision", "Enter the reasons for the decision")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        received = list(self.case.representations.all()) if self.case else []
        if received:
            field_of(self, "considered", forms.TypedMultipleChoiceField).choices = [
                (
                    r.pk,
                    f"Received {r.received_on:%A %-d %B %Y}{' (late)' if r.late else ''}: "
                    f"{r.summary[:120]}",
                )
                for r in received
            ]
        else:
            del self.fields["considered"]


class AppealForm(CaseForm):
    body = forms.ChoiceField(
        label="Appeal to",
        choices=[
            ("panel", "DHSC Enforcement Review Panel"),
            ("tribunal", "First-tier Tribunal (Care Standards)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the appeal is to"},
    )
    lodged_on = GovukDateField(label="Date the appeal was made")
    reason = _reason("Grounds of appeal", "Enter the grounds of appeal")


class OutcomeForm(CaseForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[
            ("panel_upholds", "Panel upholds the final notice"),
            ("panel_quashes", "Panel quashes the final notice"),
            ("tribunal_confirms", "Tribunal confirms the final notice"),
            ("tribunal_varies", "Tribunal varies the final notice"),
            ("tribunal_quashes", "Tribunal quashes the final notice"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome"},
    )
    amount = forms.DecimalField(
        label="New amount of the penalty (£), if the Tribunal varied it",
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages=_money_errors("Amount", "816.00"),
    )
    reason = _reason("Summary of the decision", "Enter a summary of the decision")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("outcome") == "tribunal_varies" and not data.get("amount"):
            self.add_error("amount", "Enter the amount the Tribunal set")
        elif data.get("outcome") != "tribunal_varies" and data.get("amount") is not None:
            self.add_error("amount", "Leave the amount empty unless the Tribunal varied it")
        return data


class FeeForm(CaseForm):
    amount = forms.DecimalField(
        label="The provider's annual CQC fee (£)",
        min_value=0.01,
        max_digits=10,
        decimal_places=2,
        error_messages=_money_errors(
            "Fee", "9156.00", required="Enter the fee", min_value="The fee cannot be 0"
        ),
    )
    source = forms.ChoiceField(
        label="Where does the figure come from?",
        choices=RecordedFee.Source.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the figure comes from"},
    )
    evidence = forms.CharField(
        label="Invoice number, or what was entered in the calculator",
        max_length=255,
        error_messages={
            "required": "Enter the invoice number or the calculator inputs",
            "max_length": "Invoice number or calculator inputs must be 255 characters or fewer",
        },
    )
    checked_on = GovukDateField(label="Date checked")


class PaymentForm(CaseForm):
    amount = forms.DecimalField(
        label="Amount received (£)",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages=_money_errors("Amount", "816.00", required="Enter the amount received"),
    )
    received_on = GovukDateField(label="Date received")
    reference = forms.CharField(
        label="Payment reference",
        max_length=100,
        required=False,
        error_messages={"max_length": "Payment reference must be 100 characters or fewer"},
    )


class ReasonForm(CaseForm):
    reason = _reason()


class ContactForm(CaseForm):
    method = forms.ChoiceField(
        label="How did you contact them?",
        choices=[
            ("phone", "Phone"),
            ("email", "Email"),
            ("letter", "Letter"),
            ("meeting", "Meeting"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you made contact"},
    )
    summary = _reason(
        "What was said, and any support offered or circumstances given", "Enter what was said"
    )
