"""Changing cases: the workflow, notes, questions to the reporter, merges, assignment and tags.
Each answers with the case's summary as it now is."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.serializers.actions import (
    AssignInputSerializer,
    MergeInputSerializer,
    QuestionInputSerializer,
    TagsInputSerializer,
    TransitionInputSerializer,
)
from cases.api.serializers.cases import CaseSummarySerializer
from cases.api.serializers.notes import NoteInputSerializer, NoteSerializer
from cases.api.serializers.reports import MessageSerializer
from cases.api.views.base import (
    IF_MATCH,
    REFERENCE,
    RESPONSE_401,
    RESPONSE_404,
    RESPONSE_412,
    RESPONSE_428,
    TAG,
    WRITE_ETAG,
    CaseAPIView,
    CaseWriteView,
    body_errors_response,
    error_response,
)
from cases.exceptions import CaseError, ErrorCode
from cases.privacy import project_cases
from cases.selectors import (
    cases_by_reference,
    report_of_case,
)
from cases.services import (
    add_note,
    ask_reporter,
    assign_case,
    merge_cases,
    set_tags,
    transition_case,
)


class CaseTransitionView(CaseWriteView):
    @extend_schema(
        operation_id="transition_case",
        tags=[TAG],
        summary="Move a case through the workflow",
        description="new → triaged → investigating → referred → resolved → closed; new or "
        "triaged → closed with a close reason and a reason; referred → investigating; closed or "
        "resolved → triaged (reopen, with a reason). The reason is kept in the history.",
        parameters=[REFERENCE, IF_MATCH, WRITE_ETAG],
        request=TransitionInputSerializer,
        responses={
            200: CaseSummarySerializer,
            400: body_errors_response(
                "`transition_not_allowed`, `reason_required`, `invalid_close_reason`, `case_merged`"
            ),
            401: RESPONSE_401,
            403: error_response("`role_not_permitted`: your role may not make this move."),
            404: RESPONSE_404,
            412: RESPONSE_412,
            428: RESPONSE_428,
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
            400: body_errors_response("`empty_note`, `invalid_visibility`"),
            401: RESPONSE_401,
            403: error_response("`role_not_permitted`: e.g. a legal-only note by a liaison."),
            404: RESPONSE_404,
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
            400: body_errors_response("`invalid_question`, `reporter_unreachable`"),
            401: RESPONSE_401,
            403: error_response("`role_not_permitted`"),
            404: RESPONSE_404,
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
        parameters=[REFERENCE, IF_MATCH, WRITE_ETAG],
        request=MergeInputSerializer,
        responses={
            200: CaseSummarySerializer,
            400: body_errors_response("`reason_required`, `invalid_merge`, `case_merged`"),
            401: RESPONSE_401,
            403: error_response("`role_not_permitted`: your role may not merge cases."),
            404: RESPONSE_404,
            412: RESPONSE_412,
            428: RESPONSE_428,
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
        parameters=[REFERENCE, IF_MATCH, WRITE_ETAG],
        request=AssignInputSerializer,
        responses={
            200: CaseSummarySerializer,
            400: body_errors_response("`invalid_assignee`, `case_merged`"),
            401: RESPONSE_401,
            403: error_response("`role_not_permitted`: your role may not assign cases."),
            404: RESPONSE_404,
            412: RESPONSE_412,
            428: RESPONSE_428,
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
        parameters=[REFERENCE, IF_MATCH, WRITE_ETAG],
        request=TagsInputSerializer,
        responses={
            200: CaseSummarySerializer,
            400: body_errors_response("`invalid_tags`, `case_merged`"),
            401: RESPONSE_401,
            403: error_response("`role_not_permitted`: your role may not tag cases."),
            404: RESPONSE_404,
            412: RESPONSE_412,
            428: RESPONSE_428,
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
