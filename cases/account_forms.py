"""Django's password forms, dressed for the staff pages (USWDS inputs, plain-words hints)."""

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

CHOOSING_HINT = (
    "At least 12 characters. Not a common password, not only numbers, and not like your user "
    "name or e-mail address. A few unrelated words make a good one."
)


# Django says "This field is required." for each: listed together in the error summary, three
# of those would not tell anyone which box is empty.
_REQUIRED = {
    "old_password": "Type your current password.",
    "new_password1": "Type a new password.",
    "new_password2": "Type the new password again.",
    "email": "Type the e-mail address of your staff account.",
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
        self.fields["old_password"].label = "Current password"
        self.fields["new_password2"].label = "New password again"


class StaffSetPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dress(self)
        self.fields["new_password2"].label = "New password again"


class StaffPasswordResetForm(PasswordResetForm):
    """Only the address; sending is cases.passwords.request_password_reset's (through the
    outbox), never the form's own `save`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dress(self)
        self.fields["email"].label = "Your work e-mail address"
        self.fields["email"].help_text = "The address your staff account has."

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("Reset mails go through cases.passwords.request_password_reset.")
