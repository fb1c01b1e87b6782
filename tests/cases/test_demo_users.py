import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from cases.roles import Role, role_of

pytestmark = pytest.mark.django_db


def test_demo_users_get_one_role_each_and_printed_logins_work(settings, capsys):
    settings.DEBUG = True
    call_command("create_demo_users")
    out = capsys.readouterr().out
    User = get_user_model()
    for username, role in [("liaison", Role.LIAISON), ("legal", Role.LEGAL),
                           ("admin", Role.ADMINISTRATOR)]:
        line = next(line for line in out.splitlines() if f"username {username} " in line)
        password = line.split("password ")[1].split()[0]
        # django-axes counts sign-in attempts per request, so authenticate() needs one.
        request = RequestFactory().post("/staff/login/")
        user = authenticate(request, username=username, password=password)
        assert user is not None
        assert role_of(User.objects.get(username=username)) == role
    assert not User.objects.get(username="liaison").is_staff
    assert not User.objects.filter(is_superuser=True).exists()


def test_demo_users_have_the_permissions_of_their_roles(settings):
    settings.DEBUG = True
    call_command("create_demo_users", password="demo-password-123")
    User = get_user_model()
    liaison, legal, admin = (User.objects.get(username=u) for u in ("liaison", "legal", "admin"))
    assert liaison.has_perm("cases.transition_case")
    assert not liaison.has_perm("cases.view_all_identities")
    assert not liaison.has_perm("cases.export_full_case_file")
    assert legal.has_perm("cases.view_all_identities")
    assert legal.has_perm("cases.view_legal_notes")
    assert not admin.has_perm("cases.view_case")
    assert admin.has_perm("intake.change_agency")


def test_demo_users_refuse_to_be_created_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("create_demo_users")


def test_demo_users_sign_in_with_the_code_demo_otp_prints(settings, capsys, client):
    settings.DEBUG = True
    call_command("create_demo_users", password="demo-password-123")
    assert "manage.py demo_otp" in capsys.readouterr().out
    for username in ("liaison", "legal", "admin"):
        client.logout()
        client.post("/staff/login/", {"username": username, "password": "demo-password-123"})
        call_command("demo_otp", username)
        code = capsys.readouterr().out.strip()
        assert len(code) == 6 and code.isdigit()
        response = client.post("/staff/verify/", {"code": code, "next": "/staff/cases/"})
        assert response.status_code == 302, username
        assert response["Location"] == "/staff/cases/"


def test_demo_otp_refuses_with_debug_off_and_names_an_unknown_user(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="No user named"):
        call_command("demo_otp", "nobody")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_otp", "nobody")
