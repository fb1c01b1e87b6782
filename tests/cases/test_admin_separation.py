"""Separation of duties in the Django admin: the site admits by role, not the staff flag;
administrators manage accounts but never their own roles, never superuser status or single
permissions, never a role's permissions, never a legal staff member's password."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cases.models import RoleChange
from cases.roles import Role
from cases.staff_accounts import change_user_roles
from tests.conftest import give_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
FILED_DATA = ["report", "reportfact", "complainant", "encounter", "witness", "evidence"]


def _group(role: Role) -> Group:
    return Group.objects.get(name=role.value)


def _change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def _user_form(user, **changes) -> dict:
    """What the admin's user form posts for `user` as it stands, with `changes` on top."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [group.pk for group in user.groups.all()],
        "_save": "Save",
    }
    data.update(changes)
    return data


# --- Who enters the admin ---------------------------------------------------------------------


def test_liaison_with_the_staff_flag_is_refused_the_admin(client, liaison):
    liaison.is_staff = True
    liaison.save()
    client.force_login(liaison)
    for url in ("/admin/", "/admin/intake/complainant/", "/admin/intake/witness/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_liaison_with_the_staff_flag_cannot_sign_in_to_the_admin(client, liaison):
    liaison.is_staff = True
    liaison.save()
    response = client.post(
        reverse("admin:login"), {"username": "liaison", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_account_without_a_role_is_refused_the_admin_whatever_its_flags(client, no_role_user):
    no_role_user.is_staff = True
    no_role_user.save()
    client.force_login(no_role_user)
    assert client.get("/admin/").status_code == 302


def test_legal_staff_and_administrators_enter_the_admin_without_the_staff_flag(
    client, legal, administrator
):
    for user in (legal, administrator):
        user.is_staff = False
        user.save()
        client.logout()
        response = client.post(
            reverse("admin:login"),
            {"username": user.username, "password": PASSWORD, "next": "/admin/"},
        )
        assert response.status_code == 302, user.username
        assert response["Location"] == "/admin/"
        assert give_code(client, user).status_code == 302
        assert client.get("/admin/").status_code == 200


def test_superuser_without_a_role_still_enters_the_admin(client):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200


def test_liaison_role_holds_no_view_permission_on_what_people_filed(liaison, legal):
    for model in FILED_DATA:
        assert not liaison.has_perm(f"intake.view_{model}"), model
        # Legal staff keep them: they read filed data in the admin.
        assert legal.has_perm(f"intake.view_{model}"), model


# --- Accounts ---------------------------------------------------------------------------------


def test_administrator_changes_another_accounts_details_and_roles(client, administrator):
    someone = UserFactory(username="newhire")
    client.force_login(administrator)
    response = client.post(
        _change_url(someone),
        _user_form(someone, email="new@example.org", groups=[_group(Role.LIAISON).pk]),
    )
    assert response.status_code == 302
    someone.refresh_from_db()
    assert someone.email == "new@example.org"
    assert list(someone.groups.values_list("name", flat=True)) == [Role.LIAISON.value]


def test_administrator_changing_its_own_groups_is_refused_and_nothing_changes(
    client, administrator
):
    recorded = RoleChange.objects.count()
    client.force_login(administrator)
    page = client.get(_change_url(administrator)).content.decode()
    assert 'name="groups"' not in page
    response = client.post(
        _change_url(administrator),
        _user_form(administrator, groups=[_group(Role.ADMINISTRATOR).pk, _group(Role.LEGAL).pk]),
    )
    assert response.status_code == 403
    assert list(administrator.groups.values_list("name", flat=True)) == [Role.ADMINISTRATOR.value]
    assert RoleChange.objects.count() == recorded


def test_the_role_service_refuses_an_actor_its_own_roles(administrator):
    with pytest.raises(PermissionDenied):
        change_user_roles(
            user=administrator,
            groups=[_group(Role.ADMINISTRATOR), _group(Role.LEGAL)],
            actor=administrator,
        )
    assert not administrator.groups.filter(name=Role.LEGAL.value).exists()


@pytest.mark.parametrize("target", ["self", "other"])
def test_administrator_granting_superuser_status_is_refused(client, administrator, target):
    someone = administrator if target == "self" else UserFactory(username="someone")
    client.force_login(administrator)
    page = client.get(_change_url(someone)).content.decode()
    assert 'name="is_superuser"' not in page
    response = client.post(_change_url(someone), _user_form(someone, is_superuser="on"))
    assert response.status_code == 403
    someone.refresh_from_db()
    assert not someone.is_superuser


def test_administrator_ticking_the_staff_flag_is_refused(client, administrator, liaison):
    client.force_login(administrator)
    page = client.get(_change_url(liaison)).content.decode()
    assert 'name="is_staff"' not in page
    response = client.post(_change_url(liaison), _user_form(liaison, is_staff="on"))
    assert response.status_code == 403
    liaison.refresh_from_db()
    assert not liaison.is_staff


@pytest.mark.parametrize("target", ["self", "other"])
def test_administrator_granting_single_permissions_is_refused(client, administrator, target):
    someone = administrator if target == "self" else UserFactory(username="someone")
    identities = Permission.objects.get(codename="view_all_identities")
    client.force_login(administrator)
    page = client.get(_change_url(someone)).content.decode()
    assert 'name="user_permissions"' not in page
    response = client.post(
        _change_url(someone), _user_form(someone, user_permissions=[identities.pk])
    )
    assert response.status_code == 403
    assert not someone.user_permissions.exists()
    assert not type(someone).objects.get(pk=someone.pk).has_perm("cases.view_all_identities")


def test_administrator_cannot_change_a_superusers_account(client, administrator):
    superuser = UserFactory(username="root", is_superuser=True)
    client.force_login(administrator)
    response = client.post(_change_url(superuser), _user_form(superuser, email="x@example.org"))
    assert response.status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(password_url).status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "root@example.org"


def test_administrator_cannot_set_a_legal_staff_members_password(client, administrator, legal):
    client.force_login(administrator)
    url = reverse("admin:auth_user_password_change", args=[legal.pk])
    assert client.get(url).status_code == 403
    new = "an entirely new password 42"
    response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 403
    legal.refresh_from_db()
    assert legal.check_password(PASSWORD)


def test_administrator_sets_a_liaisons_password(client, administrator, liaison):
    client.force_login(administrator)
    url = reverse("admin:auth_user_password_change", args=[liaison.pk])
    new = "an entirely new password 42"
    response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    liaison.refresh_from_db()
    assert liaison.check_password(new)


# --- Role groups ------------------------------------------------------------------------------


def test_administrator_adding_permissions_to_a_group_is_refused(client, administrator):
    group = _group(Role.ADMINISTRATOR)
    before = set(group.permissions.values_list("pk", flat=True))
    identities = Permission.objects.get(codename="view_all_identities")
    url = reverse("admin:auth_group_change", args=[group.pk])
    data = {"name": group.name, "permissions": [*before, identities.pk], "_save": "Save"}
    # The role holds no permission to change or add groups...
    assert not administrator.has_perm("auth.change_group")
    assert not administrator.has_perm("auth.add_group")
    client.force_login(administrator)
    assert client.post(url, data).status_code == 403
    # ...and the group admin is read-only even for an account that holds one.
    administrator.user_permissions.add(Permission.objects.get(codename="change_group"))
    administrator = type(administrator).objects.get(pk=administrator.pk)
    assert administrator.has_perm("auth.change_group")
    client.force_login(administrator)
    assert client.post(url, data).status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert client.get(reverse("admin:auth_group_add")).status_code == 403


def test_administrator_creates_an_account_and_then_gives_it_a_role(client, administrator):
    client.force_login(administrator)
    password = "a long enough password 42"
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": password,
            "password2": password,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    newcomer = type(administrator).objects.get(username="newcomer")
    assert not newcomer.is_superuser and not newcomer.groups.exists()
    response = client.post(
        _change_url(newcomer), _user_form(newcomer, groups=[_group(Role.LIAISON).pk])
    )
    assert response.status_code == 302
    assert RoleChange.objects.get(user=newcomer).actor == administrator
    # Only roles are offered: no group made by hand elsewhere.
    Group.objects.create(name="Handmade")
    page = client.get(_change_url(newcomer)).content.decode()
    assert "Handmade" not in page
    assert Role.LEGAL.value in page
