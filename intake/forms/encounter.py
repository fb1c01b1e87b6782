"""The steps about the encounter: what happened, when and where, who the agents were, why the
person thinks they were stopped, and the account in their own words."""

from datetime import datetime, time
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from intake.memorable_date import (
    DateProblem,
    MemorableDateField,
    parse_memorable_date,
)
from intake.models import Agency, Encounter, EncounterKind, PerceivedBasis
from intake.public_labels import (
    US_STATES,
    Voiced,
    agency_label,
    encounter_kind_label,
    perceived_basis_label,
)

if TYPE_CHECKING:
    pass


from intake.forms.base import EARLIEST_DATE, CodeMultipleChoiceField, StepForm, count_field


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
    agent_count = count_field(_("About how many agents were there?"))
    vehicle_count = count_field(_("About how many vehicles did they have?"))
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
