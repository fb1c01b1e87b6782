"""The second factor every staff account needs: an authenticator app (TOTP) and one-time
recovery codes, through django-otp.

A password alone opens nothing. `SecondFactorMiddleware` lets a signed-in account that has not
given a code this session reach only the sign-in steps: pages are sent to the code page
(`/staff/verify/`), or to enrolment (`/staff/enrol/`) when the account has no device yet, and
the API answers 403 in its error envelope. Requests the API authenticates by token carry no
session user and are left to the API's own checks.

A wrong code counts against the same django-axes lockout as a wrong password, per user name and
address, so the code page is no easier to guess at than the password form. Passkeys and
security keys are a third kind of device (cases/passkeys.py).
"""

import io
from base64 import b32encode
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accesslog.models import AccessKind
from accesslog.services import record_account_change
from cases.models import SecondFactorReset
from cases.staff_account_tasks import announce_second_factor_reset
from plumbing.api_errors import API_PREFIX, ErrorCode
from plumbing.outbox.services import publish

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

# What an account that gave its password but no code yet may reach: the sign-in steps, the
# public pages (which need no account) and the files every page loads.
OPEN_PATHS = (
    "/staff/login/",
    "/staff/logout/",
    "/staff/verify/",
    "/staff/enrol/",
    # Signing in with a passkey (cases/passkeys.py), and the translations its script loads;
    # adding a passkey is not among these.
    "/staff/webauthn/authentication/begin/",
    "/staff/webauthn/authentication/complete/",
    "/staff/webauthn/jsi18n/",
    # Resetting a forgotten password (cases/account_views.py): it signs nobody in.
    "/staff/password-reset/",
    "/staff/reset/",
    "/admin/login/",
    "/admin/logout/",
    "/report/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/readyz",
)


class SecondFactorError(Exception):
    """A second-factor change that is not allowed, with a sentence saying why."""


def needs_second_factor(user: Any) -> bool:
    """Every account that can sign in is a staff account, so every one needs a second factor."""
    return bool(user.is_authenticated)


def is_verified(request: HttpRequest) -> bool:
    user = request.user
    return bool(getattr(user, "is_verified", lambda: False)())


def has_confirmed_device(user: Any) -> bool:
    return user_has_device(user, confirmed=True)


# --- Enrolment -------------------------------------------------------------------------------


def enrolment_deadline(user: Any) -> Any:
    """Until when an account without a second factor may add one with its password alone:
    `SECOND_FACTOR_ENROLMENT_HOURS` after the account was made or its devices were last reset
    by an administrator. Past it, a password that leaked later cannot enrol a thief's app; an
    administrator's reset opens a new window."""
    last_reset = (
        SecondFactorReset.objects.filter(user=user).order_by("-reset_at").values("reset_at").first()
    )
    opened = max(user.date_joined, last_reset["reset_at"]) if last_reset else user.date_joined
    return opened + timedelta(hours=settings.SECOND_FACTOR_ENROLMENT_HOURS)


def may_enrol(user: Any) -> bool:
    return timezone.now() < enrolment_deadline(user)


def pending_app_device(*, user: Any) -> TOTPDevice:
    """The authenticator-app device being enrolled: made unconfirmed on first asking, kept (with
    its secret) until confirmed, so reloading the page does not change the QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as an app accepts it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> bytes:
    """The provisioning URI as an SVG QR code, drawn here: the secret never leaves the site."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


@transaction.atomic
def confirm_app_device(
    *, user: Any, device: TOTPDevice, token: str, request: HttpRequest | None = None
) -> Enrolment | None:
    """Confirm `device` with a code read from the app; on success make a new set of recovery
    codes (returned once, never shown again). None when the code is wrong. The access log
    records both changes, with the address of `request` where there is one."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_account_change(
        request=request, user=user, kind=AccessKind.SECOND_FACTOR_ADDED, object_id=device.pk
    )
    codes = replace_recovery_codes(user=user, request=request)
    return Enrolment(device=device, recovery_codes=codes)


@transaction.atomic
def replace_recovery_codes(*, user: Any, request: HttpRequest | None = None) -> list[str]:
    """A new set of one-time recovery codes for `user`, replacing any earlier set; returned
    once, never shown again."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    record_account_change(
        request=request, user=user, kind=AccessKind.RECOVERY_CODES_REPLACED, object_id=static.pk
    )
    return codes


