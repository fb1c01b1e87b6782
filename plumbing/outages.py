"""What a request answers when a service it needs is down: 503 with Retry-After, never a 500.

An outage is a fault of the machinery, not of the request: the database refusing connections or
gone away (`django.db.OperationalError`, `InterfaceError`), the broker or the cache unreachable
(kombu's `OperationalError`, redis' `ConnectionError` and `TimeoutError`), media storage that
cannot be written (permission denied, read-only, full, I/O error) or an object store that
cannot be reached or answers with a fault of its own. Wherever in a request one
is raised, the answer is

- under /api/: 503 `{"code": "service_unavailable", "detail": ...}`;
- on a page: templates/503.html, calm and translated, telling the person to try again in a
  minute;

both with `Retry-After: SERVICE_UNAVAILABLE_RETRY_AFTER` (seconds). The outage is logged at
WARNING with the service and the exception's class, and nothing else: the exception's text can
quote SQL or a host name, and the request body is personal data.

`OutageMiddleware` answers for exceptions raised by views (DRF's handler leaves these to
Django); the project's 500 handler (plumbing.error_pages) for those raised in middleware, such as
a session saved after the view.
"""

import errno
import logging
from typing import Any

import botocore.exceptions
import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import InterfaceError
from django.db import OperationalError as DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from plumbing.api_errors import ErrorCode, error_response, is_api_request

logger = logging.getLogger(__name__)

DATABASE = "database"
BROKER = "broker"
STORAGE = "storage"

# Writing a file failed because of the storage, not because of the file: denied, read-only,
# full, over quota, or a failing disk.
_STORAGE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO}
# How far down a chain of exceptions ("raised from") an outage is looked for.
_CHAIN_DEPTH = 5


def unavailable_service(exc: BaseException) -> str | None:
    """Which service `exc` says is down (`database`, `broker`, `storage`), or None when it is
    not an outage. Follows the exception's cause, for code that wraps the error it caught."""
    seen: BaseException | None = exc
    for _depth in range(_CHAIN_DEPTH):
        if seen is None:
            return None
        service = _service_of(seen)
        if service:
            return service
        seen = seen.__cause__ or seen.__context__
    return None


def _service_of(exc: BaseException) -> str | None:
    if isinstance(exc, DatabaseError | InterfaceError):
        return DATABASE
    if isinstance(
        exc,
        kombu.exceptions.OperationalError
        | redis.exceptions.ConnectionError
        | redis.exceptions.TimeoutError,
    ):
        return BROKER
    if isinstance(exc, PermissionError) or (
        isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS
    ):
        return STORAGE
    if _object_store_unreachable(exc):
        return STORAGE
    return None


# Status codes with which an S3-compatible store says that it, not the request, failed.
_STORE_FAULTS = {500, 502, 503, 504}


def _object_store_unreachable(exc: BaseException) -> bool:
    """An object store (STORAGE_BACKEND=s3) that cannot be reached, timed out, dropped the
    connection, or answered with a fault of its own (500, 503 SlowDown, ...)."""
    if isinstance(
        exc, botocore.exceptions.ConnectionError | botocore.exceptions.HTTPClientError
    ):
        return True
    if isinstance(exc, botocore.exceptions.ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return status in _STORE_FAULTS
    return False


def retry_after() -> str:
    return str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER)


def outage_response(request: HttpRequest, service: str, exc: BaseException) -> HttpResponse:
    """The 503 for `request`: JSON under /api/, the calm page elsewhere."""
    logger.warning(
        "%s unavailable during %s %s: %s.%s",
        service,
        request.method,
        request.path,
        type(exc).__module__,
        type(exc).__qualname__,
    )
    headers = {"Retry-After": retry_after()}
    if is_api_request(request):
        return error_response(
            503,
            ErrorCode.SERVICE_UNAVAILABLE,
            _("We could not complete this request because a service we depend on is "
              "unavailable. Nothing was saved. Try again after the Retry-After seconds."),
            headers=headers,
        )
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    with translation.override(language):
        # `messages` is given so that the page never reads the session, which may be in the
        # database that is down.
        response = render(request, "503.html", {"messages": ()}, status=503)
    response["Retry-After"] = headers["Retry-After"]
    response["Cache-Control"] = "no-store"
    return response


class OutageMiddleware:
    """Turns an outage raised by a view into the 503 of `outage_response`."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        service = unavailable_service(exception)
        if service is None:
            return None
        return outage_response(request, service, exception)
