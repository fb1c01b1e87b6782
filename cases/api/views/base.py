"""What every view of the staff case API shares: the error answers, the case reference and
entity-tag parameters, the authentication and permission of `CaseAPIView`, and the `If-Match`
handling of `CaseWriteView`."""

import re
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api_tokens.authentication import ApiTokenAuthentication
from cases.access import require_permission
from cases.api.serializers.cases import CaseSummarySerializer
from cases.api.serializers.errors import (
    APIErrorCode,
    CaseAPIErrorSerializer,
    StaleCaseErrorSerializer,
)
from cases.exceptions import CaseError, ErrorCode, StaleCaseError
from cases.models import Case
from cases.privacy import project_cases
from cases.selectors import (
    case_detail,
)
from plumbing.api_errors import refusal_exception_handler

TAG = "Cases"

# -- Errors ---------------------------------------------------------------------------------


# A `CaseError` from a service: 403 for `role_not_permitted`, 409 for a legal hold that is
# already in force or not in force (the case's state, not the request, is in the way), 400
# for the others.
case_exception_handler = refusal_exception_handler(
    CaseError,
    status_of={
        ErrorCode.ROLE_NOT_PERMITTED: status.HTTP_403_FORBIDDEN,
        ErrorCode.ALREADY_HELD: status.HTTP_409_CONFLICT,
        ErrorCode.NOT_HELD: status.HTTP_409_CONFLICT,
    },
)


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(CaseAPIErrorSerializer, description=description)


RESPONSE_401 = error_response("`not_authenticated`: no valid session or token.")
RESPONSE_403 = error_response("`role_not_permitted`: your role may not work on cases.")
RESPONSE_404 = error_response("`not_found`: no case you may see has this reference.")


def body_errors_response(codes: str) -> OpenApiResponse:
    return error_response(
        f"`invalid` (fields named in `errors`), `malformed_request`, or a refusal of the "
        f"case service: {codes}. Nothing was changed."
    )


REFERENCE = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The case reference, e.g. `RD-2026-000123`.",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='The case\'s `version` in quotes, e.g. `"7"`: send it as `If-Match` to change '
    "the case.",
)


def etag_of(version: int) -> str:
    """A case's ETag: its version, as a strong entity tag."""
    return f'"{version}"'


# -- Base -----------------------------------------------------------------------------------


class CaseAPIView(APIView):
    """Staff only: signed in, with a role that may work on cases (decided in cases/access.py)."""

    # Token first, so an anonymous caller is told how to authenticate (401, WWW-Authenticate).
    authentication_classes: Any = (ApiTokenAuthentication, SessionAuthentication)
    permission_classes: Any = (IsAuthenticated,)
    renderer_classes: Any = (JSONRenderer,)
    parser_classes: Any = (JSONParser,)

    def get_exception_handler(self) -> Any:
        return case_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        require_permission(request.user, "cases.view_case", "work on cases")

    def get_case(self, reference: str) -> Case:
        """The case, if the user may see it; 404 for one that is missing and one that is not
        theirs alike."""
        case = case_detail(user=self.request.user, reference=reference)
        if case is None:
            raise exceptions.NotFound(_("No case has this reference."))
        return case


# -- Writes ---------------------------------------------------------------------------------


def summary_of(case: Case, reader: Any) -> dict[str, Any]:
    case = Case.objects.select_related("assignee", "merged_into").get(pk=case.pk)
    with_reason = [case] if case.priority_override_reason else []
    projections = project_cases(reader=reader, cases=with_reason)
    return CaseSummarySerializer(case, context={"projections": projections}).data


# One strong entity tag of digits: the case's version. `*` and weak tags (`W/"3"`) state no
# version a change was made on, so they are refused like a missing header.
_IF_MATCH = re.compile(r'\s*"([0-9]{1,9})"\s*')

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=r'^"[0-9]{1,9}"$',
    description="The `ETag` of the case as you read it (`GET /cases/<reference>/`, or "
    'its `version` in quotes, e.g. `"7"`). The change is made only if the case is still at '
    "that version: otherwise 412 `stale_case`, with the case as it is now. Required: 428 "
    "`precondition_required` without it.",
)
WRITE_ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 412],
    description="The case's version now, in quotes: the `If-Match` of a next change.",
)
RESPONSE_412 = OpenApiResponse(
    StaleCaseErrorSerializer,
    description="`stale_case`: the case changed since the version in `If-Match`. Nothing was "
    "changed; `detail` says what changed, who changed it and when, and `case` is the case as it "
    "is now (its version is the `ETag` of this answer).",
)
RESPONSE_428 = error_response(
    '`precondition_required`: no `If-Match` header with one version (`"7"`). Nothing was changed.'
)


class _PreconditionRequired(Exception):
    """A write that did not say which version of the case it was made on."""


class CaseWriteView(CaseAPIView):
    """A write that changes a case, made on the version of it the client read (`If-Match`).

    The version is checked by the service, on the case's locked row; this view only reads the
    header and turns a refusal into 412 (or a missing header into 428)."""

    def seen_version(self, request: Request) -> int:
        match = _IF_MATCH.fullmatch(request.headers.get("If-Match", ""))
        if match is None:
            raise _PreconditionRequired
        return int(match[1])

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StaleCaseError):
            case = Case.objects.get(pk=exc.case_id)
            return Response(
                {
                    "code": APIErrorCode.STALE_CASE,
                    "detail": exc.message,
                    "case": summary_of(case, self.request.user),
                },
                status=status.HTTP_412_PRECONDITION_FAILED,
                headers={"ETag": etag_of(case.version)},
            )
        if isinstance(exc, _PreconditionRequired):
            return Response(
                {
                    "code": APIErrorCode.PRECONDITION_REQUIRED,
                    "detail": _(
                        'Send If-Match with the ETag of the case as you read it, e.g. "7" '
                        "(GET the case, or its version in quotes). Nothing was changed."
                    ),
                },
                status=status.HTTP_428_PRECONDITION_REQUIRED,
            )
        return super().handle_exception(exc)

    def changed(self, case: Case) -> Response:
        """The answer of a write: the case as it is now, its version as the ETag."""
        return Response(
            summary_of(case, self.request.user), headers={"ETag": etag_of(case.version)}
        )
