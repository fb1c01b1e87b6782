"""Serializers of the staff case API.

Input serializers only check shape and types, then the views hand the values to the case
selectors and services, which make every decision. Output serializers are separate and
read-only, and read records as the reader projection (cases/privacy) shows them: the views
hand them `Projected` records, so a field is what the reader may see of it. Where the reader
may not see who the people of a report are, the identity fields are null and
`identity_withheld` is true, so a client can tell "withheld" from "not given".
"""

from datetime import datetime
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.access import can_download_evidence
from cases.exceptions import ErrorCode
from cases.models import Case, CaseNote
from cases.pagination import COUNT_CAP
from cases.privacy import Projected
from cases.selectors import SORTS
from intake.models import (
    Agency,
    Complainant,
    Encounter,
    EncounterKind,
    Evidence,
    PerceivedBasis,
    Report,
    ReportAddition,
    ReportMessage,
    Witness,
)
from plumbing.api_errors import messages_by_name
from plumbing.api_input import CodeListField, CommaListField, StrictInputSerializer

# -- Errors ---------------------------------------------------------------------------------


class APIErrorCode(models.TextChoices):
    """Every `code` the staff case API answers with. The first group are the case services'
    own codes (cases.exceptions.ErrorCode); the rest are about the request itself."""

    TRANSITION_NOT_ALLOWED = ErrorCode.TRANSITION_NOT_ALLOWED, "The workflow forbids this move."
    REASON_REQUIRED = ErrorCode.REASON_REQUIRED, "This change needs a reason."
    INVALID_CLOSE_REASON = ErrorCode.INVALID_CLOSE_REASON, "The close reason does not fit."
    ROLE_NOT_PERMITTED = ErrorCode.ROLE_NOT_PERMITTED, "The caller's role may not do this."
    CASE_MERGED = ErrorCode.CASE_MERGED, "The case was merged; work on `merged_into` instead."
    INVALID_MERGE = ErrorCode.INVALID_MERGE, "These cases cannot be merged."
    INVALID_ASSIGNEE = ErrorCode.INVALID_ASSIGNEE, "Cases can only be assigned to case workers."
    INVALID_VISIBILITY = ErrorCode.INVALID_VISIBILITY, "Not a note visibility."
    EMPTY_NOTE = ErrorCode.EMPTY_NOTE, "A note cannot be empty."
    INVALID_TAGS = ErrorCode.INVALID_TAGS, "Too many tags for one case."
    REPORTER_UNREACHABLE = (
        ErrorCode.REPORTER_UNREACHABLE,
        "Only a report filed through the public form or API has a person who can be asked.",
    )
    INVALID_QUESTION = ErrorCode.INVALID_QUESTION, "A question must have 1 to 5000 characters."
    ALREADY_HELD = ErrorCode.ALREADY_HELD, "The case is already under a legal hold."
    NOT_HELD = ErrorCode.NOT_HELD, "The case is not under a legal hold."
    STALE_CASE = (
        ErrorCode.STALE_CASE,
        "The case changed since the version in `If-Match`; `case` is the case as it is now.",
    )
    NO_SHARED_COPY = (
        "no_shared_copy",
        "No copy of this evidence file without the data stored inside it can be made (its type "
        "has no cleaner, or the file is damaged); nothing was downloaded.",
    )
    PRECONDITION_REQUIRED = (
        "precondition_required",
        "Send `If-Match` with the case's ETag (its `version` in quotes) to change it.",
    )
    INVALID = "invalid", "Some body fields are wrong; `errors` names each one."
    INVALID_PARAMETER = "invalid_parameter", "Some query parameters are wrong; `errors` names them."
    MALFORMED_REQUEST = "malformed_request", "The body could not be parsed."
    NOT_AUTHENTICATED = "not_authenticated", "Sign in, or send `Authorization: Token <key>`."
    PERMISSION_DENIED = "permission_denied", "The request was refused."
    NOT_FOUND = "not_found", "No case you may see has this reference (or the page is out of range)."
    METHOD_NOT_ALLOWED = "method_not_allowed", "This operation does not take this method."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "Send application/json."
    NOT_ACCEPTABLE = "not_acceptable", "Only application/json answers are available."
    THROTTLED = "throttled", "Too many requests."


