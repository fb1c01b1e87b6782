"""Making, revoking and using API tokens: the only writes to `ApiToken`.

A key is shown once, when it is made: only its digest is stored, so nobody (its owner, an
operator, a database dump) can read it again. Tokens expire after `API_TOKEN_TTL_DAYS`.
Making and revoking leave an `ApiTokenEvent`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accesslog.models import AccessKind
from accesslog.services import AnyRequest, record_account_change
from api_tokens.models import NAME_MAX_LENGTH, ApiToken, ApiTokenEvent
from cases.access import may_hold_api_token

# More would be a sign of keys made and forgotten; each one is a way in.
MAX_ACTIVE_TOKENS_PER_USER = 10
# How stale `last_used_at` may be: "last used" is read in minutes, and writing it on every
# request would turn every API read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


class ErrorCode(models.TextChoices):
    NAME_REQUIRED = "name_required", "Give the token a name."
    NAME_TOO_LONG = "name_too_long", f"Use at most {NAME_MAX_LENGTH} characters."
    TOO_MANY_TOKENS = "too_many_tokens", "Revoke a token you no longer use first."
    NOT_FOUND = "not_found", "No token of yours has this id."
    ALREADY_MADE = "already_made", "This form has already made its token."


class ApiTokenError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IssuedApiToken:
    token: ApiToken
    # The key itself: give it to the person now; it cannot be read again.
    key: str


def token_ttl() -> timedelta:
    return timedelta(days=settings.API_TOKEN_TTL_DAYS)


@transaction.atomic
def create_api_token(
    *, user: Any, name: str, form_key: str = "", request: AnyRequest | None = None
) -> IssuedApiToken:
    """Make a token for `user`, named `name`, expiring after `API_TOKEN_TTL_DAYS`.

    Raises PermissionDenied when `user` may not hold API tokens (only roles that work on cases
    call the staff API), and ApiTokenError for a blank or over-long name or when the user
    already holds MAX_ACTIVE_TOKENS_PER_USER tokens that have not expired. A `form_key`
    (the one-time key of the page's form) makes one token at most: the same key again raises
    ApiTokenError `already_made`, since the key of the first cannot be shown again. The access
    log records the making, with the address of `request` where there is one.
    """
    if not may_hold_api_token(user):
        raise PermissionDenied("Only police liaisons and legal staff may hold API tokens.")
    name = name.strip()
    if not name:
        raise ApiTokenError(ErrorCode.NAME_REQUIRED, _("Give the token a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise ApiTokenError(
            ErrorCode.NAME_TOO_LONG,
            _("Use at most %(limit)d characters for the name (it has %(length)d).")
            % {"limit": NAME_MAX_LENGTH, "length": len(name)},
        )
    # One maker at a time per person, so two requests at once cannot both pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    form_key = form_key[: ApiToken._meta.get_field("form_key").max_length]
    if form_key and ApiToken.objects.filter(user=user, form_key=form_key).exists():
        raise ApiTokenError(
            ErrorCode.ALREADY_MADE,
            _(
                "This form already made its token, and its key was shown once. If you did not "
                "copy it, revoke that token and make a new one."
            ),
        )
    now = timezone.now()
    active = ApiToken.objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gt=now))
    if active.count() >= MAX_ACTIVE_TOKENS_PER_USER:
        raise ApiTokenError(
            ErrorCode.TOO_MANY_TOKENS,
            _("You already have %(limit)d tokens. Revoke one you no longer use first.")
            % {"limit": MAX_ACTIVE_TOKENS_PER_USER},
        )
    token, key = ApiToken.objects.create(
        user=user, expiry=token_ttl(), name=name, form_key=form_key
    )
    ApiTokenEvent.objects.create(
        user=user,
        actor=user,
        token_id=token.pk,
        token_name=token.name,
        kind=ApiTokenEvent.Kind.CREATED,
        at=token.created,
        expires_at=token.expiry,
    )
    record_account_change(
        request=request, user=user, kind=AccessKind.API_TOKEN_CREATED, object_id=token.pk
    )
    return IssuedApiToken(token=token, key=key)


@transaction.atomic
def revoke_api_token(*, user: Any, token_id: int, request: AnyRequest | None = None) -> ApiToken:
    """Revoke one of `user`'s own tokens: from now on it authenticates nobody.

    A token of someone else answers exactly like one that does not exist (ApiTokenError
    `not_found`), so ids never tell whose tokens exist. An expired token may be revoked too,
    which takes it off the list.
    """
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        raise ApiTokenError(ErrorCode.NOT_FOUND, "You have no token with this id.")
    ApiTokenEvent.objects.create(
        user=user,
        actor=user,
        token_id=token.pk,
        token_name=token.name,
        kind=ApiTokenEvent.Kind.REVOKED,
        expires_at=token.expiry,
    )
    record_account_change(
        request=request, user=user, kind=AccessKind.API_TOKEN_REVOKED, object_id=token.pk
    )
    token.delete()
    return token


def record_api_token_use(*, token: ApiToken, at: datetime) -> None:
    """Note that `token` was used at `at`, at most once per LAST_USED_PRECISION.

    A conditional UPDATE, not a read and a save: requests with the same token at once write at
    most one of them, and none while the value is recent.
    """
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_PRECISION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=at - LAST_USED_PRECISION)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=at)
    token.last_used_at = at


def api_tokens_of(*, user: Any) -> models.QuerySet[ApiToken]:
    """`user`'s tokens, newest first, expired ones included until they are revoked."""
    return ApiToken.objects.filter(user=user).order_by("-created", "-pk")
