"""Every field of every record reachable from a case, classified: what a reader is shown of it.

This table is the deny-by-default half of the reader projection (projection.py): a field that
is not listed here is never shown to anyone through the projection, and
tests/cases/test_privacy_fields.py fails when a model gains a field without a class, so a new
field cannot leak by being forgotten.
"""

from enum import StrEnum

from cases.models import Case, CaseNote
from intake.models import (
    Complainant,
    Encounter,
    Evidence,
    Report,
    ReportAddition,
    ReportFact,
    ReportMessage,
    Witness,
)


class FieldClass(StrEnum):
    # Shown as it is to every case worker: codes, dates, counts, flags, reference data, and
    # text that Rights Desk itself or staff curate for the case (see the notes below).
    SHOWN = "shown"
    # Who a person is, how to reach them, or exactly where they were: shown only to a reader
    # who may see the identities of the report the record belongs to.
    IDENTITY = "identity"
    # A complainant's name and occupation: an identity for people, public for organisations,
    # news outlets and officials speaking in public (their words are public record).
    NAME = "name"
    # Free text anyone may have written a name, contact or address into (the public, a press
    # source, staff): scrubbed of every identity the reader may not see, from any report of
    # the case, whoever wrote it.
    SCRUBBED = "scrubbed"
    # Never shown through the projection: secrets, storage paths, derived search data.
    INTERNAL = "internal"
    # A relation to other records of the case: each is projected in turn.
    RELATED = "related"


SHOWN, IDENTITY, NAME, SCRUBBED, INTERNAL, RELATED = (
    FieldClass.SHOWN,
    FieldClass.IDENTITY,
    FieldClass.NAME,
    FieldClass.SCRUBBED,
    FieldClass.INTERNAL,
    FieldClass.RELATED,
)

