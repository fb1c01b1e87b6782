"""The public reporting API: file a report, look up its status, read the reference lists.

These views only translate between HTTP and the intake service and selectors. They ignore any
credentials sent (there is nothing a signed-in user may do here that anyone may not), so every
caller is answered and rate-limited alike, and a signed-in browser session needs no CSRF token.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from intake.api.errors import IdempotencyKeyReused, public_exception_handler, service_errors
from intake.api.parsers import BoundedJSONParser, SafeMultiPartParser
from intake.api.serializers import (
    AgencySerializer,
    EncounterKindSerializer,
    ErrorSerializer,
    InvalidRequestSerializer,
    PerceivedBasisSerializer,
    ReceiptSerializer,
    ReportInputSerializer,
    ReportMultipartInputSerializer,
    ReportStatusSerializer,
    StatusLookupSerializer,
    submission_from,
)
from intake.api.throttles import ReportStatusThrottle, ReportSubmitThrottle
from intake.models import Agency, EncounterKind, PerceivedBasis, Report
from intake.selectors import report_status
from intake.services import SubmissionKeyReused, submit_report

TAG = "Public reporting"

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_CHARACTERS = re.compile(r"[!-~]{16,255}")  # visible ASCII, no spaces


def idempotency_key(request: Request) -> str:
    """The client's Idempotency-Key, "" when it sent none. A key too short to be unguessable
    is refused: whoever repeats a key and its report gets that report's secret back."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return ""
    # An empty header is a key the client meant to send and did not: refused like a short one.
    if not _KEY_CHARACTERS.fullmatch(key):
        raise serializers.ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    "Use 16 to 255 visible ASCII characters, for example a random UUID."
                ]
            }
        )
    return key


_INVALID = OpenApiResponse(
    InvalidRequestSerializer,
    description="`invalid`: some fields are wrong, and `errors` names each one; or "
    "`malformed_request`: the body could not be parsed. Nothing was saved.",
    examples=[
        OpenApiExample(
            "Unknown encounter kind and an over-long witness name",
            value={
                "code": "invalid",
                "detail": "The request was not accepted. Correct the fields named in `errors`.",
                "errors": {
                    "encounter": {
                        "kinds": [{"code": "unknown_code", "message": "Unknown value: x."}]
                    },
                    "witnesses": {
                        "1": {
                            "name": [
                                {
                                    "code": "max_length",
                                    "message": "Ensure this field has no more than 200 characters.",
                                }
                            ]
                        }
                    },
                },
            },
        )
    ],
)
_INVALID_LOOKUP = OpenApiResponse(
    InvalidRequestSerializer,
    description="`invalid`: the tracking code or secret is missing or too long.",
)
_MALFORMED = OpenApiResponse(
    InvalidRequestSerializer,
    description="`invalid` with `errors` naming the fields, or `malformed_request` when the "
    "body could not be parsed at all.",
)
_THROTTLED = OpenApiResponse(
    ErrorSerializer,
    description="`throttled`: too many requests from this address; the Retry-After header "
    "says how many seconds to wait.",
)
_TOO_LARGE = OpenApiResponse(ErrorSerializer, description="`request_too_large`.")
_UNSUPPORTED = OpenApiResponse(ErrorSerializer, description="`unsupported_media_type`.")


class PublicAPIView(APIView):
    authentication_classes: Any = ()
    permission_classes: Any = (AllowAny,)
    renderer_classes: Any = (JSONRenderer,)
    parser_classes: Any = (BoundedJSONParser,)
    throttle_classes: Any = ()

    def get_exception_handler(self) -> Any:
        return public_exception_handler


