"""Shared fixtures: one user per role, the rule for tests that need a real service, and test
clients that sign in with a second factor."""

import os

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.roles import Role
from intake import reference
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _reference_tables_read_afresh():
    """Each test reads the reference tables (kept in memory, intake/reference.py) from its own
    database: rows an earlier test kept may have been rolled back with it."""
    reference.forget()


def _user_with_role(role: Role, username: str):
    user = UserFactory(username=username, is_staff=role in (Role.LEGAL, Role.ADMINISTRATOR))
    user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def liaison(db):
    return _user_with_role(Role.LIAISON, "liaison")


@pytest.fixture
def other_liaison(db):
    return _user_with_role(Role.LIAISON, "liaison2")


@pytest.fixture
def legal(db):
    return _user_with_role(Role.LEGAL, "legal")


@pytest.fixture
def administrator(db):
    return _user_with_role(Role.ADMINISTRATOR, "administrator")


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="norole")


def need_service(name: str, available: bool, how: str, *, required_in_ci: bool = True) -> None:
    """Skip when a service is absent on a developer's machine; fail in CI, where it must be."""
    if available:
        return
    message = f"{name} is not available: {how}"
    if IN_CI and required_in_ci:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def postgres(db):
    # CI runs the suite twice: on PostgreSQL (DATABASE_URL set), where these tests must run,
    # and on the embedded SQLite default on purpose, where they have nothing to test.
    need_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "set DATABASE_URL=postgres://... to run this test",
        required_in_ci=bool(os.environ.get("DATABASE_URL")),
    )


# --- The second factor (cases/two_factor.py) ---------------------------------------------------
# Every staff page and the session-authenticated API refuse an account that gave no second-factor
# code. Tests about something else sign in with `client.force_login(user)` (or `client.login`):
# both end in Client._login, which here also confirms an authenticator app for the account and
# marks the session verified with it, as `django_otp.login` does after a right code. Tests of the
# second factor itself sign in with the password only: `sign_in_without_second_factor`.
_password_only_login = Client._login


def confirmed_app_device(user) -> TOTPDevice:
    """The account's confirmed authenticator-app device, made if it has none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def verify_session(client: Client, user) -> TOTPDevice:
    """Mark `client`'s signed-in session as having given a code from the account's app."""
    device = confirmed_app_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """A code the account's app shows now that the device still accepts: a code is accepted
    once, so a second sign-in within the same 30 seconds gets the next step's code (the device
    allows one step of drift)."""
    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    steps_ahead = max(steps_ahead, device.last_t + 1 - totp.t())
    totp.drift = device.drift + steps_ahead
    return f"{totp.token():0{device.digits}d}"


def give_code(client: Client, user, *, steps_ahead: int = 0):
    """The second step of a sign-in through the pages: post the app's current code."""
    from django.urls import reverse

    device = confirmed_app_device(user)
    return client.post(
        reverse("cases:verify"), {"code": current_code(device, steps_ahead=steps_ahead)}
    )


def _login_with_second_factor(self: Client, user, backend=None) -> None:
    _password_only_login(self, user, backend)
    verify_session(self, user)


def sign_in_without_second_factor(client: Client, user) -> None:
    """Sign `client` in as `user` with the password step only, as before any code is given (and
    with no device made, so an account without one is sent to enrolment)."""
    _password_only_login(client, user, "cases.backends.ModelPermissionBackend")


@pytest.fixture(autouse=True)
def _clients_sign_in_with_a_second_factor(monkeypatch):
    monkeypatch.setattr(Client, "_login", _login_with_second_factor)
