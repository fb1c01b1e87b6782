"""Django's password forms, dressed for the staff pages (USWDS inputs, plain-words hints)."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

CHOOSING_HINT = _(
    "At least 12 characters. Not a common password, not only numbers, and not like your user "
    "name or e-mail address. A few unrelated words make a good one."
)


# Django says "This field is required." for each: listed together in the error summary, three
# of those would not tell anyone which box is empty.
_REQUIRED = {
    "old_password": _("Type your current password."),
    "new_password1": _("Type a new password."),
    "new_password2": _("Type the new password again."),
    "email": _("Type the e-mail address of your staff account."),
}


def _dress(form: forms.Form) -> None:
    for name, field in form.fields.items():
        field.widget.attrs["class"] = "usa-input"
        if name in _REQUIRED:
            field.error_messages["required"] = _REQUIRED[name]
    if "new_password1" in form.fields:
        form.fields["new_password1"].help_text = CHOOSING_HINT


class StaffPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dress(self)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password2"].label = _("New password again")


class StaffSetPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dress(self)
        self.fields["new_password2"].label = _("New password again")


class StaffPasswordResetForm(PasswordResetForm):
    """Only the address; sending is cases.passwords.request_password_reset's (through the
    outbox), never the form's own `save`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dress(self)
        self.fields["email"].label = _("Your work e-mail address")
        self.fields["email"].help_text = _("The address your staff account has.")

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("Reset mails go through cases.passwords.request_password_reset.")


def _language_choices() -> list[tuple[str, str]]:
    # Each language named in itself ("English", "Español"), so someone who cannot read the page
    # still finds their own.
    return [
        (code, get_language_info(code)["name_local"].capitalize())
        for code, _name in settings.LANGUAGES
    ]


class LanguageForm(forms.Form):
    """The language of the staff pages and of the mail Rights Desk sends to this account."""

    language = forms.ChoiceField(
        label=_("Language of the staff pages and of your e-mail"),
        choices=_language_choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a language."),
            "invalid_choice": _("Choose one of the languages listed."),
        },
    )
