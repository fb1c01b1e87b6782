"""The public report form, one small Django form per step, and the status lookup form.

Forms only validate and translate: the answers of each completed step are kept in the session
(intake/drafts.py) and turned into one ReportSubmission for `submit_report` at the end. Every
limit here is also a limit of the model, so a valid form never fails in the service.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, cast

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from intake import evidence as evidence_files
from intake.memorable_date import (
    DateProblem,
    MemorableDateField,
    parse_memorable_date,
)
from intake.models import Agency, Complainant, Encounter, EncounterKind, PerceivedBasis
from intake.public_labels import (
    PREFERRED_LANGUAGES,
    US_STATES,
    Voice,
    Voiced,
    agency_label,
    encounter_kind_label,
    in_voice,
    perceived_basis_label,
)
from plumbing.form_errors import choice_aware_anchor, error_summary

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

HONEYPOT_FIELD = "website"
# What is typed on a page left without saving it (Back, another language) is kept unchecked; a
# value is cut at one more character than the longest answer takes (so a too-long answer is
# still refused when it is saved) and a list at more items than any list of choices has.
TYPED_MAX_CHARS = 20001
TYPED_MAX_ITEMS = 50
# The earliest date the form accepts: older dates are typing mistakes, and very old ones
# cannot be converted between time zones.
EARLIEST_DATE = date(2000, 1, 1)
MAX_WITNESSES = 20

_WIDGET_CLASSES = {
    "text": "usa-input",
    "email": "usa-input",
    "number": "usa-input",
    "date": "usa-input",
    "time": "usa-input",
    "textarea": "usa-textarea",
    "select": "usa-select",
    "checkbox": "usa-checkbox__input",
    "checkboxselectmultiple": "usa-checkbox__input",
    "radioselect": "usa-radio__input",
    "multiplefile": "usa-file-input",
}


def _count_field(label: "StrPromise") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=500,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "usa-input--small"}),
        error_messages={
            "invalid": _("Enter a whole number, for example 3."),
            "min_value": _("Enter a number of 0 or more."),
            "max_value": _("Enter a number of 500 or less."),
        },
    )


class CodeMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Reference rows as checkboxes, chosen by their stable code, shown with a translated label."""

    def __init__(self, queryset: QuerySet[Any], label_for: Any, **kwargs: Any) -> None:
        self._label_for = label_for
        # Set by the form: the labels of encounter kinds depend on who is speaking.
        self.voice = Voice.FIRST
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": _("“%(value)s” is not one of the choices."),
                "invalid_list": _("Choose from the list."),
            },
        )
        super().__init__(queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, obj: Model) -> str:
        return self._label_for(obj, self.voice)


