"""The language of the pages, kept in the session and nowhere else.

Django's own switcher (`set_language`) keeps the choice in a cookie of its own; the report form
promises to leave nothing in the browser but the session cookie, which ends when the browser
closes. So the choice lives in the session, and each request speaks the session's language,
else the first of the browser's (Accept-Language) we have, else English.

The switcher in the page header posts to `switch_language` from any page; on the steps of the
report form it posts the step's own form instead, so what was typed there is kept
(intake/views.py).
"""

from typing import TypeGuard

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

SESSION_KEY = "language"


def is_available(code: object) -> TypeGuard[str]:
    return isinstance(code, str) and code in dict(settings.LANGUAGES)


def _from_browser(request: HttpRequest) -> str:
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def language_for(request: HttpRequest) -> str:
    """The session's language if one was chosen, else the browser's. A language cookie, even
    one set by an earlier version of the site, is never read."""
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else None
    return chosen if is_available(chosen) else _from_browser(request)


def choose_language(request: HttpRequest, code: str) -> None:
    """Keep `code` (checked by the caller) as this session's language, from this request on."""
    request.session[SESSION_KEY] = code
    translation.activate(code)
    request.LANGUAGE_CODE = code


class SessionLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware reading the session's language first (see the module's docstring). Its
    response half is kept: Content-Language, and Vary: Accept-Language."""

    def process_request(self, request: HttpRequest) -> None:
        # The browser's language first: reading the session needs its store, and when that is
        # down the page that says so must still be in a language the person reads.
        translation.activate(_from_browser(request))
        request.LANGUAGE_CODE = translation.get_language()
        translation.activate(language_for(request))
        request.LANGUAGE_CODE = translation.get_language()


def safe_next(request: HttpRequest, target: object) -> str:
    """`target` if it is an address on this site, else the start of the report form: the
    switcher sends people back where they were, never to another site."""
    if isinstance(target, str) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("intake:start")


@never_cache
@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """The header's language switcher on pages other than the form's steps."""
    code = request.POST.get("language")
    if not is_available(code):
        return render(
            request,
            "intake/refused.html",
            {"message": _("This language is not available.")},
            status=400,
        )
    choose_language(request, str(code))
    return redirect(safe_next(request, request.POST.get("next")))
