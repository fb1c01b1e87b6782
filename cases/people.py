"""How staff appear to each other: by full name and role, never by user name alone."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from cases.roles import Role, role_of

ROLE_LABELS = {
    Role.LIAISON: _("Police liaison"),
    Role.LEGAL: _("Legal staff"),
    Role.ADMINISTRATOR: _("Administrator"),
}


# Any: the project's user model (django.contrib.auth's User), whose names and permissions the
# AbstractBaseUser of the annotations elsewhere does not declare.
def display_name(user: Any) -> str:
    """A person's full name, or their user name where the account has none."""
    if user is None or not user.is_authenticated:
        return ""
    full = user.get_full_name().strip()
    return full or user.get_username()


# A permission each role holds and no role before it in this list: the page header names the
# signed-in user's role from the permissions its navigation has loaded already, at no query.
_MARKS = [
    (Role.LEGAL, "cases.view_all_identities"),
    (Role.LIAISON, "cases.view_case"),
    (Role.ADMINISTRATOR, "auth.change_user"),
]


def role_label(user: Any) -> str:
    """The user's role in the reader's language, or "" for an account with none."""
    if user is None or not user.is_authenticated:
        return ""
    if getattr(user, "is_superuser", False):
        role = role_of(user)  # A superuser holds every permission: ask the groups.
    else:
        role = next((role for role, mark in _MARKS if user.has_perm(mark)), None)
    return str(ROLE_LABELS[role]) if role else ""


def stored_role_label(value: str) -> str:
    """A role as a record stores it (a value of cases/roles.py's Role, in English), in the
    reader's language; a value that is no role (an old name) as it was stored."""
    try:
        return str(ROLE_LABELS[Role(value)])
    except ValueError:
        return value
