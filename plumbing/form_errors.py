"""The error summary at the top of a page with a form: one link per error, to where it is.

`templates/includes/error_summary.html` shows the (anchor, message) pairs `error_summary`
makes. An error on a field links to the field (to the first option of a group of choices);
an error about a form as a whole links to what `form_anchor` names for the form, by default
the element the page gives the id `<prefix>-form` (`form-form` without a prefix).
"""

from collections.abc import Callable, Iterable

from django import forms

Anchor = Callable[[forms.BoundField], str]
FormAnchor = Callable[[forms.BaseForm], str]


def choice_aware_anchor(bound: forms.BoundField) -> str:
    """A field's id; for a group of radio buttons or checkboxes, its first option's."""
    if bound.widget_type in ("radioselect", "checkboxselectmultiple"):
        return f"{bound.auto_id}_0"
    return str(bound.auto_id)


def whole_form_anchor(form: forms.BaseForm) -> str:
    return f"{form.prefix or 'form'}-form"


def error_summary(
    forms_: Iterable[forms.BaseForm],
    *,
    field_anchor: Anchor = choice_aware_anchor,
    form_anchor: FormAnchor = whole_form_anchor,
) -> list[tuple[str, str]]:
    """(anchor, message) for each error of `forms_`: a form's own errors first, then its
    fields' in field order."""
    entries: list[tuple[str, str]] = []
    for form in forms_:
        for message in form.non_field_errors():
            entries.append((form_anchor(form), str(message)))
        for name in form.fields:
            bound = form[name]
            for message in bound.errors:
                entries.append((field_anchor(bound), str(message)))
    return entries
