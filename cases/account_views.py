"""My account and its language, changing and resetting a password, and the account's
signed-in sessions.

The views translate; the rules live in cases/passwords.py, cases/staff_sessions.py and
cases/staff_language.py. The reset pages need no account (and are open to a session that has
not given its second factor yet, cases/two_factor.py OPEN_PATHS); the others need a signed-in,
verified account.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import passwords, staff_sessions
from cases.access import may_hold_api_token
from cases.account_forms import (
    LanguageForm,
    StaffPasswordChangeForm,
    StaffPasswordResetForm,
    StaffSetPasswordForm,
)
from cases.people import ROLE_LABELS
from cases.roles import role_of
from cases.staff_language import set_staff_language
from plumbing.form_errors import error_summary


def _account_page(request: HttpRequest, form: LanguageForm, *, status: int = 200) -> HttpResponse:
    role = role_of(request.user)
    return render(
        request,
        "cases/account/account.html",
        {
            "role": str(ROLE_LABELS[role]) if role else "",
            "may_hold_api_token": may_hold_api_token(request.user),
            "language_form": form,
            "errors": error_summary([form]) if form.is_bound else [],
        },
        status=status,
    )


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    # The language the pages speak now: the setting's, copied into the session at sign-in, or
    # the browser's for an account without one.
    return _account_page(request, LanguageForm(initial={"language": get_language()}))


@login_required
@require_POST
def account_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form, status=400)
    set_staff_language(request=request, user=request.user, language=form.cleaned_data["language"])
    # In the language just chosen: set_staff_language switched this request to it.
    messages.success(request, _("Your language is saved. The staff pages and your e-mail use it."))
    return redirect("cases:account")


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
            _(
                "Your password is changed. Every other browser signed in to your account is "
                "signed out."
            ),
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
    messages.success(request, _("That session is ended: the browser that held it is signed out."))
    return redirect("cases:sessions")


@login_required
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    ended = staff_sessions.end_other_sessions(user=request.user, request=request)
    if ended:
        messages.success(
            request, _("Every other session is ended. Only this browser is signed in.")
        )
    else:
        messages.info(request, _("No other browser was signed in."))
    return redirect("cases:sessions")
