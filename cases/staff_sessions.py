"""The signed-in sessions of a staff account: what "Your sessions" lists, and ending them.

A `StaffSession` row is written when someone signs in (`user_logged_in`) and deleted when they
sign out (`user_logged_out`) or the session is ended here. Ending a session deletes it from the
session store, so the browser that held it is signed out at its next request, whatever it was
doing; Django's own check of the password hash would only catch a session after a password
change. Each ended session leaves a `SESSION_ENDED` row in the access log.

Nothing here runs on ordinary requests: the pages' query counts stay as they were. The list
reads the sessions' rows in the session table once, to leave out those that expired and to tell
when each was last used: the table's expiry date is the last save plus SESSION_COOKIE_AGE, and
a request saves the session unless it was saved less than SESSION_REFRESH_INTERVAL before
(plumbing/sessions.py), so "last used" is accurate to within that interval.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from accesslog.models import AccessKind
from accesslog.services import record_account_change
from cases.models import StaffSession
from intake.ratelimit import client_ip

_USER_AGENT_LENGTH = StaffSession._meta.get_field("user_agent").max_length


class StaffSessionError(Exception):
    """A session that is not the asker's to end (or no longer exists): the same answer for
    both, so an id never tells whether someone else's session exists."""


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def _session_key(request: HttpRequest | None) -> str | None:
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None)


# --- Signing in and out ------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="cases.staff_session_signed_in")
def record_signed_in_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """One row for the session this sign-in started or renewed. Signing in from an anonymous
    session gives it a new key; signing in again as the same account in the same browser keeps
    the key (Django's `login`), so that row is brought up to date instead."""
    key = _session_key(request)
    if key is None:
        return
    StaffSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "signed_in_at": timezone.now(),
            "address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:_USER_AGENT_LENGTH],
        },
    )


@receiver(user_logged_out, dispatch_uid="cases.staff_session_signed_out")
def forget_signed_out_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    key = _session_key(request)
    if key is not None:
        StaffSession.objects.filter(session_key=key).delete()


def follow_new_key(*, old_key: str | None, request: HttpRequest) -> None:
    """Keep the row of a session whose key Django changed (a password change cycles it)."""
    new_key = _session_key(request)
    if old_key and new_key and old_key != new_key:
        StaffSession.objects.filter(session_key=old_key).update(session_key=new_key)


# --- Listing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionEntry:
    session: StaffSession
    browser: str
    last_active: datetime | None
    is_current: bool


def active_sessions(*, user: Any, request: HttpRequest) -> list[SessionEntry]:
    """The signed-in sessions of `user` that have not expired, this browser's first. Rows of
    sessions that expired or were cleared from the store are deleted on the way. When each was
    last active is its last save (expiry minus SESSION_COOKIE_AGE): the last request, or up to
    SESSION_REFRESH_INTERVAL before it."""
    rows = list(StaffSession.objects.filter(user=user))
    if not rows:
        return []
    model = _session_store().get_model_class()
    expiries = dict(
        model.objects.filter(
            session_key__in=[row.session_key for row in rows], expire_date__gt=timezone.now()
        ).values_list("session_key", "expire_date")
    )
    gone = [row.pk for row in rows if row.session_key not in expiries]
    if gone:
        StaffSession.objects.filter(pk__in=gone).delete()
    current = _session_key(request)
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    entries = [
        SessionEntry(
            session=row,
            browser=describe_user_agent(row.user_agent),
            last_active=expiries[row.session_key] - age,
            is_current=row.session_key == current,
        )
        for row in rows
        if row.session_key in expiries
    ]
    entries.sort(key=lambda entry: not entry.is_current)
    return entries


def forget_ended_sessions() -> int:
    """Delete the rows of sessions that expired or left the session store without a sign-out
    (a closed browser); the list leaves them out already. Daily, from Celery beat."""
    live = _session_store().get_model_class().objects.filter(expire_date__gt=timezone.now())
    deleted, _ = StaffSession.objects.exclude(session_key__in=live.values("session_key")).delete()
    return deleted


# --- Ending ------------------------------------------------------------------------------------


def _end(rows: list[StaffSession], *, request: HttpRequest | None, user: Any) -> int:
    store = _session_store()
    for row in rows:
        store(session_key=row.session_key).delete()
        record_account_change(
            request=request, user=user, kind=AccessKind.SESSION_ENDED, object_id=row.pk
        )
    StaffSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


@transaction.atomic
def end_session(*, user: Any, session_id: int, request: HttpRequest) -> StaffSession:
    """End one other session of `user`, by its row's id. Raises StaffSessionError for a row
    that is not `user`'s, or is the asking browser's own (that one signs out instead)."""
    row = StaffSession.objects.filter(pk=session_id, user=user).first()
    if row is None or row.session_key == _session_key(request):
        raise StaffSessionError("There is no such session of yours to end.")
    _end([row], request=request, user=user)
    return row


@transaction.atomic
def end_other_sessions(*, user: Any, request: HttpRequest) -> int:
    """End every session of `user` except the asking browser's; returns how many ended."""
    rows = list(StaffSession.objects.filter(user=user).exclude(session_key=_session_key(request)))
    return _end(rows, request=request, user=user)


@transaction.atomic
def end_all_sessions(*, user: Any, request: HttpRequest | None = None) -> int:
    """End every session of `user` (after a password reset), including one that `request`
    holds, which is signed out properly so its response does not save a deleted session."""
    ended = 0
    holder = getattr(request, "user", None)
    if (
        request is not None
        and holder is not None
        and holder.is_authenticated
        and holder.pk == user.pk
    ):
        row = StaffSession.objects.filter(session_key=_session_key(request)).first()
        if row is not None:
            record_account_change(
                request=request, user=user, kind=AccessKind.SESSION_ENDED, object_id=row.pk
            )
            ended += 1
        logout(request)
    rows = list(StaffSession.objects.filter(user=user))
    return ended + _end(rows, request=request, user=user)


# --- What the list shows -------------------------------------------------------------------------

# Checked in order: Edge and Opera say "Chrome" too, and Chrome says "Safari".
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(?:OPR|Opera)/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(?:HeadlessChrome|Chrome|Chromium|CriOS)/")),
    ("Safari", re.compile(r"\bSafari/")),
)
_SYSTEMS = (
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def describe_user_agent(user_agent: str) -> str:
    """A short, readable summary of a User-Agent header: "Firefox on Windows". Only the browser
    family and the system: versions would make the list harder to read and tell nobody which
    session is which."""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return gettext("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser or system:
        return browser or gettext("A browser on %(system)s") % {"system": system}
    return gettext("Unknown browser") if not user_agent.strip() else gettext("Another program")
