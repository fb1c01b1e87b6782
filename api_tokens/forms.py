from django import forms
from django.utils.translation import gettext_lazy as _

from api_tokens.models import NAME_MAX_LENGTH


class ApiTokenForm(forms.Form):
    # The service trims and checks the name too; the form says so before it is asked.
    name = forms.CharField(
        label=_("Name"),
        help_text=_("What the token is for, so you know which one to revoke: “weekly export”."),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "off"}),
    )
