"""The object-level rules of cases/access.py: every role against identities, notes and evidence,
asked as predicates, as object permissions (`user.has_perm(name, obj)`) and as querysets, which
must all give the same answers."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from cases import access
from cases.services import add_note
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory, UserFactory, report_with_evidence

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "no_role_user", "administrator", "liaison", "legal"]


def _user(request, role: str):
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)


def _report(consent: bool):
    submission = ReportSubmissionFactory(consent_to_share_with_liaison=consent)
    return submit_report(submission=submission, channel="web").report


# role -> (without consent, with consent)
IDENTITY = {
    "anonymous": (False, False),
    "no_role_user": (False, False),
    "administrator": (False, False),
    "liaison": (False, True),
    "legal": (True, True),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_identities(request, role):
    user = _user(request, role)
    for consent, expected in zip((False, True), IDENTITY[role], strict=True):
        report = _report(consent)
        assert access.can_see_identity(user, report) is expected
        assert bool(access.may_see_identity(user, report)) is expected
        assert user.has_perm("intake.see_identity", report) is expected


@pytest.mark.parametrize("role", ROLES)
def test_who_downloads_evidence_and_the_queryset_agrees(request, role):
    user = _user(request, role)
    for consent, expected in zip((False, True), IDENTITY[role], strict=True):
        evidence = report_with_evidence(consent_to_share_with_liaison=consent).evidence.get()
        assert access.can_download_evidence(user, evidence) is expected
        assert user.has_perm("intake.download_evidence", evidence) is expected
        listed = access.downloadable_evidence(user).filter(pk=evidence.pk).exists()
        assert listed is expected


# role -> (staff note, legal-only note)
NOTES = {
    "anonymous": (False, False),
    "no_role_user": (False, False),
    "administrator": (False, False),
    "liaison": (True, False),
    "legal": (True, True),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_notes_and_the_queryset_agrees(request, role, legal):
    user = _user(request, role)
    case = _report(False).case
    staff = add_note(case=case, author=legal, body="For staff", visibility="staff")
    legal_only = add_note(case=case, author=legal, body="Privileged", visibility="legal")
    listed = set(access.visible_notes(user, case))
    for note, expected in zip((staff, legal_only), NOTES[role], strict=True):
        assert access.can_see_note(user, note) is expected
        assert user.has_perm("cases.read_note", note) is expected
        assert (note in listed) is expected


@pytest.mark.parametrize("role", ROLES)
def test_only_case_workers_see_cases(request, role):
    user = _user(request, role)
    case = _report(False).case
    assert access.visible_cases(user).filter(pk=case.pk).exists() is (
        role in ("liaison", "legal")
    )
    assert bool(access.is_case_worker(user)) is (role in ("liaison", "legal"))
    assert bool(access.is_legal(user)) is (role == "legal")


def test_an_inactive_case_worker_is_refused_everything(legal, liaison):
    report = report_with_evidence(consent_to_share_with_liaison=True)
    note = add_note(case=report.case, author=legal, body="For staff")
    for user in (legal, liaison):
        user.is_active = False
        user.save()
        assert not access.can_see_identity(user, report)
        assert not access.can_download_evidence(user, report.evidence.get())
        assert not access.can_see_note(user, note)
        assert not access.visible_cases(user).exists()
        assert not access.downloadable_evidence(user).exists()


def test_without_an_object_only_a_role_wide_grant_counts(liaison, legal):
    # Legal staff may see every identity and file; a liaison's answer depends on the report's
    # consent, so without the report it is no.
    for name in ("intake.see_identity", "intake.download_evidence"):
        assert not liaison.has_perm(name)
        assert legal.has_perm(name)
    assert not liaison.has_perm("cases.read_note")
    assert not access.can_see_identity(None, _report(True))


@pytest.mark.parametrize("role", ["liaison", "legal", "administrator", "no_role_user"])
def test_permissions_are_read_in_one_query_and_match_djangos(request, role,
                                                             django_assert_num_queries):
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    from cases.backends import ModelPermissionBackend

    user = request.getfixturevalue(role)
    user.user_permissions.add(Permission.objects.get(codename="view_tag"))
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        ours = ModelPermissionBackend().get_all_permissions(user)
    assert ours == ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk))
    assert "cases.view_tag" in ours
    with django_assert_num_queries(0):
        assert user.has_perm("cases.view_tag")


def test_inactive_users_hold_no_permissions(legal):
    from cases.backends import ModelPermissionBackend

    legal.is_active = False
    assert ModelPermissionBackend().get_all_permissions(legal) == set()
    assert not legal.has_perm("cases.view_case")


def test_who_may_be_assigned_is_one_list_that_the_check_reads_too(
    liaison, other_liaison, legal, administrator, no_role_user
):
    left = UserFactory(username="left")
    left.groups.set(liaison.groups.all())
    left.is_active = False
    left.save()
    given = UserFactory(username="given")
    given.user_permissions.add(Permission.objects.get(codename="transition_case"))
    superuser = UserFactory(username="root", is_superuser=True)

    assignable = list(access.assignable_staff())
    assert [user.username for user in assignable] == [
        "given", "legal", "liaison", "liaison2", "root"
    ]
    for user in (liaison, other_liaison, legal, administrator, no_role_user, left, given,
                 superuser):
        assert access.may_be_assigned(user) is (user in assignable)
    assert access.may_be_assigned(None) is False
