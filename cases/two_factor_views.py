"""The second sign-in step: the code page, enrolment and its QR code (cases/two_factor.py)."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases import passkeys, two_factor


class CodeForm(forms.Form):
    code = forms.CharField(max_length=32, strip=True)


def _next(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """A code from the app or a recovery code, after the password."""
    if two_factor.is_verified(request):
        return redirect(two_factor.safe_next(request, _next(request)))
    if not two_factor.has_confirmed_device(request.user):
        return redirect(f"{reverse('cases:enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if two_factor.is_locked_out(request):
            return two_factor.lockout_response(request)
        device = (
            two_factor.matching_device(user=request.user, token=form.cleaned_data["code"])
            if form.is_valid()
            else None
        )
        if device is not None:
            two_factor.sign_in_with_device(request, device)
            return redirect(two_factor.safe_next(request, _next(request)))
        two_factor.record_failed_code(request)
        if getattr(request, "axes_locked_out", False):
            return two_factor.lockout_response(request)
        error = _(
            "That code is not right, or was already used. Try the current code from your app."
        )
    return render(
        request,
        "registration/verify.html",
        {
            "form": form,
            "error": error,
            "next": _next(request),
            "has_passkey": passkeys.has_passkey(request.user),
        },
        status=400 if error else 200,
    )


@never_cache
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: add an authenticator app; then a passkey is offered, and the recovery
    codes are shown once."""
    if two_factor.has_confirmed_device(request.user):
        return redirect(two_factor.safe_next(request, _next(request)))
    if not two_factor.may_enrol(request.user):
        return render(
            request,
            "registration/enrolment_closed.html",
            {"hours": settings.SECOND_FACTOR_ENROLMENT_HOURS},
            status=403,
        )
    device = two_factor.pending_app_device(user=request.user)
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if two_factor.is_locked_out(request):
            return two_factor.lockout_response(request)
        enrolment = (
            two_factor.confirm_app_device(
                user=request.user,
                device=device,
                token=two_factor.normalise(form.cleaned_data["code"]),
                request=request,
            )
            if form.is_valid()
            else None
        )
        if enrolment is not None:
            two_factor.sign_in_with_device(request, enrolment.device)
            # A passkey is offered next, in the session the app code just verified; the
            # recovery codes come last (cases/passkey_views.py).
            two_factor.hold_recovery_codes(request, enrolment.recovery_codes)
            step = reverse("cases:enrol-passkey")
            return redirect(f"{step}?{urlencode({'next': _next(request)})}")
        two_factor.record_failed_code(request)
        if getattr(request, "axes_locked_out", False):
            return two_factor.lockout_response(request)
        error = _("That code is not right. Type the six digits your app shows now.")
    return render(
        request,
        "registration/enrol.html",
        {
            "form": form,
            "error": error,
            "next": _next(request),
            "secret": two_factor.secret_text(device),
        },
        status=400 if error else 200,
    )


@never_cache
@login_required
@require_GET
def enrol_qr_code(request: HttpRequest) -> HttpResponse:
    """The QR code of the device being enrolled, as SVG from our own origin (the CSP allows
    images from here only)."""
    if two_factor.has_confirmed_device(request.user) or not two_factor.may_enrol(request.user):
        return HttpResponse(status=404)
    device = two_factor.pending_app_device(user=request.user)
    return HttpResponse(two_factor.qr_code_svg(device), content_type="image/svg+xml")
