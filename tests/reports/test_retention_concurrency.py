"""A legal hold placed while the purge runs, on PostgreSQL, each in a thread with its own
connection, as a web process and a worker run them: both wait for the case's row, and whichever
comes first decides. Either the case is held and survives whole, keys included, or it is
purged and the hold is refused in words; never a held case whose keys are gone."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.exceptions import CaseError
from cases.legal_holds import place_legal_hold
from cases.models import Case, LegalHold
from cases.services import transition_case
from intake.models import Report
from plumbing.keys import store
from reports.retention import purge_expired_cases
from tests.factories import report_with_evidence

# Committed for real, so the threads' connections see it; the reference rows made by the
# migrations are put back after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_hold_placed_while_the_purge_runs_either_keeps_the_case_whole_or_is_refused(
    postgres, legal
):
    report = report_with_evidence(consent_to_share_with_liaison=False)
    case = transition_case(case=report.case, to=Case.Status.CLOSED, actor=legal, reason="Spam",
                           close_reason=Case.CloseReason.SPAM,
                           expected_version=report.case.version)
    Case.objects.filter(pk=case.pk).update(
        status_changed_at=timezone.now() - timedelta(days=91)
    )

    def purge() -> str:
        try:
            return f"purged {purge_expired_cases().purged}"
        finally:
            connection.close()

    def hold() -> str:
        try:
            place_legal_hold(case=case, actor=legal, reason="Subpoena served this morning")
        except CaseError as error:
            return f"refused: {error.message}"
        finally:
            connection.close()
        return "held"

    with ThreadPoolExecutor(max_workers=2) as pool:
        with transaction.atomic():
            Case.objects.select_for_update().get(pk=case.pk)
            purging = pool.submit(purge)
            holding = pool.submit(hold)
            deadline = time.monotonic() + 30
            while _waiting_for_a_lock() < 2:
                assert time.monotonic() < deadline, "the purge and the hold never both waited"
                time.sleep(0.02)
        purged, held = purging.result(timeout=60), holding.result(timeout=60)

    if held == "held":
        assert purged == "purged []"
        assert LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists()
        assert Report.objects.filter(pk=report.pk).exists()
        assert store.existing_keys([report.data_key]) == {report.data_key}
    else:
        assert purged == f"purged {[case.reference]}"
        assert held == f"refused: {case.reference} was purged by the retention schedule."
        assert not Case.objects.filter(pk=case.pk).exists()
        assert store.existing_keys([report.data_key]) == set()
