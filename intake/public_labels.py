"""Translatable public labels for the reference tables, and the two voices of the form.

The rows of EncounterKind, PerceivedBasis and Agency are written in English in the database
(and editable in the admin); the public form shows them in the reader's language. The
translations are keyed by each row's stable code, and a row added later in the admin falls back
to its English text until a translation is added here.

The form speaks to the person who was stopped in the first person ("They handcuffed me") and,
to everyone else (a witness, someone reporting for another person or for an organisation),
about the person affected ("They handcuffed the person"). A text that differs is a `Voiced`
pair; the form picks one half from the role chosen on its first step.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from intake.models import Agency, Complainant, EncounterKind, PerceivedBasis

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# Whatever a field's label or help text holds when it is not a Voiced pair.
_Text = TypeVar("_Text", bound="Promise | str | None")


class Voice(StrEnum):
    FIRST = "first"  # the person filling in the form is the person it happened to
    THIRD = "third"  # they are reporting what happened to someone else


def voice_for_role(role: str | None) -> Voice:
    """Until a role is chosen the form speaks to the person affected, as most people are."""
    if role in (None, "", Complainant.Role.AFFECTED):
        return Voice.FIRST
    return Voice.THIRD


@dataclass(frozen=True)
class Voiced:
    """One text in both voices."""

    first: "StrPromise"
    third: "StrPromise"

    def for_voice(self, voice: Voice) -> "StrPromise":
        return self.third if voice == Voice.THIRD else self.first


def in_voice(text: _Text | Voiced, voice: Voice) -> "_Text | StrPromise":
    """`text` as `voice` says it; a text that is the same in both voices is returned as is."""
    return text.for_voice(voice) if isinstance(text, Voiced) else text


ENCOUNTER_KIND_LABELS: dict[str, Promise | Voiced] = {
    "stopped-without-cause": Voiced(
        _("They stopped me without saying why"),
        _("They stopped the person without saying why"),
    ),
    "boxed-in": Voiced(
        _("They surrounded or blocked my vehicle"),
        _("They surrounded or blocked the person's vehicle"),
    ),
    "weapons-drawn": _("They pointed or drew guns"),
    "recording-interfered": Voiced(
        _("They knocked my phone away or stopped me recording"),
        _("They knocked a phone away or stopped someone recording"),
    ),
    "papers-demanded": _("They demanded papers or proof of citizenship"),
    "questioned-status": Voiced(
        _("They asked about my immigration status"),
        _("They asked about the person's immigration status"),
    ),
    "detained": Voiced(
        _("They held me and I was not free to leave"),
        _("They held the person, who was not free to leave"),
    ),
    "handcuffed": Voiced(_("They handcuffed me"), _("They handcuffed the person")),
    "searched": Voiced(
        _("They searched me, my bag or my vehicle"),
        _("They searched the person, their bag or their vehicle"),
    ),
    "physical-force": Voiced(
        _("They grabbed, pushed or hit me"), _("They grabbed, pushed or hit the person")
    ),
    "arrested": Voiced(
        _("They arrested me or took me away"), _("They arrested the person or took them away")
    ),
    "property-damaged": Voiced(
        _("They damaged my property"), _("They damaged the person's property")
    ),
    "shots-fired": _("They fired a gun"),
    "injury": _("Someone was hurt"),
    "agents-unidentified": _("They did not say who they were"),
    "threats-verbal-abuse": Voiced(
        _("They threatened or insulted me"), _("They threatened or insulted the person")
    ),
}

PERCEIVED_BASIS_LABELS: dict[str, Promise | Voiced] = {
    "race": _("Race"),
    "skin-colour": _("Skin colour"),
    "language": _("Language spoken"),
    "accent": _("Accent"),
    "national-origin": _("National origin"),
    "religion": _("Religion"),
    "other": _("Something else"),
}

# Names of agencies are proper names; these are the forms Spanish-language services use.
AGENCY_LABELS: dict[str, Promise | Voiced] = {
    "dhs": _("U.S. Department of Homeland Security (DHS)"),
    "ice": _("U.S. Immigration and Customs Enforcement (ICE)"),
    "ice-ero": _("ICE Enforcement and Removal Operations (ERO)"),
    "ice-hsi": _("Homeland Security Investigations (HSI)"),
    "cbp": _("U.S. Customs and Border Protection (CBP)"),
    "border-patrol": _("U.S. Border Patrol"),
    "unknown-federal": _("A federal agency, but I do not know which"),
    "brooklyn-park-pd": _("Brooklyn Park Police Department"),
    "st-paul-pd": _("Saint Paul Police Department"),
    "minneapolis-pd": _("Minneapolis Police Department"),
    "hennepin-sheriff": _("Hennepin County Sheriff's Office"),
}


def _label(labels: dict[str, Promise | Voiced], code: str, voice: Voice, fallback: str) -> str:
    label = labels.get(code)
    return str(in_voice(label, voice)) if label is not None else fallback


def encounter_kind_label(kind: EncounterKind, voice: Voice = Voice.FIRST) -> str:
    return _label(ENCOUNTER_KIND_LABELS, kind.code, voice, kind.public_label)


def perceived_basis_label(basis: PerceivedBasis, voice: Voice = Voice.FIRST) -> str:
    return _label(PERCEIVED_BASIS_LABELS, basis.code, voice, basis.label)


def perceived_basis_label_for(code: str, stored: str) -> str:
    """A perceived basis from its code and stored label, as the reports' figures keep them."""
    return _label(PERCEIVED_BASIS_LABELS, code, Voice.FIRST, stored)


def agency_label(agency: Agency, voice: Voice = Voice.FIRST) -> str:
    return _label(AGENCY_LABELS, agency.code, voice, str(agency))


US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
    ("DC", "District of Columbia"), ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"),
    ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"),
    ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"),
    ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"),
    ("OR", "Oregon"), ("PA", "Pennsylvania"), ("PR", "Puerto Rico"), ("RI", "Rhode Island"),
    ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"),
    ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
]  # fmt: skip

# Names of languages in the language itself, so a reader finds their own.
PREFERRED_LANGUAGES = [
    ("", _("No preference")),
    ("en", "English"),
    ("es", "Español"),
    ("so", "Soomaali"),
    ("hmn", "Hmoob"),
    ("other", _("Another language")),
]
