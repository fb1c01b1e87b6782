"""What every step of the public report form shares: the step form with its honeypot and
limits, the answer fields, and the error summary that points at a field."""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import Model, QuerySet
from django.utils.formats import date_format, time_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from intake.memorable_date import (
    MemorableDateField,
)
from intake.public_labels import (
    Voice,
    Voiced,
    in_voice,
)
from plumbing.form_errors import choice_aware_anchor, error_summary

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


HONEYPOT_FIELD = "website"
# What is typed on a page left without saving it (Back, another language) is kept unchecked; a
# value is cut at one more character than the longest answer takes (so a too-long answer is
# still refused when it is saved) and a list at more items than any list of choices has.
TYPED_MAX_CHARS = 20001
TYPED_MAX_ITEMS = 50
# The earliest date the form accepts: older dates are typing mistakes, and very old ones
# cannot be converted between time zones.
EARLIEST_DATE = date(2000, 1, 1)
MAX_WITNESSES = 20

_WIDGET_CLASSES = {
    "text": "usa-input",
    "email": "usa-input",
    "number": "usa-input",
    "date": "usa-input",
    "time": "usa-input",
    "textarea": "usa-textarea",
    "select": "usa-select",
    "checkbox": "usa-checkbox__input",
    "checkboxselectmultiple": "usa-checkbox__input",
    "radioselect": "usa-radio__input",
    "multiplefile": "usa-file-input",
}


def count_field(label: "StrPromise") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=500,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "usa-input--small"}),
        error_messages={
            "invalid": _("Enter a whole number, for example 3."),
            "min_value": _("Enter a number of 0 or more."),
            "max_value": _("Enter a number of 500 or less."),
        },
    )


class CodeMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Reference rows as checkboxes, chosen by their stable code, shown with a translated label."""

    def __init__(self, queryset: QuerySet[Any], label_for: Any, **kwargs: Any) -> None:
        self._label_for = label_for
        # Set by the form: the labels of encounter kinds depend on who is speaking.
        self.voice = Voice.FIRST
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": _("“%(value)s” is not one of the choices."),
                "invalid_list": _("Choose from the list."),
            },
        )
        super().__init__(queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, obj: Model) -> str:
        return self._label_for(obj, self.voice)


class StepForm(forms.Form):
    """One step of the report form.

    Every step carries a honeypot field: hidden from people (and from screen readers and the
    keyboard), but a bot that fills every field it finds fills it too.
    """

    website = forms.CharField(
        required=False,
        max_length=200,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # Related choices grouped under a legend: (legend, field names). Fields in no group are
    # shown on their own; radio buttons and checkbox lists get a fieldset of their own.
    groups: Sequence[tuple[Promise | Voiced, Sequence[str]]] = ()

    def __init__(
        self,
        *args: Any,
        voice: Voice = Voice.FIRST,
        kept: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """`voice`: whose encounter the questions ask about (intake/public_labels.py).
        `kept`: values kept in the session (answers, or what was typed), shown on the page."""
        super().__init__(*args, **kwargs)
        self.voice = voice
        for name, field in self.fields.items():
            if name == HONEYPOT_FIELD:
                continue
            field.label = in_voice(field.label, voice)
            field.help_text = in_voice(field.help_text, voice)
            if isinstance(field, CodeMultipleChoiceField):
                field.voice = voice
            css = _WIDGET_CLASSES.get(_widget_type(field), "usa-input")
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {existing}".strip()
        if kept is not None:
            self.initial = {
                name: field.widget.value_from_datadict(kept, {}, self.add_prefix(name))
                for name, field in self._kept_fields()
            }

    def _kept_fields(self) -> list[tuple[str, forms.Field]]:
        return [
            (name, field)
            for name, field in self.fields.items()
            if name != HONEYPOT_FIELD and not isinstance(field, forms.FileField)
        ]

    @property
    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def _values(self) -> dict[str, Any]:
        """The sent values under the names they were sent with (a date's three boxes each
        under its own), so they can be sent to the form again as its data."""
        values: dict[str, Any] = {}
        for name, field in self._kept_fields():
            key = self.add_prefix(name)
            widget = field.widget
            if isinstance(widget, forms.MultiWidget):
                parts = widget.value_from_datadict(self.data, self.files, key)
                for suffix, value in zip(widget.widgets_names, parts, strict=True):  # type: ignore[attr-defined]  # set by MultiWidget.__init__
                    values[key + suffix] = value
            else:
                values[key] = widget.value_from_datadict(self.data, self.files, key)
        return values

    def answers(self) -> dict[str, Any]:
        """The submitted values of a valid form, as they were typed: kept in the session, they
        show the page again as it was left and are validated again before submitting."""
        return self._values()

    def typed(self) -> dict[str, Any]:
        """What was typed on the page, valid or not, with no error found: kept when the person
        leaves the page without saving it, to show it again when they come back."""
        return {key: _bounded(value) for key, value in self._values().items()}

    def field_groups(self) -> list[tuple[Promise | str | None, list[forms.BoundField]]]:
        """The visible fields in display order, grouped under their legends."""
        grouped = {name for _legend, names in self.groups for name in names}
        result: list[tuple[Promise | str | None, list[forms.BoundField]]] = []
        emitted: set[str] = set()
        for name in self.fields:
            if name == HONEYPOT_FIELD or name in emitted:
                continue
            if name in grouped:
                for legend, names in self.groups:
                    if name in names:
                        result.append((in_voice(legend, self.voice), [self[n] for n in names]))
                        emitted.update(names)
            else:
                result.append((None, [self[name]]))
                emitted.add(name)
        return result

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) for each error, in field order, for the summary at the top."""
        return intake_error_summary([self])

    def summary(self) -> list[tuple[str, str]]:
        """(question, answer) for the review page; call on a valid form."""
        rows = []
        for name, field in self.fields.items():
            if name == HONEYPOT_FIELD:
                continue
            rows.append((str(field.label), display_value(field, self.cleaned_data.get(name))))
        return rows


