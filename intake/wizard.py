"""The order of the report form's steps, and checking a whole draft before it is sent."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from intake.drafts import Draft
from intake.forms import STEPS, STEPS_BY_SLUG, Step, StepForm, WhenForm, WitnessForm
from intake.inputs import (
    ComplainantInput,
    EncounterInput,
    EvidenceInput,
    ReportSubmission,
    WitnessInput,
)
from intake.public_labels import Voice, voice_for_role

# Steps with no answers of their own: they count as done once the person moved past them.
LIST_STEPS = ("witnesses", "evidence")


def steps_for(draft: Draft) -> list[Step]:
    """The steps this person sees: an anonymous report skips every identifying step."""
    return [step for step in STEPS if not (draft.is_anonymous and step.identifying)]


def voice_for(draft: Draft) -> Voice:
    """Whose encounter the questions ask about, from the role chosen on the first step."""
    return voice_for_role(draft.role)


def neighbours(draft: Draft, slug: str) -> tuple[Step | None, Step | None]:
    """The steps before and after `slug` for this draft."""
    steps = steps_for(draft)
    slugs = [step.slug for step in steps]
    if slug not in slugs:
        return None, steps[0]
    index = slugs.index(slug)
    before = steps[index - 1] if index > 0 else None
    after = steps[index + 1] if index + 1 < len(steps) else None
    return before, after


@dataclass(frozen=True)
class ProgressStep:
    title: str
    state: str  # "complete", "current" or "" (not yet)


@dataclass(frozen=True)
class Progress:
    title: str
    # For a numbered step: its number among the numbered steps this person sees, their
    # count, and a segment of the step indicator for each. None, 0 and [] for the others.
    number: int | None
    total: int
    steps: list[ProgressStep]
    caption: str = ""


def progress(draft: Draft, current: str) -> Progress:
    """Where `current` is among the steps this person sees. The count leaves out the first
    step, whose answers (anonymous or not) decide how many steps follow, so from the first
    numbered step on it stays the same, unless they go back and change those answers."""
    step = STEPS_BY_SLUG[current]
    voice = voice_for(draft)
    title = step.title_in(voice)
    if not step.numbered:
        return Progress(
            title=title, number=None, total=0, steps=[], caption=str(step.caption or "")
        )
    numbered = [each for each in steps_for(draft) if each.numbered]
    entries = []
    number = None
    for index, each in enumerate(numbered, start=1):
        if each.slug == current:
            state, number = "current", index
        else:
            state = "complete" if draft.answers(each.slug) is not None else ""
        entries.append(ProgressStep(title=each.title_in(voice), state=state))
    return Progress(title=title, number=number, total=len(numbered), steps=entries)


@dataclass
class CheckedDraft:
    """Every step's form, rebuilt from the session and validated again."""

    forms: dict[str, StepForm] = field(default_factory=dict)
    witnesses: list[WitnessForm] = field(default_factory=list)
    first_incomplete: Step | None = None

    @property
    def cleaned(self) -> dict[str, dict[str, Any]]:
        return {slug: form.cleaned_data for slug, form in self.forms.items()}

    @property
    def when(self) -> WhenForm:
        form = self.forms["when"]
        assert isinstance(form, WhenForm)  # noqa: S101 - narrows the type for the checker
        return form


def check_draft(draft: Draft) -> CheckedDraft:
    """Validate every answer again, as if it had just been sent: the answers may have been
    given hours ago (a date can have become invalid, an agency deactivated)."""
    checked = CheckedDraft()
    voice = voice_for(draft)
    for step in steps_for(draft):
        if step.slug == "review":
            break
        answers = draft.answers(step.slug)
        if answers is None:
            checked.first_incomplete = checked.first_incomplete or step
            continue
        if step.slug in LIST_STEPS:
            continue
        form = step.form_class(data=answers, voice=voice)
        if form.is_valid():
            checked.forms[step.slug] = form
        else:
            checked.first_incomplete = checked.first_incomplete or step
    for values in draft.witnesses:
        witness = WitnessForm(data=values, voice=voice)
        if not witness.is_valid():
            checked.first_incomplete = checked.first_incomplete or STEPS_BY_SLUG["witnesses"]
        checked.witnesses.append(witness)
    return checked


def build_submission(
    *,
    cleaned: dict[str, dict[str, Any]],
    when: WhenForm,
    witnesses: Sequence[dict[str, Any]],
    evidence: Sequence[EvidenceInput],
    language: str,
) -> ReportSubmission:
    """Turn the validated answers of every step into what submit_report takes. An anonymous
    report carries no name or contact, whatever else was sent."""
    about, what, who, why = cleaned["about"], cleaned["what"], cleaned["who"], cleaned["why"]
    anonymous = about["anonymous"] == "yes"
    identity = {} if anonymous else cleaned["identity"]
    contact = {} if anonymous else cleaned["contact"]
    complainant = ComplainantInput(
        role=about["role"],
        is_anonymous=anonymous,
        name=identity.get("name", ""),
        occupation=identity.get("occupation", ""),
        preferred_language=identity.get("preferred_language", ""),
        email=contact.get("email", ""),
        phone=contact.get("phone", ""),
        safe_to_contact=bool(contact.get("safe_to_contact")),
        race_ethnicity=why["race_ethnicity"],
    )
    place = when.cleaned_data
    encounter = EncounterInput(
        occurred_at=when.occurred_at(),
        occurred_at_is_approximate=bool(place["approximate"] or place["occurred_time"] is None),
        address=place["address"],
        city=place["city"],
        state=place["state"],
        kind_codes=[kind.code for kind in what["kinds"]],
        agency_codes=[agency.code for agency in who["agencies"]],
        agent_count=who["agent_count"],
        vehicle_count=who["vehicle_count"],
        vehicle_description=who["vehicle_description"],
        plates=who["plates"],
        agents_identified=who["agents_identified"],
        perceived_basis_codes=[basis.code for basis in why["perceived_basis"]],
        perceived_basis_other=why["perceived_basis_other"],
        injuries=what["injuries"],
        outcome=what["outcome"],
    )
    return ReportSubmission(
        narrative=cleaned["account"]["narrative"],
        encounter=encounter,
        complainants=(complainant,),
        witnesses=tuple(
            WitnessInput(
                name=w["name"],
                contact=w["contact"],
                statement=w["statement"],
                willing_to_be_contacted=bool(w["willing_to_be_contacted"]),
            )
            for w in witnesses
        ),
        evidence=tuple(evidence),
        language=language,
        consent_to_contact=bool(contact.get("consent_to_contact")),
        consent_to_share_with_liaison=bool(contact.get("consent_to_share_with_liaison")),
    )
