"""Every role granted or removed is recorded (who, whom, which role, when); granting or
removing the legal role is e-mailed to every active legal staff member, with no case data."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from django.urls import reverse

from cases.models import RoleChange
from cases.roles import Role
from intake.services import submit_report
from tests.factories import ComplainantInputFactory, ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _group(role: Role) -> Group:
    return Group.objects.get(name=role.value)


def _legal_member(username: str, **fields):
    user = UserFactory(username=username, **fields)
    user.groups.add(_group(Role.LEGAL))
    return user


def _post_roles(client, user, roles: list[Role]):
    return client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_active": "on",
            "groups": [_group(role).pk for role in roles],
            "_save": "Save",
        },
    )


@pytest.fixture
def a_case():
    submission = ReportSubmissionFactory(
        narrative="Agents boxed in the blue sedan on Zane Avenue.",
        complainants=(ComplainantInputFactory(name="Marisol Quintero-Vance"),),
    )
    return submit_report(submission=submission, channel="web").report.case


def test_granting_the_legal_role_in_the_admin_is_recorded_and_emailed_to_legal_staff(
    client, administrator, legal, no_role_user, a_case, django_capture_on_commit_callbacks
):
    colleague = _legal_member("legal2")
    _legal_member("gone", is_active=False)
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_roles(client, no_role_user, [Role.LEGAL])
    assert response.status_code == 302

    change = RoleChange.objects.get(user=no_role_user)
    assert (change.role, change.change, change.actor) == (
        Role.LEGAL.value, RoleChange.Change.GRANTED, administrator
    )
    assert change.changed_at is not None

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([legal.email, colleague.email, no_role_user.email])
    for message in mail.outbox:
        text = message.subject + message.body
        assert "granted" in text
        assert no_role_user.username in text
        assert administrator.username in text
        assert "/admin/cases/rolechange/" in message.body
        for case_data in (a_case.reference, a_case.title, "Quintero", "Zane Avenue"):
            assert case_data not in text


def test_removing_the_legal_role_in_the_admin_is_recorded_and_emailed_to_legal_staff(
    client, administrator, legal, django_capture_on_commit_callbacks
):
    leaving = _legal_member("leaving")
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_roles(client, leaving, [Role.LIAISON])
    assert response.status_code == 302

    removed = RoleChange.objects.get(user=leaving, change=RoleChange.Change.REMOVED)
    assert (removed.role, removed.actor) == (Role.LEGAL.value, administrator)
    assert RoleChange.objects.filter(
        user=leaving, role=Role.LIAISON.value, change=RoleChange.Change.GRANTED
    ).exists()
    # The remaining legal staff hear of it; the account that lost the role no longer does.
    assert [message.to for message in mail.outbox] == [[legal.email]]
    assert "removed" in mail.outbox[0].subject
    assert leaving.username in mail.outbox[0].body


def test_granting_another_role_is_recorded_but_not_announced(
    client, administrator, legal, no_role_user, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_roles(client, no_role_user, [Role.LIAISON]).status_code == 302
    change = RoleChange.objects.get(user=no_role_user)
    assert (change.role, change.change, change.actor) == (
        Role.LIAISON.value, RoleChange.Change.GRANTED, administrator
    )
    assert mail.outbox == []


def test_a_role_change_that_is_rolled_back_sends_nothing(
    legal, no_role_user, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        no_role_user.groups.add(_group(Role.LEGAL))
        raise RuntimeError("rolled back")
    assert not RoleChange.objects.filter(user=no_role_user).exists()
    assert mail.outbox == []


def test_legal_role_changes_made_outside_the_admin_are_recorded_and_announced(
    legal, no_role_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        no_role_user.groups.add(_group(Role.LEGAL))
    granted = RoleChange.objects.get(user=no_role_user)
    assert (granted.role, granted.change, granted.actor) == (
        Role.LEGAL.value, RoleChange.Change.GRANTED, None
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([legal.email, no_role_user.email])
    assert "outside the admin" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # From the group's side, and asking to remove someone who is not a member as well.
        _group(Role.LEGAL).user_set.remove(no_role_user, UserFactory(username="bystander"))
    removals = RoleChange.objects.filter(change=RoleChange.Change.REMOVED)
    assert [(r.user, r.role, r.actor) for r in removals] == [
        (no_role_user, Role.LEGAL.value, None)
    ]
    assert [message.to for message in mail.outbox] == [[legal.email]]


def test_clearing_an_accounts_groups_records_each_role_removed(liaison):
    liaison.groups.add(_group(Role.ADMINISTRATOR))
    liaison.groups.clear()
    removed = RoleChange.objects.filter(user=liaison, change=RoleChange.Change.REMOVED)
    assert sorted(removed.values_list("role", flat=True)) == sorted(
        [Role.LIAISON.value, Role.ADMINISTRATOR.value]
    )


def test_the_record_of_role_changes_is_read_only_for_administrators_and_legal_staff(
    client, administrator, legal, liaison
):
    change = RoleChange.objects.filter(user=legal).get()
    for reader in (administrator, legal):
        client.force_login(reader)
        listing = client.get("/admin/cases/rolechange/")
        assert listing.status_code == 200, reader.username
        assert "legal" in listing.content.decode()
        url = f"/admin/cases/rolechange/{change.pk}/change/"
        page = client.get(url).content.decode()
        assert 'name="_save"' not in page
        assert client.post(url, {"role": Role.LIAISON.value}).status_code == 403
        assert client.post(f"/admin/cases/rolechange/{change.pk}/delete/").status_code == 403
    client.force_login(liaison)
    assert client.get("/admin/cases/rolechange/").status_code == 302
    change.refresh_from_db()
    assert change.role == Role.LEGAL.value
    with pytest.raises(ValueError):
        change.save()
    with pytest.raises(ValueError):
        change.delete()
