"""Reading cases: the queue, a case's detail and its history."""

from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accesslog.models import AccessKind
from accesslog.services import record_access
from cases import workflow
from cases.api.serializers.cases import CaseDetailSerializer
from cases.api.serializers.history import TimelineEntrySerializer
from cases.api.serializers.queue import (
    CasePageSerializer,
    CaseQueueQuerySerializer,
    CaseRowSerializer,
)
from cases.api.views.base import (
    ETAG,
    REFERENCE,
    RESPONSE_401,
    RESPONSE_403,
    RESPONSE_404,
    TAG,
    CaseAPIView,
    error_response,
    etag_of,
)
from cases.conflicts import Conflict, conflicts_among
from cases.models import Case
from cases.pagination import CappedPaginator
from cases.privacy import Projected, project_case, project_cases
from cases.roles import role_of
from cases.selectors import (
    QueueFilters,
    case_contents,
    case_queue,
    status_counts,
)
from cases.tagging import tag_slugs
from cases.timeline import case_timeline
from plumbing.api_errors import InvalidParameters

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
            400: error_response("`invalid_parameter`: `errors` names each bad parameter."),
            401: RESPONSE_401,
            403: RESPONSE_403,
            404: error_response("`not_found`: the page is out of range."),
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
        responses={
            200: CaseDetailSerializer,
            401: RESPONSE_401,
            403: RESPONSE_403,
            404: RESPONSE_404,
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        contents = case_contents(user=request.user, case=case)
        projection = project_case(reader=request.user, reports=contents.reports)
        page = _CasePage(
            case=projection.record(case),
            reports=projection.records(contents.reports),
            notes=projection.records(contents.notes),
            merged_cases=contents.merged_cases,
            conflicts=projection.conflicts(conflicts_among(contents.reports)),
            allowed_transitions=(
                []
                if case.merged_into_id
                else workflow.allowed_targets(case.status, role_of(request.user))
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
            headers={"ETag": etag_of(case.version)},
        )


class CaseHistoryView(CaseAPIView):
    @extend_schema(
        operation_id="get_case_history",
        tags=[TAG],
        summary="A case's timeline",
        description="Every recorded change to the case, its reports and the notes you may "
        "read, oldest first: who, when, why, and each changed field before and after.",
        parameters=[REFERENCE],
        responses={
            200: TimelineEntrySerializer(many=True),
            401: RESPONSE_401,
            403: RESPONSE_403,
            404: RESPONSE_404,
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        # The API's timeline is data for scripts: in English, whatever the request's language.
        with translation.override(settings.LANGUAGE_CODE):
            entries = case_timeline(user=request.user, case=case)
        record_access(
            request=request,
            kind=AccessKind.CASE_HISTORY,
            object_id=case.reference,
            case_reference=case.reference,
        )
        return Response(TimelineEntrySerializer(entries, many=True).data)