class CaseAPIErrorSerializer(serializers.Serializer):
    """The body of every error answer of the staff case API."""

    code = serializers.ChoiceField(
        choices=APIErrorCode.choices, help_text="For a client to act on."
    )
    detail = serializers.CharField(help_text="A sentence for a person.")
    errors = messages_by_name(  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
        "With `invalid` and `invalid_parameter` only: the messages for each bad field "
        "or query parameter, by name."
    )


class StatusField(serializers.ChoiceField):
    """A case status: one of `StatusEnum` (ENUM_NAME_OVERRIDES keeps it one enum)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "A case status: " + ", ".join(Case.Status.values) + ".")
        super().__init__(choices=Case.Status.choices, **kwargs)


# -- Input ----------------------------------------------------------------------------------


# A user id is a positive number that fits the id column (documented as the parameter's pattern).
_assignee_value = RegexValidator(
    r"^(mine|unassigned|[1-9][0-9]{0,17})$",
    message=gettext_lazy("Use “mine”, “unassigned” or a user id."),
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


class CaseQueueQuerySerializer(StrictInputSerializer):
    """The queue's filters, as query parameters of `GET /api/v1/cases/`."""

    ignored_keys = frozenset({"page"})

    status = CommaListField(
        child=serializers.ChoiceField(choices=Case.Status.choices),
        required=False,
        help_text="Repeat it or separate values with commas; any of them matches.",
    )
    priority = CommaListField(
        child=serializers.ChoiceField(choices=Case.Priority.choices),
        required=False,
        help_text="1 low, 2 normal, 3 high, 4 urgent; any of them matches.",
    )
    kind = CodeListField(
        queryset=EncounterKind.objects.all(),
        help_text="Encounter kind codes; a case must have every one given.",
    )
    agency = CodeListField(
        queryset=Agency.objects.all(), help_text="Agency codes; any of them matches."
    )
    city = serializers.CharField(required=False, max_length=100, help_text="Exact, any case.")
    occurred_from = serializers.DateField(required=False, help_text="On or after this day.")
    occurred_to = serializers.DateField(required=False, help_text="On or before this day.")
    assignee = serializers.CharField(
        required=False,
        validators=[_assignee_value],
        help_text="`mine`, `unassigned`, or a user id.",
    )
    has_evidence = serializers.BooleanField(required=False, allow_null=True, default=None)
    weapons_drawn = serializers.BooleanField(required=False, allow_null=True, default=None)
    tag = CommaListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=20,
        help_text="Tags; a case must have every one given. Written as on the case "
        "(`media-attention`) or as typed (`Media attention`).",
    )
    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Words to find in narratives, places, plates, vehicle descriptions and tags.",
    )
    ordering = serializers.ChoiceField(choices=list(SORTS), required=False, default="newest")
    include_merged = serializers.BooleanField(
        required=False, default=False, help_text="Also list cases merged into another."
    )

    _SINGLE = ("city", "occurred_from", "occurred_to", "assignee", "has_evidence",
               "weapons_drawn", "q", "ordering", "include_merged", "page")

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "getlist"):
            repeated = [key for key in self._SINGLE if len(data.getlist(key)) > 1]
            if repeated:
                raise serializers.ValidationError(
                    {key: [_("Give this parameter once.")] for key in repeated}
                )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("occurred_from"), attrs.get("occurred_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"occurred_to": [_("Must not be before occurred_from.")]}
            )
        return attrs


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


class WordsField(serializers.CharField):
    """Text the case services refuse when it is empty or only spaces, with a code of their own
    (`empty_note`, `reason_required`): the field lets blank text through to them, and the schema
    says that it must say something."""

    documented_non_blank = True  # read by plumbing/api_schema.py

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=True, **kwargs)