def _widget_type(field: forms.Field) -> str:
    """BoundField.widget_type, without making the bound field: it copies the field's label and
    help text when it is made, and a form may still change them."""
    return re.sub(r"widget$|input$", "", type(field.widget).__name__.lower())


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return value[:TYPED_MAX_CHARS]
    if isinstance(value, list | tuple):
        return [_bounded(item) for item in value[:TYPED_MAX_ITEMS]]
    if value is None or isinstance(value, bool):
        return value
    return str(value)[:TYPED_MAX_CHARS]


def field_anchor(bound: forms.BoundField) -> str:
    """The id an error summary link points at: the first option of a group of choices, the
    first box of a date with the problem."""
    if isinstance(bound.field, MemorableDateField):
        return bound.field.error_anchor(str(bound.auto_id))
    return choice_aware_anchor(bound)


def first_field_anchor(form: forms.BaseForm) -> str:
    """An error about the form as a whole points at its first field."""
    visible = [form[name] for name in form.fields if name != HONEYPOT_FIELD]
    return field_anchor(visible[0]) if visible else "main-content"


def intake_error_summary(forms_: Iterable[forms.BaseForm]) -> list[tuple[str, str]]:
    """The error summary of the public pages: whole-form errors point at the first field."""
    return error_summary(forms_, field_anchor=field_anchor, form_anchor=first_field_anchor)


def display_value(field: forms.Field, value: Any) -> str:
    """An answer as the review page shows it."""
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, forms.ModelMultipleChoiceField):
        labels = [field.label_from_instance(obj) for obj in value or []]
        return ", ".join(labels) if labels else str(_("Not given"))
    if value in (None, "", [], ()):
        return str(_("Not given"))
    if isinstance(field, forms.ChoiceField):
        return str(dict(cast("Iterable[tuple[Any, Any]]", field.choices)).get(value, value))
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, time):
        return time_format(value, "TIME_FORMAT")
    return str(value)
