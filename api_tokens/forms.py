import secrets
from typing import Any

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
    # A fresh random key with each empty form: sending the same form again (a refresh, a
    # double click) is recognised and makes no second token.
    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_key", secrets.token_urlsafe(24))
