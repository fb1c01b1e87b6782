"""Staff passwords: changing one while signed in, and resetting a forgotten one by e-mail.

- `change_password` keeps the browser that changed it signed in (and its second factor given),
  ends every other session of the account, and records and announces the change.
- A reset asks for an e-mail address and answers the same whether or not an account has it:
  `request_password_reset` always writes one outbox message, and the worker decides whom to
  write to (`send_password_reset_mails`), so neither the page nor its timing tells an address
  that belongs to someone from one that does not. Only active accounts with a usable password
  get a link; a link works once (Django's token changes with the password) and for
  PASSWORD_RESET_TIMEOUT seconds.
- `complete_password_reset` ends every session of the account, so whoever held the old password
  is out, and does not sign anyone in: the new password is followed by the second-factor code
  like any other sign-in.

Every change leaves an access-log row and an e-mail to the account saying when and from which
address, so a change nobody expected is noticed. The mails say nothing about any case.
"""

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accesslog.models import AccessKind, AccessLogEntry
from accesslog.services import record_account_change
from cases import staff_sessions
from cases.staff_language import mail_language
from intake import ratelimit
from plumbing.outbox.services import publish


@transaction.atomic
def change_password(*, request: HttpRequest, user: Any, new_password: str) -> Any:
    """Set `user`'s password to `new_password` (already checked by the form: the old password
    and the validators), end every other session of theirs, keep this one signed in and
    verified, record it and e-mail them after commit."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    staff_sessions.end_other_sessions(user=user, request=request)
    old_key = request.session.session_key
    # A new key for this session, and the new password's hash in it, so Django's own check
    # keeps it signed in; the session's data (its second factor) comes along.
    update_session_auth_hash(request, user)
    staff_sessions.follow_new_key(old_key=old_key, request=request)
    entry = record_account_change(request=request, user=user, kind=AccessKind.PASSWORD_CHANGED)
    _announce(entry)
    return user


@transaction.atomic
def complete_password_reset(*, request: HttpRequest, user: Any, new_password: str) -> Any:
    """Set the password a reset link led to, end every session of the account (the one
    `request` holds too, if it is the account's), record it and e-mail them after commit."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    staff_sessions.end_all_sessions(user=user, request=request)
    entry = record_account_change(request=request, user=user, kind=AccessKind.PASSWORD_RESET)
    _announce(entry)
    return user


@transaction.atomic
def record_password_set_by_administrator(
    *, request: HttpRequest, user: Any, actor: Any
) -> AccessLogEntry:
    """After an administrator set `user`'s password in the admin (the admin's form saved it):
    end the account's sessions (the administrator's own browser stays signed in when it is
    their own account), record it as the administrator's act and e-mail the account."""
    if user.pk == actor.pk:
        staff_sessions.end_other_sessions(user=user, request=request)
    else:
        staff_sessions.end_all_sessions(user=user)
    entry = record_account_change(
        request=request, user=actor, kind=AccessKind.PASSWORD_SET, object_id=user.pk
    )
    _announce(entry)
    return entry


# The tasks are published by name: their module imports this one.
CHANGE_NOTICE_TASK = "cases.password_tasks.announce_password_change"
RESET_MAIL_TASK = "cases.password_tasks.send_password_reset_mails"


def _announce(entry: AccessLogEntry) -> None:
    # The task reads the time and address from the access-log row: the outbox holds ids only.
    publish(CHANGE_NOTICE_TASK, entry.pk)


# --- Asking for a reset ------------------------------------------------------------------------


def reset_rate_allows(*, request: HttpRequest, email: str) -> bool:
    """Count one reset request against both limits: the client's address, and the address
    typed in (as a digest: the cache never holds it). False once either is spent.

    Both are counted for every request, whether or not an account has the address, so reaching
    a limit says nothing about which addresses belong to someone."""
    by_address = ratelimit.hit(
        "staff-password-reset",
        request,
        ratelimit.parse_rate(settings.STAFF_PASSWORD_RESET_RATE),
    )
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    by_email = ratelimit.hit_identity(
        "staff-password-reset-email",
        digest,
        ratelimit.parse_rate(settings.STAFF_PASSWORD_RESET_EMAIL_RATE),
    )
    return by_address and by_email


def request_password_reset(*, email: str) -> None:
    """Queue reset mails for the accounts that `email` belongs to, if any.

    The accounts are looked up here (one query either way) and their ids go in one outbox
    message, an empty list when there are none: the same writes for an address that belongs to
    nobody, and the mail is rendered and sent by the worker, not in the request."""
    user_ids = [user.pk for user in PasswordResetForm().get_users(email)]
    publish(RESET_MAIL_TASK, user_ids)


def resettable_users(user_ids: list[int]) -> list[Any]:
    """The accounts among `user_ids` that may still get a link when the worker runs: active,
    with a usable password and an e-mail address."""
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    return [user for user in users if user.has_usable_password()]


def send_password_reset_mail(*, user: Any) -> None:
    """E-mail `user` a link that sets a new password, once, within PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "cases:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with translation.override(mail_language(user)):
        context = {
            "user": user.get_username(),
            "url": f"{settings.SITE_URL}{path}",
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }
        subject = render_to_string("emails/password_reset_subject.txt", context).strip()
        body = render_to_string("emails/password_reset.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def send_password_change_notice(*, entry: AccessLogEntry) -> bool:
    """E-mail the account of `entry` (a password change or reset) that its password changed:
    when, from which address, and what to do if it was not them. False when there is nobody to
    write to."""
    set_by_administrator = entry.kind == AccessKind.PASSWORD_SET
    user = (
        get_user_model().objects.filter(pk=entry.object_id).first()
        if set_by_administrator
        else entry.user
    )
    if user is None or not user.email:
        return False
    with translation.override(mail_language(user)):
        context = {
            "user": user.get_username(),
            "reset": entry.kind == AccessKind.PASSWORD_RESET,
            "administrator": entry.username if set_by_administrator else "",
            "changed_at": timezone.localtime(entry.at),
            "address": entry.address or translation.gettext("an unknown address"),
            "url": f"{settings.SITE_URL}{reverse('cases:password-reset')}",
        }
        subject = render_to_string("emails/password_changed_subject.txt", context).strip()
        body = render_to_string("emails/password_changed.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
