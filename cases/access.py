"""Who may do what with cases. Every permission decision of the case services is made here."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from cases.exceptions import CaseError, ErrorCode

User = AbstractBaseUser | AnonymousUser


def require_permission(actor: User | None, permission: str, action: str) -> None:
    """Raise CaseError unless `actor` is an active user holding `permission`.

    `action` completes the sentence "Your role may not ...".
    """
    if actor is None or not actor.is_active or not actor.has_perm(permission):
        raise CaseError(ErrorCode.ROLE_NOT_PERMITTED, f"Your role may not {action}.")
