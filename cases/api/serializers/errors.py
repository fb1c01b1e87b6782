"""The error codes of the staff case API and the bodies of its error answers.

One enum for every code a client may act on, so the schema lists them all in one place: the
case services' own codes (cases.exceptions.ErrorCode) first, then those about the request.
"""

from django.db import models
from rest_framework import serializers

from cases.api.serializers.cases import CaseSummarySerializer
from cases.exceptions import ErrorCode
from plumbing.api_errors import messages_by_name


class APIErrorCode(models.TextChoices):
    """Every `code` the staff case API answers with. The first group are the case services'
    own codes (cases.exceptions.ErrorCode); the rest are about the request itself."""

    TRANSITION_NOT_ALLOWED = ErrorCode.TRANSITION_NOT_ALLOWED, "The workflow forbids this move."
    REASON_REQUIRED = ErrorCode.REASON_REQUIRED, "This change needs a reason."
    INVALID_CLOSE_REASON = ErrorCode.INVALID_CLOSE_REASON, "The close reason does not fit."
    ROLE_NOT_PERMITTED = ErrorCode.ROLE_NOT_PERMITTED, "The caller's role may not do this."
    CASE_MERGED = ErrorCode.CASE_MERGED, "The case was merged; work on `merged_into` instead."
    INVALID_MERGE = ErrorCode.INVALID_MERGE, "These cases cannot be merged."
    INVALID_ASSIGNEE = ErrorCode.INVALID_ASSIGNEE, "Cases can only be assigned to case workers."
    INVALID_VISIBILITY = ErrorCode.INVALID_VISIBILITY, "Not a note visibility."
    EMPTY_NOTE = ErrorCode.EMPTY_NOTE, "A note cannot be empty."
    INVALID_TAGS = ErrorCode.INVALID_TAGS, "Too many tags for one case."
    REPORTER_UNREACHABLE = (
        ErrorCode.REPORTER_UNREACHABLE,
        "Only a report filed through the public form or API has a person who can be asked.",
    )
    INVALID_QUESTION = ErrorCode.INVALID_QUESTION, "A question must have 1 to 5000 characters."
    ALREADY_HELD = ErrorCode.ALREADY_HELD, "The case is already under a legal hold."
    NOT_HELD = ErrorCode.NOT_HELD, "The case is not under a legal hold."
    STALE_CASE = (
        ErrorCode.STALE_CASE,
        "The case changed since the version in `If-Match`; `case` is the case as it is now.",
    )
    NO_SHARED_COPY = (
        "no_shared_copy",
        "No copy of this evidence file without the data stored inside it can be made (its type "
        "has no cleaner, or the file is damaged); nothing was downloaded.",
    )
    PRECONDITION_REQUIRED = (
        "precondition_required",
        "Send `If-Match` with the case's ETag (its `version` in quotes) to change it.",
    )
    INVALID = "invalid", "Some body fields are wrong; `errors` names each one."
    INVALID_PARAMETER = "invalid_parameter", "Some query parameters are wrong; `errors` names them."
    MALFORMED_REQUEST = "malformed_request", "The body could not be parsed."
    NOT_AUTHENTICATED = "not_authenticated", "Sign in, or send `Authorization: Token <key>`."
    PERMISSION_DENIED = "permission_denied", "The request was refused."
    NOT_FOUND = "not_found", "No case you may see has this reference (or the page is out of range)."
    METHOD_NOT_ALLOWED = "method_not_allowed", "This operation does not take this method."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "Send application/json."
    NOT_ACCEPTABLE = "not_acceptable", "Only application/json answers are available."
    THROTTLED = "throttled", "Too many requests."


class CaseAPIErrorSerializer(serializers.Serializer):
    """The body of every error answer of the staff case API."""

    code = serializers.ChoiceField(
        choices=APIErrorCode.choices, help_text="For a client to act on."
    )
    detail = serializers.CharField(help_text="A sentence for a person.")
    errors = messages_by_name(  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
        "With `invalid` and `invalid_parameter` only: the messages for each bad field "
        "or query parameter, by name."
    )


class StaleCaseErrorSerializer(serializers.Serializer):
    """The body of a 412 `stale_case` answer: the error, and the case as it is now (its
    `version` is the new ETag, also sent in the `ETag` header)."""

    code = serializers.ChoiceField(choices=[APIErrorCode.STALE_CASE.value])
    detail = serializers.CharField(
        help_text="What changed since the version sent, who changed it and when, and that "
        "nothing was changed by this request."
    )
    case = CaseSummarySerializer(read_only=True)
