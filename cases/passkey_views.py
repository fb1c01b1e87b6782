"""Passkey endpoints and pages (cases/passkeys.py): django-otp-webauthn's JSON endpoints with our
rules, the passkey step of enrolment, and the sign-in-methods page."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from cases import passkeys, two_factor

LOCKED_OUT_DETAIL = gettext_lazy(
    "Too many failed attempts: signing in to this account from here is paused. "
    "Try again later, or ask an administrator."
)


class _RegistrationNeedsVerifiedSession:
    """The library asks for a verified session only from accounts that already have a device;
    we ask it of every account (cases/passkeys.py)."""

    request: HttpRequest

    def check_can_register(self) -> None:
        if not passkeys.may_register_passkey(self.request):
            raise webauthn_errors.NotVerified(
                detail=_("Give your sign-in code first, then add a passkey.")
            )


class BeginRegistration(
    _RegistrationNeedsVerifiedSession, webauthn_views.BeginCredentialRegistrationView
):
    pass


class CompleteRegistration(
    _RegistrationNeedsVerifiedSession, webauthn_views.CompleteCredentialRegistrationView
):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        # The page the script goes to next says so.
        added = WebAuthnCredential.objects.get(pk=json.loads(response.content)["id"])
        messages.success(
            request, _("Added “%(name)s”: it signs you in from now on.") % {"name": added.name}
        )
        return response


class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):
    """Signing in with a passkey after the password: the session is marked verified as a right
    code marks it, and a failed attempt counts toward the django-axes lockout as a wrong code
    does."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if two_factor.is_locked_out(request):
            return _locked_out(request)
        try:
            return super().post(request, *args, **kwargs)
        except webauthn_errors.OTPWebAuthnApiError:
            two_factor.record_failed_code(request)
            if getattr(request, "axes_locked_out", False):
                return _locked_out(request)
            raise

    def complete_auth(self, device: WebAuthnCredential) -> None:
        two_factor.sign_in_with_device(self.request, device)

    def get_success_url(self) -> str:
        return two_factor.safe_next(self.request, self.request.GET.get("next"))


def _locked_out(request: HttpRequest) -> JsonResponse:
    # The session ends, so the password is asked for again. django-axes's middleware would put
    # its HTML lockout page in place of this answer, which the passkey script cannot show; the
    # script shows `detail` instead.
    logout(request)
    request.axes_locked_out = False  # type: ignore[attr-defined]
    return JsonResponse({"code": "locked_out", "detail": LOCKED_OUT_DETAIL}, status=429)


# --- Enrolment: the passkey step, then the recovery codes -------------------------------------


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@never_cache
@login_required
@require_GET
def enrol_passkey(request: HttpRequest) -> HttpResponse:
    """After the app is confirmed: offer a passkey, or "Not now"."""
    next_url = request.GET.get("next", "")
    if not passkeys.may_register_passkey(request):
        return redirect(_with_next(reverse("cases:verify"), next_url))
    if not two_factor.holds_recovery_codes(request):
        # Not in the middle of enrolment: passkeys are added on the sign-in-methods page.
        return redirect("cases:sign-in-methods")
    return render(
        request,
        "registration/enrol_passkey.html",
        {"continue_to": _with_next(reverse("cases:enrol-recovery-codes"), next_url)},
    )


@never_cache
@login_required
@require_GET
def enrol_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes made when the app was confirmed, shown once as enrolment's last step."""
    next_url = request.GET.get("next", "")
    if not two_factor.is_verified(request):
        return redirect(_with_next(reverse("cases:verify"), next_url))
    codes = two_factor.take_held_recovery_codes(request)
    if not codes:
        return redirect(two_factor.safe_next(request, next_url))
    return _recovery_codes_page(request, codes, two_factor.safe_next(request, next_url))


def _recovery_codes_page(request: HttpRequest, codes: list[str], continue_to: str) -> HttpResponse:
    response = render(
        request, "registration/recovery_codes.html", {"codes": codes, "continue_to": continue_to}
    )
    # Shown once: never from a cache or the browser history.
    response["Cache-Control"] = "no-store"
    return response


# --- The sign-in-methods page ------------------------------------------------------------------


def _refuse_unverified(request: HttpRequest) -> None:
    # SecondFactorMiddleware already sends such a session to the code page; this page changes
    # how the account signs in, so it checks again itself.
    if not two_factor.is_verified(request):
        raise PermissionDenied


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def sign_in_methods(request: HttpRequest) -> HttpResponse:
    _refuse_unverified(request)
    return _sign_in_methods_page(request)


def _sign_in_methods_page(
    request: HttpRequest, *, errors: list[tuple[str, str]] | None = None
) -> HttpResponse:
    return render(
        request,
        "registration/sign_in_methods.html",
        {"methods": passkeys.sign_in_methods(user=request.user), "errors": errors or []},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def remove_passkey(request: HttpRequest, credential_id: int) -> HttpResponse:
    _refuse_unverified(request)
    try:
        name = passkeys.remove_passkey(
            user=request.user, credential_id=credential_id, request=request
        )
    except WebAuthnCredential.DoesNotExist:
        raise Http404 from None
    except two_factor.SecondFactorError as error:
        return _sign_in_methods_page(request, errors=[(f"remove-{credential_id}", str(error))])
    messages.success(request, _("Removed “%(name)s”: it no longer signs you in.") % {"name": name})
    return redirect("cases:sign-in-methods")


@login_required
@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    _refuse_unverified(request)
    codes = two_factor.replace_recovery_codes(user=request.user, request=request)
    return _recovery_codes_page(request, codes, reverse("cases:sign-in-methods"))
