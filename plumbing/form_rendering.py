"""How form widgets are written out: Django's own markup, written in Python.

Django writes every widget, and every option of a choice widget, through a template of the
form renderer (`django/forms/widgets/*.html`): a select of twenty options is some sixty
template renders (the select, each option, each option's attributes). The staff queue's filter
panel offers every status, priority, encounter kind, agency and assignee, and writing those
widgets was the largest part of the page's Python (see docs/performance.md, P3).

`WidgetRenderer` (settings.FORM_RENDERER) writes the widget templates that are pure markup
(inputs, selects and their options, checkbox and radio groups) in Python, and renders every
other template (whole forms, fields, formsets) as Django does. The markup is Django's, byte for
byte and escaped the same way: `tests/plumbing/test_form_rendering.py` renders every widget
kind both ways, with hostile labels and values, and compares. A template of the project's
overriding one of these would not be seen; the same tests fail if one appears
(`overridden_widget_templates`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.html import conditional_escape, escape

WIDGETS = "django/forms/widgets/"


def _attrs(attrs: Mapping[str, Any]) -> str:
    """`attrs.html`: ` name="value"` for each attribute, ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            # `|stringformat:'s'` makes a plain string, so even safe strings are escaped.
            parts.append(f' {conditional_escape(name)}="{escape(str(value))}"')
    return "".join(parts)


# Each writer returns what its template renders to, to the last newline (a template file's
# final newline is part of what it renders where another includes it); the renderer strips the
# outermost one's, as Django's does.


def _input(widget: Mapping[str, Any]) -> str:
    """`input.html`."""
    value = widget["value"]
    shown = "" if value is None else f' value="{escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>\n'
    )


def _including_input(widget: Mapping[str, Any]) -> str:
    """`text.html`, `checkbox.html` and the others that only include `input.html`."""
    return _input(widget) + "\n"


def _input_option(widget: Mapping[str, Any]) -> str:
    """`input_option.html`: a checkbox or radio option, its label around it when asked."""
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    element_id = widget["attrs"].get("id")
    target = f' for="{conditional_escape(element_id)}"' if element_id else ""
    return (
        f"<label{target}>{_input(widget)} {conditional_escape(widget['label'])}</label>\n"
    )


def _checkbox_or_radio_option(widget: Mapping[str, Any]) -> str:
    """`checkbox_option.html`, `radio_option.html`: `input_option.html` included."""
    return _input_option(widget) + "\n"


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    text = conditional_escape(value) if value else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{text}</textarea>\n"
    )


def _select_option(widget: Mapping[str, Any]) -> str:
    return (
        f'<option value="{escape(str(widget["value"]))}"{_attrs(widget["attrs"])}>'
        f"{conditional_escape(widget['label'])}</option>\n"
    )


def _option(option: Mapping[str, Any]) -> str:
    return OPTIONS[option["template_name"]](option)


def _select(widget: Mapping[str, Any]) -> str:
    """`select.html`, its options and option groups."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(f"\n  {_option(option)}" for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _multiple_input(widget: Mapping[str, Any]) -> str:
    """`multiple_input.html`: a checkbox or radio group written whole (`{{ field }}`)."""
    element_id = widget["attrs"].get("id")
    css_class = widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{conditional_escape(element_id)}"' if element_id else "",
        f' class="{conditional_escape(css_class)}"' if css_class else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        parts.extend(f"<div>\n    {_option(option)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _including_multiple_input(widget: Mapping[str, Any]) -> str:
    """`checkbox_select.html`, `radio.html`: `multiple_input.html` included."""
    return _multiple_input(widget) + "\n"


# Django's widget templates that only include input.html.
_INPUTS = (
    "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
    "checkbox", "search", "tel", "color", "file",
)
OPTIONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    f"{WIDGETS}input_option.html": _input_option,
    f"{WIDGETS}checkbox_option.html": _checkbox_or_radio_option,
    f"{WIDGETS}radio_option.html": _checkbox_or_radio_option,
    f"{WIDGETS}select_option.html": _select_option,
}
WRITERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    f"{WIDGETS}input.html": _input,
    **{f"{WIDGETS}{name}.html": _including_input for name in _INPUTS},
    **OPTIONS,
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}multiple_input.html": _multiple_input,
    f"{WIDGETS}checkbox_select.html": _including_multiple_input,
    f"{WIDGETS}radio.html": _including_multiple_input,
}


def overridden_widget_templates() -> list[str]:
    """The widget templates written here that the project's own templates override."""
    found = []
    for name in WRITERS:
        try:
            template = get_template(name)
        except TemplateDoesNotExist:
            continue
        origin = getattr(template, "origin", None) or getattr(
            getattr(template, "template", None), "origin", None
        )
        if origin is not None and "/django/forms/templates/" not in str(origin.name):
            found.append(name)
    return found


class WidgetRenderer(DjangoTemplates):
    """Django's form renderer, writing the pure-markup widget templates in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        writer = WRITERS.get(template_name)
        if writer is None:
            return super().render(template_name, context, request=request)
        return writer(context["widget"]).strip()
