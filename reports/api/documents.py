"""The documents API: ask for a case file, follow its state, download it.

- `POST /api/v1/cases/<reference>/documents/` asks for a full or redacted case file; the answer
  is 202 with the queued document, which a Celery worker renders. `GET` on the same address
  lists the case's documents the caller may see.
- `GET /api/v1/documents/<id>/` is the document's state (case files and statistics alike).
- `GET /api/v1/documents/<id>/download/` is the PDF, once ready, and counts the download in the
  document's history.

Every decision is made in reports/services.py and reports/access.py: a case or document the
caller may not see answers 404 `not_found`, exactly like a missing one; asking for a kind the
caller's role may not export answers 403 `role_not_permitted`; downloading one answers the same
404 as a missing document. A document that is not ready answers 409 `document_not_ready`.
"""

from typing import Any

from django.db import models
from django.http import FileResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accesslog.models import AccessKind
from accesslog.services import record_access
from api_tokens.authentication import ApiTokenAuthentication
from cases.models import Case
from plumbing.api_errors import ErrorCode as RequestCode
from plumbing.api_errors import messages_by_name, refusal_exception_handler
from plumbing.api_input import StrictInputSerializer
from reports import document_files, services
from reports.access import may_export
from reports.models import Document
from reports.services import DocumentError, ErrorCode

TAG = "Documents"

# -- Errors ---------------------------------------------------------------------------------


class DocumentAPIErrorCode(models.TextChoices):
    """Every `code` the documents API answers with."""

    NOT_FOUND = RequestCode.NOT_FOUND, "No case or document you may see has this reference or id."
    ROLE_NOT_PERMITTED = ErrorCode.ROLE_NOT_PERMITTED, "Your role may not export this kind."
    CASE_MERGED = ErrorCode.CASE_MERGED, "The case was merged; ask for the surviving case's file."
    DOCUMENT_NOT_READY = ErrorCode.NOT_READY, "The document is queued, rendering or failed."
    INVALID = RequestCode.INVALID, "Some body fields are wrong; `errors` names each one."
    MALFORMED_REQUEST = RequestCode.MALFORMED_REQUEST, "The body could not be parsed."
    NOT_AUTHENTICATED = RequestCode.NOT_AUTHENTICATED, "Sign in, or send a token."
    PERMISSION_DENIED = RequestCode.PERMISSION_DENIED, "The request was refused."
    METHOD_NOT_ALLOWED = RequestCode.METHOD_NOT_ALLOWED, "This address does not take this method."
    UNSUPPORTED_MEDIA_TYPE = RequestCode.UNSUPPORTED_MEDIA_TYPE, "Send application/json."
    NOT_ACCEPTABLE = RequestCode.NOT_ACCEPTABLE, "This answer is not available in that type."


class DocumentAPIErrorSerializer(serializers.Serializer):
    """The body of every error answer of the documents API."""

    code = serializers.ChoiceField(choices=DocumentAPIErrorCode.choices)
    detail = serializers.CharField(help_text="A sentence for a person.")
    errors = messages_by_name(  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
        "With `invalid` only: the messages for each bad field, by name."
    )


_STATUS_OF: dict[str, int] = {
    ErrorCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.ROLE_NOT_PERMITTED: status.HTTP_403_FORBIDDEN,
    ErrorCode.NOT_READY: status.HTTP_409_CONFLICT,
}


# A `DocumentError` from the services with its code and the status above.
document_exception_handler = refusal_exception_handler(DocumentError, status_of=_STATUS_OF)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(DocumentAPIErrorSerializer, description=description)


_401 = _error("`not_authenticated`: no valid session or token.")
_404_DOCUMENT = _error("`not_found`: no document you may see has this id.")

REFERENCE = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The case reference, e.g. `RD-2026-000123`.",
)

# Named as the schema's path names it (drf-spectacular writes `<pk>` as `{id}`).
DOCUMENT_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The document's id."
)


# -- Serializers ----------------------------------------------------------------------------


class DocumentRequestSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in services.CASE_FILE_KINDS],
        help_text="`case_file` (the full file: legal staff) or `redacted_case_file` (names, "
        "contacts and addresses removed: liaisons and legal staff).",
    )


class RequesterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class DocumentSerializer(serializers.ModelSerializer):
    """A document's state. Never its content: that is only served by `download/`."""

    case = serializers.CharField(
        source="case.reference", read_only=True, allow_null=True,
        help_text="The case's reference; null for statistics.",
    )
    requested_by = RequesterSerializer(read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text="Where to fetch the PDF: set only when it is ready and your role may have it."
    )

    class Meta:
        model = Document
        fields = [
            "id", "kind", "status", "case", "snapshot", "requested_by", "requested_at",
            "started_at", "finished_at", "attempts", "pages", "size", "sha256", "error",
            "download_count", "download_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "snapshot": {"help_text": "The statistics snapshot's id; null for case files."},
            "sha256": {"help_text": "SHA-256 of the PDF, hex; empty until ready."},
            "error": {"help_text": "Why it failed, in short; never the document's content."},
            "attempts": {"help_text": f"Renders started; gives up after {Document.MAX_ATTEMPTS}."},
        }

    def get_download_url(self, document: Document) -> str | None:
        # Documents given to this serializer come from reports.access.visible_documents, so
        # their case is one the user may see and the kind decides (as may_download would).
        request = self.context["request"]
        if document.status != Document.Status.READY or not may_export(request.user, document.kind):
            return None
        return request.build_absolute_uri(
            reverse("reports_api:document-download", kwargs={"pk": document.pk})
        )


