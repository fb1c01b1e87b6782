"""`GET /api/v1/statistics/`: the figures of the statistics page, for legal staff.

The same figures and filters as /staff/statistics/ (reports/statistics/), served from the
newest snapshot for those filters when it is less than a day old (`source: "snapshot"`), else
computed for this request and not stored (`source: "live"`); `fresh=true` always computes.

Who: statistics exports are for legal staff (`cases.view_statistics`); anyone else signed in
gets 403 `role_not_permitted`, and a caller with no credentials 401. Exact counts go only to
callers who may see every identity, and only when they do not ask for a shareable copy
(`sharing=true`); otherwise counts of 1 to 4 are null (see `suppressed` on each).
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api_tokens.authentication import ApiTokenAuthentication
from cases.access import require_permission
from cases.exceptions import CaseError
from cases.exceptions import ErrorCode as CaseErrorCode
from intake.models import Agency
from plumbing.api_errors import ErrorCode as RequestCode
from plumbing.api_errors import InvalidParameters, messages_by_name, refusal_exception_handler
from plumbing.api_input import CodeListField, QueryParametersSerializer
from reports.statistics.filters import StatisticsFilters
from reports.statistics.snapshots import current_figures
from reports.statistics.suppression import (
    COMPLEMENTARY,
    SMALL,
    SMALL_CELL_THRESHOLD,
    figures_for,
    must_suppress,
)

TAG = "Statistics"


# -- Input ----------------------------------------------------------------------------------


class StatisticsQuerySerializer(QueryParametersSerializer):
    """The filters and options of `GET /api/v1/statistics/`."""

    occurred_from = serializers.DateField(
        required=False, help_text="Encounters on or after this day (metro area time)."
    )
    occurred_to = serializers.DateField(
        required=False, help_text="Encounters on or before this day (metro area time)."
    )
    agency = CodeListField(
        queryset=Agency.objects.all(),
        help_text="Agency codes; reports naming any of them count. Repeat it or separate "
        "codes with commas.",
    )
    fresh = serializers.BooleanField(
        required=False, default=False, help_text="Compute now instead of serving a snapshot."
    )
    sharing = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A copy to share outside legal staff: counts of 1 to 4 hidden.",
    )

    given_once = ("occurred_from", "occurred_to", "fresh", "sharing")
    date_range = ("occurred_from", "occurred_to")


# -- Output ---------------------------------------------------------------------------------

_SUPPRESSION_REASONS = [
    (SMALL, "The count is 1 to 4."),
    (COMPLEMENTARY, "Hidden so that a small count cannot be worked out from the total."),
]


class StatisticsCategorySerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text="A stable code (kind, agency, basis, status), `YYYY-MM` for a month, the "
        "lower-cased city name; null for \"not known\".",
    )
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
    count = serializers.IntegerField(allow_null=True, help_text="Null when hidden.")
    suppressed = serializers.ChoiceField(
        choices=_SUPPRESSION_REASONS, allow_null=True, help_text="Why `count` is hidden."
    )


class StatisticsShareSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, help_text="Reports with the trait.")
    total = serializers.IntegerField(allow_null=True, help_text="All matching reports.")
    share = serializers.FloatField(allow_null=True, help_text="count / total, from 0 to 1.")
    suppressed = serializers.ChoiceField(
        choices=_SUPPRESSION_REASONS, allow_null=True, help_text="Why `count` is hidden."
    )


class StatisticsSharesSerializer(serializers.Serializer):
    weapons_drawn = StatisticsShareSerializer()
    recording_interfered = StatisticsShareSerializer()


class StatisticsTotalsSerializer(serializers.Serializer):
    reports = serializers.IntegerField(allow_null=True)
    cases = serializers.IntegerField(
        allow_null=True, help_text="Cases with a matching report, not counting merged ones."
    )


class StatisticsFiltersSerializer(serializers.Serializer):
    occurred_from = serializers.DateField(allow_null=True)
    occurred_to = serializers.DateField(allow_null=True)
    agencies = serializers.ListField(child=serializers.CharField())


class StatisticsSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField()
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
        choices=[("snapshot", "A stored snapshot"), ("live", "Computed for this request")]
    )
    snapshot_id = serializers.IntegerField(allow_null=True)
    filters = StatisticsFiltersSerializer()
    suppressed = serializers.BooleanField(help_text="Whether counts of 1 to 4 are hidden.")
    suppression_threshold = serializers.IntegerField()
    totals = StatisticsTotalsSerializer()
    reports_by_kind = StatisticsCategorySerializer(many=True)
    reports_by_agency = StatisticsCategorySerializer(many=True)
    reports_by_month = StatisticsCategorySerializer(many=True)
    reports_by_city = StatisticsCategorySerializer(many=True)
    reports_by_basis = StatisticsCategorySerializer(many=True)
    cases_by_status = StatisticsCategorySerializer(many=True)
    cases_by_priority = StatisticsCategorySerializer(many=True)
    shares = StatisticsSharesSerializer()


# -- Errors ---------------------------------------------------------------------------------


class StatisticsAPIErrorSerializer(serializers.Serializer):
    """The body of every error answer of the statistics API."""

    code = serializers.ChoiceField(
        choices=[
            (CaseErrorCode.ROLE_NOT_PERMITTED.value, "Your role may not see statistics."),
            *RequestCode.choices,
        ],
        help_text="For a client to act on.",
    )
    detail = serializers.CharField(help_text="A sentence for a person.")
    errors = messages_by_name(  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
        "With `invalid_parameter` only: the messages for each bad query parameter, "
        "by name."
    )


# `require_permission` refuses with a `CaseError`.
statistics_exception_handler = refusal_exception_handler(
    CaseError, status_of={CaseErrorCode.ROLE_NOT_PERMITTED: status.HTTP_403_FORBIDDEN}
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(StatisticsAPIErrorSerializer, description=description)


# -- View -----------------------------------------------------------------------------------


class StatisticsView(APIView):
    authentication_classes: Any = (ApiTokenAuthentication, SessionAuthentication)
    permission_classes: Any = (IsAuthenticated,)
    renderer_classes: Any = (JSONRenderer,)

    def get_exception_handler(self) -> Any:
        return statistics_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        require_permission(request.user, "cases.view_statistics", "see statistics")

    @extend_schema(
        operation_id="get_statistics",
        tags=[TAG],
        summary="Counts of reports and cases",
        description="Reports by what agents did, agency, month, city and perceived basis; "
        "cases by status and priority; the share of reports with weapons drawn and with "
        "recording interfered with. Served from the newest snapshot for these filters when "
        "it is under a day old, else computed now. Counts of 1 to 4 are null unless the "
        "caller may see every identity and did not ask for `sharing`.",
        parameters=[StatisticsQuerySerializer],
        responses={
            200: StatisticsSerializer,
            400: _error("`invalid_parameter`: `errors` names each bad parameter."),
            401: _error("`not_authenticated`: no valid session or token."),
            403: _error("`role_not_permitted`: statistics are for legal staff."),
        },
    )
    def get(self, request: Request) -> Response:
        query = StatisticsQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise InvalidParameters.from_serializer_errors(query.errors)
        params = query.validated_data
        filters = StatisticsFilters(
            occurred_from=params.get("occurred_from"),
            occurred_to=params.get("occurred_to"),
            agencies=tuple(params.get("agency", ())),
        )
        current = current_figures(filters=filters, fresh=params["fresh"])
        suppress = must_suppress(request.user, for_sharing=params["sharing"])
        figures = figures_for(current.figures, suppress=suppress)
        # The figures are plain JSON data already in the documented shape
        # (StatisticsSerializer; a test holds the two together), so they go out as they are:
        # running a serializer over every entry would cost more than reading them.
        body = {
            name: figures[name]
            for name in StatisticsSerializer._declared_fields
            if name in figures
        }
        body.update(
            computed_at=serializers.DateTimeField().to_representation(current.computed_at),
            source=current.source,
            snapshot_id=current.snapshot.pk if current.snapshot else None,
            filters=filters.as_dict(),
            suppressed=suppress,
            suppression_threshold=SMALL_CELL_THRESHOLD,
        )
        return Response(body)
