"""The running statistics tallies: every write that changes a figure moves them, so the
unfiltered figures read from them always equal a recount of the tables."""

import io
import logging
import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from cases.events import CaseMoved
from cases.exceptions import CaseError
from cases.models import Case
from cases.services import merge_cases, override_priority, transition_case
from cases.synthetic import generate_synthetic_cases
from intake.events import ReportFiled
from intake.models import Report
from intake.services import submit_report
from plumbing import events
from reports.models import StatisticsTally
from reports.statistics.figures import compute_figures
from reports.statistics.filters import StatisticsFilters
from reports.statistics_tasks import build_nightly_statistics
from reports.tallies import TALLY_LOCK, rebuild_tallies, recount
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
KINDS = ["weapons-drawn", "boxed-in", "recording-interfered", "papers-demanded", "injury"]
AGENCIES = ["ice", "cbp", "border-patrol"]
BASES = ["race", "language", "accent"]
CLOSE_REASONS = [Case.CloseReason.RESOLVED, Case.CloseReason.SPAM]
CITIES = ["Minneapolis", "minneapolis ", "Saint Paul", "", "Richfield"]


def _file(rng: random.Random, *, case: Case | None = None, actor=None) -> Report:
    occurred = None if rng.random() < 0.2 else datetime(
        2025, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), tzinfo=CHICAGO
    )
    submission = ReportSubmissionFactory(
        encounter=EncounterInputFactory(
            occurred_at=occurred,
            city=rng.choice(CITIES),
            kind_codes=rng.sample(KINDS, rng.randint(0, 3)),
            agency_codes=rng.sample(AGENCIES, rng.randint(0, 2)),
            perceived_basis_codes=rng.sample(BASES, rng.randint(0, 2)),
        )
    )
    channel = Report.Channel.WEB if case is None else Report.Channel.STAFF
    return submit_report(submission=submission, channel=channel, case=case, actor=actor).report


def _tallied() -> dict:
    return compute_figures(filters=StatisticsFilters())


def _scanned() -> dict:
    return compute_figures(filters=StatisticsFilters(), scan=True)


def test_tallies_equal_a_recount_after_random_filing_triage_overrides_and_merges(legal):
    rng = random.Random(20261123)
    call_command("load_seed_cases", stdout=io.StringIO())
    for _ in range(30):
        _file(rng)
    for _ in range(120):
        cases = list(Case.objects.filter(merged_into__isnull=True).order_by("pk"))
        case = rng.choice(cases)
        action = rng.choices(["transition", "override", "merge", "add report"], [6, 2, 1, 1])[0]
        try:
            if action == "transition":
                transition_case(
                    case=case,
                    to=rng.choice(Case.Status.values),
                    actor=legal,
                    reason="Checked",
                    close_reason=rng.choice(CLOSE_REASONS),
                    expected_version=None,
                )
            elif action == "override":
                override_priority(case=case, priority=rng.choice(Case.Priority.values),
                                  actor=legal, reason="Judged by hand", expected_version=None)
            elif action == "merge":
                other = rng.choice(cases)
                merge_cases(
                    survivor=case,
                    duplicates=[other],
                    actor=legal,
                    reason="Same stop",
                    expected_version=None,
                )
            else:
                _file(rng, case=case, actor=legal)
        except CaseError:
            pass  # refused by the workflow: nothing changed, nothing counted
    tallied = _tallied()
    assert tallied == _scanned()
    assert tallied["totals"]["reports"] == Report.objects.count()
    assert tallied["totals"]["cases"] == Case.objects.filter(merged_into__isnull=True).count()
    # The walk did move cases through the workflow, override priorities and merge.
    open_cases = Case.objects.filter(merged_into__isnull=True)
    assert open_cases.exclude(status=Case.Status.NEW).count() >= 5
    assert open_cases.exclude(priority_override_reason="").exists()
    assert Case.objects.filter(merged_into__isnull=False).count() >= 3


def test_a_refused_change_moves_no_tally(legal, liaison):
    report = _file(random.Random(1))
    before = dict(recount())
    with pytest.raises(CaseError):
        # Closing a new case needs a close reason.
        transition_case(
            case=report.case,
            to=Case.Status.CLOSED,
            actor=liaison,
            reason="No",
            expected_version=None,
        )
    with pytest.raises(CaseError):
        merge_cases(
            survivor=report.case,
            duplicates=[],
            actor=legal,
            reason="Nothing",
            expected_version=None,
        )
    stored = {(t.figure, t.month, t.key): t.count
              for t in StatisticsTally.objects.exclude(count=0)}
    assert stored == {key: n for key, n in before.items() if n}


