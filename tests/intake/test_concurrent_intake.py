"""Intakes at the same time, on PostgreSQL, each thread with its own connection and its own
transaction, as gunicorn's workers run them: no intake waits for another to commit, every case
gets a reference of its own, and the statistics tallies count every report exactly once."""

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, transaction

from cases.models import Case
from intake.models import Report
from intake.services import submit_report
from plumbing import events
from reports import tallies
from reports.models import StatisticsTally
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

# Committed for real, so the other threads' connections see it; the reference rows made by the
# migrations are put back after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 8
KINDS = ["weapons-drawn", "boxed-in", "recording-interfered", "papers-demanded", "injury"]
AGENCIES = ["ice", "cbp", "border-patrol"]
BASES = ["race", "language", "accent"]
CITIES = ["Minneapolis", "Saint Paul", "Richfield", ""]


def _number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


def _in_threads(work: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    """Run work(0) .. work(count - 1) at once, each in a thread with its own connection."""
    start = threading.Barrier(count)

    def run(index: int) -> Any:
        try:
            start.wait(timeout=30)
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return [future.result(timeout=120)
                for future in [pool.submit(run, index) for index in range(count)]]


def _submission(rng: random.Random | None = None):
    """A report with random kinds, agencies and bases; no consent to contact, so nothing is
    queued after commit (these tests are about numbers and counts)."""
    rng = rng or random.Random()
    return ReportSubmissionFactory(
        consent_to_contact=False,
        encounter=EncounterInputFactory(
            city=rng.choice(CITIES),
            kind_codes=rng.sample(KINDS, rng.randint(1, 3)),
            agency_codes=rng.sample(AGENCIES, rng.randint(0, 2)),
            perceived_basis_codes=rng.sample(BASES, rng.randint(0, 2)),
        )
    )


def test_intakes_do_not_wait_for_an_uncommitted_intake_and_get_unique_increasing_references(
    postgres,
):
    """One intake stays open (its case opened and written, not committed) while the others
    file theirs. With a counter row locked to commit they would all wait for it."""
    # The year's first case makes its sequence and holds that turn to commit (once a year);
    # this one is committed before the others start.
    first = submit_report(submission=_submission(), channel=Report.Channel.WEB)
    opened = threading.Event()
    others_done = threading.Event()
    lock = threading.Lock()
    finished: list[int] = []
    waited: list[bool] = []

    def file(index: int) -> list[str]:
        if index == 0:
            with transaction.atomic(), events.batched():
                receipt = submit_report(submission=_submission(), channel=Report.Channel.WEB)
                opened.set()
                # Held open until the others are done, or for long enough to tell they wait.
                waited.append(others_done.wait(timeout=20))
            return [receipt.report.case.reference]
        assert opened.wait(timeout=30)
        try:
            return [
                submit_report(submission=_submission(), channel=Report.Channel.WEB)
                .report.case.reference
                for _ in range(3)
            ]
        finally:
            with lock:
                finished.append(index)
                if len(finished) == THREADS - 1:
                    others_done.set()

    results = _in_threads(file)
    assert waited == [True], "the other intakes waited for the uncommitted one"

    references = [first.report.case.reference] + [ref for refs in results for ref in refs]
    assert len(set(references)) == len(references) == 2 + 3 * (THREADS - 1)
    assert set(Case.objects.values_list("reference", flat=True)) == set(references)
    for refs in results:
        # Each thread's cases, in the order it opened them, have increasing numbers.
        numbers = [_number(ref) for ref in refs]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    # Nothing was rolled back, so the numbers drawn are consecutive.
    numbers = sorted(_number(ref) for ref in references)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def test_tallies_stay_exact_under_concurrent_public_and_staff_intake(postgres, legal):
    """Public reports opening cases, and staff reports added to existing cases (which lock the
    case first), all at once; the tallies equal a recount afterwards."""
    existing = [
        submit_report(submission=_submission(random.Random(seed)), channel=Report.Channel.WEB)
        .report.case
        for seed in range(2)
    ]

    def file(index: int) -> int:
        rng = random.Random(1000 + index)
        for _ in range(4):
            if index < 2:
                case = existing[rng.randrange(len(existing))]
                submit_report(submission=_submission(rng), channel=Report.Channel.STAFF,
                              case=case, actor=legal)
            else:
                submit_report(submission=_submission(rng), channel=Report.Channel.WEB)
        return index

    _in_threads(file)

    assert Report.objects.count() == 2 + 4 * THREADS
    stored = {(t.figure, t.month, t.key): t.count
              for t in StatisticsTally.objects.exclude(count=0)}
    assert stored == {key: n for key, n in tallies.recount().items() if n}
    assert tallies.rebuild_tallies() == 0
