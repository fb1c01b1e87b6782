"""A case note: the body of `POST /api/v1/cases/{reference}/notes/`, and a note as the case
detail and that write answer with it."""

from rest_framework import serializers

from cases.api.serializers.fields import UserSummarySerializer, WordsField
from cases.models import CaseNote
from plumbing.api_input import StrictInputSerializer


class NoteInputSerializer(StrictInputSerializer):
    body = WordsField(max_length=20_000, help_text="Not empty, not only spaces (`empty_note`).")
    visibility = serializers.ChoiceField(
        choices=CaseNote.Visibility.choices,
        required=False,
        default=CaseNote.Visibility.STAFF,
        help_text="`legal` notes need the legal role to write and to read.",
    )


class NoteSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "author", "body", "visibility", "created_at"]
        read_only_fields = fields
