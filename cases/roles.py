"""The roles of Rights Desk, as data: each is a Django group with a fixed set of permissions.

Access decisions ask `role_of(user)` or check a permission; nothing compares group names
elsewhere.
"""

from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models.signals import m2m_changed


class Role(StrEnum):
    LIAISON = "Police liaison"
    LEGAL = "Legal staff"
    ADMINISTRATOR = "Administrator"


_CASE_WORK = [
    "cases.view_case",
    "cases.transition_case",
    "cases.assign_case",
    "cases.merge_case",
    "cases.add_casenote",
    "cases.view_casenote",
    "cases.ask_reporter",
    "cases.export_redacted_case_file",
]
# Reference data: lists that name no one.
_REFERENCE_DATA = [
    "intake.view_agency",
    "intake.view_encounterkind",
    "intake.view_perceivedbasis",
    "cases.view_tag",
]
# What people filed, row by row, as the read-only Django admin shows it: names, contacts,
# statements and files, with no consent applied. Only legal staff may see every identity, so
# only they hold these; liaisons read cases through the staff pages and the API, which apply
# consent (cases/access.py) and never ask for these permissions.
_READ_FILED_DATA = [
    "intake.view_report",
    "intake.view_reportfact",
    "intake.view_complainant",
    "intake.view_encounter",
    "intake.view_witness",
    "intake.view_evidence",
    "intake.view_reportaddition",
    "intake.view_reportmessage",
]
# The record of roles granted and removed (cases.models.RoleChange), read in the admin.
_READ_ROLE_CHANGES = ["cases.view_rolechange", "cases.view_secondfactorreset"]
# Who looked at which case, document and file, and who signed in (accesslog).
_READ_ACCESS_LOG = ["accesslog.view_accesslogentry"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.LIAISON: _CASE_WORK + _REFERENCE_DATA,
    Role.LEGAL: _CASE_WORK
    + _REFERENCE_DATA
    + _READ_FILED_DATA
    + _READ_ROLE_CHANGES
    + _READ_ACCESS_LOG
    + [
        "cases.view_all_identities",
        "cases.view_legal_notes",
        "cases.export_full_case_file",
        "cases.view_statistics",
        # Legal holds and the upcoming purges of the retention schedule (cases/legal_holds.py).
        "cases.manage_legal_hold",
    ],
    # Reference data and accounts, through the Django admin; no case data. Groups are the roles
    # above, synced after every migrate, so the administrator reads them and changes none: a
    # group it could edit would let it give itself any permission.
    Role.ADMINISTRATOR: [
        f"{app}.{action}_{model}"
        for app, model in [
            ("intake", "agency"),
            ("intake", "encounterkind"),
            ("intake", "perceivedbasis"),
            ("cases", "tag"),
            ("auth", "user"),
        ]
        for action in ("view", "add", "change")
    ]
    + ["auth.view_group"]
    + _READ_ROLE_CHANGES,
}

# Who may sign in to the Django admin (`may_use_admin_site`). Liaisons work in /staff/ only: the
# admin would show them identities they may not see.
ADMIN_SITE_ROLES = {Role.LEGAL, Role.ADMINISTRATOR}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_role_groups(**kwargs: Any) -> None:
    """Create or update one group per role with exactly the permissions listed above."""
    for role, dotted_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set([_permission(name) for name in dotted_names])


# Which role an account in several role groups has, most privileged for case data first.
ROLE_PRECEDENCE = (Role.LEGAL, Role.LIAISON, Role.ADMINISTRATOR)


def role_of(user: AbstractBaseUser | AnonymousUser) -> Role | None:
    """The user's role, or None for anonymous users and accounts with no role.

    An account in several role groups gets the most privileged one it holds for case data.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    # Kept on the user object like Django's permission cache, so a request that asks more than
    # once (a page and its access log row) reads the groups once. `user.groups.add/set/...`
    # forgets it (forget_role, below).
    if _ROLE_CACHE in user.__dict__:
        return user.__dict__[_ROLE_CACHE]
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
    found = next(
        (role for role in ROLE_PRECEDENCE if role.value in names),
        None,
    )
    user.__dict__[_ROLE_CACHE] = found
    return found


_ROLE_CACHE = "_role_of_cache"


def forget_role(instance: Any, reverse: bool, action: str, **kwargs: Any) -> None:
    """An m2m_changed receiver: a user whose groups change through `user.groups` asks again."""
    if not reverse and action.startswith("post_"):
        instance.__dict__.pop(_ROLE_CACHE, None)


m2m_changed.connect(
    forget_role, sender=get_user_model().groups.through, dispatch_uid="cases.forget_role"
)


def may_use_admin_site(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether `user` may enter the Django admin: by role (ADMIN_SITE_ROLES), never by the
    `is_staff` flag, which anyone who edits accounts can tick.

    Superusers are let in whatever their role, so `createsuperuser` still gives a way in; they
    are made from the shell only, since no form in the admin can grant `is_superuser`.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(getattr(user, "is_superuser", False)) or role_of(user) in ADMIN_SITE_ROLES
