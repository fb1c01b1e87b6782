"""Who may see and do what with cases. Every access decision about case data is made here, so
all of them can be reviewed in one file.

A case the user may not see is treated exactly like one that does not exist (callers answer
404 for both), so existence never leaks.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from cases.exceptions import CaseError, ErrorCode
from cases.models import Case, CaseNote
from intake.models import Report

User = AbstractBaseUser | AnonymousUser


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def require_permission(actor: User | None, permission: str, action: str) -> None:
    """Raise CaseError unless `actor` is an active user holding `permission`.

    `action` completes the sentence "Your role may not ...".
    """
    if not _active(actor) or not actor.has_perm(permission):  # type: ignore[union-attr]
        raise CaseError(ErrorCode.ROLE_NOT_PERMITTED, f"Your role may not {action}.")


def visible_cases(user: User | None) -> QuerySet[Case]:
    """The cases `user` may see. Every list, search, detail and export starts from this."""
    if not _active(user) or not user.has_perm("cases.view_case"):  # type: ignore[union-attr]
        return Case.objects.none()
    return Case.objects.all()


def can_see_identity(user: User | None, report: Report) -> bool:
    """Whether `user` may see who the people in `report` are (names, contacts, race/ethnicity,
    occupation of complainants; names and contacts of witnesses).

    Legal staff see every identity. Police liaisons see them only where the person consented
    to sharing with law-enforcement liaisons. Nobody else sees any.
    """
    if not _active(user):
        return False
    if user.has_perm("cases.view_all_identities"):  # type: ignore[union-attr]
        return True
    return bool(
        user.has_perm("cases.view_case")  # type: ignore[union-attr]
        and report.consent_to_share_with_liaison
    )


def visible_notes(user: User | None, case: Case) -> QuerySet[CaseNote]:
    """Notes on `case` that `user` may read: legal-only notes need the legal role."""
    notes = CaseNote.objects.filter(case=case)
    if not _active(user) or not user.has_perm("cases.view_case"):  # type: ignore[union-attr]
        return notes.none()
    if not user.has_perm("cases.view_legal_notes"):  # type: ignore[union-attr]
        notes = notes.filter(visibility=CaseNote.Visibility.STAFF)
    return notes


def can_see_note(user: User | None, note: CaseNote) -> bool:
    if not _active(user) or not user.has_perm("cases.view_case"):  # type: ignore[union-attr]
        return False
    return note.visibility == CaseNote.Visibility.STAFF or user.has_perm(  # type: ignore[union-attr]
        "cases.view_legal_notes"
    )
