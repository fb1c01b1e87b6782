"""How the public API says no: one envelope, codes from an enum, fields named like the request.

Every error answer of the public endpoints has the shape every API shares
(plumbing/api_errors.py)

    {"code": "<ErrorCode>", "detail": "<sentence for a person>", "errors": {...}}

where `errors` appears only with `invalid` and mirrors the request body: an object for an
object, the item's index (as a string key) for a list item, and at each bad field a list of
`{"code": "<field code>", "message": "..."}`. Field codes are the `FieldErrorCode` values below
or the standard validator codes (`required`, `null`, `blank`, `invalid`, `max_length`,
`min_value`, `max_value`, `invalid_choice`, `not_a_list`, `empty`, ...).
"""

import re
from enum import StrEnum
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings

from plumbing.api_errors import api_exception_handler, nested_field_errors


class ErrorCode(models.TextChoices):
    """What went wrong, for a client to act on. The labels document each code in the schema."""

    INVALID = "invalid", "Some fields are wrong; `errors` names each one."
    MALFORMED_REQUEST = "malformed_request", "The body could not be parsed at all."
    REQUEST_TOO_LARGE = "request_too_large", "The body or one of its parts is too large."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "Send JSON, or multipart/form-data."
    NOT_ACCEPTABLE = "not_acceptable", "Only application/json answers are available."
    METHOD_NOT_ALLOWED = "method_not_allowed", "This operation does not take this method."
    NOT_FOUND = "not_found", "Nothing matches (for a status: wrong code or wrong secret)."
    THROTTLED = "throttled", "Too many requests; wait for the Retry-After header's seconds."
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        "This Idempotency-Key was sent before with a different report; use a new key.",
    )


class FieldErrorCode(StrEnum):
    """Field-level codes of our own rules, beside the standard validator codes."""

    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_CODE = "unknown_code"  # not a code listed by the reference endpoints
    FUTURE_DATE = "future_date"
    INCOMPLETE_COORDINATES = "incomplete_coordinates"
    ANONYMOUS_WITH_IDENTITY = "anonymous_with_identity"
    FILE_REFUSED = "file_refused"  # empty, too large, or not a photo, video, audio or PDF
    TOO_LARGE = "too_large"
    INVALID_JSON = "invalid_json"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy(
        "This Idempotency-Key was already used for a different report. Nothing was saved."
    )
    default_code = ErrorCode.IDEMPOTENCY_KEY_REUSED


def public_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The envelope every API shares (plumbing/api_errors.py), with `errors` mirroring the
    request body and each message as {code, message}."""
    return api_exception_handler(exc, context, field_errors=nested_field_errors)


# The service names its own rules' errors only by path; these give them a code.
_SERVICE_CODES = [
    (re.compile(r"^encounter\.(kinds|agencies|perceived_basis)$"), FieldErrorCode.UNKNOWN_CODE),
    (re.compile(r"^encounter\.occurred_at$"), FieldErrorCode.FUTURE_DATE),
    (re.compile(r"^complainants\.\d+$"), FieldErrorCode.ANONYMOUS_WITH_IDENTITY),
    (re.compile(r"^evidence(\.\d+)?$"), FieldErrorCode.FILE_REFUSED),
]
# Items of these lists are objects; an error about a whole item is that item's non-field error.
_OBJECT_LISTS = {"complainants", "witnesses"}


def service_errors(
    error: DjangoValidationError, *, known_fields: set[str], report_prefix: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Map submit_report's ValidationError ("encounter.kinds", "witnesses.1.name",
    "report.narrative", "evidence.0") to the nested shape the serializers answer with.

    `report_prefix` is where the report's own fields sit in the request (under "report" in
    a multipart request); `known_fields` are the report's top-level field names, and anything
    the API does not expose is reported as a non-field error rather than under a name the
    client never sent.
    """
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    if not hasattr(error, "error_dict"):
        return {non_field: [_detail(item, "") for item in error.error_list]}
    nested: dict[str, Any] = {}
    for key, items in error.error_dict.items():
        path = key.split(".")
        if path[0] == "report":
            path = path[1:]
        if key == NON_FIELD_ERRORS or not path or path[0] not in known_fields | {"evidence"}:
            path = [non_field]
        elif path[0] in _OBJECT_LISTS and len(path) == 2:
            path = [*path, non_field]
        if path[0] != "evidence":
            path = [*report_prefix, *path]
        node = nested
        for segment in path[:-1]:
            node = node.setdefault(segment, {})
        node.setdefault(path[-1], []).extend(_detail(item, key) for item in items)
    return nested


def _detail(item: DjangoValidationError, key: str) -> ErrorDetail:
    message = item.message % item.params if item.params else item.message
    code = item.code or next(
        (code for pattern, code in _SERVICE_CODES if pattern.match(key)), "invalid"
    )
    return ErrorDetail(str(message), code=str(code))
