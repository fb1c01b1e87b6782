"""Writing and expiring the access log.

Each recording is one INSERT and reads nothing: the user and the case come from the request and
the object the view already holds, the role from `role_of`, which the pages have already asked
(it is kept on the user object), and the address from the request's headers.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.request import Request

from accesslog.models import AccessKind, AccessLogEntry
from cases.roles import role_of
from intake.ratelimit import client_ip
from plumbing.audit.starts import expire_chain_heads

_USERNAME_LENGTH = AccessLogEntry._meta.get_field("username").max_length
_PATH_LENGTH = AccessLogEntry._meta.get_field("path").max_length


# A DRF request, not the Django one it wraps: only it knows a user signed in with a token.
AnyRequest = HttpRequest | Request


def _address(request: AnyRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def _path(request: AnyRequest | None) -> str:
    return (getattr(request, "path", "") or "")[:_PATH_LENGTH]


def record_access(
    *,
    request: AnyRequest,
    kind: AccessKind,
    object_id: str | int = "",
    case_reference: str = "",
) -> AccessLogEntry:
    """Record that the signed-in user of `request` read something: a case (`object_id` its
    reference), its history, a document or an evidence file (`object_id` its id), with the
    case's reference where there is one."""
    return _record(
        request=request,
        user=request.user,
        kind=kind,
        object_id=object_id,
        case_reference=case_reference,
    )


def record_sign_in(*, request: HttpRequest | None, user: Any) -> AccessLogEntry:
    return _record(request=request, user=user, kind=AccessKind.SIGN_IN)


def record_refused_sign_in(
    *, request: HttpRequest | None, username: str, kind: AccessKind
) -> AccessLogEntry:
    """A failed sign-in or a lockout: the name typed, never the password; no user, since the
    name may belong to nobody."""
    return AccessLogEntry.objects.create(
        kind=kind,
        username=(username or "")[:_USERNAME_LENGTH],
        address=_address(request),
        path=_path(request),
    )


def record_account_change(
    *, request: AnyRequest | None, user: Any, kind: AccessKind, object_id: str | int = ""
) -> AccessLogEntry:
    """Record that `user` changed a way into an account (a second factor, recovery codes, an
    API token, a password, a session): `request` gives the address and path, and is None
    outside a request (a shell, a task), where the row has neither."""
    return _record(request=request, user=user, kind=kind, object_id=object_id)


def _record(
    *,
    request: AnyRequest | None,
    user: Any,
    kind: AccessKind,
    object_id: str | int = "",
    case_reference: str = "",
) -> AccessLogEntry:
    """One row naming `user` with the role they hold now."""
    role = role_of(user)
    return AccessLogEntry.objects.create(
        kind=kind,
        user=user,
        username=user.get_username()[:_USERNAME_LENGTH],
        role=role.value if role else "",
        object_id=str(object_id),
        case_reference=case_reference,
        address=_address(request),
        path=_path(request),
    )


def expire_access_log(*, now: Any = None) -> int:
    """Delete the rows older than ACCESS_LOG_RETENTION_DAYS, and any earlier row of their
    chains (plumbing/audit); returns how many went. Where each chain now starts is recorded, so
    the audit check takes the rest of the chain as whole."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    return expire_chain_heads(AccessLogEntry.objects.filter(at__lt=cutoff))
