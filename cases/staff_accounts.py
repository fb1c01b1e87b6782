"""Who holds which role, and the record of every change to it.

A role is membership of one of the groups of cases/roles.py, and granting one is the most
sensitive thing an account manager does: legal staff see every person's identity. So:

- `change_user_roles` is the one way the admin's user form changes roles. It refuses a change
  to the actor's own roles (nobody promotes themselves) and, unless the actor is a superuser, to
  a superuser's account.
- Every role granted or removed leaves a `RoleChange` row (who, whom, which role, when).
- Granting or removing the legal role is announced by e-mail to every active legal staff
  member once the change is committed, so a grant nobody expected is noticed by the people whose
  work it exposes.
- A change made some other way (`user.groups.add(...)` in a shell, a script) is caught by the
  `m2m_changed` receiver at the end, recorded with no actor, and announced the same way.
"""

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import RoleChange
from cases.people import stored_role_label
from cases.roles import Role, role_of
from cases.staff_language import languages_of_addresses
from plumbing.outbox.services import publish

User = AbstractBaseUser | AnonymousUser
ROLE_NAMES = frozenset(role.value for role in Role)

# Set while `change_user_roles` changes memberships: it records them itself, with the actor.
_changing_in_service: ContextVar[bool] = ContextVar("changing_roles_in_service", default=False)


def may_change_roles(actor: User, user: AbstractBaseUser) -> bool:
    """Whether `actor` may change `user`'s roles: it may edit accounts, `user` is someone else,
    and a superuser's account is changed by superusers only."""
    return bool(
        actor.is_authenticated
        and actor.is_active
        and actor.has_perm("auth.change_user")  # type: ignore[attr-defined]  # AbstractBaseUser lacks it; the auth User has it
        and actor.pk != user.pk
        and (actor.is_superuser or not getattr(user, "is_superuser", False))  # type: ignore[attr-defined]  # AbstractBaseUser lacks it; the auth User has it
    )


def may_set_password(actor: User, user: AbstractBaseUser) -> bool:
    """Whether `actor` may set `user`'s password in the admin.

    Setting someone's password lets you sign in as them. An account manager may do that for
    accounts it could have made itself without anyone being told, but not for legal staff (a
    new legal staff member is announced; a password quietly reset on an existing one would not
    be) and not for superusers: only the person themselves, or a superuser, sets those.
    """
    if actor.pk == user.pk or getattr(actor, "is_superuser", False):
        return True
    return not getattr(user, "is_superuser", False) and role_of(user) != Role.LEGAL


@transaction.atomic
def change_user_roles(*, user: Any, groups: Iterable[Group], actor: Any) -> Any:
    """Give `user` exactly the role groups `groups`, as `actor`, recording each role granted or
    removed and announcing changes to the legal role after commit.

    Raises PermissionDenied when `actor` may not change `user`'s roles (`may_change_roles`) or
    a group is not one of the roles of cases/roles.py. Nothing changes when the groups are
    those `user` already has.
    """
    wanted = set(groups)
    others = sorted(group.name for group in wanted if group.name not in ROLE_NAMES)
    if others:
        raise PermissionDenied(f"Only roles are given to accounts, not {', '.join(others)}.")
    current = set(user.groups.all())
    if wanted == current:
        return user
    if not may_change_roles(actor, user):
        raise PermissionDenied("You may not change this account's roles.")
    token = _changing_in_service.set(True)
    try:
        user.groups.set(wanted)
    finally:
        _changing_in_service.reset(token)
    _record(
        [(user.pk, group.name, RoleChange.Change.GRANTED) for group in wanted - current]
        + [(user.pk, group.name, RoleChange.Change.REMOVED) for group in current - wanted],
        actor=actor,
    )
    return user


def _record(changes: Iterable[tuple[int, str, str]], *, actor: Any = None) -> list[RoleChange]:
    """Write one row per (user id, group name, change) for the role groups among them, and
    queue the announcement of each change to the legal role for after commit."""
    rows = []
    for user_id, name, change in changes:
        if name not in ROLE_NAMES:
            continue
        row = RoleChange.objects.create(user_id=user_id, role=name, change=change, actor=actor)
        rows.append(row)
        if name == Role.LEGAL.value:
            # Through the outbox, in this transaction: a broker that cannot be reached delays
            # the announcement, never the admin's save. Published by name: the task's module
            # imports this one.
            publish("cases.staff_account_tasks.announce_legal_role_change", row.pk)
    return rows


def legal_staff_addresses() -> list[str]:
    """The e-mail addresses of every active legal staff member, each once."""
    addresses = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.LEGAL.value)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(addresses)


def send_legal_role_notice(*, change: RoleChange) -> int:
    """E-mail every active legal staff member that `change` granted or removed the legal role.
    One message each, so no one sees the others' addresses. Returns how many were sent.

    The message names the two accounts, the change and the time, and nothing from any case.
    """
    recipients = legal_staff_addresses()
    if not recipients:
        return 0
    messages = []
    # Written once in each recipient's language.
    for language, addresses in languages_of_addresses(recipients).items():
        with translation.override(language):
            context = {
                "user": change.user.get_username(),
                "user_name": change.user.get_full_name(),
                "role": stored_role_label(change.role),
                "granted": change.change == RoleChange.Change.GRANTED,
                "actor": change.actor.get_username() if change.actor else "",
                "changed_at": timezone.localtime(change.changed_at),
                "url": f"{settings.SITE_URL}{reverse('admin:cases_rolechange_changelist')}",
            }
            subject = render_to_string("emails/legal_role_changed_subject.txt", context).strip()
            body = render_to_string("emails/legal_role_changed.txt", context)
        messages += [(subject, body, settings.DEFAULT_FROM_EMAIL, [a]) for a in addresses]
    return send_mass_mail(messages)



# --- Changes made outside `change_user_roles` ---------------------------------------------


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="cases.role_changes")
def record_role_changes_made_elsewhere(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Record (with no actor) role changes made straight on `user.groups` or `group.user_set`.

    Django reports additions after the fact with only the rows it inserted; removals it reports
    with the ids it was asked to remove, members or not, so the members among them are noted
    before the removal and recorded after it.
    """
    if _changing_in_service.get():
        return
    side = "group_id" if reverse else "user_id"
    other = "user_id" if reverse else "group_id"
    if action in ("pre_remove", "pre_clear"):
        links = sender.objects.filter(**{side: instance.pk})
        if action == "pre_remove":
            links = links.filter(**{f"{other}__in": pk_set or ()})
        instance._role_links_being_removed = list(links.values_list("user_id", "group__name"))
    elif action in ("post_remove", "post_clear"):
        links = instance.__dict__.pop("_role_links_being_removed", [])
        _record([(user_id, name, RoleChange.Change.REMOVED) for user_id, name in links])
    elif action == "post_add" and pk_set:
        if reverse:
            added = [(user_id, instance.name) for user_id in pk_set]
        else:
            names = Group.objects.filter(pk__in=pk_set).values_list("name", flat=True)
            added = [(instance.pk, name) for name in names]
        _record([(user_id, name, RoleChange.Change.GRANTED) for user_id, name in added])
