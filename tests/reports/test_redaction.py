"""What a redacted case file leaves out: redact_text on its own, then the loaded data."""

from dataclasses import fields, is_dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.privacy import WITHHELD, redact_text
from cases.services import add_note, transition_case
from intake.inputs import ComplainantInput, EvidenceInput, WitnessInput
from intake.models import Report
from intake.services import submit_report
from reports.case_file import load_case_file
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

NAMES = ["Ana Lucía Restrepo", "Sean O'Brien", "Li Wu"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ana Lucía Restrepo was stopped.", "[withheld] was stopped."),
        ("They pulled Ana from the car.", "They pulled [withheld] from the car."),
        ("Ana's phone fell; restrepo's too.", "[withheld]'s phone fell; [withheld]'s too."),
        ("Ana\u2019s phone fell.", "[withheld]\u2019s phone fell."),
        ("ANA LUCÍA RESTREPO, then aNa", "[withheld], then [withheld]"),
        ("Ana Lucía\nRestrepo across a line", "[withheld] across a line"),
        ("Lucía saw it", "[withheld] saw it"),
        ("ANA RESTREPO called", "[withheld] called"),
        ("Sean O\u2019Brien and O'Brien", "[withheld] and [withheld]"),
        ("Banana Anatomy Anatole", "Banana Anatomy Anatole"),
        # "Li" is too short to remove alone, "Wu" too; the full name still goes.
        ("Li Wu said Li and Wu", "[withheld] said Li and Wu"),
        ("Write to ana.restrepo+rd@example.org.", "Write to [withheld]."),
        ("Call (612) 555-0147 today", "Call [withheld] today"),
        (
            "Call 612-555-0147, 612.555.0147 or 6125550147",
            "Call [withheld], [withheld] or [withheld]",
        ),
        ("Text +1 612 555 0147 or +52 55 1234 5678", "Text [withheld] or [withheld]"),
        ("Call 555-0147.", "Call [withheld]."),
        ("On 2026-01-07 at 12:00, and 01/07/2026", "On 2026-01-07 at 12:00, and 01/07/2026"),
        ("Case RD-2026-000123, 12 agents, 3 cars", "Case RD-2026-000123, 12 agents, 3 cars"),
        ("", ""),
    ],
)
def test_redact_text_removes_names_emails_and_phones(text, expected):
    assert redact_text(text, names=NAMES) == expected


def test_redact_text_removes_known_phrases_only_whole():
    text = "Stopped at 4127 Xerxes Ave N, near Xerxes park."
    assert redact_text(text, names=[], phrases=["4127 Xerxes Ave N"]) == (
        "Stopped at [withheld], near Xerxes park."
    )


def test_redact_text_prefers_the_longest_name():
    # "Ana Lucía Restrepo" goes as one piece, not as three withheld words.
    assert redact_text("Ana Lucía Restrepo", names=["Ana Lucía Restrepo", "Ana"]) == WITHHELD


# --- The loaded data --------------------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01"
    b"\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82"
)

PERSONAL = [
    "Ana Lucía Restrepo",
    "Restrepo",
    "Tomasz Wierzbicki",
    "Wierzbicki",
    "Tomasz",
    "ana.restrepo@example.org",
    "612) 555-0147",
    "555-0147",
    "651 555 0199",
    "4127 Xerxes Ave N",
    "Xerxes",
    "Latina, Colombian-American",
    "Night nurse",
    "ana_restrepo_stop.png",
]


