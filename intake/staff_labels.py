"""The staff's short names of the reference rows, in the reader's language.

EncounterKind.label and Agency.name are stored in English (and editable in the admin); the staff
pages show them through these lookups, keyed by each row's stable code. The English entries are
the stored texts, so English pages read as before; a row added later in the admin, or a text
edited there, shows as stored until a translation is added here.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from intake.models import Agency, EncounterKind

ENCOUNTER_KIND_STAFF_LABELS: dict[str, tuple[str, Promise]] = {
    # code: (the stored English label, the label to show)
    "stopped-without-cause": ("Stopped with no stated cause", _("Stopped with no stated cause")),
    "boxed-in": ("Boxed in by vehicles", _("Boxed in by vehicles")),
    "weapons-drawn": ("Weapons drawn", _("Weapons drawn")),
    "recording-interfered": ("Recording interfered with", _("Recording interfered with")),
    "papers-demanded": ("Papers or citizenship demanded", _("Papers or citizenship demanded")),
    "questioned-status": (
        "Questioned about immigration status",
        _("Questioned about immigration status"),
    ),
    "detained": ("Detained", _("Detained")),
    "handcuffed": ("Handcuffed", _("Handcuffed")),
    "searched": ("Searched", _("Searched")),
    "physical-force": ("Physical force", _("Physical force")),
    "arrested": ("Arrested", _("Arrested")),
    "property-damaged": ("Property damaged", _("Property damaged")),
    "shots-fired": ("Shots fired", _("Shots fired")),
    "injury": ("Injury", _("Injury")),
    "agents-unidentified": (
        "Agents did not identify themselves",
        _("Agents did not identify themselves"),
    ),
    "threats-verbal-abuse": ("Threats or verbal abuse", _("Threats or verbal abuse")),
}

AGENCY_STAFF_NAMES: dict[str, tuple[str, Promise]] = {
    "dhs": ("U.S. Department of Homeland Security", _("U.S. Department of Homeland Security")),
    "ice": (
        "U.S. Immigration and Customs Enforcement",
        _("U.S. Immigration and Customs Enforcement"),
    ),
    "ice-ero": (
        "ICE Enforcement and Removal Operations",
        _("ICE Enforcement and Removal Operations"),
    ),
    "ice-hsi": ("Homeland Security Investigations", _("Homeland Security Investigations")),
    "cbp": ("U.S. Customs and Border Protection", _("U.S. Customs and Border Protection")),
    "border-patrol": ("U.S. Border Patrol", _("U.S. Border Patrol")),
    "unknown-federal": ("Unknown federal agency", _("Unknown federal agency")),
    "brooklyn-park-pd": ("Brooklyn Park Police Department", _("Brooklyn Park Police Department")),
    "st-paul-pd": ("Saint Paul Police Department", _("Saint Paul Police Department")),
    "minneapolis-pd": ("Minneapolis Police Department", _("Minneapolis Police Department")),
    "hennepin-sheriff": (
        "Hennepin County Sheriff's Office",
        _("Hennepin County Sheriff's Office"),
    ),
}


def _shown(labels: dict[str, tuple[str, Promise]], code: str, stored: str) -> str:
    """The translation of the stored text, while it is still the text the lookup knows."""
    entry = labels.get(code)
    if entry is None or entry[0] != stored:
        return stored
    return str(entry[1])


def kind_label_for(code: str, stored: str) -> str:
    return _shown(ENCOUNTER_KIND_STAFF_LABELS, code, stored)


def agency_name_for(code: str, stored: str) -> str:
    return _shown(AGENCY_STAFF_NAMES, code, stored)


def kind_label(kind: EncounterKind) -> str:
    """An encounter kind's staff label ("Weapons drawn") in the reader's language."""
    return kind_label_for(kind.code, kind.label)


def agency_name(agency: Agency) -> str:
    """An agency's full name in the reader's language."""
    return agency_name_for(agency.code, agency.name)


def agency_short_name(agency: Agency) -> str:
    """An agency's abbreviation where it has one (an acronym, the same in every language), else
    its name in the reader's language."""
    return agency.short_name or agency_name(agency)
