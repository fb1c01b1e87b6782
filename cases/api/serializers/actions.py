"""The bodies of the case writes other than a note (notes): a workflow move, a question to the
person who filed a report, a merge, the case's tags and its assignee. Each only checks shape
and types; the case services decide, and refuse with codes of their own."""

from rest_framework import serializers

from cases.api.serializers.fields import StatusField, WordsField
from cases.models import Case
from plumbing.api_input import StrictInputSerializer


class TransitionInputSerializer(StrictInputSerializer):
    to = StatusField(help_text="The status to move to: a value of `status`.")
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text="Required where the workflow says (early close, reopen); kept in history.",
    )
    close_reason = serializers.ChoiceField(
        choices=Case.CloseReason.choices, required=False, allow_blank=True, default="",
        help_text="Only when closing: why.",
    )


class QuestionInputSerializer(StrictInputSerializer):
    report = serializers.CharField(
        max_length=20,
        help_text="The tracking code of the report of this case whose person is asked: one filed "
        "through the public form or API (`reporter_unreachable` otherwise).",
    )
    body = WordsField(
        max_length=5000, help_text="The question. Not empty, not only spaces (`invalid_question`)."
    )


class MergeInputSerializer(StrictInputSerializer):
    duplicates = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=50,
        help_text="References of the cases to merge into this one; this case survives.",
    )
    reason = WordsField(
        max_length=2000, help_text="Why they are duplicates; required (`reason_required`)."
    )


class TagsInputSerializer(StrictInputSerializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=100,
        help_text="Every tag the case should have; the others are removed. Written as slugs "
        "(`Media attention` becomes `media-attention`); new ones are created.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AssignInputSerializer(StrictInputSerializer):
    assignee = serializers.IntegerField(
        allow_null=True, min_value=1, help_text="A case worker's user id, or null to unassign."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
