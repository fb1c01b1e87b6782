"""My account, changing and resetting a password, and the account's signed-in sessions.

The views translate; the rules live in cases/passwords.py and cases/staff_sessions.py. The
reset pages need no account (and are open to a session that has not given its second factor
yet, cases/two_factor.py OPEN_PATHS); the others need a signed-in, verified account.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import passwords, staff_sessions
from cases.access import may_hold_api_token
from cases.account_forms import (
    StaffPasswordChangeForm,
    StaffPasswordResetForm,
    StaffSetPasswordForm,
)
from cases.roles import role_of
from plumbing.form_errors import error_summary


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    return render(
        request,
        "cases/account/account.html",
        {
            "role": role.value if role else "",
            "may_hold_api_token": may_hold_api_token(request.user),
        },
    )


class _ErrorSummaryMixin:
    """The error summary every staff form shows, and a 400 for a form sent back with errors."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        form = context.get("form")
        context["errors"] = error_summary([form]) if form is not None and form.is_bound else []
        return context

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 400
        return response


class PasswordChangeView(_ErrorSummaryMixin, auth_views.PasswordChangeView):
    form_class = StaffPasswordChangeForm
    template_name = "cases/account/password_change.html"
    success_url = reverse_lazy("cases:account")

    def form_valid(self, form: Any) -> HttpResponse:
        passwords.change_password(
            request=self.request, user=form.user, new_password=form.cleaned_data["new_password1"]
        )
        messages.success(
            self.request,
            "Your password is changed. Every other browser signed in to your account is "
            "signed out.",
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(_ErrorSummaryMixin, auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    template_name = "cases/account/password_reset.html"
    success_url = reverse_lazy("cases:password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        # A spent limit answers 429 with a page saying so, rather than the usual "check your
        # e-mail": that answer would leave someone who really forgot their password waiting
        # for a mail that never comes. It tells an attacker nothing about accounts, because
        # both limits count every request, for addresses that belong to nobody too.
        if not passwords.reset_rate_allows(request=self.request, email=email):
            return render(self.request, "cases/account/password_reset_limited.html", status=429)
        passwords.request_password_reset(email=email)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "cases/account/password_reset_done.html"


class PasswordResetConfirmView(_ErrorSummaryMixin, auth_views.PasswordResetConfirmView):
    form_class = StaffSetPasswordForm
    template_name = "cases/account/password_reset_confirm.html"
    success_url = reverse_lazy("cases:password-reset-complete")
    # Never signed in by the link: the new password is followed by the second factor.
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        passwords.complete_password_reset(
            request=self.request, user=form.user, new_password=form.cleaned_data["new_password1"]
        )
        # Gone already when the reset ended the session this browser held for the account.
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "cases/account/password_reset_complete.html"


# --- Sessions ----------------------------------------------------------------------------------


@login_required
@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    entries = staff_sessions.active_sessions(user=request.user, request=request)
    return render(
        request,
        "cases/account/sessions.html",
        {
            "entries": entries,
            "others": [entry for entry in entries if not entry.is_current],
        },
    )


@login_required
@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        staff_sessions.end_session(user=request.user, session_id=session_id, request=request)
    except staff_sessions.StaffSessionError as error:
        raise Http404(str(error)) from None
    messages.success(request, "That session is ended: the browser that held it is signed out.")
    return redirect("cases:sessions")


@login_required
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    ended = staff_sessions.end_other_sessions(user=request.user, request=request)
    if ended:
        messages.success(request, "Every other session is ended. Only this browser is signed in.")
    else:
        messages.info(request, "No other browser was signed in.")
    return redirect("cases:sessions")
