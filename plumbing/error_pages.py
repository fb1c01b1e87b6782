"""The project's 404 and 500 handlers (config/urls.py): JSON under /api/, pages elsewhere.

Unknown addresses under /api/ are answered by `api_not_found`, mounted last under /api/ in
config/urls.py, so that they are JSON even with DEBUG on and are never redirected to a slashed
address (a POST would be lost). `server_error` answers an outage raised outside a view (a
session saved after the view, with the database down) with the outage's 503, and anything else
under /api/ with a JSON 500. The pages (404.html, 500.html) carry the help lines and the quick
exit of every public page.
"""

import logging
import sys
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from plumbing.api_errors import ErrorCode, error_response, is_api_request
from plumbing.outages import outage_response, unavailable_service

logger = logging.getLogger(__name__)


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response(404, ErrorCode.NOT_FOUND, _("Nothing is at this address."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    service = unavailable_service(exc) if exc is not None else None
    if service is not None and exc is not None:
        response = outage_response(request, service, exc)
        # Django logs every 5xx it handles at ERROR with the traceback; the outage has been
        # logged at WARNING, without the exception's text.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
    if is_api_request(request):
        return error_response(
            500,
            ErrorCode.SERVER_ERROR,
            _("Something went wrong on our side. It has been logged; try again later."),
        )
    try:
        # `messages` is given so that the page never reads the session, which may be what
        # failed; the help lines and the quick exit read only settings.
        return render(request, "500.html", {"messages": ()}, status=500)
    except Exception:
        # The page itself failed: Django's plain one, which needs nothing.
        logger.exception("The 500 page could not be rendered.")
        return HttpResponseServerError(
            defaults.ERROR_PAGE_TEMPLATE % {"title": "Server Error (500)", "details": ""}
        )
