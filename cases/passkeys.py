"""Passkeys and security keys (WebAuthn) as a second factor, through django-otp-webauthn.

A passkey stands in for the code after the password, never for the password: passwordless
sign-in is off (OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN), so the library's sign-in endpoints
answer only an account that has given its password, and accept only that account's passkeys.

Adding a passkey needs a session that has already given a second factor. Otherwise a stolen
password would be enough to add the thief's own passkey and sign in with it from then on. A new
account adds its authenticator app first (which verifies the session), and is offered a passkey
after that.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from accesslog.models import AccessKind
from accesslog.services import record_account_change
from cases.two_factor import SecondFactorError, is_verified

PASSKEY_NAME = "Passkey {number}"


def may_register_passkey(request: HttpRequest) -> bool:
    """Only a session that gave a second factor (an app code, a recovery code or a passkey)
    may add a passkey; an account with no second factor yet adds its app first."""
    return bool(request.user.is_authenticated and is_verified(request))


def has_passkey(user: Any) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def passkeys_of(*, user: Any) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user).order_by("created_at", "pk"))


@dataclass(frozen=True)
class SignInMethods:
    app: TOTPDevice | None
    passkeys: list[WebAuthnCredential]
    recovery_codes_left: int


def sign_in_methods(*, user: Any) -> SignInMethods:
    """What the account signs in with after its password, for the sign-in-methods page."""
    return SignInMethods(
        app=TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first(),
        passkeys=passkeys_of(user=user),
        recovery_codes_left=StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    )


def _next_name(user: Any) -> str:
    taken = set(WebAuthnCredential.objects.filter(user=user).values_list("name", flat=True))
    number = 1
    while PASSKEY_NAME.format(number=number) in taken:
        number += 1
    return PASSKEY_NAME.format(number=number)


@transaction.atomic
def remove_passkey(*, user: Any, credential_id: int, request: HttpRequest | None = None) -> str:
    """Remove one of `user`'s passkeys and record it; returns its name. Raises
    WebAuthnCredential.DoesNotExist for an id that is not one of theirs, and SecondFactorError
    when it is their last passkey and they have no authenticator app: recovery codes alone
    would be all that is left."""
    # Locked, so two removals at once cannot both see the other passkey as the one left.
    passkeys = list(WebAuthnCredential.objects.select_for_update().filter(user=user))
    credential = next((p for p in passkeys if p.pk == credential_id), None)
    if credential is None:
        raise WebAuthnCredential.DoesNotExist
    others = [p for p in passkeys if p.pk != credential_id and p.confirmed]
    if not others and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise SecondFactorError(
            gettext(
                "“%(name)s” is how you sign in, with no authenticator app: add another passkey "
                "before removing this one."
            )
            % {"name": credential.name}
        )
    name = credential.name
    credential.delete()
    record_account_change(
        request=request, user=user, kind=AccessKind.SECOND_FACTOR_REMOVED, object_id=credential_id
    )
    return name


class PasskeyHelper(WebAuthnHelper):
    """The library's WebAuthn helper (OTP_WEBAUTHN_HELPER_CLASS), with our names for passkeys
    and an access-log row for each one added, written in the same transaction."""

    def create_credential(self, user: Any, *args: Any, **kwargs: Any) -> WebAuthnCredential:
        credential = super().create_credential(user, *args, **kwargs)
        credential.name = _next_name(user)
        return credential

    def register_complete(self, user: Any, state: dict, data: dict) -> WebAuthnCredential:
        with transaction.atomic():
            credential = super().register_complete(user=user, state=state, data=data)
            record_account_change(
                request=self.request,
                user=user,
                kind=AccessKind.SECOND_FACTOR_ADDED,
                object_id=credential.pk,
            )
        return credential


@checks.register(checks.Tags.security, deploy=True)
def check_passkey_origins(**kwargs: Any) -> list[checks.CheckMessage]:
    """Passkeys made against the development defaults work on no real site."""
    origins = settings.OTP_WEBAUTHN_ALLOWED_ORIGINS
    if settings.OTP_WEBAUTHN_RP_ID != "localhost" and all(
        origin.startswith("https://") for origin in origins
    ):
        return []
    return [
        checks.Warning(
            "OTP_WEBAUTHN_RP_ID is localhost or OTP_WEBAUTHN_ALLOWED_ORIGINS names an origin "
            "without https://: passkeys cannot be added or used on this site.",
            hint="Set both to the site's domain and its https:// origins "
            '(docs/deployment.md, "Passkeys").',
            id="cases.W001",
        )
    ]
