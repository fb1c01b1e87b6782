"""Downloading an evidence file through the API, as the staff pages do."""

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request

from cases.api.serializers.errors import APIErrorCode
from cases.api.serializers.evidence import EvidenceDownloadQuerySerializer
from cases.api.views.base import RESPONSE_401, RESPONSE_403, TAG, CaseAPIView, error_response
from cases.evidence_downloads import EvidenceNotFound, NoSharedCopyOfEvidence, download_evidence
from plumbing.api_errors import InvalidParameters


class _AnyAccept(BaseContentNegotiation):
    """A file answers whatever the client accepts; errors are still JSON."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class _NoSharedCopyError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = APIErrorCode.NO_SHARED_COPY
    default_detail = gettext_lazy(
        "No copy of this file without the location, camera and other data stored inside it "
        "can be made, so nothing was downloaded."
    )


class EvidenceDownloadView(CaseAPIView):
    content_negotiation_class = _AnyAccept

    @extend_schema(
        operation_id="download_evidence",
        tags=[TAG],
        summary="Download an evidence file",
        description="The file as an attachment, with its stored content type. By default a "
        "copy without the location, camera and other data stored inside the file (GPS, serial "
        "numbers, owner, XMP, tags), made losslessly where the type allows; `X-Original-SHA256` "
        "is the evidence's `sha256`, the hash of the original, and `X-Evidence-Copy` says "
        "`metadata-removed` or `original`. Where no such copy can be made (a type without a "
        "cleaner, such as PDF, or a damaged file) the answer is 409 `no_shared_copy` and "
        "nothing is downloaded. `original=true` is the file as received, for legal staff only. "
        "Legal staff may download every file, police liaisons only those of reports whose "
        "complainant consented to sharing with liaisons; for anyone else the file answers 404 "
        "like one that does not exist. Each download is recorded in the evidence's history "
        "with the user, and whether it was the original.",
        parameters=[
            OpenApiParameter(
                "evidence_id",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description="The evidence's `id` in a case's reports.",
            ),
            EvidenceDownloadQuerySerializer,
        ],
        responses={
            # The types intake accepts (intake/evidence.py), read from the file's bytes.
            **{
                (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
                for media_type in ("image/*", "video/*", "audio/*", "application/pdf")
            },
            400: error_response("`invalid_parameter`: `errors` names each bad parameter."),
            401: RESPONSE_401,
            403: RESPONSE_403,
            404: error_response("`not_found`: no file you may download has this id."),
            409: error_response(
                "`no_shared_copy`: no copy without the data inside the file can be made."
            ),
        },
    )
    def get(self, request: Request, evidence_id: int) -> FileResponse:
        query = EvidenceDownloadQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise InvalidParameters.from_serializer_errors(query.errors)
        try:
            return download_evidence(
                request=request,
                evidence_id=evidence_id,
                original=query.validated_data["original"],
            )
        except EvidenceNotFound as missing:
            raise exceptions.NotFound(_("No file you may download has this id.")) from missing
        except NoSharedCopyOfEvidence as refused:
            raise _NoSharedCopyError from refused
