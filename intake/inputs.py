"""What `submit_report` accepts: plain, typed values that the web form, the API serializer and
the seed loader each build from their own input."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.files.base import File


@dataclass(frozen=True)
class ComplainantInput:
    role: str
    is_anonymous: bool = False
    name: str = ""
    email: str = ""
    phone: str = ""
    safe_to_contact: bool = False
    preferred_language: str = ""
    race_ethnicity: str = ""
    occupation: str = ""


@dataclass(frozen=True)
class EncounterInput:
    occurred_at: datetime | None = None
    occurred_at_is_approximate: bool = False
    address: str = ""
    city: str = ""
    state: str = "MN"
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    kind_codes: Sequence[str] = ()
    agency_codes: Sequence[str] = ()
    agent_count: int | None = None
    vehicle_count: int | None = None
    vehicle_description: str = ""
    plates: str = ""
    agents_identified: str = "unknown"
    perceived_basis_codes: Sequence[str] = ()
    perceived_basis_other: str = ""
    injuries: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class WitnessInput:
    name: str = ""
    contact: str = ""
    statement: str = ""
    willing_to_be_contacted: bool = False


@dataclass(frozen=True)
class EvidenceInput:
    file: File
    description: str = ""


@dataclass(frozen=True)
class SourceInput:
    """Where a press report comes from."""

    file: str
    headline: str = ""
    outlet: str = ""
    author: str = ""
    published_on: date | None = None
    url: str = ""
    # The citation was read from the article itself: what is empty, the article does not give.
    checked: bool = False


@dataclass(frozen=True)
class FactInput:
    """A fact as this report's source states it (see ReportFact)."""

    topic: str
    label: str
    value: str


@dataclass(frozen=True)
class ReportSubmission:
    narrative: str
    encounter: EncounterInput
    complainants: Sequence[ComplainantInput] = ()
    witnesses: Sequence[WitnessInput] = ()
    evidence: Sequence[EvidenceInput] = ()
    language: str = "en"
    consent_to_contact: bool = False
    consent_to_share_with_liaison: bool = False
    source: SourceInput | None = None
    facts: Sequence[FactInput] = field(default_factory=tuple)
    external_id: str = ""
    submitted_at: datetime | None = None
