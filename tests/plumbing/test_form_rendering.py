"""The widget renderer writes exactly what Django's widget templates write
(plumbing/form_rendering.py)."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer

from cases.forms import QueueFilterForm
from plumbing.form_rendering import WRITERS, WidgetRenderer, overridden_widget_templates

HOSTILE = '"><script>alert(1)</script>&amp;'


class EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"class": "usa-input", "required": True}))
    number = forms.IntegerField()
    email = forms.EmailField()
    url = forms.URLField(assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    when = forms.DateTimeField()
    time = forms.TimeField()
    flag = forms.BooleanField(widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}))
    upload = forms.FileField()
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": "3", "disabled": False}))
    pick = forms.ChoiceField(
        choices=[("", "Any"), ("a", "Alpha"), (HOSTILE, HOSTILE)],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    grouped = forms.ChoiceField(choices=[
        ("Kinds", [("stop", "Stopped"), ("gun", "Gun drawn")]), ("other", "Other"),
    ])
    several = forms.MultipleChoiceField(
        choices=[("1", "One"), ("2", HOSTILE), ("3", "Three")],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )
    several_grouped = forms.MultipleChoiceField(
        choices=[("Group <b>", [("x", "X"), ("y", "Y")]), ("z", "Z")],
        widget=forms.CheckboxSelectMultiple,
    )
    one = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    listed = forms.MultipleChoiceField(choices=[("p", "P"), ("q", "Q")])


BOUND = {
    "text": HOSTILE, "number": "12", "email": "a@example.org", "url": "https://x.test/?a=1&b=2",
    "password": HOSTILE, "hidden": HOSTILE, "date": "2026-01-07", "when": "2026-01-07 10:00",
    "time": "10:30", "flag": "on", "body": f"line one\n{HOSTILE}", "pick": HOSTILE,
    "grouped": "gun", "several": ["2", "3"], "several_grouped": ["y"], "one": "no",
    "listed": ["q"],
}


def _both(form: forms.Form) -> list[tuple[str, str, str]]:
    """(field, as Django's templates write it, as the widget renderer writes it), for the
    whole widget and for each of its options."""
    rendered = []
    for renderer_class in (DjangoTemplates, WidgetRenderer):
        form.renderer = renderer_class()
        pieces = []
        for name in form.fields:
            bound = form[name]
            pieces.append((name, str(bound)))
            pieces.extend(
                (f"{name} option {index}", option.tag() + option.tag(wrap_label=True))
                for index, option in enumerate(bound)
            )
        rendered.append(pieces)
    return [(name, a, b) for (name, a), (_, b) in zip(*rendered, strict=True)]


@pytest.mark.parametrize("data", [None, BOUND], ids=["unbound", "bound with hostile values"])
def test_every_widget_is_written_as_djangos_templates_write_it(data):
    form = EveryWidget(data, initial={"date": datetime.date(2026, 1, 2), "several": ["1"]})
    for name, by_template, by_python in _both(form):
        assert by_python == by_template, name


def test_hostile_labels_and_values_are_escaped():
    html = str(EveryWidget(BOUND)["pick"])
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


@pytest.mark.django_db
def test_the_queues_filter_panel_is_written_as_djangos_templates_write_it():
    form = QueueFilterForm({"status": ["new"], "agency": ["ice"], "q": HOSTILE}, workers=[])
    form.is_valid()
    for name, by_template, by_python in _both(form):
        assert by_python == by_template, name


def test_the_site_uses_the_widget_renderer():
    assert isinstance(get_default_renderer(), WidgetRenderer)


def test_every_template_written_in_python_is_djangos_own():
    assert overridden_widget_templates() == []
    assert all(name.startswith("django/forms/widgets/") for name in WRITERS)


def test_other_templates_are_rendered_by_django():
    form = EveryWidget()
    form.renderer = WidgetRenderer()
    assert str(form).startswith("<div>")
