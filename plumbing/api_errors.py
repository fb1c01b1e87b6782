"""How every answer under /api/ says no: one JSON envelope, codes a client can act on.

Every error answer of the API, whichever app serves it and whatever went wrong, is JSON:

    {"code": "<code>", "detail": "<a sentence for a person>", "errors": {...}}

`errors` appears only with `invalid` (body fields) and `invalid_parameter` (query parameters)
and names each bad field. The request-level codes are `ErrorCode` below; each API adds the codes
of its own rules (`cases.exceptions.ErrorCode`, `reports.services.ErrorCode`, the public API's
`idempotency_key_reused`, ...). Django's own refusals (an unknown URL under /api/, a server
error, an outage) answer in the same envelope: see `plumbing.error_pages` and
`plumbing.outages`.

Nothing here knows about reports, cases or people; the apps' API views name this module's
`api_exception_handler`, or a handler `refusal_exception_handler` makes for their services'
own refusals (`CaseError`, `DocumentError`).
"""

from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import models
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

API_PREFIX = "/api/"


class ErrorCode(models.TextChoices):
    """The request-level codes every API shares. The labels document each code."""

    INVALID = "invalid", "Some body fields are wrong; `errors` names each one."
    INVALID_PARAMETER = "invalid_parameter", "Some query parameters are wrong; `errors` names them."
    MALFORMED_REQUEST = "malformed_request", "The body could not be parsed at all."
    REQUEST_TOO_LARGE = "request_too_large", "The body or one of its parts is too large."
    NOT_AUTHENTICATED = "not_authenticated", "Sign in, or send `Authorization: Token <key>`."
    PERMISSION_DENIED = "permission_denied", "The request was refused."
    NOT_FOUND = "not_found", "Nothing you may see is at this address."
    METHOD_NOT_ALLOWED = "method_not_allowed", "This address does not take this method."
    NOT_ACCEPTABLE = "not_acceptable", "Only application/json answers are available."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "Send the body in a type listed."
    THROTTLED = "throttled", "Too many requests; wait for the Retry-After header's seconds."
    SERVER_ERROR = "server_error", "Something failed on our side; it has been logged."
    SERVICE_UNAVAILABLE = (
        "service_unavailable",
        "A service we depend on is down; nothing was saved. Retry after Retry-After seconds.",
    )


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is too large.")
    default_code = ErrorCode.REQUEST_TOO_LARGE


class InvalidParameters(exceptions.APIException):
    """Query parameters that were refused, with the messages for each, by name."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = ErrorCode.INVALID_PARAMETER

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        names = ", ".join(sorted(errors))
        super().__init__(_("Invalid query parameter: %(names)s.") % {"names": names})

    @classmethod
    def from_serializer_errors(cls, errors: dict[str, Any]) -> "InvalidParameters":
        """From a query serializer's `errors`: every message of a parameter under its name."""
        return cls(
            {
                name: [text for texts in flat_field_errors(detail).values() for text in texts]
                for name, detail in errors.items()
            }
        )


# DRF's exceptions whose own default code is not the one we answer with.
_RENAMED = [
    (exceptions.AuthenticationFailed, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.ParseError, ErrorCode.MALFORMED_REQUEST),
]


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_body(code: str, detail: Any, errors: Any = None) -> dict[str, Any]:
    body = {"code": str(code), "detail": writable(detail)}
    if errors is not None:
        body["errors"] = errors
    return body


def error_response(
    status_code: int, code: str, detail: Any, *, headers: dict[str, str] | None = None
) -> JsonResponse:
    """An error answer made outside DRF (Django's 404 and 500 handlers, the outage middleware),
    in the same envelope. Never cached: it says nothing lasting about the address."""
    response = JsonResponse(error_body(code, detail), status=status_code, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


def writable(text: Any) -> str:
    """Validation messages can quote what the client sent; a lone surrogate in it could not be
    written as UTF-8, so it is shown escaped instead."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def nested_field_errors(detail: Any) -> Any:
    """DRF's nested error detail with each message as {code, message}; lists become objects
    keyed by index so that every item is addressed the same way (the public API's shape)."""
    if isinstance(detail, dict):
        return {writable(key): nested_field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [_leaf(item) for item in detail]
        return {str(index): nested_field_errors(item) for index, item in enumerate(detail) if item}
    return [_leaf(detail)]


def _leaf(item: Any) -> dict[str, str]:
    code = getattr(item, "code", None) or "invalid"
    return {"code": writable(code), "message": writable(item)}


def flat_field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's error detail flattened to {"field" or "list.0.field": [messages]} (the staff
    APIs' shape)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flat_field_errors(value, f"{prefix}{writable(key)}."))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    if any(isinstance(item, dict | list) for item in items):
        flat = {}
        for index, item in enumerate(items):
            if item:
                flat.update(flat_field_errors(item, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip(".") or "non_field_errors": [writable(item) for item in items]}


def api_exception_handler(
    exc: Exception,
    context: dict[str, Any],
    *,
    field_errors: Callable[[Any], Any] = flat_field_errors,
) -> Response | None:
    """DRF's handler, in our envelope, plus Django's refusals of oversized or hostile bodies
    (raised while the body is parsed; left alone they would become an HTML page).

    Anything else (a bug, an outage) is left to Django: the outage middleware answers 503, the
    project's 500 handler a JSON 500. `field_errors` shapes `errors` for `invalid`.
    """
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("The request could not be read."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, InvalidParameters):
        response.data = error_body(ErrorCode.INVALID_PARAMETER, exc.detail, exc.errors)
    elif isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            ErrorCode.INVALID,
            _("The request was not accepted. Correct the fields named in `errors`."),
            field_errors(exc.detail),
        )
    else:
        code = next(
            (code for kind, code in _RENAMED if isinstance(exc, kind)), str(exc.default_code)
        )
        detail = exc.detail if isinstance(exc.detail, str) else _("The request was refused.")
        response.data = error_body(code, detail)
    return response


class Refusal(Protocol):
    """What a service's own error carries (`cases.exceptions.CaseError`,
    `reports.services.DocumentError`)."""

    code: str
    message: str


ExceptionHandler = Callable[[Exception, dict[str, Any]], Response | None]


def refusal_exception_handler(
    refusal: type[Exception], *, status_of: Mapping[str, int]
) -> ExceptionHandler:
    """An API view's exception handler: a service's refusal (an instance of `refusal`, with a
    stable `code` and a `message` for a person) answers {"code", "detail"} with the status
    `status_of` gives its code, 400 for a code it does not name; everything else as
    `api_exception_handler` answers it."""

    def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
        if isinstance(exc, refusal):
            refused = cast(Refusal, exc)
            return Response(
                error_body(refused.code, refused.message),
                status=status_of.get(refused.code, status.HTTP_400_BAD_REQUEST),
            )
        return api_exception_handler(exc, context)

    return handler


def messages_by_name(help_text: str) -> serializers.DictField:
    """The `errors` member of an error answer, for the API schema: the messages for each bad
    field or query parameter, by its name; `help_text` says with which codes it comes."""
    return serializers.DictField(
        required=False,
        child=serializers.ListField(child=serializers.CharField()),
        help_text=help_text,
    )
