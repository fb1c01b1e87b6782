"""An evidence file of a report: its metadata as the case detail shows it, and the query of
`GET /api/v1/evidence/{id}/download/`."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.access import can_download_evidence
from cases.api.serializers.fields import ADDITION
from intake.models import Evidence
from plumbing.api_input import StrictInputSerializer


class EvidenceSerializer(serializers.ModelSerializer):
    """Metadata, and where your role may have the file (cases.access.can_download_evidence),
    the address to download it from."""

    download_url = serializers.SerializerMethodField(
        help_text="`GET` it for the file; null where your role may not download it (a liaison, "
        "without the complainant's consent to share with liaisons)."
    )

    # A file's name can identify the person ("ana_garcia_license.jpg"): the projection shows it
    # where the reader may see who the people of the report are, as it does the file itself.
    original_name = serializers.CharField(
        read_only=True, allow_null=True, help_text="Null where your role may not download the file."
    )
    addition = ADDITION

    class Meta:
        model = Evidence
        fields = [
            "id", "original_name", "content_type", "size", "sha256", "description",
            "uploaded_at", "download_count", "download_url", "addition",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, evidence: Evidence) -> str | None:
        request = self.context.get("request")
        if request is None or not can_download_evidence(request.user, evidence):
            return None
        return request.build_absolute_uri(
            reverse("cases_api:evidence-download", kwargs={"evidence_id": evidence.pk})
        )


class EvidenceDownloadQuerySerializer(StrictInputSerializer):
    """The query of `GET /api/v1/evidence/{id}/download/`."""

    original = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The file as it was received, with the location, camera and other data stored "
        "inside it: legal staff only (404 for anyone else). Without it, a copy that leaves "
        "that data out.",
    )