class ReportCreateView(PublicAPIView):
    """File a report: the same answers as the web form, through the same `submit_report`."""

    parser_classes = (BoundedJSONParser, SafeMultiPartParser)
    throttle_classes = (ReportSubmitThrottle,)

    @extend_schema(
        operation_id="submit_report",
        tags=[TAG],
        auth=[],
        summary="File a report",
        description=(
            "Send the report as `application/json`, or, to attach evidence, as "
            "`multipart/form-data` with the report as JSON text in a `report` part, one "
            "`evidence` part per file and optionally one `evidence_description` part per file, "
            "in the same order. Errors in a multipart request's report are named under "
            "`report`. The whole report is saved or nothing is. The `secret` in the answer is "
            "shown only once: the person needs it, with the tracking code, to see the status. "
            "Rate-limited per client address, in one budget with the web form."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                pattern=f"^{_KEY_CHARACTERS.pattern}$",
                description="A random key (a UUID) of this report. Sending the same report "
                "again with the same key, within a day, files nothing more and answers with "
                "the first receipt (and an `Idempotent-Replayed: true` header): retry with the "
                "same key whenever an answer was lost. The same key with a different report "
                "is refused with 422 `idempotency_key_reused`.",
            ),
            OpenApiParameter(
                REPLAYED_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[201],
                enum=["true"],
                description="Present when this answer repeats an earlier send with the same "
                "Idempotency-Key.",
            ),
        ],
        request={
            "application/json": ReportInputSerializer,
            "multipart/form-data": ReportMultipartInputSerializer,
        },
        responses={
            201: ReceiptSerializer,
            400: _INVALID,
            422: OpenApiResponse(
                ErrorSerializer,
                description="`idempotency_key_reused`: the key was sent before with a "
                "different report. Nothing was saved.",
            ),
            413: _TOO_LARGE,
            415: _UNSUPPORTED,
            429: _THROTTLED,
        },
        examples=[
            OpenApiExample(
                "A report as JSON",
                request_only=True,
                media_type="application/json",
                value={
                    "narrative": "Two unmarked SUVs boxed my car in on the way to work. Four "
                    "agents pointed guns at me and demanded my papers.",
                    "language": "en",
                    "consent_to_contact": True,
                    "consent_to_share_with_liaison": False,
                    "complainants": [
                        {"role": "affected", "name": "Ana", "email": "ana@example.org"}
                    ],
                    "encounter": {
                        "occurred_at": "2026-01-12T08:15:00-06:00",
                        "occurred_at_is_approximate": True,
                        "city": "Brooklyn Park",
                        "state": "MN",
                        "kinds": ["boxed-in", "weapons-drawn", "papers-demanded"],
                        "agencies": ["ice"],
                        "agent_count": 4,
                        "vehicle_count": 2,
                        "agents_identified": "no",
                    },
                    "witnesses": [{"name": "A neighbour", "willing_to_be_contacted": True}],
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        is_multipart = request.content_type.split(";")[0].strip().lower() == ("multipart/form-data")
        if is_multipart:
            outer = ReportMultipartInputSerializer(data=request.data)
            outer.is_valid(raise_exception=True)
            report = outer.validated_data["report"]
            submission = submission_from(
                report,
                evidence=outer.validated_data["evidence"],
                descriptions=outer.validated_data["evidence_description"],
            )
        else:
            serializer = ReportInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            submission = submission_from(serializer.validated_data)
        try:
            receipt = submit_report(
                submission=submission, channel=Report.Channel.API, key=idempotency_key(request)
            )
        except SubmissionKeyReused as error:
            raise IdempotencyKeyReused from error
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                service_errors(
                    error,
                    known_fields=set(ReportInputSerializer().fields),
                    report_prefix=("report",) if is_multipart else (),
                )
            ) from error
        response = Response(ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)
        if receipt.replayed:
            response[REPLAYED_HEADER] = "true"
        add_never_cache_headers(response)
        return response


_STATUS_NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="`not_found`: the same answer for an unknown tracking code and a wrong secret.",
)


class ReportStatusView(PublicAPIView):
    """The status of a report, for whoever holds its tracking code and secret.

    Both GET (with query parameters, as the design lists it) and POST (with a JSON body) are
    answered, identically. Clients should use POST: a query string ends up in web server and
    proxy access logs and in browser history, and the secret would go with it; a body does not.
    GET stays for simple clients and links typed by hand.

    An unknown code and a wrong secret get the same 404, and the lookup takes the same time
    either way (see `intake.selectors.report_status`); lookups are rate-limited per address.
    """

    throttle_classes = (ReportStatusThrottle,)

    @extend_schema(
        operation_id="get_report_status",
        tags=[TAG],
        auth=[],
        summary="Look up a report's status (query parameters)",
        description="Prefer the POST form of this operation: a query string, and the secret in "
        "it, is written to server and proxy logs.",
        parameters=[StatusLookupSerializer],
        responses={
            200: ReportStatusSerializer,
            400: _INVALID_LOOKUP,
            404: _STATUS_NOT_FOUND,
            429: _THROTTLED,
        },
    )
    def get(self, request: Request) -> Response:
        return self._lookup(request.query_params)

    @extend_schema(
        operation_id="lookup_report_status",
        tags=[TAG],
        auth=[],
        summary="Look up a report's status",
        description="The recommended form: the secret travels in the body, not the URL.",
        request=StatusLookupSerializer,
        responses={
            200: ReportStatusSerializer,
            400: _MALFORMED,
            404: _STATUS_NOT_FOUND,
            413: _TOO_LARGE,
            415: _UNSUPPORTED,
            429: _THROTTLED,
        },
    )
    def post(self, request: Request) -> Response:
        return self._lookup(request.data)

    def _lookup(self, data: Any) -> Response:
        lookup = StatusLookupSerializer(data=data)
        lookup.is_valid(raise_exception=True)
        found = report_status(**lookup.validated_data)
        if found is None:
            raise NotFound("No report matches this tracking code and secret.")
        response = Response(ReportStatusSerializer(found).data)
        add_never_cache_headers(response)
        return response


class _ReferenceListView(PublicAPIView, generics.ListAPIView):
    """A whole reference list, unpaginated: they are short, and clients want every code."""

    pagination_class = None
    filter_backends: Any = ()


@extend_schema_view(
    get=extend_schema(
        operation_id="list_agencies",
        tags=[TAG],
        auth=[],
        summary="Agencies",
        description="Active agencies with their stable codes, for `encounter.agencies`.",
    )
)
class AgencyListView(_ReferenceListView):
    serializer_class = AgencySerializer

    def get_queryset(self) -> QuerySet[Agency]:
        return Agency.objects.filter(is_active=True).select_related("parent")


@extend_schema_view(
    get=extend_schema(
        operation_id="list_encounter_kinds",
        tags=[TAG],
        auth=[],
        summary="Encounter kinds",
        description="Active kinds of encounter with their stable codes, for `encounter.kinds`. "
        "`public_label` is the wording for the person it happened to.",
    )
)
class EncounterKindListView(_ReferenceListView):
    serializer_class = EncounterKindSerializer

    def get_queryset(self) -> QuerySet[EncounterKind]:
        return EncounterKind.objects.filter(is_active=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="list_perceived_bases",
        tags=[TAG],
        auth=[],
        summary="Perceived bases",
        description="Why a person may believe they were stopped, with stable codes, for "
        "`encounter.perceived_basis`.",
    )
)
class PerceivedBasisListView(_ReferenceListView):
    serializer_class = PerceivedBasisSerializer

    def get_queryset(self) -> QuerySet[PerceivedBasis]:
        return PerceivedBasis.objects.all()
