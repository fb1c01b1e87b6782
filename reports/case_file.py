"""Everything a case file prints, loaded in a fixed number of queries and read through the
reader projection (cases/privacy): the full file shows what the reader may see, the redacted
file (made to leave Rights Desk) no identity at all. The rows are plain frozen dataclasses, so
the template reads the same shape for both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from cases.conflicts import conflicts_among
from cases.models import Case
from cases.privacy import WITHHELD, Projected, project_case
from cases.selectors import case_contents
from cases.timeline import TimelineEntry, case_timeline
from intake.models import Report

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class ComplainantRow:
    role: str
    role_label: str
    is_anonymous: bool
    name: str
    email: str
    phone: str
    safe_to_contact: bool
    preferred_language: str
    race_ethnicity: str
    occupation: str


@dataclass(frozen=True)
class WitnessRow:
    name: str
    contact: str
    statement: str
    willing_to_be_contacted: bool


@dataclass(frozen=True)
class EncounterRow:
    occurred_at: datetime | None
    occurred_at_is_approximate: bool
    address: str
    city: str
    state: str
    latitude: str
    longitude: str
    kinds: tuple[str, ...]
    agencies: tuple[str, ...]
    agent_count: int | None
    vehicle_count: int | None
    vehicle_description: str
    plates: str
    agents_identified: str
    perceived_basis: tuple[str, ...]
    perceived_basis_other: str
    injuries: str
    outcome: str


@dataclass(frozen=True)
class EvidenceRow:
    original_name: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_at: datetime


@dataclass(frozen=True)
class FactRow:
    label: str
    value: str
    disputed: bool


@dataclass(frozen=True)
class ReportRow:
    tracking_code: str
    channel: str
    submitted_at: datetime
    submitted_by: str
    language: str
    source_label: str
    # A press source as people can cite it; never our file name for the article.
    is_press: bool
    source_headline: str
    source_outlet: str
    source_author: str
    source_published_on: date | None
    source_url: str
    source_citation_checked: bool
    narrative: str
    # False where the reader may not see who the people are (cases.access.can_see_identity):
    # their identity fields are then withheld even in the full file (_hide_identities).
    identity_shown: bool
    complainants: tuple[ComplainantRow, ...]
    encounter: EncounterRow | None
    witnesses: tuple[WitnessRow, ...]
    evidence: tuple[EvidenceRow, ...]
    facts: tuple[FactRow, ...]


@dataclass(frozen=True)
class VersionRow:
    value: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ConflictRow:
    label: str
    versions: tuple[VersionRow, ...]


@dataclass(frozen=True)
class NoteRow:
    author: str
    created_at: datetime
    visibility: str
    visibility_label: str
    body: str


@dataclass(frozen=True)
class CaseRow:
    reference: str
    title: str
    status: str
    close_reason: str
    priority: str
    priority_override_reason: str
    assignee: str
    opened_at: datetime
    due_date: date | None
    merged_into: str
    merged_cases: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    report_count: int
    source_count: int
    first_occurred_at: datetime | None
    last_occurred_at: datetime | None
    places: tuple[str, ...]
    kinds: tuple[str, ...]
    agencies: tuple[str, ...]
    witness_count: int
    evidence_count: int
    note_count: int
    conflict_count: int
    change_count: int


@dataclass(frozen=True)
class CaseFileData:
    case: CaseRow
    summary: Summary
    reports: tuple[ReportRow, ...]
    conflicts: tuple[ConflictRow, ...]
    notes: tuple[NoteRow, ...]
    timeline: tuple[TimelineEntry, ...]
    redacted: bool


def load_case_file(*, case: Case, reader: User, redacted: bool) -> CaseFileData:
    """Everything the case file of `case` prints for `reader`, in a fixed number of queries.

    The full file shows what `reader` may see (cases.privacy); `redacted=True` shows no name,
    contact, address or file name of anyone in any report, in structured fields and free text
    alike, whoever asks.
    """
    # Fresh from the database (the document's copy may predate the last change), with what
    # the cover prints, so the query count does not depend on whether the case is assigned.
    case = (
        Case.objects.select_related("assignee", "merged_into")
        .prefetch_related("tags")
        .get(pk=case.pk)
    )
    contents = case_contents(user=reader, case=case)
    projection = project_case(
        reader=reader, reports=contents.reports, redacted=redacted, withheld=WITHHELD
    )
    conflicts = projection.conflicts(conflicts_among(contents.reports))
    timeline = case_timeline(user=reader, case=case, projection=projection)
    disputed = {conflict.topic for conflict in conflicts}
    shown_case = projection.record(case)
    return CaseFileData(
        case=_case_row(shown_case, [merged.reference for merged in contents.merged_cases]),
        summary=_summary(contents.reports, len(contents.notes), len(conflicts), timeline),
        reports=tuple(
            _report_row(report, disputed) for report in projection.records(contents.reports)
        ),
        conflicts=tuple(
            ConflictRow(
                label=conflict.label,
                versions=tuple(
                    VersionRow(
                        value=version.value,
                        sources=tuple(_source_label(r) for r in version.reports),
                    )
                    for version in conflict.versions
                ),
            )
            for conflict in conflicts
        ),
        notes=tuple(
            NoteRow(
                author=note.author.get_username(),
                created_at=note.created_at,
                visibility=note.visibility,
                visibility_label=str(note.get_visibility_display()),
                body=note.body,
            )
            for note in projection.records(contents.notes)
        ),
        timeline=tuple(timeline),
        redacted=redacted,
    )


# --- Building rows ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _source_label(report: Projected | Report) -> str:
    # A conflict's versions hold the projected reports (Projection.conflicts).
    return report.source_outlet or report.source_headline or f"Report {report.tracking_code}"


def _report_row(report: Projected, disputed: set[str]) -> ReportRow:
    complainants = tuple(
        ComplainantRow(
            role=person.role,
            role_label=str(person.get_role_display()),
            is_anonymous=person.is_anonymous,
            name=person.name,
            email=person.email,
            phone=person.phone,
            safe_to_contact=person.safe_to_contact,
            preferred_language=person.preferred_language,
            race_ethnicity=person.race_ethnicity,
            occupation=person.occupation,
        )
        for person in report.complainants
    )
    witnesses = tuple(
        WitnessRow(
            name=witness.name,
            contact=witness.contact,
            statement=witness.statement,
            willing_to_be_contacted=witness.willing_to_be_contacted,
        )
        for witness in report.witnesses
    )
    return ReportRow(
        tracking_code=report.tracking_code,
        channel=str(report.get_channel_display()),
        submitted_at=report.submitted_at,
        submitted_by=report.submitted_by.get_username() if report.submitted_by else "",
        language=report.language,
        source_label=_source_label(report),
        is_press=report.channel == Report.Channel.PRESS,
        source_headline=report.source_headline,
        source_outlet=report.source_outlet,
        source_author=report.source_author,
        source_published_on=report.source_published_on,
        source_url=report.source_url,
        source_citation_checked=report.source_citation_checked,
        narrative=report.narrative,
        identity_shown=not report.identity_withheld,
        complainants=complainants,
        encounter=_encounter_row(report.encounter),
        witnesses=witnesses,
        evidence=tuple(
            EvidenceRow(
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                description=item.description,
                uploaded_at=item.uploaded_at,
            )
            for item in report.evidence
        ),
        facts=tuple(
            FactRow(label=fact.label, value=fact.value, disputed=fact.topic in disputed)
            for fact in report.facts
        ),
    )


def _encounter_row(encounter: Projected | None) -> EncounterRow | None:
    if encounter is None:
        return None
    return EncounterRow(
        occurred_at=encounter.occurred_at,
        occurred_at_is_approximate=encounter.occurred_at_is_approximate,
        address=encounter.address,
        city=encounter.city,
        state=encounter.state,
        latitude=_text(encounter.latitude),
        longitude=_text(encounter.longitude),
        kinds=tuple(kind.label for kind in encounter.kinds.all()),
        agencies=tuple(str(agency) for agency in encounter.agencies.all()),
        agent_count=encounter.agent_count,
        vehicle_count=encounter.vehicle_count,
        vehicle_description=encounter.vehicle_description,
        plates=encounter.plates,
        agents_identified=str(encounter.get_agents_identified_display()),
        perceived_basis=tuple(basis.label for basis in encounter.perceived_basis.all()),
        perceived_basis_other=encounter.perceived_basis_other,
        injuries=encounter.injuries,
        outcome=encounter.outcome,
    )


def _case_row(case: Projected, merged_cases: list[str]) -> CaseRow:
    return CaseRow(
        reference=case.reference,
        title=case.title,
        status=str(case.get_status_display()),
        close_reason=str(case.get_close_reason_display()) if case.close_reason else "",
        priority=str(case.get_priority_display()),
        priority_override_reason=case.priority_override_reason,
        assignee=case.assignee.get_username() if case.assignee else "",
        opened_at=case.opened_at,
        due_date=case.due_date,
        merged_into=case.merged_into.reference if case.merged_into else "",
        merged_cases=tuple(merged_cases),
        tags=tuple(tag.name for tag in case.tags.all()),
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _summary(
    reports: list[Report], note_count: int, conflict_count: int, timeline: list[TimelineEntry]
) -> Summary:
    encounters = [r.encounter for r in reports if hasattr(r, "encounter")]
    kinds = sorted(
        {kind for e in encounters for kind in e.kinds.all()},
        key=lambda kind: (kind.sort_order, kind.code),
    )
    times = sorted(e.occurred_at for e in encounters if e.occurred_at)
    return Summary(
        report_count=len(reports),
        source_count=len({(r.source_file or r.tracking_code) for r in reports}),
        first_occurred_at=times[0] if times else None,
        last_occurred_at=times[-1] if times else None,
        places=_unique(f"{e.city}, {e.state}" if e.state else e.city for e in encounters if e.city),
        kinds=tuple(kind.label for kind in kinds),
        agencies=_unique(str(agency) for e in encounters for agency in e.agencies.all()),
        witness_count=sum(len(r.witnesses.all()) for r in reports),
        evidence_count=sum(len(r.evidence.all()) for r in reports),
        note_count=note_count,
        conflict_count=conflict_count,
        change_count=len(timeline),
    )
