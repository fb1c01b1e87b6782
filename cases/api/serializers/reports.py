"""A report of a case as the case detail shows it: who filed it and who saw it (their identity
fields null where the reader may not see who they are), the encounter, the files, what the
person added later, the questions asked of them and their answers, and, for a press report,
its source."""

from typing import Any

from rest_framework import serializers

from cases.api.serializers.evidence import EvidenceSerializer
from cases.api.serializers.fields import ADDITION, UserSummarySerializer
from intake.models import (
    Agency,
    Complainant,
    Encounter,
    EncounterKind,
    PerceivedBasis,
    Report,
    ReportAddition,
    ReportMessage,
    Witness,
)


def encounter_of(report: Report) -> Encounter | None:
    """The report's encounter, or None for a report that has none (reading the reverse
    one-to-one raises instead)."""
    try:
        return report.encounter
    except Encounter.DoesNotExist:
        return None


class _IdentityMixin(serializers.Serializer):
    identity_withheld = serializers.BooleanField(
        read_only=True, help_text="True when your role may not see who this person is."
    )


class ComplainantSerializer(_IdentityMixin, serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, allow_null=True)
    email = serializers.CharField(read_only=True, allow_null=True)
    phone = serializers.CharField(read_only=True, allow_null=True)
    race_ethnicity = serializers.CharField(read_only=True, allow_null=True)
    occupation = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Complainant
        fields = [
            "id", "role", "is_anonymous", "name", "email", "phone", "safe_to_contact",
            "preferred_language", "race_ethnicity", "occupation", "identity_withheld",
        ]
        read_only_fields = fields


class WitnessSerializer(_IdentityMixin, serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, allow_null=True)
    contact = serializers.CharField(read_only=True, allow_null=True)
    addition = ADDITION

    class Meta:
        model = Witness
        fields = [
            "id", "name", "contact", "statement", "willing_to_be_contacted", "identity_withheld",
            "addition",
        ]
        read_only_fields = fields


class EncounterSerializer(serializers.ModelSerializer):
    kinds: "serializers.SlugRelatedField[EncounterKind]" = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    agencies: "serializers.SlugRelatedField[Agency]" = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    perceived_basis: "serializers.SlugRelatedField[PerceivedBasis]" = (
        serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    )
    address = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Null (as are `latitude` and `longitude`) where your role may not see who the "
        "people of the report are: where it happened can be where they live or work.",
    )
    # Sealed in the database as text (plumbing/keys/fields.py); numbers here, as before.
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, read_only=True, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, read_only=True, allow_null=True
    )

    class Meta:
        model = Encounter
        fields = [
            "occurred_at", "occurred_at_is_approximate", "address", "city", "state",
            "latitude", "longitude", "kinds", "agencies", "agent_count", "vehicle_count",
            "vehicle_description", "plates", "agents_identified", "perceived_basis",
            "perceived_basis_other", "injuries", "outcome",
        ]
        read_only_fields = fields


class AdditionSerializer(serializers.ModelSerializer):
    """Something the person who filed the report added later. Its files and witnesses are in
    the report's `evidence` and `witnesses`, with `addition` set to this id."""

    class Meta:
        model = ReportAddition
        fields = ["id", "kind", "body", "added_at"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    """A question posted to the person who filed the report, or their answer (`reply_to`)."""

    author = UserSummarySerializer(read_only=True, allow_null=True)
    reply_to = serializers.IntegerField(source="reply_to_id", read_only=True, allow_null=True)

    class Meta:
        model = ReportMessage
        fields = ["id", "direction", "author", "body", "reply_to", "sent_at", "read_at"]
        read_only_fields = fields


class FactSerializer(serializers.Serializer):
    topic = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
    value = serializers.CharField(read_only=True)


class SourceSerializer(serializers.Serializer):
    """A press source as people can cite it (never our file name for the article); null for a
    report that did not come from the press. Read from the report itself (`source="*"`)."""

    headline = serializers.CharField(source="source_headline", read_only=True)
    outlet = serializers.CharField(source="source_outlet", read_only=True)
    author = serializers.CharField(source="source_author", read_only=True)
    published_on = serializers.DateField(
        source="source_published_on", read_only=True, allow_null=True
    )
    url = serializers.CharField(source="source_url", read_only=True)
    checked = serializers.BooleanField(
        source="source_citation_checked",
        read_only=True,
        help_text="The citation was read from the article itself: an empty author, date or URL "
        "means the article gives none.",
    )

    def to_representation(self, report: Any) -> dict[str, Any] | None:  # type: ignore[override]  # null for no source
        if not report.source_file:
            return None
        return super().to_representation(report)


class ReportSerializer(serializers.ModelSerializer):
    source = SourceSerializer(  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
        source="*", read_only=True, allow_null=True, help_text="Where a press report comes from."
    )
    complainants = ComplainantSerializer(many=True, read_only=True)
    # Built with the report's serializer, not for every report (a ModelSerializer works out its
    # fields from the model each time it is made). Null for a report without an encounter.
    encounter = EncounterSerializer(read_only=True, allow_null=True)
    witnesses = WitnessSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    facts = FactSerializer(many=True, read_only=True)
    additions = AdditionSerializer(many=True, read_only=True)
    messages = MessageSerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = [
            "tracking_code", "channel", "language", "narrative", "consent_to_contact",
            "consent_to_share_with_liaison", "submitted_at", "source", "complainants",
            "encounter", "witnesses", "evidence", "facts", "additions", "messages",
        ]
        read_only_fields = fields
