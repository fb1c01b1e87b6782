"""The staff case API: one view per operation.

The views only translate between HTTP and the case selectors and services. Who may see and do
what is decided in cases/access.py (and, for the workflow, cases/workflow.py via the services):

- every operation needs a signed-in user (session or `Authorization: Token <key>`) whose role
  may work on cases (`cases.view_case`); anyone else gets 401 or 403 `role_not_permitted`;
- a case the user may not see answers 404 `not_found`, exactly like one that does not exist;
- a `CaseError` from a service answers 400 with its code, or 403 for `role_not_permitted`.

Merged cases are not redirected: their detail and history stay readable (that is where the
record of the merge lives) and carry `merged_into`, the survivor's reference. Writes to a
merged case answer 400 `case_merged`.

Writes that change a case (`transition/`, `assign/`, `tags/`, `merge/`) are made on the
version of the case the client read: the detail answers with an `ETag` (the case's `version`
in quotes), each of these writes requires it back in `If-Match`, answers 428
`precondition_required` without it and 412 `stale_case` with the case as it is now when the
case changed since (cases/concurrency.py). A note adds and overwrites nothing: `notes/` takes
no `If-Match`.

Status and assignee change only through `transition/`, `assign/` and `merge/`; there is no
generic update.
"""

import re
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accesslog.models import AccessKind
from accesslog.services import record_access
from api_tokens.authentication import ApiTokenAuthentication
from cases import workflow
from cases.access import can_download_original_evidence, require_permission
from cases.api.serializers import (
    APIErrorCode,
    AssignInputSerializer,
    CaseAPIErrorSerializer,
    CaseDetailSerializer,
    CasePageSerializer,
    CaseQueueQuerySerializer,
    CaseRowSerializer,
    CaseSummarySerializer,
    EvidenceDownloadQuerySerializer,
    MergeInputSerializer,
    MessageSerializer,
    NoteInputSerializer,
    NoteSerializer,
    QuestionInputSerializer,
    StaleCaseErrorSerializer,
    TagsInputSerializer,
    TimelineEntrySerializer,
    TransitionInputSerializer,
)
from cases.conflicts import Conflict, find_conflicts
from cases.exceptions import CaseError, ErrorCode, StaleCaseError
from cases.models import Case
from cases.pagination import CappedPaginator
from cases.privacy import Projected, project_case, project_cases
from cases.roles import role_of
from cases.selectors import (
    QueueFilters,
    case_contents,
    case_detail,
    case_queue,
    cases_by_reference,
    evidence_for_download,
    report_of_case,
    status_counts,
)
from cases.services import (
    add_note,
    ask_reporter,
    assign_case,
    merge_cases,
    record_evidence_download,
    set_tags,
    transition_case,
)
from cases.tagging import tag_slugs
from cases.timeline import case_timeline
from intake import evidence as evidence_files
from intake.metadata import NoSharedCopy
from plumbing.api_errors import InvalidParameters, refusal_exception_handler

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


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(CaseAPIErrorSerializer, description=description)


_401 = _error("`not_authenticated`: no valid session or token.")
_403 = _error("`role_not_permitted`: your role may not work on cases.")
_404 = _error("`not_found`: no case you may see has this reference.")


