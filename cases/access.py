"""Who may see and do what with cases. Every access decision about case data is made here, so
all of them can be reviewed in one file.

Decisions about one object are `rules` predicates, registered as object permissions (so
`user.has_perm("intake.download_evidence", evidence)` asks the same question as
`may_download_evidence(user, evidence)`); the functions below them answer with those
predicates. Predicates cannot filter a queryset, so every list starts from the queryset
functions at the end (`visible_cases`, `visible_notes`, `downloadable_evidence`), which apply
the same rules in SQL; tests hold the two to the same answers.

A case the user may not see is treated exactly like one that does not exist (callers answer
404 for both), so existence never leaks.
"""

from typing import Any

import rules
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from cases.exceptions import CaseError, ErrorCode
from cases.models import Case, CaseNote
from intake.models import Evidence, Report

User = AbstractBaseUser | AnonymousUser


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _holds(user: User | None, permission: str) -> bool:
    # Role permissions come from the groups of cases/roles.py (cached on the user object, so
    # asking per report or per file adds no queries).
    return _active(user) and user.has_perm(permission)  # type: ignore[union-attr]


# --- Predicates ------------------------------------------------------------------------------


@rules.predicate
def is_case_worker(user: User | None) -> bool:
    """Police liaisons and legal staff: the roles that work on cases."""
    return _holds(user, "cases.view_case")


@rules.predicate
def is_legal(user: User | None) -> bool:
    """Legal staff: the role that sees every person's identity."""
    return _holds(user, "cases.view_all_identities")


@rules.predicate
def reads_legal_notes(user: User | None) -> bool:
    return _holds(user, "cases.view_legal_notes")


@rules.predicate
def report_shared_with_liaisons(user: User | None, report: Report | None) -> bool:
    """The person who filed agreed that police liaisons may see who the people in it are."""
    return report is not None and report.consent_to_share_with_liaison


@rules.predicate
def evidence_shared_with_liaisons(user: User | None, evidence: Evidence | None) -> bool:
    # Photos and recordings identify people, so they follow the consent of their report.
    return evidence is not None and evidence.report.consent_to_share_with_liaison


@rules.predicate
def is_staff_note(user: User | None, note: CaseNote | None) -> bool:
    return note is not None and note.visibility == CaseNote.Visibility.STAFF


# Who the people in a report are: names, contacts, race/ethnicity and occupation of
# complainants; names and contacts of witnesses.
may_see_identity = is_case_worker & (is_legal | report_shared_with_liaisons)
may_read_note = is_case_worker & (is_staff_note | reads_legal_notes)
# The evidence files themselves; their metadata (type, size, SHA-256) is case data.
may_download_evidence = is_case_worker & (is_legal | evidence_shared_with_liaisons)
# A file as it was received, with the location, camera and owner data every other copy leaves
# out (intake/metadata): legal staff only.
may_download_original_evidence = may_download_evidence & is_legal

rules.add_perm("intake.see_identity", may_see_identity)
rules.add_perm("cases.read_note", may_read_note)
rules.add_perm("intake.download_evidence", may_download_evidence)
rules.add_perm("intake.download_original_evidence", may_download_original_evidence)


def require_permission(actor: User | None, permission: str, action: str) -> None:
    """Raise CaseError unless `actor` is an active user holding `permission`.

    `action` completes the sentence "Your role may not ...".
    """
    if not _holds(actor, permission):
        raise CaseError(ErrorCode.ROLE_NOT_PERMITTED, f"Your role may not {action}.")


def can_see_identity(user: User | None, report: Report) -> bool:
    """Whether `user` may see who the people in `report` are (names, contacts, race/ethnicity,
    occupation of complainants; names and contacts of witnesses).

    Legal staff see every identity. Police liaisons see them only where the person consented
    to sharing with law-enforcement liaisons. Nobody else sees any.
    """
    return bool(may_see_identity.test(user, report))


def can_see_note(user: User | None, note: CaseNote) -> bool:
    """Whether `user` may read `note`: staff notes are for case workers, legal-only notes for
    legal staff."""
    return bool(may_read_note.test(user, note))


def can_download_evidence(user: User | None, evidence: Evidence) -> bool:
    """Whether `user` may download the file of `evidence`: legal staff always; police liaisons
    only where the report's complainant consented to sharing with liaisons."""
    return bool(may_download_evidence.test(user, evidence))


def can_download_original_evidence(user: User | None, evidence: Evidence) -> bool:
    """Whether `user` may download the file of `evidence` as it was received, with the
    location and camera data that the copies everyone else downloads leave out: legal staff
    only. Anyone else is answered as for a file that does not exist."""
    return bool(may_download_original_evidence.test(user, evidence))


def may_be_assigned(user: User | None) -> bool:
    """Whether a case may be assigned to `user`: one of `assignable_staff()`."""
    return user is not None and assignable_staff().filter(pk=user.pk).exists()


def may_hold_api_token(user: User | None) -> bool:
    """Whether `user` may hold tokens for the staff API: the roles that work on cases, the only
    ones the staff API answers."""
    return bool(is_case_worker(user))


def may_create_api_token(user: User | None, request: HttpRequest) -> bool:
    """Whether `user` may make an API token now, in `request`.

    A token is a way into the staff API that outlives the session it was made in, so making one
    asks the role (`may_hold_api_token`) and a session that gave its second factor
    (cases/two_factor.py): a stolen password alone never mints a key.
    """
    verified = getattr(getattr(request, "user", None), "is_verified", None)
    return may_hold_api_token(user) and callable(verified) and bool(verified())


# --- Querysets: the same rules for lists -------------------------------------------------------


def visible_cases(user: User | None) -> QuerySet[Case]:
    """The cases `user` may see. Every list, search, detail and export starts from this."""
    if not is_case_worker(user):
        return Case.objects.none()
    return Case.objects.all()


def assignable_staff() -> QuerySet[Any]:
    """The people a case may be assigned to: active accounts that may move cases (the
    `cases.transition_case` permission, from a role's group or given directly) and active
    superusers, by user name. The case page's and the queue's lists of people and
    `assign_case`'s check (`may_be_assigned`) all read this."""
    via_group = Q(
        groups__permissions__codename="transition_case",
        groups__permissions__content_type__app_label="cases",
    )
    direct = Q(
        user_permissions__codename="transition_case",
        user_permissions__content_type__app_label="cases",
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(via_group | direct | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def visible_notes(user: User | None, case: Case) -> QuerySet[CaseNote]:
    """Notes on `case` that `user` may read: legal-only notes need the legal role."""
    notes = CaseNote.objects.filter(case=case)
    if not is_case_worker(user):
        return notes.none()
    if not reads_legal_notes(user):
        notes = notes.filter(visibility=CaseNote.Visibility.STAFF)
    return notes


def downloadable_evidence(user: User | None) -> QuerySet[Evidence]:
    """Evidence whose file `user` may download (see `can_download_evidence`)."""
    if not is_case_worker(user):
        return Evidence.objects.none()
    evidence = Evidence.objects.filter(report__case__in=visible_cases(user))
    if not is_legal(user):
        evidence = evidence.filter(report__consent_to_share_with_liaison=True)
    return evidence


def can_be_asked(report: Report) -> bool:
    """Whether someone can read a question posted on `report`: only a person who filed it
    through the public form or API holds a tracking code and secret to sign in with. A press
    report's source and a report staff entered have nobody behind them who could."""
    return report.channel in (Report.Channel.WEB, Report.Channel.API) and bool(report.secret_hash)