# -- Views ----------------------------------------------------------------------------------


class DocumentAPIView(APIView):
    """Signed in (session or `Authorization: Token <key>`); everything else is decided per case
    and document by reports/access.py."""

    authentication_classes: Any = (ApiTokenAuthentication, SessionAuthentication)
    permission_classes: Any = (IsAuthenticated,)
    renderer_classes: Any = (JSONRenderer,)
    parser_classes: Any = (JSONParser,)

    def get_exception_handler(self) -> Any:
        return document_exception_handler

    def context(self) -> dict[str, Any]:
        return {"request": self.request}


class CaseDocumentsView(DocumentAPIView):
    def _case(self, reference: str) -> Case:
        # Only the lookup by reference: the services decide whether the caller may see it, and
        # refuse a hidden case with the same error as this.
        case = Case.objects.filter(reference=reference).first()
        if case is None:
            raise services.case_not_found()
        return case

    @extend_schema(
        operation_id="request_case_file",
        tags=[TAG],
        summary="Ask for a case file",
        description="Queues a full or redacted case file of the case for a worker to render and "
        "answers at once with the queued document; follow it at `GET /api/v1/documents/<id>/` "
        "until `status` is `ready` (or `failed`). Each call asks for a new document.",
        parameters=[REFERENCE],
        request=DocumentRequestSerializer,
        responses={
            202: DocumentSerializer,
            400: _error("`invalid`, `malformed_request`, or `case_merged`. Nothing was queued."),
            401: _401,
            403: _error("`role_not_permitted`: your role may not export this kind."),
            404: _error("`not_found`: no case you may see has this reference."),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        case = self._case(reference)
        body = DocumentRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = services.request_document(
            case=case, kind=body.validated_data["kind"], actor=request.user
        )
        document = services.get_document(document_id=document.pk, actor=request.user)
        return Response(
            DocumentSerializer(document, context=self.context()).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        operation_id="list_case_documents",
        tags=[TAG],
        summary="A case's documents",
        description="The case's documents you may see (the ones you asked for and the kinds "
        "your role may export), newest first, at most 50.",
        parameters=[REFERENCE],
        responses={
            200: DocumentSerializer(many=True),
            401: _401,
            404: _error("`not_found`: no case you may see has this reference."),
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        case = self._case(reference)
        documents = services.case_documents(case=case, actor=request.user)
        return Response(DocumentSerializer(documents, many=True, context=self.context()).data)


class DocumentDetailView(DocumentAPIView):
    @extend_schema(
        operation_id="get_document",
        tags=[TAG],
        summary="A document's state",
        description="`queued` (waiting for a worker), `rendering`, `ready` (with `pages`, "
        "`size`, `sha256` and, when your role may have it, `download_url`) or `failed` "
        "(with a short `error`).",
        parameters=[DOCUMENT_ID],
        responses={200: DocumentSerializer, 401: _401, 404: _404_DOCUMENT},
    )
    def get(self, request: Request, pk: int) -> Response:
        document = services.get_document(document_id=pk, actor=request.user)
        record_document_access(request=request, document=document, kind=AccessKind.DOCUMENT)
        return Response(DocumentSerializer(document, context=self.context()).data)


class PDFRenderer(BaseRenderer):
    """Lets a client that sends `Accept: application/pdf` reach the download view; the view
    answers with the file itself, and errors are JSON (see DocumentDownloadView)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data


class DocumentDownloadView(DocumentAPIView):
    renderer_classes: Any = (JSONRenderer, PDFRenderer)

    @extend_schema(
        operation_id="download_document",
        tags=[TAG],
        summary="Download a document",
        description="The PDF, as an attachment. Each download is recorded in the document's "
        "history with who fetched it. Full case files are for legal staff, redacted ones for "
        "liaisons and legal staff, statistics for those who may export statistics; anyone else "
        "gets the same 404 as for a missing document.",
        parameters=[DOCUMENT_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The PDF."
            ),
            401: _401,
            404: _404_DOCUMENT,
            409: _error("`document_not_ready`: queued, rendering or failed; see its state."),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        document = services.get_document(document_id=pk, actor=request.user)
        downloaded = services.record_download(document=document, actor=request.user)
        record_document_access(
            request=request, document=document, kind=AccessKind.DOCUMENT_DOWNLOAD
        )
        return document_file_response(downloaded)

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Response:
        # Errors are JSON even for a client that asked only for a PDF.
        if isinstance(response, Response) and not isinstance(
            getattr(request, "accepted_renderer", None), JSONRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def record_document_access(*, request: Any, document: Document, kind: AccessKind) -> None:
    """One access log row for reading or downloading `document` (as `get_document` returns
    it, with its case), naming its case where it has one."""
    record_access(
        request=request,
        kind=kind,
        object_id=document.pk,
        case_reference=document.case.reference if document.case_id else "",  # type: ignore[union-attr]
    )


def document_file_response(document: Document) -> FileResponse:
    """The stored PDF as a private attachment (also used by the staff pages), opened from its
    sealed file as it is sent. A file altered or cut short raises plumbing.keys.files.Damaged
    before anything is sent."""
    stamp = timezone.localtime(document.requested_at).strftime("%Y%m%d-%H%M")
    subject = document.case.reference if document.case_id else "statistics"  # type: ignore[union-attr]
    filename = f"{subject}-{document.kind.replace('_', '-')}-{stamp}.pdf"
    response = FileResponse(
        document_files.open_sealed(document),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Personal data: no shared or browser cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response