class NoteInputSerializer(StrictInputSerializer):
    body = WordsField(max_length=20_000, help_text="Not empty, not only spaces (`empty_note`).")
    visibility = serializers.ChoiceField(
        choices=CaseNote.Visibility.choices,
        required=False,
        default=CaseNote.Visibility.STAFF,
        help_text="`legal` notes need the legal role to write and to read.",
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


# -- Output ---------------------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


def _codes(encounter: Encounter, attribute: str) -> list[str]:
    return [item.code for item in getattr(encounter, attribute).all()]


def _encounter_of(report: Report) -> Encounter | None:
    try:
        return report.encounter
    except Encounter.DoesNotExist:
        return None


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


class StaleCaseErrorSerializer(serializers.Serializer):
    """The body of a 412 `stale_case` answer: the error, and the case as it is now (its
    `version` is the new ETag, also sent in the `ETag` header)."""

    code = serializers.ChoiceField(choices=[APIErrorCode.STALE_CASE.value])
    detail = serializers.CharField(
        help_text="What changed since the version sent, who changed it and when, and that "
        "nothing was changed by this request."
    )
    case = CaseSummarySerializer(read_only=True)


class CaseRowSerializer(CaseSummarySerializer):
    """A queue row: the case plus what its reports' encounters say, from the prefetched
    reports of `cases.selectors.case_queue`."""

    kinds = serializers.SerializerMethodField(help_text="Encounter kind codes of every report.")
    agencies = serializers.SerializerMethodField(help_text="Agency codes of every report.")
    occurred_at = serializers.SerializerMethodField(help_text="The earliest encounter time.")
    cities = serializers.SerializerMethodField()
    report_count = serializers.SerializerMethodField()
    age_days = serializers.SerializerMethodField(help_text="Whole days since the case opened.")

    def _encounters(self, case: Case) -> list[Encounter]:
        found = (_encounter_of(report) for report in case.reports.all())
        return [encounter for encounter in found if encounter is not None]

    def get_kinds(self, case: Case) -> list[str]:
        codes = (code for e in self._encounters(case) for code in _codes(e, "kinds"))
        return list(dict.fromkeys(codes))

    def get_agencies(self, case: Case) -> list[str]:
        codes = (code for e in self._encounters(case) for code in _codes(e, "agencies"))
        return list(dict.fromkeys(codes))

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_occurred_at(self, case: Case) -> datetime | None:
        times = [e.occurred_at for e in self._encounters(case) if e.occurred_at]
        return min(times) if times else None

    def get_cities(self, case: Case) -> list[str]:
        return list(dict.fromkeys(e.city for e in self._encounters(case) if e.city))

    def get_report_count(self, case: Case) -> int:
        return len(case.reports.all())

    def get_age_days(self, case: Case) -> int:
        return (timezone.now() - case.opened_at).days


class CasePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text=f"Cases matching the filters, on every page. Counting stops at {COUNT_CAP}: "
        "with `count_capped` true, more than `count` cases match."
    )
    count_capped = serializers.BooleanField(
        help_text=f"Whether `count` is a lower bound (more than {COUNT_CAP} cases match)."
    )
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    status_counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Cases per status matching every filter but `status`, counted up to "
        f"{COUNT_CAP} each (see `status_counts_capped`).",
    )
    status_counts_capped = serializers.ListField(
        child=serializers.ChoiceField(choices=Case.Status.choices),
        help_text=f"The statuses whose count is a lower bound: more than {COUNT_CAP} match.",
    )
    results = CaseRowSerializer(many=True)


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


_ADDITION = serializers.IntegerField(
    source="addition_id",
    read_only=True,
    allow_null=True,
    help_text="The id of the report's `additions` entry this came with; null when it was sent "
    "with the report.",
)


class WitnessSerializer(_IdentityMixin, serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, allow_null=True)
    contact = serializers.CharField(read_only=True, allow_null=True)
    addition = _ADDITION

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
    addition = _ADDITION

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
    """A press source as people can cite it (never our file name for the article)."""

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


class ReportSerializer(serializers.ModelSerializer):
    source = serializers.SerializerMethodField(help_text="Where a press report comes from.")  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
    complainants = ComplainantSerializer(many=True, read_only=True)
    encounter = serializers.SerializerMethodField()
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

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, report: Report) -> dict[str, Any] | None:
        if not report.source_file:
            return None
        return SourceSerializer(report).data

    @extend_schema_field(EncounterSerializer(allow_null=True))
    def get_encounter(self, report: Report) -> dict[str, Any] | None:
        encounter = _encounter_of(report)
        return None if encounter is None else EncounterSerializer(encounter).data


class VersionSerializer(serializers.Serializer):
    value = serializers.CharField(read_only=True)
    reports = serializers.SerializerMethodField(help_text="Tracking codes of the sources.")

    def get_reports(self, version: Any) -> list[str]:
        return [report.tracking_code for report in version.reports]


class ConflictSerializer(serializers.Serializer):
    topic = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
    versions = VersionSerializer(many=True, read_only=True)


class NoteSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "author", "body", "visibility", "created_at"]
        read_only_fields = fields


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

