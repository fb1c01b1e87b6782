"""R-retention: what the daily purge costs per case, against filing that case.

Each round files `CASES` reports through `submit_report` (two witnesses each, the bench's
usual report), each its own case: that time per case is the baseline (A). The cases are then
closed as spam and dated back past their retention (not timed), and `purge_expired_cases`
destroys them: its time per case is the subject (B). B ÷ A says how many intakes' worth of work
one purge is; the queries per purged case are recorded too (a constant: the purge reads the
relations of the models, not the number of rows).

Also recorded: the plan of `due_for_purge`, the daily query, on this database.

Runs on a scratch database of its own (BENCH_SCRATCH_URL) and a key store in a temporary
folder; both are removed afterwards.

    .venv/bin/python -m tests.bench.bench_retention [--json PATH]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import timedelta

from tests.bench import harness
from tests.bench.harness import Figure, Results, alternate

CASES = 20


def run(results: Results) -> None:
    harness.ensure_services()
    folder = tempfile.mkdtemp(prefix="bench-keys-")
    os.environ.setdefault("KEY_ENCRYPTION_KEYS", "d0TDb4G0gPH62kTG2jnJp7ay0flkAUTXS0TO2yfnmbI=")
    os.environ["KEYSTORE_PATH"] = os.path.join(folder, "data-keys.sqlite3")
    url = harness.create_scratch_database()
    try:
        harness.setup_django(url)
        _measure(results)
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_scratch_database()


def _measure(results: Results) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases.models import Case
    from cases.retention import due_for_purge
    from intake.services import submit_report
    from reports.retention import purge_expired_cases
    from tests.bench.fixtures import submission

    filed: list[int] = []
    queries: list[int] = []

    def file_cases() -> float:
        started = time.perf_counter()
        for number in range(CASES):
            report = submit_report(submission=submission(witnesses=2, number=number),
                                   channel="web").report
            filed.append(report.case_id)
        return (time.perf_counter() - started) * 1000 / CASES

    def purge_cases() -> float:
        Case.objects.filter(pk__in=filed).update(
            status=Case.Status.CLOSED, close_reason=Case.CloseReason.SPAM,
            status_changed_at=timezone.now() - timedelta(days=400),
        )
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            purged = purge_expired_cases().purged
            elapsed = (time.perf_counter() - started) * 1000
        if len(purged) != len(filed):
            raise RuntimeError(f"purged {len(purged)} of {len(filed)} cases")
        queries.append(len(captured) // len(filed))
        filed.clear()
        return elapsed / CASES

    comparison = alternate(file_cases, purge_cases, unit="ms per case")
    results.add(
        Figure.from_comparison(
            "R-retention", "purge of a case ÷ filing it (time per case, same run)", "≤ 3",
            comparison, met=lambda ratio: ratio <= 3,
            baseline="submit_report", subject="purge_expired_cases",
            notes=f"{statistics.median(queries)} queries per purged case "
            f"(keys, tallies, rows and history of 1 report with 2 witnesses)",
        )
    )
    sql, params = due_for_purge().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        results.records["due_for_purge plan"] = [row[0] for row in cursor.fetchall()]


if __name__ == "__main__":
    harness.cli_main(run)
