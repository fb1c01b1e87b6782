"""`Authorization: Token <key>` for the staff API, with django-rest-knox's hashed tokens.

Knox parses the header (its `AUTH_HEADER_PREFIX`, "Token") and answers 401 with
`WWW-Authenticate: Token`; this class checks the key. It differs from knox's own check in
three ways:

- an expired token is refused saying that it expired (knox deletes it and says "Invalid
  token", and the person would not know to make a new one); it stays on its owner's list,
  marked expired, until they revoke it;
- no query for the user's other tokens on every request (knox reads them to delete the
  expired ones);
- each use is recorded, at most once a minute (`services.record_api_token_use`).

Every refusal is an `AuthenticationFailed`, which the API answers as 401 `not_authenticated`
in its JSON envelope (plumbing/api_errors.py).
"""

from hmac import compare_digest
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from api_tokens.models import ApiToken
from api_tokens.services import record_api_token_use

WHERE_TO_MAKE_ONE = "/staff/account/tokens/"


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, ApiToken]:
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(self._unknown()) from None
        digest = hash_token(key)
        candidates = ApiToken.objects.filter(
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user")
        now = timezone.now()
        for candidate in candidates:
            if not compare_digest(digest, candidate.digest):
                continue
            if candidate.has_expired(now):
                raise exceptions.AuthenticationFailed(
                    _("This token expired at %(when)s. Make a new one at %(where)s.")
                    % {
                        "when": candidate.expiry.isoformat(timespec="minutes"),
                        "where": WHERE_TO_MAKE_ONE,
                    }
                )
            user, _token = self.validate_user(candidate)
            record_api_token_use(token=candidate, at=now)
            return user, candidate
        raise exceptions.AuthenticationFailed(self._unknown())

    @staticmethod
    def _unknown() -> str:
        return _(
            "This token is not valid: it was revoked, or never existed. Make a new one at "
            "%(where)s."
        ) % {"where": WHERE_TO_MAKE_ONE}
