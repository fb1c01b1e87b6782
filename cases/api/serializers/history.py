"""The entries of a case's timeline (`GET /api/v1/cases/{reference}/history/`): every recorded
change to the case, its reports and the notes the reader may read, with who, when, why, and
each changed field before and after."""

from rest_framework import serializers


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
    before = serializers.CharField(read_only=True)
    after = serializers.CharField(read_only=True)


class TimelineEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField(read_only=True)
    actor = serializers.CharField(read_only=True, help_text="Username, or “the public”.")
    subject = serializers.CharField(read_only=True)
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"], read_only=True)
    reason = serializers.CharField(read_only=True)
    changes = ChangeSerializer(many=True, read_only=True)
