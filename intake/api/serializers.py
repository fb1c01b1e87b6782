"""Serializers of the public reporting API. Input serializers check shape, types, lengths and
the rules a person can fix; they never write. `submission_from` turns their output into the
`ReportSubmission` that `submit_report` takes. Output serializers are separate and read-only.

Lengths follow the model columns, so the database never sees a value it would truncate or
refuse; `submit_report` checks again.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from cases.models import Case
from intake import evidence as evidence_files
from intake import reference
from intake.api.errors import ErrorCode, FieldErrorCode
from intake.api.parsers import loads_json
from intake.inputs import (
    ComplainantInput,
    EncounterInput,
    EvidenceInput,
    ReportSubmission,
    WitnessInput,
)
from intake.models import Agency, Complainant, Encounter, EncounterKind, PerceivedBasis
from plumbing.api_input import json_type_errors

NARRATIVE_MAX_LENGTH = 20_000
LONG_TEXT_MAX_LENGTH = 10_000
MAX_COMPLAINANTS = 10
MAX_WITNESSES = 20
MAX_CODES = 40
MAX_EVIDENCE_FILES = 20
MAX_AGENTS_OR_VEHICLES = 1_000
_UNKNOWN_FIELDS_NAMED = 20


# -- Fields ---------------------------------------------------------------------------------


class BoundedListField(serializers.ListField):
    """A list whose length is checked before its items, so a huge list costs nothing."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if (
            self.max_length is not None
            and isinstance(data, Sequence)
            and not isinstance(data, str | bytes)
            and len(data) > self.max_length
        ):
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class CodeListField(BoundedListField):
    """Codes from a reference endpoint, checked against its active rows (kept in memory,
    intake/reference.py). Repeats are dropped."""

    def __init__(self, *, model: Any, **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("child", serializers.CharField(max_length=40))
        kwargs.setdefault("max_length", MAX_CODES)
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", list)
        super().__init__(**kwargs)

    def documented_codes(self) -> list[str]:
        """Every code accepted, listed in the OpenAPI schema (plumbing/api_schema.py)."""
        return reference.accepted_codes(self.model)

    def to_internal_value(self, data: Any) -> list[str]:
        codes = list(dict.fromkeys(super().to_internal_value(data)))
        known = set(reference.accepted_codes(self.model)) if codes else set()
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise serializers.ValidationError(
                ErrorDetail(
                    _("Unknown value: %(codes)s.") % {"codes": ", ".join(sorted(unknown))},
                    code=FieldErrorCode.UNKNOWN_CODE,
                )
            )
        return codes


@extend_schema_field({"type": "string", "format": "binary"})
class EvidenceFileField(serializers.FileField):
    """An uploaded file part (documented as binary, which is what a client sends)."""


class CoordinateField(serializers.DecimalField):
    """Degrees, rounded to the six decimal places stored (about 10 cm); a phone's GPS gives
    more, and refusing a precise position would be unkind."""

    def __init__(self, *, limit: int, **kwargs: Any) -> None:
        super().__init__(
            max_digits=9,
            decimal_places=6,
            min_value=Decimal(-limit),
            max_value=Decimal(limit),
            allow_null=True,
            required=False,
            default=None,
            coerce_to_string=False,
            **kwargs,
        )

    def validate_precision(self, value: Decimal) -> Decimal:
        if value.is_finite() and abs(value) <= 180:
            value = value.quantize(Decimal("0.000001"))
        return super().validate_precision(value)


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("default", "")
    return serializers.CharField(max_length=max_length, **kwargs)


def _flag(help_text: str = "") -> serializers.BooleanField:
    return serializers.BooleanField(required=False, default=False, help_text=help_text)


class StrictFieldsMixin:
    """Refuse keys the serializer does not know: a misspelt field is a mistake the client
    should hear about, not a silently lost answer."""

    fields: Any
    # Read by the OpenAPI schema (plumbing/api_schema.py): `additionalProperties: false`.
    refuses_unknown_fields = True

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, Any] = {}
        value: Any = None
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            errors.update(error.detail)
        # A value of the wrong JSON type is refused even where DRF would have read it.
        errors.update(json_type_errors(self, data))  # type: ignore[arg-type]
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields]
            for key in unknown[:_UNKNOWN_FIELDS_NAMED]:
                errors[str(key)[:100]] = [
                    ErrorDetail(_("Unknown field."), code=FieldErrorCode.UNKNOWN_FIELD)
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return value


# -- Input ----------------------------------------------------------------------------------


class ComplainantInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """A person reporting: the one affected, a witness, someone on their behalf, an
    organisation. Anonymous is a full choice; immigration status is never asked."""

    # Officials' public statements come from press reports and staff, never the public.
    role = serializers.ChoiceField(
        choices=[c for c in Complainant.Role.choices if c[0] != Complainant.Role.OFFICIAL]
    )
    is_anonymous = _flag("When true, name, email and phone must be empty.")
    name = _text(200)
    email = serializers.EmailField(required=False, allow_blank=True, default="", max_length=254)
    phone = _text(40)
    safe_to_contact = _flag("Whether contacting this person is safe for them.")
    preferred_language = _text(10, help_text="A language code, e.g. `en`, `es`, `so`, `hmn`.")
    race_ethnicity = _text(200, help_text="Optional, in the person's own words.")
    occupation = _text(200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("is_anonymous"):
            given = [name for name in ("name", "email", "phone") if attrs.get(name)]
            if given:
                message = _("An anonymous report cannot include a name or contact.")
                raise serializers.ValidationError(
                    {
                        name: [ErrorDetail(message, code=FieldErrorCode.ANONYMOUS_WITH_IDENTITY)]
                        for name in given
                    }
                )
        return attrs


class EncounterInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """What happened, when, where, and who the agents were."""

    occurred_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When it happened (ISO 8601), not in the future. Without an offset, Central "
        "Time is assumed.",
    )
    occurred_at_is_approximate = _flag("True when the time is a guess ('about this time').")
    address = _text(300)
    city = _text(100)
    state = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        allow_blank=True,
        default="MN",
        max_length=2,
        help_text="Two-letter state code.",
    )
    latitude = CoordinateField(limit=90, help_text="With `longitude`, or neither.")
    longitude = CoordinateField(limit=180, help_text="With `latitude`, or neither.")
    kinds = CodeListField(
        model=EncounterKind,
        help_text="Codes from `GET /api/v1/encounter-kinds/`.",
    )
    agencies = CodeListField(
        model=Agency,
        help_text="Codes from `GET /api/v1/agencies/`.",
    )
    agent_count = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=MAX_AGENTS_OR_VEHICLES,
    )
    vehicle_count = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=MAX_AGENTS_OR_VEHICLES,
    )
    vehicle_description = _text(LONG_TEXT_MAX_LENGTH)
    plates = _text(200)
    agents_identified = serializers.ChoiceField(
        choices=Encounter.Identified.choices,
        required=False,
        default=Encounter.Identified.UNKNOWN,
    )
    perceived_basis = CodeListField(
        model=PerceivedBasis,
        help_text="Codes from `GET /api/v1/perceived-bases/`.",
    )
    perceived_basis_other = _text(200)
    injuries = _text(LONG_TEXT_MAX_LENGTH)
    outcome = _text(LONG_TEXT_MAX_LENGTH)

    def validate_occurred_at(self, value: Any) -> Any:
        if value is not None and value > timezone.now():
            raise serializers.ValidationError(
                ErrorDetail(_("The date cannot be in the future."), code=FieldErrorCode.FUTURE_DATE)
            )
        return value

    def validate_state(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        latitude, longitude = attrs.get("latitude"), attrs.get("longitude")
        if (latitude is None) != (longitude is None):
            missing = "latitude" if latitude is None else "longitude"
            raise serializers.ValidationError(
                {
                    missing: [
                        ErrorDetail(
                            _("Give both latitude and longitude, or neither."),
                            code=FieldErrorCode.INCOMPLETE_COORDINATES,
                        )
                    ]
                }
            )
        return attrs


class WitnessInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """Someone else who saw it."""

    name = _text(200)
    contact = _text(200, help_text="How to reach the witness: phone, e-mail, anything.")
    statement = _text(LONG_TEXT_MAX_LENGTH)
    willing_to_be_contacted = _flag()


class ReportInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """A report as JSON: the same answers as the web form."""

    narrative = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, help_text="What happened, in the person's own words."
    )
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="The language the report is written in. Defaults to the request's "
        "Accept-Language, if supported, else English.",
    )
    consent_to_contact = _flag("The person agrees to be contacted. Defaults to no.")
    consent_to_share_with_liaison = _flag(
        "The person agrees that police liaisons may see who they are. Defaults to no."
    )
    complainants = BoundedListField(
        child=ComplainantInputSerializer(),
        required=False,
        default=list,
        max_length=MAX_COMPLAINANTS,
        help_text="Who is reporting. Immigration status is never asked.",
    )
    encounter = EncounterInputSerializer()
    witnesses = BoundedListField(
        child=WitnessInputSerializer(), required=False, default=list, max_length=MAX_WITNESSES
    )