def _body_errors(codes: str) -> OpenApiResponse:
    return _error(
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


def _etag(version: int) -> str:
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


# -- Queue ----------------------------------------------------------------------------------


class CasePagination(PageNumberPagination):
    page_size = 25
    # Counts stop at COUNT_CAP ("more than 1000"): see cases/pagination.py.
    django_paginator_class = CappedPaginator


class CaseListView(CaseAPIView):
    @extend_schema(
        operation_id="list_cases",
        tags=[TAG],
        summary="The case queue",
        description="Cases you may see that match every filter given, sorted by `ordering`, "
        "25 per page, with counts per status. Unknown or malformed parameters answer 400 "
        "`invalid_parameter` naming each. Merged cases are left out unless "
        "`include_merged=true`.",
        parameters=[
            CaseQueueQuerySerializer,
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
        ],
        responses={
            200: CasePageSerializer,
            400: _error("`invalid_parameter`: `errors` names each bad parameter."),
            401: _401,
            403: _403,
            404: _error("`not_found`: the page is out of range."),
        },
    )
    def get(self, request: Request) -> Response:
        query = CaseQueueQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise InvalidParameters.from_serializer_errors(query.errors)
        params = query.validated_data
        filters = QueueFilters(
            statuses=tuple(params.get("status", ())),
            priorities=tuple(int(p) for p in params.get("priority", ())),
            kinds=tuple(params.get("kind", ())),
            agencies=tuple(params.get("agency", ())),
            city=params.get("city", ""),
            occurred_from=params.get("occurred_from"),
            occurred_to=params.get("occurred_to"),
            assignee=params.get("assignee", ""),
            has_evidence=params["has_evidence"],
            weapons_drawn=params["weapons_drawn"],
            tags=tuple(tag_slugs(params.get("tag", ()))),
            text=params.get("q", ""),
            sort=params["ordering"],
            include_merged=params["include_merged"],
        )
        paginator = CasePagination()
        # Never None: CasePagination sets a page size. It sets `paginator.page` too.
        page = cast(
            "list[Case]",
            paginator.paginate_queryset(
                case_queue(user=request.user, filters=filters), request, view=self
            ),
        )
        counted = cast(CappedPaginator, paginator.page.paginator)  # type: ignore[union-attr]  # set just above
        counts = status_counts(user=request.user, filters=filters)
        # Only a staff-written override reason needs the cases' identities to be shown.
        projections = project_cases(
            reader=request.user, cases=[case for case in page if case.priority_override_reason]
        )
        return Response(
            {
                "count": counted.shown_count,
                "count_capped": counted.count_capped,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "status_counts": {name: min(n, counted.cap) for name, n in counts.items()},
                "status_counts_capped": [name for name, n in counts.items() if n > counted.cap],
                "results": CaseRowSerializer(
                    page, many=True, context={"projections": projections}
                ).data,
            }
        )


# -- One case -------------------------------------------------------------------------------


@dataclass
class _CasePage:
    """A case with everything its page shows, read by CaseDetailSerializer."""

    case: Projected
    reports: list[Projected]
    notes: list[Projected]
    merged_cases: list[Case]
    conflicts: list[Conflict]
    allowed_transitions: list[str]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.case, name)


class CaseDetailView(CaseAPIView):
    @extend_schema(
        operation_id="get_case",
        tags=[TAG],
        summary="A case with everything on it",
        description="Reports with their complainants, encounter, witnesses, evidence metadata "
        "and facts; where sources disagree, `conflicts`; the notes you may read. A person's "
        "identity fields are null with `identity_withheld: true` where your role may not see "
        "them. A merged case is answered as it is, with `merged_into` naming the survivor.",
        parameters=[REFERENCE, ETAG],
        responses={200: CaseDetailSerializer, 401: _401, 403: _403, 404: _404},
    )
    def get(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        contents = case_contents(user=request.user, case=case)
        projection = project_case(reader=request.user, reports=contents.reports)
        facts = [fact for report in contents.reports for fact in report.facts.all()]
        page = _CasePage(
            case=projection.record(case),
            reports=projection.records(contents.reports),
            notes=projection.records(contents.notes),
            merged_cases=contents.merged_cases,
            conflicts=projection.conflicts(find_conflicts(facts)),
            allowed_transitions=(
                [] if case.merged_into_id else
                workflow.allowed_targets(case.status, role_of(request.user))
            ),
        )
        record_access(
            request=request,
            kind=AccessKind.CASE,
            object_id=case.reference,
            case_reference=case.reference,
        )
        return Response(
            CaseDetailSerializer(page, context={"request": request}).data,
            headers={"ETag": _etag(case.version)},
        )


class CaseHistoryView(CaseAPIView):
    @extend_schema(
        operation_id="get_case_history",
        tags=[TAG],
        summary="A case's timeline",
        description="Every recorded change to the case, its reports and the notes you may "
        "read, oldest first: who, when, why, and each changed field before and after.",
        parameters=[REFERENCE],
        responses={200: TimelineEntrySerializer(many=True), 401: _401, 403: _403, 404: _404},
    )
    def get(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        entries = case_timeline(user=request.user, case=case)
        record_access(
            request=request,
            kind=AccessKind.CASE_HISTORY,
            object_id=case.reference,
            case_reference=case.reference,
        )
        return Response(TimelineEntrySerializer(entries, many=True).data)


# -- Writes ---------------------------------------------------------------------------------


def _summary(case: Case, reader: Any) -> dict[str, Any]:
    case = Case.objects.select_related("assignee", "merged_into").get(pk=case.pk)
    with_reason = [case] if case.priority_override_reason else []
    projections = project_cases(reader=reader, cases=with_reason)
    return CaseSummarySerializer(
        case, context={"projections": projections}
    ).data


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
_WRITE_ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 412],
    description="The case's version now, in quotes: the `If-Match` of a next change.",
)
_412 = OpenApiResponse(
    StaleCaseErrorSerializer,
    description="`stale_case`: the case changed since the version in `If-Match`. Nothing was "
    "changed; `detail` says what changed, who changed it and when, and `case` is the case as it "
    "is now (its version is the `ETag` of this answer).",
)
_428 = _error(
    '`precondition_required`: no `If-Match` header with one version (`"7"`). Nothing was '
    "changed."
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
                    "case": _summary(case, self.request.user),
                },
                status=status.HTTP_412_PRECONDITION_FAILED,
                headers={"ETag": _etag(case.version)},
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
        return Response(_summary(case, self.request.user), headers={"ETag": _etag(case.version)})


