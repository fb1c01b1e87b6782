"""The form that looks up a report's status by its tracking code and secret."""

import re
from typing import TYPE_CHECKING

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass


from intake.forms.base import intake_error_summary

_CODE_CHARACTERS = re.compile(r"^[A-Za-z0-9\- ]*$")


class StatusForm(forms.Form):
    tracking_code = forms.CharField(
        label=_("Tracking code"),
        help_text=_("It looks like RD-7KQ4-M9XP."),
        max_length=30,
        validators=[RegexValidator(_CODE_CHARACTERS, _("Use only letters, digits and dashes."))],
        widget=forms.TextInput(
            attrs={"class": "usa-input", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter your tracking code.")},
    )
    secret = forms.CharField(
        label=_("Secret"),
        help_text=_("The secret shown once on your receipt, like ABCD-EFGH-JKMN-PQRS."),
        max_length=40,
        validators=[RegexValidator(_CODE_CHARACTERS, _("Use only letters, digits and dashes."))],
        widget=forms.TextInput(
            attrs={"class": "usa-input", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter your secret.")},
    )

    def error_summary(self) -> list[tuple[str, str]]:
        return intake_error_summary([self])
