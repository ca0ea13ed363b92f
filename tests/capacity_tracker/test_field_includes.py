"""The GOV.UK field includes share one label, hint and error block (issue 16).

field_input.html and field_textarea.html include _field_label_hint_error.html, and the radios
and checkboxes include its hint and error half, _field_hint_error.html. The markup is what the
copies rendered before (the expected HTML below was rendered from them), compared as HTML, so
indentation may differ but nothing a browser or screen reader sees.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.test.html import parse_html


class ExampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As on the sign", max_length=5)
    beds = forms.IntegerField(label="Beds", required=False)
    notes = forms.CharField(
        label="Notes", widget=forms.Textarea, help_text="No personal data", max_length=3
    )
    pick = forms.ChoiceField(
        label="Pick", choices=[("", "---"), ("a", "A"), ("b", "B")], help_text="Choose one"
    )
    many = forms.MultipleChoiceField(label="Many", choices=[("x", "X"), ("y", "Y")])


def bound(**data: object) -> ExampleForm:
    form = ExampleForm(data=data)
    form.is_valid()
    return form


BAD = {"name": "toolong", "beds": "x", "notes": "toolong", "pick": "zz", "many": ["q"]}
GOOD = {"name": "ok", "beds": "3", "notes": "ok", "pick": "a", "many": ["x"]}


class Attributes(HTMLParser):
    """Every element's attributes, in document order, as (tag, {name: value})."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def first(self, tag: str, **having: str) -> dict[str, str]:
        for name, attrs in self.elements:
            if name == tag and all(attrs.get(k) == v for k, v in having.items()):
                return attrs
        raise AssertionError(f"no <{tag}> with {having}")


def render(include: str, **context: object) -> str:
    return render_to_string(f"includes/{include}", context)


@pytest.mark.parametrize(
    ("include", "field", "control", "control_class"),
    [
        ("field_input.html", "name", "input", "govuk-input govuk-input--error"),
        ("field_textarea.html", "notes", "textarea", "govuk-textarea govuk-textarea--error"),
    ],
)
def test_input_and_textarea_show_the_label_hint_and_error_linked_to_the_control(
    include, field, control, control_class
):
    html = render(include, field=bound(**BAD)[field])
    page = Attributes(html)
    group = page.elements[0]
    assert group == ("div", {"class": "govuk-form-group govuk-form-group--error"})
    assert page.first("label")["for"] == f"id_{field}"
    assert page.first("div", id=f"id_{field}-hint")["class"] == "govuk-hint"
    assert page.first("p", id=f"id_{field}-error")["class"] == "govuk-error-message"
    box = page.first(control, id=f"id_{field}")
    assert box["class"] == control_class
    assert box["aria-describedby"] == f"id_{field}-hint id_{field}-error"
    # Label, then hint, then error, then the control: the order GOV.UK Frontend uses.
    order = [(tag, attrs.get("id", "")) for tag, attrs in page.elements]
    assert order.index(("label", "")) < order.index(("div", f"id_{field}-hint"))
    assert order.index(("div", f"id_{field}-hint")) < order.index(("p", f"id_{field}-error"))
    assert order.index(("p", f"id_{field}-error")) < order.index((control, f"id_{field}"))
    assert '<span class="govuk-visually-hidden">Error:</span>' in html


def test_input_and_textarea_render_the_same_label_hint_and_error_markup():
    """Both use the one partial: the block before the control is the same markup."""
    form = bound(**BAD)
    form.errors["notes"] = form.errors["name"]
    before_control = []
    for include, field in (("field_input.html", "name"), ("field_textarea.html", "notes")):
        html = render(include, field=form[field], label="Label", hint="Hint")
        start = html.index("<label")
        end = html.index("<input" if include == "field_input.html" else "<textarea")
        before_control.append(html[start:end].replace(f"id_{field}", "id_X"))
    assert parse_html(before_control[0]) == parse_html(before_control[1])


def test_without_a_hint_or_an_error_nothing_is_described():
    page = Attributes(render("field_input.html", field=bound(**GOOD)["beds"]))
    assert page.elements[0] == ("div", {"class": "govuk-form-group"})
    assert "aria-describedby" not in page.first("input", id="id_beds")
    assert not [
        attrs for _, attrs in page.elements if attrs.get("id", "").endswith(("-hint", "-error"))
    ]


