"""Caseworker action forms. The rules are in enforcement/services.py; these only parse."""

from __future__ import annotations

from django import forms

from capacity_tracker.lib.forms import GovukDateField
from enforcement.models import SERVICE_METHODS

METHODS = SERVICE_METHODS


def _reason(
    label: str = "Reason (recorded on the case timeline)", missing: str = "Enter a reason"
) -> forms.CharField:
    # GOV.UK error messages name the thing that is missing, so each box passes its own.
    return forms.CharField(
        label=label, widget=forms.Textarea, max_length=2000, error_messages={"required": missing}
    )


class NoticeForm(forms.Form):
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


class RepresentationForm(forms.Form):
    received_on = GovukDateField(label="Date received")
    summary = _reason("Summary of the representation", "Enter a summary of the representation")


class DecisionForm(forms.Form):
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


class AppealForm(forms.Form):
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


class OutcomeForm(forms.Form):
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
    reason = _reason("Summary of the decision", "Enter a summary of the decision")


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount received (£)",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={
            "required": "Enter the amount received",
            "invalid": "Amount must be a number, like 816.00",
        },
    )
    received_on = GovukDateField(label="Date received")
    reference = forms.CharField(label="Payment reference", max_length=100, required=False)


class ReasonForm(forms.Form):
    reason = _reason()


class ContactForm(forms.Form):
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