def _statements_of_a_filing(rng: random.Random) -> tuple[list[str], int]:
    """The SQL of one filing, and the index of its tally write (there must be one)."""
    _file(rng)  # the year's case numbering and the tally rows exist
    with CaptureQueriesContext(connection) as queries:
        _file(rng)
    sql = [q["sql"] for q in queries.captured_queries]
    writes = [i for i, text in enumerate(sql) if StatisticsTally._meta.db_table in text]
    assert len(writes) == 1, writes
    return sql, writes[0]


def test_filing_a_report_moves_every_tally_in_one_statement_the_last_of_its_transaction():
    sql, write = _statements_of_a_filing(random.Random(2))
    assert "ON CONFLICT" in sql[write]
    # The report's tallies and its new case's, summed into one statement.
    assert f"'{StatisticsTally.Figure.CASE}'" in sql[write]
    assert f"'{StatisticsTally.Figure.PLACE}'" in sql[write]
    # Only the end of the transaction follows (here a savepoint in the test's transaction).
    assert [text.split()[0] for text in sql[write + 1:]] == ["RELEASE"]


def test_intake_takes_the_tally_writers_turn_only_for_its_last_statement_on_postgresql(postgres):
    sql, write = _statements_of_a_filing(random.Random(8))
    locks = [i for i, text in enumerate(sql) if f"pg_advisory_xact_lock({TALLY_LOCK})" in text]
    assert locks == [write - 1]


def test_batched_events_move_the_tallies_once_at_the_end_and_not_at_all_when_the_block_fails():
    def filed() -> None:
        events.publish(
            ReportFiled(occurred_at=None, city="Richfield", kinds=("injury",), agencies=(),
                        bases=())
        )

    def stored() -> dict:
        return dict(StatisticsTally.objects.filter(count__gt=0)
                    .values_list("key", "count"))

    with transaction.atomic(), events.batched():
        filed()
        with events.batched():  # joins the outer block
            filed()
        assert stored() == {}
    assert stored() == {"Richfield": 2, "injury": 2}

    with pytest.raises(RuntimeError), transaction.atomic(), events.batched():
        filed()
        raise RuntimeError("the write failed")
    assert stored() == {"Richfield": 2, "injury": 2}


# Outside the test's transaction, as in a request.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_that_ends_outside_its_transaction_is_refused():
    with pytest.raises(TransactionManagementError), events.batched():
        events.publish(CaseMoved(before=None, after=("new", 2)))
    assert not StatisticsTally.objects.exists()


def test_rebuild_repairs_drifted_tallies_and_reports_how_many_changed():
    rng = random.Random(3)
    for _ in range(6):
        _file(rng)
    expected = _scanned()
    StatisticsTally.objects.filter(figure=StatisticsTally.Figure.KIND).update(count=999)
    StatisticsTally.objects.create(figure=StatisticsTally.Figure.AGENCY, key="nobody", count=4)
    assert _tallied() != expected
    changed = rebuild_tallies()
    assert changed >= 2
    assert _tallied() == expected
    assert rebuild_tallies() == 0


def test_nightly_statistics_repair_drift_and_log_it(caplog):
    _file(random.Random(4))
    StatisticsTally.objects.filter(figure=StatisticsTally.Figure.PLACE).update(count=0)
    with caplog.at_level(logging.WARNING, logger="reports.statistics_tasks"):
        build_nightly_statistics()
    assert "drifted" in caplog.text
    assert _tallied() == _scanned()


def test_rebuild_statistics_tallies_command_recounts():
    _file(random.Random(5))
    StatisticsTally.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_statistics_tallies", stdout=out)
    assert "recounted" in out.getvalue()
    assert _tallied() == _scanned()


def test_synthetic_cases_are_counted_in_the_tallies():
    generate_synthetic_cases(count=30, chunk_size=10)
    figures = _tallied()
    assert figures == _scanned()
    assert figures["totals"]["reports"] == 30


def test_tally_writers_take_turns_on_postgresql(postgres, legal):
    first, second = _file(random.Random(6)), _file(random.Random(7))
    with CaptureQueriesContext(connection) as queries:
        merge_cases(
            survivor=first.case,
            duplicates=[second.case],
            actor=legal,
            reason="Same",
            expected_version=None,
        )
    sql = [q["sql"] for q in queries.captured_queries]
    locks = [i for i, text in enumerate(sql) if f"pg_advisory_xact_lock({TALLY_LOCK})" in text]
    writes = [i for i, text in enumerate(sql) if StatisticsTally._meta.db_table in text]
    assert locks and writes and all(any(lock < w for lock in locks) for w in writes)
