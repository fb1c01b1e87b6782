"""Template helpers of the staff pages: people by name, and the signed-in user's role."""

from datetime import datetime

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.timesince import timesince

from cases import people

register = template.Library()


@register.filter
def person(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """`{{ note.author|person }}`: the full name, or the user name where there is none."""
    return people.display_name(user)


@register.filter
def role(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """`{{ user|role }}`: the role in the reader's language, from the permissions the page has
    loaded already (cases/people.py)."""
    return people.role_label(user)


@register.filter
def age(value: datetime | None) -> str:
    """`{{ case.opened_at|age }}`: how long ago, in its largest unit only ("3 days")."""
    if value is None:
        return ""
    return timesince(value, depth=1)


@register.filter
def role_name(value: str) -> str:
    """`{{ entry.role|role_name }}`: a role as stored (cases/roles.py's value, in English) in the
    reader's language; anything else as it is."""
    return people.stored_role_label(value)