@transaction.atomic
def demo_app_device(*, user: Any) -> TOTPDevice:
    """A demo account's one confirmed app device, made new (a new secret) each time: the demo
    users' command replaces everything about them. Development only, like that command."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the device's app shows now (for the demo command; sign-in never needs it)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# The recovery codes made when the app is confirmed wait here, in the server-side session, while
# the person is offered a passkey, so that they are the last thing enrolment shows; taking them
# removes them, so they are shown once.
_HELD_CODES_SESSION_KEY = "enrolment_recovery_codes"


def hold_recovery_codes(request: HttpRequest, codes: list[str]) -> None:
    request.session[_HELD_CODES_SESSION_KEY] = codes


def holds_recovery_codes(request: HttpRequest) -> bool:
    return bool(request.session.get(_HELD_CODES_SESSION_KEY))


def take_held_recovery_codes(request: HttpRequest) -> list[str]:
    return list(request.session.pop(_HELD_CODES_SESSION_KEY, []))


# --- Verification ----------------------------------------------------------------------------


def normalise(token: str) -> str:
    return "".join(token.split()).lower()


def matching_device(*, user: Any, token: str) -> Any:
    """The confirmed device that accepts `token` (an app code or an unused recovery code, which
    is used up by matching), or None."""
    token = normalise(token)
    if not token:
        return None
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
    return None


def record_failed_code(request: HttpRequest) -> None:
    """Count a wrong code as django-axes counts a wrong password: the same signal, so the same
    user-name-and-address lockout."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": request.user.get_username()},
        request=request,
    )


def is_locked_out(request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(
        request, credentials={"username": request.user.get_username()}
    )


def lockout_response(request: HttpRequest) -> HttpResponse:
    """The lockout page, the session ended: the password has to be given again afterwards."""
    credentials = {"username": request.user.get_username()}
    logout(request)
    return get_lockout_response(request, credentials=credentials)


def sign_in_with_device(request: HttpRequest, device: Any) -> None:
    otp_login(request, device)


# --- Reset by an administrator -----------------------------------------------------------------


@transaction.atomic
def reset_second_factor(*, user: Any, actor: Any, request: HttpRequest | None = None) -> Any:
    """Remove every device of `user`, so they enrol again at their next sign-in. Recorded
    (`SecondFactorReset`) and e-mailed to them after commit. Nobody resets their own: that
    would let a stolen password replace the owner's second factor."""
    if user.pk == actor.pk:
        raise SecondFactorError(
            gettext("You cannot reset your own second factor; ask another administrator.")
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    reset = SecondFactorReset.objects.create(user=user, actor=actor, reset_at=timezone.now())
    record_account_change(
        request=request, user=actor, kind=AccessKind.SECOND_FACTOR_RESET, object_id=user.pk
    )
    publish(announce_second_factor_reset, reset.pk)
    return reset


# --- Enforcement -------------------------------------------------------------------------------


def _is_open(path: str) -> bool:
    return path.startswith(OPEN_PATHS) or path == "/"


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: an account signed in with its password only reaches
    the sign-in steps until it gives a code."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_second_factor(user)
            and not is_verified(request)
            and not _is_open(request.path_info)
        ):
            return refusal(request)
        return self.get_response(request)


def refusal(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(
            {
                "code": ErrorCode.PERMISSION_DENIED.value,
                "detail": "Give your second-factor code at /staff/verify/ before using the API.",
            },
            status=403,
        )
    step = "cases:verify" if has_confirmed_device(request.user) else "cases:enrol"
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse(step)}?{query}")


def safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)
