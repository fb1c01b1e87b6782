"""The page where staff make, see and revoke their own API tokens.

Only the roles that may hold a token see it (403 otherwise). A new key appears once, in the
answer to the form that made it, never stored anywhere it could be shown again (not in the
session, not in a message): that answer is not cached, and the list shows names and dates only.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api_tokens.forms import ApiTokenForm
from api_tokens.services import (
    ApiTokenError,
    IssuedApiToken,
    api_tokens_of,
    create_api_token,
    revoke_api_token,
)
from api_tokens.services import ErrorCode as ApiTokenErrorCode
from cases.access import may_create_api_token, may_hold_api_token
from plumbing.form_errors import error_summary


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if not may_hold_api_token(request.user):
        raise PermissionDenied
    may_create = may_create_api_token(request.user, request)
    form = ApiTokenForm()
    issued: IssuedApiToken | None = None
    status = 200
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                issued = create_api_token(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    form_key=form.cleaned_data["form_key"],
                    request=request,
                )
            except ApiTokenError as error:
                if error.code == ApiTokenErrorCode.ALREADY_MADE:
                    form = ApiTokenForm()
                    messages.warning(request, error.message)
                else:
                    form.add_error("name", error.message)
            else:
                form = ApiTokenForm()
        if form.errors:
            status = 400
    response = render(
        request,
        "api_tokens/tokens.html",
        {
            "form": form,
            "errors": error_summary([form]),
            "issued": issued,
            "may_create": may_create,
            "tokens": list(api_tokens_of(user=request.user)),
            "ttl_days": settings.API_TOKEN_TTL_DAYS,
        },
        status=status,
    )
    # The answer that shows a new key must never come back from a cache or the browser history.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = revoke_api_token(user=request.user, token_id=token_id, request=request)
    except ApiTokenError as error:
        raise Http404(error.message) from None
    messages.success(
        request, _("Revoked “%(name)s”: it no longer opens the API.") % {"name": token.name}
    )
    return redirect("api_tokens:tokens")