FIELD_CLASSES: dict[type, dict[str, FieldClass]] = {
    Case: {
        "id": SHOWN,
        "data_key": INTERNAL,  # the id of the row's data key, never the key
        "reference": SHOWN,
        # Made by submit_report from the encounter kinds and the city, or written by staff
        # for the seed cases; never the public's words.
        "title": SHOWN,
        "status": SHOWN,
        "status_changed_at": SHOWN,
        "close_reason": SHOWN,
        "priority": SHOWN,
        "computed_priority": SHOWN,
        "priority_override_reason": SCRUBBED,
        "assignee": SHOWN,
        "tags": SHOWN,  # slugs from a shared vocabulary
        "due_date": SHOWN,
        "merged_into": SHOWN,
        "opened_at": SHOWN,
        "updated_at": SHOWN,
        "version": SHOWN,  # a count of changes: the API's ETag, the pages' hidden field
        "search_text": INTERNAL,
        "kind_codes": INTERNAL,
        "agency_codes": INTERNAL,
        "reports": RELATED,
        "notes": RELATED,
        # Legal staff's holds on the case: read only by them, through cases/legal_holds.py.
        "legal_holds": INTERNAL,
    },
    CaseNote: {
        "id": SHOWN,
        "data_key": INTERNAL,  # the id of the row's data key, never the key
        "case": SHOWN,
        "author": SHOWN,
        "body": SCRUBBED,
        "visibility": SHOWN,
        "created_at": SHOWN,
    },
    Report: {
        "id": SHOWN,
        "data_key": INTERNAL,  # the id of the row's data key, never the key
        "case": SHOWN,
        "tracking_code": SHOWN,
        "secret_hash": INTERNAL,
        "external_id": INTERNAL,
        "channel": SHOWN,
        "language": SHOWN,
        "narrative": SCRUBBED,
        "consent_to_contact": SHOWN,
        "consent_to_share_with_liaison": SHOWN,
        "submitted_at": SHOWN,
        "submitted_by": SHOWN,
        "source_file": SHOWN,  # the article's file name
        "source_headline": SCRUBBED,
        "source_outlet": SCRUBBED,
        # The rest of a press source's citation is public record, as printed with the article:
        # the byline, the publication date and the article's address (entered by staff or the
        # seed loader, never by the public).
        "source_author": SHOWN,
        "source_published_on": SHOWN,
        "source_url": SHOWN,
        "source_citation_checked": SHOWN,
        "acknowledged_at": INTERNAL,  # says that someone left an address and may be written to
        "complainants": RELATED,
        "encounter": RELATED,
        "witnesses": RELATED,
        "evidence": RELATED,
        "facts": RELATED,
        "additions": RELATED,
        "messages": RELATED,
    },
    Complainant: {
        "id": SHOWN,
        "data_key": INTERNAL,  # the id of the row's data key, never the key
        "report": SHOWN,
        "role": SHOWN,
        "is_anonymous": SHOWN,
        "name": NAME,
        "email": IDENTITY,
        "phone": IDENTITY,
        "safe_to_contact": SHOWN,
        "preferred_language": SCRUBBED,  # a language code, but typed by the public
        "race_ethnicity": IDENTITY,  # self-described, sensitive, and narrows down who they are
        "occupation": NAME,  # "an off-duty Brooklyn Park officer" is enough to identify one person
    },
    Encounter: {
        "id": SHOWN,
        "data_key": INTERNAL,  # the id of the row's data key, never the key
        "report": SHOWN,
        "occurred_at": SHOWN,
        "occurred_at_is_approximate": SHOWN,
        # Where it happened is often where someone lives or works; city and state stay.
        "address": IDENTITY,
        "city": SHOWN,
        "state": SHOWN,
        "latitude": IDENTITY,
        "longitude": IDENTITY,
        "kinds": SHOWN,
        "agencies": SHOWN,
        "agent_count": SHOWN,
        "vehicle_count": SHOWN,
        "vehicle_description": SCRUBBED,
        # The agents' plates: what oversight bodies need, kept; but typed by the public, so
        # scrubbed like any free text (a plate is never a name, e-mail or phone).
        "plates": SCRUBBED,
        "agents_identified": SHOWN,
        "perceived_basis": SHOWN,
        "perceived_basis_other": SCRUBBED,
        "injuries": SCRUBBED,
        "outcome": SCRUBBED,
    },
    Witness: {
        "id": SHOWN,
        "data_key": INTERNAL,  # the id of the row's data key, never the key
        "report": SHOWN,
        "name": IDENTITY,
        "contact": IDENTITY,
        "statement": SCRUBBED,
        "willing_to_be_contacted": SHOWN,
        "addition": SHOWN,
    },
    Evidence: {
        "id": SHOWN,
        "data_key": INTERNAL,  # the id of the row's data key, never the key
        "report": SHOWN,
        "file": INTERNAL,  # where it is stored; files are downloaded through access checks only
        # People name files after themselves ("ana_garcia_stop.mp4"); type, size and SHA-256
        # still prove which file it is.
        "original_name": IDENTITY,
        "content_type": SHOWN,
        "size": SHOWN,
        "sha256": SHOWN,
        "description": SCRUBBED,
        "uploaded_at": SHOWN,
        "download_count": SHOWN,
        "addition": SHOWN,
    },
    ReportFact: {
        "id": SHOWN,
        "data_key": INTERNAL,  # the id of the row's data key, never the key
        "report": SHOWN,
        "topic": SHOWN,
        "label": SCRUBBED,
        "value": SCRUBBED,
    },
}

# What the person who filed added later, and the questions and answers exchanged with them
# (intake/follow_up.py). The person writes as freely as in the narrative, and staff questions
# are written like notes: both scrubbed.
FIELD_CLASSES[ReportAddition] = {
    "id": SHOWN,
    "data_key": INTERNAL,  # the id of the row's data key, never the key
    "report": SHOWN,
    "kind": SHOWN,
    "body": SCRUBBED,
    "added_at": SHOWN,
    "evidence": RELATED,
    "witnesses": RELATED,
}
FIELD_CLASSES[ReportMessage] = {
    "id": SHOWN,
    "data_key": INTERNAL,  # the id of the row's data key, never the key
    "report": SHOWN,
    "direction": SHOWN,
    "author": SHOWN,
    "body": SCRUBBED,
    "reply_to": SHOWN,
    "replies": RELATED,
    "sent_at": SHOWN,
    "read_at": SHOWN,
}

# The columns simple-history adds to every history table. The reason is written by whoever
# made the change (staff, a merge, the public's channel), so it is free text like any other.
# The audit chain's seq and keyed hash (plumbing/audit) say nothing about anyone.
HISTORY_FIELDS: dict[str, FieldClass] = {
    "history_id": SHOWN,
    "history_date": SHOWN,
    "history_type": SHOWN,
    "history_user": SHOWN,
    "history_change_reason": SCRUBBED,
    "chain_seq": SHOWN,
    "chain_hash": SHOWN,
}


def field_class(model: type, name: str) -> FieldClass | None:
    """The class of `model.name`, or None where it has none (and so is shown to nobody)."""
    return FIELD_CLASSES.get(model, {}).get(name)