class CaseTransitionView(CaseWriteView):
    @extend_schema(
        operation_id="transition_case",
        tags=[TAG],
        summary="Move a case through the workflow",
        description="new → triaged → investigating → referred → resolved → closed; new or "
        "triaged → closed with a close reason and a reason; referred → investigating; closed or "
        "resolved → triaged (reopen, with a reason). The reason is kept in the history.",
        parameters=[REFERENCE, IF_MATCH, _WRITE_ETAG],
        request=TransitionInputSerializer,
        responses={
            200: CaseSummarySerializer,
            400: _body_errors(
                "`transition_not_allowed`, `reason_required`, `invalid_close_reason`, "
                "`case_merged`"
            ),
            401: _401,
            403: _error("`role_not_permitted`: your role may not make this move."),
            404: _404,
            412: _412,
            428: _428,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        seen = self.seen_version(request)
        body = TransitionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = transition_case(
            case=case, actor=request.user, expected_version=seen, **body.validated_data
        )
        return self.changed(case)


class CaseNoteCreateView(CaseAPIView):
    @extend_schema(
        operation_id="add_case_note",
        tags=[TAG],
        summary="Add a note to a case",
        description="A note adds to the case and overwrites nothing, so it takes no `If-Match`.",
        parameters=[REFERENCE],
        request=NoteInputSerializer,
        responses={
            201: NoteSerializer,
            400: _body_errors("`empty_note`, `invalid_visibility`"),
            401: _401,
            403: _error("`role_not_permitted`: e.g. a legal-only note by a liaison."),
            404: _404,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        body = NoteInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = add_note(case=case, author=request.user, **body.validated_data)
        projection = project_cases(reader=request.user, cases=[case])[case.pk]
        return Response(
            NoteSerializer(projection.record(note)).data, status=status.HTTP_201_CREATED
        )


class CaseQuestionCreateView(CaseAPIView):
    @extend_schema(
        operation_id="ask_reporter",
        tags=[TAG],
        summary="Post a question to the person who filed a report of the case",
        description="They read it when they next sign in to their report with its tracking code "
        "and secret, and their answer appears in the report's `messages` and the history. Where "
        "they agreed to be contacted and said it is safe, an e-mail tells them only that a "
        "message is waiting. Like a note, a question takes no `If-Match`.",
        parameters=[REFERENCE],
        request=QuestionInputSerializer,
        responses={
            201: MessageSerializer,
            400: _body_errors("`invalid_question`, `reporter_unreachable`"),
            401: _401,
            403: _error("`role_not_permitted`"),
            404: _404,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        body = QuestionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = report_of_case(case=case, tracking_code=body.validated_data["report"])
        if report is None:
            raise exceptions.ValidationError(
                {"report": [_("No report of this case has this tracking code.")]}
            )
        question = ask_reporter(
            case=case, report=report, author=request.user, body=body.validated_data["body"]
        )
        projection = project_cases(reader=request.user, cases=[case])[case.pk]
        return Response(
            MessageSerializer(projection.record(question)).data, status=status.HTTP_201_CREATED
        )


class CaseMergeView(CaseWriteView):
    @extend_schema(
        operation_id="merge_cases",
        tags=[TAG],
        summary="Merge duplicates into this case",
        description="This case survives: the duplicates' reports move to it, and each "
        "duplicate is closed as a duplicate pointing at it. Nothing is deleted; every history "
        "row stays. A duplicate you may not see is refused like one that does not exist. "
        "`If-Match` is this case's ETag. If this case was itself merged, the duplicates go to "
        "the case it was merged into, which is answered. A duplicate already merged is refused "
        "(`case_merged`, naming the case it went into). Cases merged into a duplicate earlier "
        "follow it, so `merged_into` always names a case that is not merged.",
        parameters=[REFERENCE, IF_MATCH, _WRITE_ETAG],
        request=MergeInputSerializer,
        responses={
            200: CaseSummarySerializer,
            400: _body_errors("`reason_required`, `invalid_merge`, `case_merged`"),
            401: _401,
            403: _error("`role_not_permitted`: your role may not merge cases."),
            404: _404,
            412: _412,
            428: _428,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        survivor = self.get_case(reference)
        seen = self.seen_version(request)
        body = MergeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        duplicates, missing = cases_by_reference(
            user=request.user, references=body.validated_data["duplicates"]
        )
        if missing:
            raise exceptions.ValidationError(
                {"duplicates": [_("No case has the reference %s.") % ref for ref in missing]}
            )
        if any(d.pk == survivor.pk for d in duplicates):
            raise CaseError(ErrorCode.INVALID_MERGE, _("A case cannot be merged into itself."))
        case = merge_cases(
            survivor=survivor,
            duplicates=duplicates,
            actor=request.user,
            reason=body.validated_data["reason"],
            expected_version=seen,
        )
        return self.changed(case)


class CaseAssignView(CaseWriteView):
    @extend_schema(
        operation_id="assign_case",
        tags=[TAG],
        summary="Assign, reassign or unassign a case",
        parameters=[REFERENCE, IF_MATCH, _WRITE_ETAG],
        request=AssignInputSerializer,
        responses={
            200: CaseSummarySerializer,
            400: _body_errors("`invalid_assignee`, `case_merged`"),
            401: _401,
            403: _error("`role_not_permitted`: your role may not assign cases."),
            404: _404,
            412: _412,
            428: _428,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        seen = self.seen_version(request)
        body = AssignInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignee_id = body.validated_data["assignee"]
        assignee = None
        if assignee_id is not None:
            assignee = get_user_model().objects.filter(pk=assignee_id).first()
            if assignee is None:
                raise CaseError(
                    ErrorCode.INVALID_ASSIGNEE, _("Cases can only be assigned to case workers.")
                )
        case = assign_case(
            case=case,
            assignee=assignee,
            actor=request.user,
            reason=body.validated_data["reason"],
            expected_version=seen,
        )
        return self.changed(case)


class CaseTagsView(CaseWriteView):
    @extend_schema(
        operation_id="set_case_tags",
        tags=[TAG],
        summary="Set a case's tags",
        description="The case gets exactly the tags given (an empty list removes them all), "
        "at most 20, written as slugs. The change is one history row with the reason, or one "
        "listing what was added and removed.",
        parameters=[REFERENCE, IF_MATCH, _WRITE_ETAG],
        request=TagsInputSerializer,
        responses={
            200: CaseSummarySerializer,
            400: _body_errors("`invalid_tags`, `case_merged`"),
            401: _401,
            403: _error("`role_not_permitted`: your role may not tag cases."),
            404: _404,
            412: _412,
            428: _428,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        seen = self.seen_version(request)
        body = TagsInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = set_tags(
            case=case,
            names=body.validated_data["tags"],
            actor=request.user,
            reason=body.validated_data["reason"],
            expected_version=seen,
        )
        return self.changed(case)


# -- Evidence files -------------------------------------------------------------------------


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
                "evidence_id", OpenApiTypes.INT, OpenApiParameter.PATH,
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
            400: _error("`invalid_parameter`: `errors` names each bad parameter."),
            401: _401,
            403: _403,
            404: _error("`not_found`: no file you may download has this id."),
            409: _error("`no_shared_copy`: no copy without the data inside the file can be made."),
        },
    )
    def get(self, request: Request, evidence_id: int) -> FileResponse:
        query = EvidenceDownloadQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise InvalidParameters.from_serializer_errors(query.errors)
        original = query.validated_data["original"]
        evidence = evidence_for_download(user=request.user, evidence_id=evidence_id)
        if evidence is None or (
            original and not can_download_original_evidence(request.user, evidence)
        ):
            raise exceptions.NotFound(_("No file you may download has this id."))
        try:
            response = evidence_files.file_response(evidence, original=original)
        except NoSharedCopy as refused:
            raise _NoSharedCopyError from refused
        try:
            record_evidence_download(evidence=evidence, actor=request.user, original=original)
            record_access(
                request=request,
                kind=AccessKind.EVIDENCE_DOWNLOAD,
                object_id=evidence.pk,
                case_reference=evidence.report.case.reference,
            )
        except BaseException:
            response.close()
            raise
        return response