def named_case(actor):
    """A case whose people are named everywhere a name can appear."""
    submission = ReportSubmissionFactory(
        narrative=(
            "Ana Lucía Restrepo was driving on 4127 Xerxes Ave N when two SUVs boxed her in. "
            "Agents asked Ana's papers. ANA RESTREPO called Tomasz; write to "
            "ana.restrepo@example.org or call (612) 555-0147."
        ),
        encounter=EncounterInputFactory(address="4127 Xerxes Ave N", city="Minneapolis"),
        complainants=(
            ComplainantInput(
                role="affected",
                name="Ana Lucía Restrepo",
                email="ana.restrepo@example.org",
                phone="(612) 555-0147",
                safe_to_contact=True,
                race_ethnicity="Latina, Colombian-American",
                occupation="Night nurse",
            ),
            ComplainantInput(role="organisation", name="Unidos MN"),
        ),
        witnesses=(
            WitnessInput(
                name="Tomasz Wierzbicki",
                contact="+1 651 555 0199",
                statement="I saw them pull Restrepo out. Tomasz, 651 555 0199.",
                willing_to_be_contacted=True,
            ),
        ),
        evidence=(
            EvidenceInput(
                file=SimpleUploadedFile("ana_restrepo_stop.png", PNG, content_type="image/png"),
                description="Photo Tomasz took of the SUVs",
            ),
            EvidenceInput(
                file=SimpleUploadedFile("plates.png", PNG + b"\x00", content_type="image/png"),
            ),
        ),
    )
    case = submit_report(submission=submission, channel=Report.Channel.WEB).report.case
    add_note(case=case, author=actor, body="Called Ana Restrepo back at (612) 555-0147.")
    transition_case(
        case=case, to="triaged", actor=actor, reason="Spoke with Ms. Restrepo",
        expected_version=None,
    )
    return case


def strings_in(value):
    """Every string anywhere in the loaded data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            yield from strings_in(getattr(value, field.name))


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["legal", "liaison"])
def test_redacted_data_holds_no_name_contact_or_address_anywhere(request, reader, legal):
    # A liaison may not see these identities (no consent): the names must still come out of
    # the free text they were never shown in a structured field.
    reader = request.getfixturevalue(reader)
    case = named_case(legal)
    full = "\n".join(strings_in(load_case_file(case=case, reader=legal, redacted=False)))
    redacted_data = load_case_file(case=case, reader=reader, redacted=True)
    redacted = "\n".join(strings_in(redacted_data))
    for value in PERSONAL:
        assert value in full
        assert value.casefold() not in redacted.casefold(), value
    assert redacted_data.redacted
    assert "Unidos MN" in redacted  # an organisation's name is not personal data
    assert "Boxed in by vehicles" in redacted
    assert "Minneapolis" in redacted
    assert "ABC123" in redacted  # agents' plates stay


@pytest.mark.django_db
def test_redacted_data_keeps_every_evidence_hash(legal):
    case = named_case(legal)
    full = load_case_file(case=case, reader=legal, redacted=False)
    redacted = load_case_file(case=case, reader=legal, redacted=True)
    hashes = [item.sha256 for report in full.reports for item in report.evidence]
    assert len(hashes) == 2
    assert [item.sha256 for report in redacted.reports for item in report.evidence] == hashes
    assert {item.original_name for report in redacted.reports for item in report.evidence} == {
        WITHHELD
    }


@pytest.mark.django_db
def test_full_file_withholds_identities_the_reader_may_not_see(liaison):
    case = named_case(liaison)
    data = load_case_file(case=case, reader=liaison, redacted=False)
    report = data.reports[0]
    assert not report.identity_shown
    affected = report.complainants[0]
    assert (affected.name, affected.email, affected.phone) == (WITHHELD,) * 3
    assert report.witnesses[0].name == WITHHELD


@pytest.mark.django_db
def test_timeline_before_and_after_values_are_scrubbed(legal):
    case = named_case(legal)
    data = load_case_file(case=case, reader=legal, redacted=True)
    note_changes = [
        change for entry in data.timeline for change in entry.changes if change.label == "Note"
    ]
    assert note_changes
    assert all("Restrepo" not in change.after for change in note_changes)
    assert any(WITHHELD in change.after for change in note_changes)
    reasons = [entry.reason for entry in data.timeline]
    assert "Spoke with Ms. [withheld]" in reasons