# Rendered from the copies before they were replaced by the partials (whitespace aside).
EXPECTED = {
    ("field_input.html", "name", ()): (
        '<div class="govuk-form-group govuk-form-group--error">'
        '<label class="govuk-label" for="id_name"> Name </label>'
        '<div id="id_name-hint" class="govuk-hint">As on the sign</div>'
        '<p id="id_name-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "Ensure this value has at most 5 characters (it has 7). </p>"
        '<input class="govuk-input govuk-input--error" id="id_name" name="name" type="text" '
        'value="toolong" aria-describedby="id_name-hint id_name-error"></div>'
    ),
    (
        "field_input.html",
        "beds",
        (
            ("hint", "Whole beds"),
            ("prefix", "£"),
            ("suffix", "per week"),
            ("required_here", True),
            ("page_heading", True),
            ("label_class", "govuk-label--l"),
        ),
    ): (
        '<div class="govuk-form-group govuk-form-group--error">'
        '<h1 class="govuk-label-wrapper">'
        '<label class="govuk-label govuk-label--l" for="id_beds"> Beds </label></h1>'
        '<div id="id_beds-hint" class="govuk-hint">Whole beds</div>'
        '<p id="id_beds-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> Enter a whole number. </p>'
        '<div class="govuk-input__wrapper">'
        '<div class="govuk-input__prefix" aria-hidden="true">£</div>'
        '<input class="govuk-input govuk-input--error" id="id_beds" name="beds" type="text" '
        'value="x" inputmode="numeric" aria-describedby="id_beds-hint id_beds-error">'
        '<div class="govuk-input__suffix" aria-hidden="true">per week</div></div></div>'
    ),
    ("field_textarea.html", "notes", ()): (
        '<div class="govuk-form-group govuk-form-group--error">'
        '<label class="govuk-label" for="id_notes"> Notes </label>'
        '<div id="id_notes-hint" class="govuk-hint">No personal data</div>'
        '<p id="id_notes-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "Ensure this value has at most 3 characters (it has 7). </p>"
        '<textarea class="govuk-textarea govuk-textarea--error" id="id_notes" name="notes" '
        'rows="5" aria-describedby="id_notes-hint id_notes-error">toolong</textarea></div>'
    ),
    ("field_radios.html", "pick", (("inline", True),)): (
        '<div class="govuk-form-group govuk-form-group--error">'
        '<fieldset class="govuk-fieldset" aria-describedby="id_pick-hint id_pick-error">'
        '<legend class="govuk-fieldset__legend"> Pick </legend>'
        '<div id="id_pick-hint" class="govuk-hint">Choose one</div>'
        '<p id="id_pick-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "Select a valid choice. zz is not one of the available choices. </p>"
        '<div class="govuk-radios govuk-radios--inline" data-module="govuk-radios">'
        '<div class="govuk-radios__item">'
        '<input class="govuk-radios__input" id="id_pick" name="pick" type="radio" value="a">'
        '<label class="govuk-label govuk-radios__label" for="id_pick">A</label></div>'
        '<div class="govuk-radios__item">'
        '<input class="govuk-radios__input" id="id_pick-3" name="pick" type="radio" value="b">'
        '<label class="govuk-label govuk-radios__label" for="id_pick-3">B</label></div>'
        "</div></fieldset></div>"
    ),
    ("field_checkboxes.html", "many", (("hint", "Tick all"),)): (
        '<div class="govuk-form-group govuk-form-group--error">'
        '<fieldset class="govuk-fieldset" aria-describedby="id_many-hint id_many-error">'
        '<legend class="govuk-fieldset__legend">Many</legend>'
        '<div id="id_many-hint" class="govuk-hint">Tick all</div>'
        '<p id="id_many-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "Select a valid choice. q is not one of the available choices. </p>"
        '<div class="govuk-checkboxes" data-module="govuk-checkboxes">'
        '<div class="govuk-checkboxes__item">'
        '<input class="govuk-checkboxes__input" id="id_many" name="many" type="checkbox" '
        'value="x"><label class="govuk-label govuk-checkboxes__label" for="id_many">X</label>'
        '</div><div class="govuk-checkboxes__item">'
        '<input class="govuk-checkboxes__input" id="id_many-2" name="many" type="checkbox" '
        'value="y"><label class="govuk-label govuk-checkboxes__label" for="id_many-2">Y</label>'
        "</div></div></fieldset></div>"
    ),
}


@pytest.mark.parametrize(("include", "field", "extra"), EXPECTED.keys())
def test_the_markup_is_what_the_copied_blocks_rendered(include, field, extra):
    html = render(include, field=bound(**BAD)[field], **dict(extra))
    assert parse_html(html) == parse_html(EXPECTED[include, field, extra])


def test_the_block_is_written_once():
    """Only the partials (and field_date.html, which shows one error) write the error markup."""
    includes = Path(settings.BASE_DIR) / "templates" / "includes"
    writing = sorted(
        path.name
        for path in includes.glob("*.html")
        if 'class="govuk-error-message"' in path.read_text(encoding="utf-8")
    )
    assert writing == ["_field_hint_error.html", "field_date.html"]
    for name in ("field_input.html", "field_textarea.html"):
        text = (includes / name).read_text(encoding="utf-8")
        assert '{% include "includes/_field_label_hint_error.html" %}' in text
        assert '<label class="govuk-label' not in text
    for name in ("field_radios.html", "field_checkboxes.html"):
        text = (includes / name).read_text(encoding="utf-8")
        assert '{% include "includes/_field_hint_error.html" %}' in text
