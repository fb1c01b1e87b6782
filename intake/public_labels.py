"""Translatable public labels for the reference tables.

The rows of EncounterKind, PerceivedBasis and Agency are written in English in the database
(and editable in the admin); the public form shows them in the reader's language. The
translations are keyed by each row's stable code, and a row added later in the admin falls back
to its English text until a translation is added here.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from intake.models import Agency, EncounterKind, PerceivedBasis

ENCOUNTER_KIND_LABELS: dict[str, Promise] = {
    "stopped-without-cause": _("They stopped me without saying why"),
    "boxed-in": _("They surrounded or blocked my vehicle"),
    "weapons-drawn": _("They pointed or drew guns"),
    "recording-interfered": _("They knocked my phone away or stopped me recording"),
    "papers-demanded": _("They demanded papers or proof of citizenship"),
    "questioned-status": _("They asked about my immigration status"),
    "detained": _("They held me and I was not free to leave"),
    "handcuffed": _("They handcuffed me"),
    "searched": _("They searched me, my bag or my vehicle"),
    "physical-force": _("They grabbed, pushed or hit me"),
    "arrested": _("They arrested me or took me away"),
    "property-damaged": _("They damaged my property"),
    "shots-fired": _("They fired a gun"),
    "injury": _("Someone was hurt"),
    "agents-unidentified": _("They did not say who they were"),
    "threats-verbal-abuse": _("They threatened or insulted me"),
}

PERCEIVED_BASIS_LABELS: dict[str, Promise] = {
    "race": _("Race"),
    "skin-colour": _("Skin colour"),
    "language": _("Language spoken"),
    "accent": _("Accent"),
    "national-origin": _("National origin"),
    "religion": _("Religion"),
    "other": _("Something else"),
}

# Names of agencies are proper names; these are the forms Spanish-language services use.
AGENCY_LABELS: dict[str, Promise] = {
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


def encounter_kind_label(kind: EncounterKind) -> str:
    return str(ENCOUNTER_KIND_LABELS.get(kind.code, kind.public_label))


def perceived_basis_label(basis: PerceivedBasis) -> str:
    return str(PERCEIVED_BASIS_LABELS.get(basis.code, basis.label))


def agency_label(agency: Agency) -> str:
    return str(AGENCY_LABELS.get(agency.code, str(agency)))


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
