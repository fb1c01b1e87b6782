"""The steps about the person: who is filling in the form, their details, and how to reach them."""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from intake.models import Complainant
from intake.public_labels import (
    PREFERRED_LANGUAGES,
)

if TYPE_CHECKING:
    pass


from intake.forms.base import StepForm


class AboutForm(StepForm):
    ROLE_CHOICES = [
        (Complainant.Role.AFFECTED, _("It happened to me")),
        (Complainant.Role.ON_BEHALF, _("I am reporting for someone it happened to")),
        (Complainant.Role.WITNESS, _("I saw it happen")),
        (Complainant.Role.ORGANISATION, _("I am reporting for an organisation")),
    ]
    role = forms.ChoiceField(
        label=_("Who are you in this report?"),
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who you are in this report.")},
    )
    anonymous = forms.ChoiceField(
        label=_("Do you want to report anonymously?"),
        help_text=_(
            "If you report anonymously we will not ask for your name or how to reach you, and "
            "we will not be able to contact you about your report."
        ),
        choices=[
            ("no", _("No, I will tell you who I am")),
            ("yes", _("Yes, report anonymously")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you want to report anonymously.")},
    )


class IdentityForm(StepForm):
    name = forms.CharField(
        label=_("Your name"),
        help_text=_("If you are reporting for an organisation, the organisation's name."),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": _("Enter your name, or go back and choose to report anonymously.")
        },
    )
    occupation = forms.CharField(
        label=_("Your occupation"),
        help_text=_("For example nurse, city employee or police officer. It can matter."),
        max_length=200,
        required=False,
    )
    preferred_language = forms.ChoiceField(
        label=_("Which language should we use with you?"),
        choices=PREFERRED_LANGUAGES,
        required=False,
    )


class ContactForm(StepForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter an e-mail address like name@example.com.")},
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        validators=[
            RegexValidator(
                r"^[0-9+()\-. ]{5,40}$",
                _("Enter a phone number using digits, spaces and + ( ) - only."),
            )
        ],
    )
    consent_to_contact = forms.BooleanField(
        label=_("Yes, Rights Desk may contact me about this report"), required=False
    )
    safe_to_contact = forms.BooleanField(
        label=_("It is safe to leave me a message or write to me at these details"),
        required=False,
    )
    consent_to_share_with_liaison = forms.BooleanField(
        label=_("Yes, police liaisons working on my report may see my name and contact details"),
        help_text=_(
            "Police liaisons are staff of local police departments who work with Rights Desk "
            "to look into encounters with federal agents. If you leave this unticked, they "
            "still read what happened, but not who you are: only our legal staff will know."
        ),
        required=False,
    )

    groups = (
        (
            _("What you agree to"),
            ("consent_to_contact", "safe_to_contact", "consent_to_share_with_liaison"),
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = cast("dict[str, Any]", super().clean())
        if cleaned.get("consent_to_contact") and not (cleaned.get("email") or cleaned.get("phone")):
            self.add_error(
                "email",
                _("Give an e-mail address or phone number, or untick “may contact me”."),
            )
        return cleaned
