"""The queue's own small forms: naming the current filters as a saved view. The checks are the
service's (cases/saved_views.py); this form only reads the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.saved_views import NAME_MAX_LENGTH


class SaveViewForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the view"),
        # Longer input reaches the service, which says what is wrong in its own words.
        max_length=500,
        widget=forms.TextInput(
            attrs={"class": "usa-input", "maxlength": str(NAME_MAX_LENGTH), "autocomplete": "off"}
        ),
        error_messages={"required": _("Give the view a name.")},
    )
    # The queue's query string when the form was shown (the service checks every part of it).
    query = forms.CharField(required=False, max_length=5000, widget=forms.HiddenInput())
