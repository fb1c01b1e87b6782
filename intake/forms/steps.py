"""The order of the steps of the public report form, and the last one, which checks the answers."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from intake.public_labels import (
    Voice,
    Voiced,
    in_voice,
)

if TYPE_CHECKING:
    pass


from intake.forms.about_you import AboutForm, ContactForm, IdentityForm
from intake.forms.base import StepForm
from intake.forms.encounter import AccountForm, WhatForm, WhenForm, WhoForm, WhyForm
from intake.forms.evidence import EvidenceForm
from intake.forms.witnesses import WitnessForm


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
