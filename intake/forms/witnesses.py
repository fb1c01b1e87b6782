"""The witnesses step: up to MAX_WITNESSES people who saw what happened."""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass


from intake.forms.base import StepForm


class WitnessForm(StepForm):
    """One witness. The witnesses step adds them one at a time, so it works without JavaScript."""

    name = forms.CharField(label=_("Witness's name"), max_length=200, required=False)
    contact = forms.CharField(
        label=_("How to reach them"),
        help_text=_("A phone number, e-mail address or other way."),
        max_length=200,
        required=False,
    )
    statement = forms.CharField(
        label=_("What did they see?"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    willing_to_be_contacted = forms.BooleanField(
        label=_("They are willing to be contacted by Rights Desk"), required=False
    )

    def is_blank(self) -> bool:
        return not any(
            str(self.data.get(self.add_prefix(name), "")).strip()
            for name in ("name", "contact", "statement")
        )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = cast("dict[str, Any]", super().clean())
        if not any(cleaned.get(name) for name in ("name", "contact", "statement")):
            raise ValidationError(
                _("Tell us at least the witness's name, how to reach them, or what they saw.")
            )
        return cleaned
