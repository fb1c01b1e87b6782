"""A case as the staff case API answers with it: its own fields (`CaseSummarySerializer`, also
the answer of every write and the base of a queue row) and everything about it (the detail)."""

from typing import Any

from rest_framework import serializers

from cases.api.serializers.fields import StatusField, UserSummarySerializer
from cases.api.serializers.notes import NoteSerializer
from cases.api.serializers.reports import ReportSerializer
from cases.models import Case
from cases.privacy import Projected


class CaseSummarySerializer(serializers.Serializer):
    """A case's own fields: what a queue row shows, and the answer of the write operations."""

    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Case.Status.choices, read_only=True)
    status_changed_at = serializers.DateTimeField(read_only=True)
    close_reason = serializers.CharField(read_only=True, help_text="Empty unless closed.")
    priority = serializers.ChoiceField(choices=Case.Priority.choices, read_only=True)
    computed_priority = serializers.IntegerField(
        read_only=True, help_text="What the encounter kinds give, on the scale of `priority`."
    )
    priority_override_reason = serializers.SerializerMethodField()
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    due_date = serializers.DateField(read_only=True, allow_null=True)
    merged_into = serializers.CharField(
        source="merged_into.reference",
        read_only=True,
        allow_null=True,
        help_text="The surviving case's reference if this one was merged into it.",
    )
    opened_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(
        read_only=True,
        help_text="Goes up with every change to the case. A write sends it back as "
        '`If-Match: "<version>"` (the ETag of the case\'s detail) and is refused with 412 '
        "`stale_case` if the case changed since.",
    )
    tags = serializers.SerializerMethodField()

    def get_tags(self, case: Case) -> list[str]:
        return [tag.name for tag in case.tags.all()]

    def get_priority_override_reason(self, case: Case | Projected) -> str | None:
        # Staff-written free text: read through the case's projection, which the view passes
        # as `projections` (by case id) for cases that have a reason. Without one, nothing.
        if isinstance(case, Projected) or not case.priority_override_reason:
            return case.priority_override_reason
        projection = self.context.get("projections", {}).get(case.pk)
        if projection is None:
            return None
        return projection.record(case).priority_override_reason


class VersionSerializer(serializers.Serializer):
    value = serializers.CharField(read_only=True)
    reports = serializers.SerializerMethodField(help_text="Tracking codes of the sources.")

    def get_reports(self, version: Any) -> list[str]:
        return [report.tracking_code for report in version.reports]


class ConflictSerializer(serializers.Serializer):
    topic = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
    versions = VersionSerializer(many=True, read_only=True)


class MergedCaseSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class CaseDetailSerializer(CaseSummarySerializer):
    """Everything about a case. Built from `cases.selectors.CaseDetail`'s parts by the view."""

    allowed_transitions = serializers.ListField(
        child=StatusField(),
        read_only=True,
        help_text="The values of `status` your role may move this case to now.",
    )
    reports = ReportSerializer(many=True, read_only=True)
    conflicts = ConflictSerializer(many=True, read_only=True)
    notes = NoteSerializer(many=True, read_only=True)
    merged_cases = MergedCaseSerializer(
        many=True, read_only=True, help_text="Cases merged into this one."
    )
