"""The nightly check tells legal staff (and only them) about a break; a printed case file is
checked against the history it was made from."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.audit import case_chains, case_records
from cases.audit_tasks import verify_audit_task
from cases.models import Case, CaseNote
from cases.services import add_note, transition_case
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
from plumbing.audit.verify import walk_table
from reports import services
from reports.document_files import open_sealed
from tests.reports.conftest import named_case

pytestmark = pytest.mark.django_db

History = Case.history.model


def _break_one_row(case: Case) -> int:
    row = History.objects.filter(id=case.pk).order_by("chain_seq").first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {History._meta.db_table} SET status = %s WHERE history_id = %s",  # noqa: S608
            ["closed", row.history_id],
        )
    return row.history_id


def test_the_nightly_check_mails_legal_staff_only_when_it_finds_a_break(
    legal, liaison, administrator, django_capture_on_commit_callbacks
):
    case = named_case()
    for user, address in (
        (legal, "legal@example.org"),
        (liaison, "liaison@example.org"),
        (administrator, "admin@example.org"),
    ):
        user.email = address
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert verify_audit_task.delay().get() == 0
    assert mail.outbox == []

    history_id = _break_one_row(case)
    with django_capture_on_commit_callbacks(execute=True):
        assert verify_audit_task.delay().get() == 1
    [message] = mail.outbox
    assert message.to == ["legal@example.org"]
    assert f"row {history_id}" in message.body
    assert History._meta.db_table in message.body
    assert "Quintanilla" not in message.body


def _rendered_case_file(case: Case, legal):
    document = services.request_document(case=case, kind="case_file", actor=legal)
    return services.render_document(document_id=document.pk)


def test_verify_document_recognises_a_rendered_case_file(legal, tmp_path, capsys):
    case = named_case()
    document = _rendered_case_file(case, legal)
    assert document.status == "ready" and len(document.chain_head) == 64
    copy = tmp_path / "copy.pdf"
    with open_sealed(document) as pdf:  # the PDF as downloaded
        copy.write_bytes(pdf.read())
    call_command("verify_document", str(copy))
    out = capsys.readouterr().out
    assert case.reference in out and f"document {document.pk}" in out
    assert document.chain_head in out
    assert "part of the case's intact history" in out

    # Work on the case afterwards grows its chains: the printed head is still part of them.
    transition_case(case=case, to="triaged", actor=legal, reason="Read", expected_version=None)
    call_command("verify_document", str(copy))
    assert "part of the case's intact history" in capsys.readouterr().out


def test_verify_document_refuses_an_altered_copy(legal, tmp_path, capsys):
    document = _rendered_case_file(named_case(), legal)
    with open_sealed(document) as pdf:
        altered = bytearray(pdf.read())
    altered[len(altered) // 2] ^= 0x01
    copy = tmp_path / "altered.pdf"
    copy.write_bytes(bytes(altered))
    with pytest.raises(CommandError, match="Unknown file"):
        call_command("verify_document", str(copy))
    assert "no case file rendered by Rights Desk" in capsys.readouterr().out


def test_verify_document_names_a_history_edited_after_the_file_was_made(legal, tmp_path, capsys):
    case = named_case()
    document = _rendered_case_file(case, legal)
    copy = tmp_path / "copy.pdf"
    with open_sealed(document) as pdf:  # the PDF as downloaded
        copy.write_bytes(pdf.read())
    history_id = _break_one_row(case)
    with pytest.raises(CommandError, match="does not hold"):
        call_command("verify_document", str(copy))
    out = capsys.readouterr().out
    assert f"row {history_id}" in out


def test_a_cases_records_are_listed_in_one_query(legal, django_assert_num_queries):
    case = named_case()
    add_note(case=case, author=legal, body="Called the witness back.")
    [report] = Report.objects.filter(case=case)
    expected = {
        Case: [case.pk],
        CaseNote: [note.pk for note in CaseNote.objects.filter(case=case)],
        Report: [report.pk],
        Encounter: [report.encounter.pk],
        Complainant: [person.pk for person in report.complainants.all()],
        Witness: [witness.pk for witness in report.witnesses.all()],
        Evidence: [item.pk for item in report.evidence.all()],
        ReportFact: [fact.pk for fact in report.facts.all()],
        ReportAddition: [],
        ReportMessage: [],
    }
    with django_assert_num_queries(1):
        records = case_records(case)
    assert {model: sorted(ids) for model, ids in records} == {
        model: sorted(ids) for model, ids in expected.items()
    }
    assert all(expected[model] for model in (CaseNote, Complainant, Witness, Evidence))


def test_a_cases_chains_are_walked_in_one_query_a_table(legal):
    case = named_case()
    tables = len([ids for _, ids in case_records(case) if ids])
    with CaptureQueriesContext(connection) as captured:
        chains = case_chains(case)
    assert chains.intact and len(chains.heads) > tables
    # The records' ids, where all their chains start, then the rows of each table.
    assert len(captured) == 2 + tables


def test_a_case_files_chains_are_read_without_server_side_cursors(legal):
    """A case file walks its case's chains on every render: a handful of rows per table, read in
    one query each. The nightly check, which walks whole tables, still streams them."""
    if connection.vendor != "postgresql":
        pytest.skip("Server-side cursors are PostgreSQL's.")
    case = named_case()
    with CaptureQueriesContext(connection) as captured:
        chains = case_chains(case)
    assert chains.intact and chains.heads
    assert not [query for query in captured if query["sql"].startswith("DECLARE")]

    with CaptureQueriesContext(connection) as captured:
        assert list(walk_table(History)) == []
    assert [query for query in captured if query["sql"].startswith("DECLARE")]
