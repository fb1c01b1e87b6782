"""Two people change the same case at the same moment, on PostgreSQL, each in a thread with its
own connection and transaction, as gunicorn's workers run them: both made their change on the
same version, so exactly one wins and the other is told what the winner did."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from cases.exceptions import StaleCaseError
from cases.models import Case
from cases.services import transition_case
from intake.models import Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

# Committed for real, so the threads' connections see it; the reference rows made by the
# migrations are put back after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        # Within a transaction PostgreSQL answers from one snapshot of the statistics: cleared,
        # so each look sees the backends as they are now.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_two_people_changing_one_case_at_once_exactly_one_wins(postgres, liaison, legal):
    case = submit_report(
        submission=ReportSubmissionFactory(consent_to_contact=False),
        channel=Report.Channel.WEB,
    ).report.case
    seen = case.version
    changes = {
        # The race: one closes the case as spam while the other triages it.
        legal: dict(to="closed", reason="An advert", close_reason="spam"),
        liaison: dict(to="triaged", reason="Plates match another report"),
    }

    def change(actor) -> str:
        try:
            # Each loaded the case before either changed it: the same version, the same row.
            mine = Case.objects.get(pk=case.pk)
            try:
                transition_case(case=mine, actor=actor, expected_version=seen, **changes[actor])
            except StaleCaseError as error:
                return f"refused: {error.message}"
            return "changed"
        finally:
            connection.close()

    # The row is held locked while both changes start, so both wait for it at the same time
    # and neither can have read the case's row after the other's change committed.
    with ThreadPoolExecutor(max_workers=2) as pool:
        with transaction.atomic():
            Case.objects.select_for_update().get(pk=case.pk)
            futures = {actor: pool.submit(change, actor) for actor in changes}
            deadline = time.monotonic() + 30
            while _waiting_for_a_lock() < 2:
                assert time.monotonic() < deadline, "the two changes never waited for the row"
                time.sleep(0.02)
        outcomes = {actor: future.result(timeout=60) for actor, future in futures.items()}

    winners = [actor for actor, outcome in outcomes.items() if outcome == "changed"]
    assert len(winners) == 1, outcomes
    winner = winners[0]
    loser = liaison if winner == legal else legal
    won = "closed as Spam by legal" if winner == legal else "moved to Triaged by liaison"
    assert outcomes[loser].startswith(f"refused: {case.reference} was changed after you opened")
    assert won in outcomes[loser]
    case.refresh_from_db()
    assert case.status == changes[winner]["to"]
    assert case.version == seen + 1
    assert case.history.filter(version=seen + 1).count() == 1
