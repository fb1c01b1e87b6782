"""Template helpers of the staff pages: people by name, and the signed-in user's role."""

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from cases import people

register = template.Library()


@register.filter
def person(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """`{{ note.author|person }}`: the full name, or the user name where there is none."""
    return people.display_name(user)


@register.filter
def role(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """`{{ user|role }}`: the role in the reader's language (one query per user per request)."""
    return people.role_label(user)


@register.filter
def role_name(value: str) -> str:
    """`{{ entry.role|role_name }}`: a role as stored (cases/roles.py's value, in English) in the
    reader's language; anything else as it is."""
    return people.stored_role_label(value)
