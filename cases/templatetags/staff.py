"""Template helpers of the staff pages: people by name, and the signed-in user's role."""


from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from cases import people
from intake import staff_labels
from intake.models import Agency, EncounterKind, PerceivedBasis
from intake.public_labels import perceived_basis_label

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
def role_name(value: str) -> str:
    """`{{ entry.role|role_name }}`: a role as stored (cases/roles.py's value, in English) in the
    reader's language; anything else as it is."""
    return people.stored_role_label(value)


@register.filter
def kind_label(kind: EncounterKind) -> str:
    """`{{ kind|kind_label }}`: an encounter kind's staff label in the reader's language."""
    return staff_labels.kind_label(kind)


@register.filter
def agency_name(agency: Agency) -> str:
    """`{{ agency|agency_name }}`: an agency's full name in the reader's language."""
    return staff_labels.agency_name(agency)


@register.filter
def agency_short_name(agency: Agency) -> str:
    """`{{ agency|agency_short_name }}`: its abbreviation, else its name in the reader's
    language."""
    return staff_labels.agency_short_name(agency)


@register.filter
def basis_label(basis: PerceivedBasis) -> str:
    """`{{ basis|basis_label }}`: a perceived basis in the reader's language."""
    return perceived_basis_label(basis)