class StepForm(forms.Form):
    """One step of the report form.

    Every step carries a honeypot field: hidden from people (and from screen readers and the
    keyboard), but a bot that fills every field it finds fills it too.
    """

    website = forms.CharField(
        required=False,
        max_length=200,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # Related choices grouped under a legend: (legend, field names). Fields in no group are
    # shown on their own; radio buttons and checkbox lists get a fieldset of their own.
    groups: Sequence[tuple[Promise | Voiced, Sequence[str]]] = ()

    def __init__(
        self,
        *args: Any,
        voice: Voice = Voice.FIRST,
        kept: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """`voice`: whose encounter the questions ask about (intake/public_labels.py).
        `kept`: values kept in the session (answers, or what was typed), shown on the page."""
        super().__init__(*args, **kwargs)
        self.voice = voice
        for name, field in self.fields.items():
            if name == HONEYPOT_FIELD:
                continue
            field.label = in_voice(field.label, voice)
            field.help_text = in_voice(field.help_text, voice)
            if isinstance(field, CodeMultipleChoiceField):
                field.voice = voice
            css = _WIDGET_CLASSES.get(_widget_type(field), "usa-input")
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {existing}".strip()
        if kept is not None:
            self.initial = {
                name: field.widget.value_from_datadict(kept, {}, self.add_prefix(name))
                for name, field in self._kept_fields()
            }

    def _kept_fields(self) -> list[tuple[str, forms.Field]]:
        return [
            (name, field)
            for name, field in self.fields.items()
            if name != HONEYPOT_FIELD and not isinstance(field, forms.FileField)
        ]

    @property
    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def _values(self) -> dict[str, Any]:
        """The sent values under the names they were sent with (a date's three boxes each
        under its own), so they can be sent to the form again as its data."""
        values: dict[str, Any] = {}
        for name, field in self._kept_fields():
            key = self.add_prefix(name)
            widget = field.widget
            if isinstance(widget, forms.MultiWidget):
                parts = widget.value_from_datadict(self.data, self.files, key)
                for suffix, value in zip(widget.widgets_names, parts, strict=True):  # type: ignore[attr-defined]  # set by MultiWidget.__init__
                    values[key + suffix] = value
            else:
                values[key] = widget.value_from_datadict(self.data, self.files, key)
        return values

    def answers(self) -> dict[str, Any]:
        """The submitted values of a valid form, as they were typed: kept in the session, they
        show the page again as it was left and are validated again before submitting."""
        return self._values()

    def typed(self) -> dict[str, Any]:
        """What was typed on the page, valid or not, with no error found: kept when the person
        leaves the page without saving it, to show it again when they come back."""
        return {key: _bounded(value) for key, value in self._values().items()}

    def field_groups(self) -> list[tuple[Promise | str | None, list[forms.BoundField]]]:
        """The visible fields in display order, grouped under their legends."""
        grouped = {name for _legend, names in self.groups for name in names}
        result: list[tuple[Promise | str | None, list[forms.BoundField]]] = []
        emitted: set[str] = set()
        for name in self.fields:
            if name == HONEYPOT_FIELD or name in emitted:
                continue
            if name in grouped:
                for legend, names in self.groups:
                    if name in names:
                        result.append((in_voice(legend, self.voice), [self[n] for n in names]))
                        emitted.update(names)
            else:
                result.append((None, [self[name]]))
                emitted.add(name)
        return result

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) for each error, in field order, for the summary at the top."""
        return intake_error_summary([self])

    def summary(self) -> list[tuple[str, str]]:
        """(question, answer) for the review page; call on a valid form."""
        rows = []
        for name, field in self.fields.items():
            if name == HONEYPOT_FIELD:
                continue
            rows.append((str(field.label), display_value(field, self.cleaned_data.get(name))))
        return rows


def _widget_type(field: forms.Field) -> str:
    """BoundField.widget_type, without making the bound field: it copies the field's label and
    help text when it is made, and a form may still change them."""
    return re.sub(r"widget$|input$", "", type(field.widget).__name__.lower())


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return value[:TYPED_MAX_CHARS]
    if isinstance(value, list | tuple):
        return [_bounded(item) for item in value[:TYPED_MAX_ITEMS]]
    if value is None or isinstance(value, bool):
        return value
    return str(value)[:TYPED_MAX_CHARS]


def field_anchor(bound: forms.BoundField) -> str:
    """The id an error summary link points at: the first option of a group of choices, the
    first box of a date with the problem."""
    if isinstance(bound.field, MemorableDateField):
        return bound.field.error_anchor(str(bound.auto_id))
    return choice_aware_anchor(bound)


def first_field_anchor(form: forms.BaseForm) -> str:
    """An error about the form as a whole points at its first field."""
    visible = [form[name] for name in form.fields if name != HONEYPOT_FIELD]
    return field_anchor(visible[0]) if visible else "main-content"


def intake_error_summary(forms_: Iterable[forms.BaseForm]) -> list[tuple[str, str]]:
    """The error summary of the public pages: whole-form errors point at the first field."""
    return error_summary(forms_, field_anchor=field_anchor, form_anchor=first_field_anchor)


def display_value(field: forms.Field, value: Any) -> str:
    """An answer as the review page shows it."""
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, forms.ModelMultipleChoiceField):
        labels = [field.label_from_instance(obj) for obj in value or []]
        return ", ".join(labels) if labels else str(_("Not given"))
    if value in (None, "", [], ()):
        return str(_("Not given"))
    if isinstance(field, forms.ChoiceField):
        return str(dict(cast("Iterable[tuple[Any, Any]]", field.choices)).get(value, value))
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, time):
        return time_format(value, "TIME_FORMAT")
    return str(value)


# --- The steps --------------------------------------------------------------------------------


class AboutForm(StepForm):
    ROLE_CHOICES = [
        (Complainant.Role.AFFECTED, _("It happened to me")),
        (Complainant.Role.ON_BEHALF, _("I am reporting for someone it happened to")),
        (Complainant.Role.WITNESS, _("I saw it happen")),
        (Complainant.Role.ORGANISATION, _("I am reporting for an organisation")),
    ]
    role = forms.ChoiceField(
        label=_("Who are you in this report?"),
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who you are in this report.")},
    )
    anonymous = forms.ChoiceField(
        label=_("Do you want to report anonymously?"),
        help_text=_(
            "If you report anonymously we will not ask for your name or how to reach you, and "
            "we will not be able to contact you about your report."
        ),
        choices=[
            ("no", _("No, I will tell you who I am")),
            ("yes", _("Yes, report anonymously")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you want to report anonymously.")},
    )


class IdentityForm(StepForm):
    name = forms.CharField(
        label=_("Your name"),
        help_text=_("If you are reporting for an organisation, the organisation's name."),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": _("Enter your name, or go back and choose to report anonymously.")
        },
    )
    occupation = forms.CharField(
        label=_("Your occupation"),
        help_text=_("For example nurse, city employee or police officer. It can matter."),
        max_length=200,
        required=False,
    )
    preferred_language = forms.ChoiceField(
        label=_("Which language should we use with you?"),
        choices=PREFERRED_LANGUAGES,
        required=False,
    )


class WhatForm(StepForm):
    kinds = CodeMultipleChoiceField(
        EncounterKind.objects.filter(is_active=True),
        encounter_kind_label,
        label=_("What did they do?"),
        help_text=_("Tick everything that happened. You can tell us more in your own words later."),
    )
    injuries = forms.CharField(
        label=_("Was anyone hurt? If so, how?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.CharField(
        label=_("How did it end?"),
        help_text=Voiced(  # type: ignore[arg-type]  # StepForm.__init__ picks the voice
            _("For example: they let you go, they took someone away, or they left."),
            _("For example: they let the person go, they took someone away, or they left."),
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WhenForm(StepForm):
    # False when the person, not sure of the date, gave only its month and year.
    day_given = True
    occurred_date = MemorableDateField(
        label=_("Date"),
        help_text=_("For example: 17 1 2026"),
        required=False,  # WhenForm.clean says what is missing, box by box
    )
    approximate = forms.BooleanField(
        label=_("I am not sure of the exact date or time"),
        help_text=_("You can then leave the day empty, but give the month and year."),
        required=False,
    )
    occurred_time = forms.TimeField(
        label=_("Time"),
        help_text=_("Leave this empty if you do not know."),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter a real time, for example 14:30.")},
    )
    address = forms.CharField(
        label=_("Where did it happen?"),
        help_text=_("A street address, a corner, or a place people know, like a store or school."),
        max_length=300,
        required=False,
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        error_messages={"required": _("Enter the city where it happened.")},
    )
    state = forms.ChoiceField(label=_("State"), choices=US_STATES, initial="MN")

    groups = ((_("When did it happen?"), ("occurred_date", "approximate", "occurred_time")),)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = cast("dict[str, Any]", super().clean())
        parts = cleaned.get("occurred_date")
        if parts is None:
            return cleaned
        now = timezone.localtime()
        try:
            day = parse_memorable_date(
                *parts,
                day_optional=bool(cleaned.get("approximate")),
                earliest=EARLIEST_DATE,
                today=now.date(),
            )
        except DateProblem as problem:
            self.fields["occurred_date"].widget.error_parts = problem.parts
            self.add_error("occurred_date", str(problem.message))
            return cleaned
        cleaned["occurred_date"] = day
        self.day_given = bool(parts[0])
        at = cleaned.get("occurred_time")
        if at is not None and day == now.date() and at > now.time():
            self.add_error("occurred_time", _("The time cannot be in the future."))
        return cleaned

    def occurred_at(self) -> datetime:
        """The moment, in the deployment's time zone; noon when no time was given."""
        at = self.cleaned_data.get("occurred_time") or time(12, 0)
        return timezone.make_aware(datetime.combine(self.cleaned_data["occurred_date"], at))

    def summary(self) -> list[tuple[str, str]]:
        """The date as the person gave it: a month alone when they left out the day."""
        rows = super().summary()
        if not self.day_given:
            label = str(self.fields["occurred_date"].label)
            shown = date_format(self.cleaned_data["occurred_date"], "YEAR_MONTH_FORMAT")
            rows = [(question, shown if question == label else answer) for question, answer in rows]
        return rows


class WhoForm(StepForm):
    agencies = CodeMultipleChoiceField(
        Agency.objects.filter(is_active=True),
        agency_label,
        label=_("Which agencies were they from?"),
        help_text=Voiced(
            _(
                "Tick any you saw on uniforms, vehicles or badges, or that they named. "
                "Leave them all empty if you do not know."
            ),
            _(
                "Tick any that were seen on uniforms, vehicles or badges, or that they named. "
                "Leave them all empty if you do not know."
            ),
        ),
    )
    agent_count = _count_field(_("About how many agents were there?"))
    vehicle_count = _count_field(_("About how many vehicles did they have?"))
    vehicle_description = forms.CharField(
        label=_("What did their vehicles look like?"),
        help_text=Voiced(  # type: ignore[arg-type]  # StepForm.__init__ picks the voice
            _("Colour, make, model, markings or anything else you noticed."),
            _("Colour, make, model, markings or anything else that was noticed."),
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    plates = forms.CharField(
        label=_("License plates"),
        help_text=Voiced(  # type: ignore[arg-type]  # StepForm.__init__ picks the voice
            _("Any plate numbers you saw, even partly."),
            _("Any plate numbers that were seen, even partly."),
        ),
        max_length=200,
        required=False,
    )
    agents_identified = forms.ChoiceField(
        label=_("Did they say who they were?"),
        choices=Encounter.Identified.choices,
        initial=Encounter.Identified.UNKNOWN,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether they said who they were.")},
    )


class WhyForm(StepForm):
    perceived_basis = CodeMultipleChoiceField(
        PerceivedBasis.objects.all(),
        perceived_basis_label,
        label=Voiced(
            _("Why do you think you were stopped?"), _("Why do you think they were stopped?")
        ),
        help_text=_("Tick anything you think played a part, or nothing."),
    )
    perceived_basis_other = forms.CharField(
        label=_("Anything else, in your own words"), max_length=200, required=False
    )
    race_ethnicity = forms.CharField(
        label=Voiced(  # type: ignore[arg-type]  # StepForm.__init__ picks the voice
            _("How would you describe your race or ethnicity?"),
            _("How would the person affected describe their race or ethnicity, if you know?"),
        ),
        help_text=Voiced(  # type: ignore[arg-type]  # StepForm.__init__ picks the voice
            _("In your own words. We use this only to find patterns."),
            _("In their words, or yours. We use this only to find patterns."),
        ),
        max_length=200,
        required=False,
    )


class WitnessForm(StepForm):
    """One witness. The witnesses step adds them one at a time, so it works without JavaScript."""

    name = forms.CharField(label=_("Witness's name"), max_length=200, required=False)
    contact = forms.CharField(
        label=_("How to reach them"),
        help_text=_("A phone number, e-mail address or other way."),
        max_length=200,
        required=False,
    )
    statement = forms.CharField(
        label=_("What did they see?"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    willing_to_be_contacted = forms.BooleanField(
        label=_("They are willing to be contacted by Rights Desk"), required=False
    )

    def is_blank(self) -> bool:
        return not any(
            str(self.data.get(self.add_prefix(name), "")).strip()
            for name in ("name", "contact", "statement")
        )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = cast("dict[str, Any]", super().clean())
        if not any(cleaned.get(name) for name in ("name", "contact", "statement")):
            raise ValidationError(
                _("Tell us at least the witness's name, how to reach them, or what they saw.")
            )
        return cleaned


def accepted_by_evidence_rules(mime: str) -> bool:
    """The rule intake/evidence.py applies to the type it reads from a file's bytes."""
    allowed = mime in evidence_files.ALLOWED_MIME_TYPES or mime.startswith(
        evidence_files.ALLOWED_MIME_PREFIXES
    )
    return allowed and mime not in evidence_files.REFUSED_MIME_TYPES


# What the file chooser offers: the kinds the checks accept, and the extensions of every type
# they recognise (some phones and systems know a HEIC photo only by its name). Each file's
# bytes are still checked when it arrives.
EVIDENCE_ACCEPT = ",".join(
    [f"{prefix}*" for prefix in evidence_files.ALLOWED_MIME_PREFIXES]
    + sorted(evidence_files.ALLOWED_MIME_TYPES)
    + sorted(
        {f".{kind.extension}" for kind in filetype.types if accepted_by_evidence_rules(kind.mime)}
    )
)
# The common formats named on the page, as people know them.
_FORMAT_NAMES = {
    "jpg": "JPEG", "png": "PNG", "heic": "HEIC",
    "mp4": "MP4", "mov": "MOV",
    "mp3": "MP3", "m4a": "M4A",
}  # fmt: skip


def _format_names(prefix: str) -> str:
    names = [
        _FORMAT_NAMES[kind.extension]
        for kind in filetype.types
        if kind.extension in _FORMAT_NAMES
        and kind.mime.startswith(prefix)
        and accepted_by_evidence_rules(kind.mime)
    ]
    return ", ".join(sorted(names, key=list(_FORMAT_NAMES.values()).index))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input. Each is checked by EvidenceForm, one at a time, so one bad
    file does not lose the good ones."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if isinstance(item, UploadedFile)]


def evidence_files_help() -> str:
    """The types and sizes of files accepted as evidence, in the reader's language: the hint
    of every evidence file input (the form's step, and adding to a sent report)."""
    kinds = _("Photos (%(photos)s…), videos (%(videos)s…), audio (%(audio)s…) and PDF.") % {
        "photos": _format_names("image/"),
        "videos": _format_names("video/"),
        "audio": _format_names("audio/"),
    }
    sizes = _(
        "You can choose several files at once. Each file can be up to %(file)d MB, and all "
        "files together up to %(total)d MB."
    ) % {
        "file": settings.EVIDENCE_MAX_FILE_BYTES // (1024 * 1024),
        "total": settings.EVIDENCE_MAX_REPORT_BYTES // (1024 * 1024),
    }
    return f"{kinds} {sizes}"


class EvidenceForm(StepForm):
    """Files to add. Each file's type is read from its bytes (intake/evidence.py); accepted
    files are in `accepted` even when others were refused."""

    files = MultipleFileField(  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
        label=_("Add photos, videos, audio recordings or PDF documents"),
        required=False,
        # usa-file-input: the USWDS JavaScript draws it as a drop zone; without it, it is a
        # plain file input that works the same.
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )
    description = forms.CharField(
        label=_("What do these files show?"), max_length=500, required=False
    )

    def __init__(self, *args: Any, kept_count: int = 0, kept_bytes: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._kept_count = kept_count
        self._kept_bytes = kept_bytes
        self.accepted: list[tuple[UploadedFile, evidence_files.InspectedFile]] = []
        self.fields["files"].help_text = evidence_files_help()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = cast("dict[str, Any]", super().clean())
        count, total = self._kept_count, self._kept_bytes
        for upload in cleaned.get("files") or []:
            if count >= settings.INTAKE_MAX_EVIDENCE_FILES:
                self.add_error(
                    "files",
                    _("You can add up to %(count)d files.")
                    % {"count": settings.INTAKE_MAX_EVIDENCE_FILES},
                )
                break
            try:
                inspected = evidence_files.inspect_upload(upload)
            except ValidationError as error:
                self.add_error("files", error)
                continue
            if total + inspected.size > settings.EVIDENCE_MAX_REPORT_BYTES:
                self.add_error(
                    "files",
                    _("The file “%(name)s” would take all files together over %(limit)d MB.")
                    % {
                        "name": upload.name,
                        "limit": settings.EVIDENCE_MAX_REPORT_BYTES // (1024 * 1024),
                    },
                )
                continue
            self.accepted.append((upload, inspected))
            count, total = count + 1, total + inspected.size
        return cleaned


class AccountForm(StepForm):
    narrative = forms.CharField(
        label=_("What happened, in your own words"),
        help_text=_(
            "Take your time. Tell us what happened in the order it happened, and anything "
            "else you think we should know."
        ),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("Tell us what happened, in your own words.")},
    )


class ContactForm(StepForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter an e-mail address like name@example.com.")},
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        validators=[
            RegexValidator(
                r"^[0-9+()\-. ]{5,40}$",
                _("Enter a phone number using digits, spaces and + ( ) - only."),
            )
        ],
    )
    consent_to_contact = forms.BooleanField(
        label=_("Yes, Rights Desk may contact me about this report"), required=False
    )
    safe_to_contact = forms.BooleanField(
        label=_("It is safe to leave me a message or write to me at these details"),
        required=False,
    )
    consent_to_share_with_liaison = forms.BooleanField(
        label=_("Yes, police liaisons working on my report may see my name and contact details"),
        help_text=_(
            "Police liaisons are staff of local police departments who work with Rights Desk "
            "to look into encounters with federal agents. If you leave this unticked, they "
            "still read what happened, but not who you are: only our legal staff will know."
        ),
        required=False,
    )

    groups = (
        (
            _("What you agree to"),
            ("consent_to_contact", "safe_to_contact", "consent_to_share_with_liaison"),
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = cast("dict[str, Any]", super().clean())
        if cleaned.get("consent_to_contact") and not (cleaned.get("email") or cleaned.get("phone")):
            self.add_error(
                "email",
                _("Give an e-mail address or phone number, or untick “may contact me”."),
            )
        return cleaned


class ReviewForm(StepForm):
    """The final page: only the honeypot; everything else was answered on the other steps."""


@dataclass(frozen=True)
class Step:
    slug: str
    title: Promise | Voiced
    form_class: type[StepForm]
    # Steps that ask who the person is are skipped for an anonymous report.
    identifying: bool = False
    # Steps counted as "Step 2 of 9". The first step is not: its answers decide how many steps
    # follow, so the count starts after it and never changes on the way. Checking the answers
    # is not a step either (GOV.UK does not number it).
    numbered: bool = True
    # A line above the title of a step that is not numbered.
    caption: Promise | None = None

    def title_in(self, voice: Voice) -> str:
        return str(in_voice(self.title, voice))


STEPS: tuple[Step, ...] = (
    Step("about", _("About you"), AboutForm, numbered=False, caption=_("Before we begin")),
    Step("identity", _("Your details"), IdentityForm, identifying=True),
    Step("what", _("What happened"), WhatForm),
    Step("when", _("When and where"), WhenForm),
    Step("who", _("Who they were"), WhoForm),
    Step(
        "why",
        Voiced(_("Why you think you were stopped"), _("Why you think they were stopped")),
        WhyForm,
    ),
    Step("witnesses", _("Witnesses"), WitnessForm),
    Step("evidence", _("Photos, videos and documents"), EvidenceForm),
    Step("account", _("In your own words"), AccountForm),
    Step("contact", _("Contact and consent"), ContactForm, identifying=True),
    Step("review", _("Check your answers"), ReviewForm, numbered=False),
)
STEPS_BY_SLUG = {step.slug: step for step in STEPS}


# --- Status lookup ----------------------------------------------------------------------------

_CODE_CHARACTERS = re.compile(r"^[A-Za-z0-9\- ]*$")


class StatusForm(forms.Form):
    tracking_code = forms.CharField(
        label=_("Tracking code"),
        help_text=_("It looks like RD-7KQ4-M9XP."),
        max_length=30,
        validators=[RegexValidator(_CODE_CHARACTERS, _("Use only letters, digits and dashes."))],
        widget=forms.TextInput(
            attrs={"class": "usa-input", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter your tracking code.")},
    )
    secret = forms.CharField(
        label=_("Secret"),
        help_text=_("The secret shown once on your receipt, like ABCD-EFGH-JKMN-PQRS."),
        max_length=40,
        validators=[RegexValidator(_CODE_CHARACTERS, _("Use only letters, digits and dashes."))],
        widget=forms.TextInput(
            attrs={"class": "usa-input", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter your secret.")},
    )

    def error_summary(self) -> list[tuple[str, str]]:
        return intake_error_summary([self])
