"""Shared fixtures: one user per role, and the rule for tests that need a real service."""

import os

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from cases.roles import Role
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


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
