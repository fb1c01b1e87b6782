"""The fields that more than one resource of the staff case API declares: a case status, text
the case services check for words, a user as the API names one, and the addition a file or a
witness came with."""

from typing import Any

from rest_framework import serializers

from cases.models import Case


class StatusField(serializers.ChoiceField):
    """A case status: one of `StatusEnum` (ENUM_NAME_OVERRIDES keeps it one enum)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "A case status: " + ", ".join(Case.Status.values) + ".")
        super().__init__(choices=Case.Status.choices, **kwargs)


class WordsField(serializers.CharField):
    """Text the case services refuse when it is empty or only spaces, with a code of their own
    (`empty_note`, `reason_required`): the field lets blank text through to them, and the schema
    says that it must say something."""

    documented_non_blank = True  # read by plumbing/api_schema.py

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=True, **kwargs)


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


# DRF copies declared fields for every serializer instance, so one declaration serves both the
# evidence and the witnesses of a report.
ADDITION = serializers.IntegerField(
    source="addition_id",
    read_only=True,
    allow_null=True,
    help_text="The id of the report's `additions` entry this came with; null when it was sent "
    "with the report.",
)