@extend_schema_field(ReportInputSerializer)
class ReportPartField(serializers.Field):
    """The `report` part of a multipart request: the same object as a JSON request's body, as
    JSON text (a plain form field, or a file part of type application/json)."""

    default_error_messages = {
        FieldErrorCode.INVALID_JSON: gettext_lazy("This part is not valid JSON: {error}"),
        FieldErrorCode.TOO_LARGE: gettext_lazy("This part is larger than {limit} bytes."),
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
        if isinstance(data, UploadedFile):
            if (data.size or 0) > limit:
                self.fail(FieldErrorCode.TOO_LARGE, limit=limit)
            data = data.read()
        if not isinstance(data, str | bytes):
            self.fail(FieldErrorCode.INVALID_JSON, error=_("expected JSON text"))
        try:
            parsed = loads_json(data)
        except ValueError as error:
            self.fail(FieldErrorCode.INVALID_JSON, error=error)
        inner = ReportInputSerializer(data=parsed, context=self.context)
        inner.is_valid(raise_exception=True)
        return dict(inner.validated_data)

    def to_representation(self, value: Any) -> Any:
        return value


class ReportMultipartInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """A report with evidence files, as multipart/form-data."""

    report = ReportPartField(
        help_text="The report, as JSON text: the same object a JSON request sends as its body."
    )
    evidence = BoundedListField(
        child=EvidenceFileField(allow_empty_file=False, max_length=255),
        required=False,
        default=list,
        max_length=MAX_EVIDENCE_FILES,
        help_text="Photos, videos, audio recordings or PDFs; repeat the part for each file. "
        "The type is read from the bytes, never from the name.",
    )
    evidence_description = BoundedListField(
        child=_text(500),
        required=False,
        default=list,
        max_length=MAX_EVIDENCE_FILES,
        help_text="Optional; the n-th description belongs to the n-th `evidence` file, so "
        "there are no more descriptions than files.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if len(attrs["evidence_description"]) > len(attrs["evidence"]):
            raise serializers.ValidationError(
                {"evidence_description": [_("There are more descriptions than files.")]}
            )
        try:
            evidence_files.check_total_size(attrs["evidence"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {
                    "evidence": [
                        ErrorDetail(message, code=FieldErrorCode.TOO_LARGE)
                        for message in error.messages
                    ]
                }
            ) from error
        return attrs


class StatusLookupSerializer(serializers.Serializer):
    """The two things on the receipt."""

    tracking_code = serializers.CharField(
        max_length=40, help_text="The code on the receipt, e.g. `RD-7KQ4-M9XP`."
    )
    secret = serializers.CharField(max_length=64, help_text="The secret shown once on the receipt.")


def submission_from(
    data: Mapping[str, Any],
    *,
    evidence: Sequence[UploadedFile] = (),
    descriptions: Sequence[str] = (),
) -> ReportSubmission:
    """Build the service's input from validated serializer data."""
    encounter = dict(data["encounter"])
    language = data.get("language") or translation.get_language() or "en"
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = "en"
    return ReportSubmission(
        narrative=data["narrative"],
        language=language,
        consent_to_contact=data["consent_to_contact"],
        consent_to_share_with_liaison=data["consent_to_share_with_liaison"],
        complainants=tuple(ComplainantInput(**person) for person in data["complainants"]),
        encounter=EncounterInput(
            kind_codes=tuple(encounter.pop("kinds")),
            agency_codes=tuple(encounter.pop("agencies")),
            perceived_basis_codes=tuple(encounter.pop("perceived_basis")),
            **encounter,
        ),
        witnesses=tuple(WitnessInput(**witness) for witness in data["witnesses"]),
        evidence=tuple(
            EvidenceInput(file=upload, description=description)
            for upload, description in zip(
                evidence,
                [*descriptions, *[""] * (len(evidence) - len(descriptions))],
                strict=True,
            )
        ),
    )


# -- Output ---------------------------------------------------------------------------------


class ReceiptSerializer(serializers.Serializer):
    """What the person gets back after filing. The secret is shown here once and never again."""

    tracking_code = serializers.CharField(help_text="Safe to write down and quote.")
    secret = serializers.CharField(
        help_text="Shown only in this answer; needed with the tracking code to see the status."
    )
    status = serializers.ChoiceField(choices=Case.Status.choices, source="report.case.status")
    status_label = serializers.CharField(source="report.case.get_status_display")
    submitted_at = serializers.DateTimeField(source="report.submitted_at")


class ReportStatusSerializer(serializers.Serializer):
    """Where the report's case stands. Nothing personal, no staff names."""

    tracking_code = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    status_label = serializers.CharField()
    last_update = serializers.DateTimeField(help_text="When the status last changed.")


class AgencySerializer(serializers.ModelSerializer):
    # Declared fields are taken off the class by DRF's metaclass, so these names do not hide
    # the attributes of the same name that the type checker sees on the base classes.
    parent = serializers.SlugRelatedField(  # type: ignore[assignment,var-annotated]
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the parent agency (e.g. ICE's is `dhs`), if any.",
    )

    class Meta:
        model = Agency
        fields = ["code", "name", "short_name", "level", "parent"]
        read_only_fields = fields


class EncounterKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = EncounterKind
        fields = ["code", "label", "public_label"]
        read_only_fields = fields


class PerceivedBasisSerializer(serializers.ModelSerializer):
    class Meta:
        model = PerceivedBasis
        fields = ["code", "label"]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (see intake/api/errors.py)."""

    code = serializers.ChoiceField(
        choices=ErrorCode.choices, help_text="A stable code a client can act on."
    )
    detail = serializers.CharField(help_text="A sentence for a person.")


class InvalidRequestSerializer(ErrorSerializer):
    """The body of a 400 answer: `invalid` with `errors` naming each bad field, or
    `malformed_request` when the body could not be parsed at all."""

    errors = serializers.DictField(  # type: ignore[assignment]  # see AgencySerializer.parent
        required=False,
        help_text="Present when `code` is `invalid`. Mirrors the request: an object per "
        "object, the index (as a string) per list item, and at each bad field a list of "
        "{code, message}.",
    )
