"""The audit chain names every history or access-log row changed with SQL alone."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from accesslog.models import AccessKind, AccessLogEntry
from accesslog.services import expire_access_log, record_access
from cases.models import Case
from cases.services import add_note, transition_case
from intake.models import Report
from intake.services import submit_report
from plumbing.audit.verify import DELETED, EDITED, verify_all, walk_table
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

pytestmark = pytest.mark.django_db

History = Case.history.model


def _case() -> Case:
    submission = ReportSubmissionFactory(encounter=EncounterInputFactory(kind_codes=["boxed-in"]))
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def _worked_case(liaison) -> Case:
    case = _case()
    for to in ("triaged", "investigating", "referred"):
        case = transition_case(
            case=case, to=to, actor=liaison, reason=f"to {to}", expected_version=None
        )
    return case


def _rows(case: Case) -> list:
    return list(History.objects.filter(id=case.pk).order_by("chain_seq"))


def _sql(statement: str, params: list, model=History) -> None:
    """Run `statement` ("{table}" is the model's table) as an insider with SQL access would."""
    sql = statement.format(table=model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _breaks(model=History) -> list:
    return list(walk_table(model))


def test_an_intact_database_passes_the_check(liaison, capsys):
    case = _worked_case(liaison)
    add_note(case=case, author=liaison, body="Called back.")
    assert [row.chain_seq for row in _rows(case)] == [1, 2, 3, 4]
    assert list(verify_all()) == []
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out


def test_an_sql_update_of_a_history_field_is_named(liaison):
    case = _worked_case(liaison)
    edited = _rows(case)[1]
    _sql(
        "UPDATE {table} SET history_change_reason = %s WHERE history_id = %s",
        ["nothing to see", edited.history_id],
    )
    [found] = _breaks()
    assert (found.table, found.record, found.row_id, found.problem) == (
        History._meta.db_table,
        str(case.pk),
        edited.history_id,
        EDITED,
    )
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_an_sql_delete_of_a_middle_history_row_is_named(liaison):
    case = _worked_case(liaison)
    rows = _rows(case)
    _sql("DELETE FROM {table} WHERE history_id = %s", [rows[2].history_id])
    [found] = _breaks()
    assert (found.record, found.row_id, found.problem) == (
        str(case.pk),
        rows[3].history_id,
        DELETED,
    )
    assert "seq 3 missing" in str(found)


def test_an_sql_insert_of_a_forged_history_row_is_named(liaison):
    case = _worked_case(liaison)
    last = _rows(case)[-1]
    columns = [f.column for f in History._meta.concrete_fields if f.attname != "history_id"]
    values = [
        getattr(last, f.attname) for f in History._meta.concrete_fields if f.attname != "history_id"
    ]
    forged = dict(zip(columns, values, strict=True))
    forged.update(
        status="closed",
        close_reason="spam",
        chain_seq=last.chain_seq + 1,
        history_change_reason="closed by nobody",
        chain_hash="0" * 64,
    )
    forged = {
        k: connection.ops.adapt_datetimefield_value(v)
        if hasattr(v, "tzinfo")
        else v.hex
        if isinstance(v, uuid.UUID)
        else v
        for k, v in forged.items()
    }
    names = ", ".join(forged)
    marks = ", ".join(["%s"] * len(forged))
    statement = "INSERT INTO {table} (%s) VALUES (%s)" % (names, marks)  # noqa: S608, UP031
    _sql(statement, list(forged.values()))
    [found] = _breaks()
    assert (found.record, found.seq, found.problem) == (str(case.pk), last.chain_seq + 1, EDITED)


def test_a_second_row_cannot_take_a_place_already_taken_in_a_chain(liaison):
    """Two writers that read the same head cannot both add the next row: the chain never
    forks, the second INSERT fails."""
    case = _worked_case(liaison)
    rows = _rows(case)
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("UPDATE {table} SET chain_seq = %s WHERE history_id = %s", [2, rows[2].history_id])


def test_a_row_moved_to_another_place_in_its_chain_is_named(liaison):
    case = _worked_case(liaison)
    rows = _rows(case)
    _sql("UPDATE {table} SET chain_seq = %s WHERE history_id = %s", [9, rows[1].history_id])
    named = {(found.row_id, found.problem) for found in _breaks()}
    assert (rows[1].history_id, DELETED) in named
    assert (rows[2].history_id, DELETED) in named


def test_an_sql_update_of_an_access_log_row_is_named(liaison):
    case = _case()
    request = RequestFactory().get("/staff/cases/")
    request.user = liaison
    for _ in range(3):
        record_access(
            request=request,
            kind=AccessKind.CASE,
            object_id=case.reference,
            case_reference=case.reference,
        )
    rows = list(AccessLogEntry.objects.order_by("chain_seq"))
    assert [row.chain_seq for row in rows] == [1, 2, 3]
    assert _breaks(AccessLogEntry) == []
    _sql(
        "UPDATE {table} SET username = %s WHERE id = %s",
        ["somebody-else", rows[1].pk],
        AccessLogEntry,
    )
    [found] = _breaks(AccessLogEntry)
    assert (found.record, found.row_id, found.problem) == (
        f"case:{case.reference}",
        rows[1].pk,
        EDITED,
    )


def test_expiring_the_oldest_access_log_rows_leaves_chains_that_check_as_whole(liaison):
    case = _case()
    request = RequestFactory().get("/staff/cases/")
    request.user = liaison
    for _ in range(4):
        record_access(request=request, kind=AccessKind.CASE, object_id=case.reference,
                      case_reference=case.reference)
    rows = list(AccessLogEntry.objects.order_by("chain_seq"))
    old = timezone.now() - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS + 1)
    _sql("UPDATE {table} SET at = %s WHERE id IN (%s, %s)",
         [old, rows[0].pk, rows[1].pk], AccessLogEntry)
    # The two rows now look old, and their hashes no longer hold: expiry takes them out.
    assert expire_access_log() == 2
    assert _breaks(AccessLogEntry) == []
    # Walking only this chain reads its recorded start too.
    assert list(walk_table(AccessLogEntry, records=[f"case:{case.reference}"])) == []

    # Deleting the first row that is left is still named.
    _sql("DELETE FROM {table} WHERE id = %s", [rows[2].pk], AccessLogEntry)
    [found] = _breaks(AccessLogEntry)
    assert (found.row_id, found.problem) == (rows[3].pk, DELETED)


def test_rechaining_with_a_migrations_model_gives_the_hashes_the_application_writes(liaison):
    """A migration's model lists columns in the order migrations added them; the hashes do not
    depend on it."""
    from django.db.migrations.executor import MigrationExecutor

    from plumbing.audit.chain import rechain_table

    case = _worked_case(liaison)
    before = [row.chain_hash for row in _rows(case)]
    state = MigrationExecutor(connection).loader.project_state().apps
    for label in ("cases.HistoricalCase", "intake.HistoricalReport"):
        rechain_table(state.get_model(*label.split(".")), record="id")
    assert [row.chain_hash for row in _rows(case)] == before
    assert list(verify_all()) == []
