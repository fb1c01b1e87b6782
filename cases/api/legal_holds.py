"""The legal hold of a case, in the staff case API: read it, place one, lift it.

Legal staff only. Anyone else who works on cases gets 403 `role_not_permitted` (from the
services, cases/legal_holds.py), and a case the caller may not see answers 404 like one that
does not exist (`CaseAPIView.get_case`). A hold adds to the case's record and overwrites
nothing, so, like a note, it takes no `If-Match`.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from cases.access import require_permission
from cases.api.serializers.fields import UserSummarySerializer, WordsField
from cases.api.views.base import REFERENCE, TAG, CaseAPIView, error_response
from cases.legal_holds import (
    MAX_REASON_LENGTH,
    PERMISSION,
    hold_in_force,
    lift_legal_hold,
    place_legal_hold,
)
from cases.models import Case, LegalHold
from cases.retention import purge_date
from plumbing.api_input import StrictInputSerializer


class LegalHoldInputSerializer(StrictInputSerializer):
    reason = WordsField(
        max_length=MAX_REASON_LENGTH,
        help_text="Why; required (`reason_required`), kept in the hold's history.",
    )


class LegalHoldSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reason = serializers.CharField(read_only=True)
    placed_by = UserSummarySerializer(read_only=True)
    placed_at = serializers.DateTimeField(read_only=True)
    lifted_by = UserSummarySerializer(read_only=True, allow_null=True)
    lifted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    lift_reason = serializers.CharField(read_only=True)


class RetentionSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    purge_date = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the retention schedule purges the case, unless it is held; null for a "
        "case that is not closed, or that was merged into another (it goes with that one).",
    )
    hold = LegalHoldSerializer(
        read_only=True, allow_null=True, help_text="The hold in force on the case, if any."
    )


_RESPONSES: dict[int, Any] = {
    401: error_response("`not_authenticated`: no valid session or token."),
    403: error_response("`role_not_permitted`: only legal staff place, lift and read legal holds."),
    404: error_response("`not_found`: no case you may see has this reference."),
}
_BODY = error_response(
    "`invalid` (fields named in `errors`), `malformed_request` or `reason_required`."
)


def _retention(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "purge_date": purge_date(case),
        "hold": hold_in_force(case),
    }


class LegalHoldView(CaseAPIView):
    @extend_schema(
        operation_id="read_legal_hold",
        tags=[TAG],
        summary="When a case is purged, and the legal hold in force on it",
        parameters=[REFERENCE],
        responses={200: RetentionSerializer, **_RESPONSES},
    )
    def get(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        require_permission(request.user, PERMISSION, "read legal holds")
        return Response(RetentionSerializer(_retention(case)).data)

    @extend_schema(
        operation_id="place_legal_hold",
        tags=[TAG],
        summary="Place a legal hold on a case",
        description="While the hold is in force the retention schedule never purges the case. "
        "A case already held answers 409 `already_held`.",
        parameters=[REFERENCE],
        request=LegalHoldInputSerializer,
        responses={
            201: LegalHoldSerializer,
            400: _BODY,
            409: error_response("`already_held`: the case is already under a legal hold."),
            **_RESPONSES,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        body = LegalHoldInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hold = place_legal_hold(case=case, actor=request.user, **body.validated_data)
        return Response(LegalHoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class LegalHoldLiftView(CaseAPIView):
    @extend_schema(
        operation_id="lift_legal_hold",
        tags=[TAG],
        summary="Lift the legal hold in force on a case",
        description="The retention schedule applies to the case again. A case under no hold "
        "answers 409 `not_held`.",
        parameters=[REFERENCE],
        request=LegalHoldInputSerializer,
        responses={
            200: LegalHoldSerializer,
            400: _BODY,
            409: error_response("`not_held`: the case is not under a legal hold."),
            **_RESPONSES,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        case = self.get_case(reference)
        body = LegalHoldInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hold: LegalHold = lift_legal_hold(case=case, actor=request.user, **body.validated_data)
        return Response(LegalHoldSerializer(hold).data)
