"""R9: does intake scale with cores? The public intake API, `POST /api/v1/reports/` (the
report of bench_intake), throughput at 16 concurrent connections ÷ at 1, on the same gunicorn
in the same run, alternating.

One connection keeps one request in flight: its time is split between Python, PostgreSQL and
the commit's WAL flush, so it never keeps both cores busy. Sixteen can, unless something makes
intakes wait for each other: a row or advisory lock held to commit by every intake turns
extra connections into a queue, and the ratio falls to 1 or below (it did: the per-year case
counter, `UPDATE cases_casesequence`, was held by each intake until its commit). On two cores
the ceiling is about 2; the target is 1.6.

gunicorn runs 4 processes of 4 threads (gthread), 16 request slots, each thread with its own
database connection. Processes are what run Python on both cores (twice the cores, so one
process waiting on the database still leaves Python for the other core); threads let all 16
connections be in a transaction at once, as on a deployment sized for its peak, so a lock held
to commit shows up as waiting rather than being hidden in gunicorn's accept queue. No Celery
worker runs: it would take CPU from the requests being measured (the acknowledgements queued
on commit are purged after).

While the 16 connections run, the benchmark samples `pg_stat_activity` every 20 ms and
records what the application's backends were doing: running, waiting on a lock (which one,
in which statement), on the WAL flush, or idle in a transaction (Python working with the
transaction open). That record, not guesswork, says what serialises intake.

Each run adds a few thousand reports (and cases) to the database it runs on.

    .venv/bin/python -m tests.bench.bench_intake_scaling [--json PATH]
"""

from __future__ import annotations

import re
import threading
from collections import Counter

from tests.bench import harness
from tests.bench.bench_intake import INTAKE, JSON, payload
from tests.bench.harness import Figure, Results, alternate, check, load

CONNECTIONS = 16
PROCESSES = 4
THREADS = 4
SAMPLE_EVERY = 0.02

_ACTIVITY = """
SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, ''), query
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend'
  AND pid <> pg_backend_pid() AND state <> 'idle'
"""


def _statement(query: str) -> str:
    """The statement's verb and first table, enough to tell which write waits."""
    text = re.sub(r"\s+", " ", query).strip()
    match = re.match(r'(?i)(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b.*?"?(\w+)"?', text)
    if match and match.group(1).upper() != "SELECT":
        return f"{match.group(1).upper()} {match.group(2)}"
    table = re.search(r'(?i)FROM "?(\w+)"?', text)
    return f"SELECT {table.group(1)}" if table else text[:40]


class ActivitySampler:
    """Counts, every SAMPLE_EVERY seconds, what each busy backend of the database is doing."""

    def __init__(self) -> None:
        self.samples = 0
        self.counts: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ActivitySampler:
        """Sample until the block ends; the counts add up over every block."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(_ACTIVITY)
                    rows = cursor.fetchall()
                self.samples += 1
                for state, kind, event, query in rows:
                    if state == "idle in transaction":
                        self.counts["idle in transaction (Python working)"] += 1
                    elif kind in ("Lock", "LWLock", "IO"):
                        self.counts[f"{kind}:{event} in {_statement(query)}"] += 1
                    elif kind:
                        self.counts[f"{kind}:{event}"] += 1
                    else:
                        self.counts["running"] += 1
                self._stop.wait(SAMPLE_EVERY)
        finally:
            connection.close()

    def summary(self, top: int = 12) -> dict[str, float]:
        """Backends in each state, on average per sample."""
        samples = max(self.samples, 1)
        return {what: round(n / samples, 2) for what, n in self.counts.most_common(top)}


def _purge_broker() -> None:
    from config.celery import app

    app.control.purge()


def run(results: Results) -> None:
    harness.ensure_services()
    harness.setup_django()
    from cases.models import Case

    before = Case.objects.count()
    server = harness.Server("intake-scaling", workers=PROCESSES, threads=THREADS)
    sampler = ActivitySampler()
    latencies: list[float] = []
    with harness.running(server):
        status, body = harness.request(
            server.url + INTAKE, method="POST", body=payload(), headers=JSON
        )
        if status != 201:
            raise RuntimeError(f"intake answered {status}: {body[:300]!r}")

        def intake(connections: int) -> harness.Load:
            return check(
                load(server.url + INTAKE, method="POST", body=payload(), headers=JSON,
                     connections=connections),
                "intake",
            )

        def many() -> float:
            with sampler:
                result = intake(CONNECTIONS)
            latencies.append(result.p95_ms)
            return result.rps

        print(f"R9: intake at 1 connection (A) vs {CONNECTIONS} (B), requests/s", flush=True)
        comparison = alternate(lambda: intake(1).rps, many, unit="req/s")
    _purge_broker()
    waits = sampler.summary()
    print("    backends per sample at 16 connections:", flush=True)
    for what, n in waits.items():
        print(f"      {n:6.2f}  {what}", flush=True)
    p95 = sorted(latencies)[len(latencies) // 2]
    results.add(Figure.from_comparison(
        "R9", f"Intake POST /api/v1/reports/ (the R1 report) at {CONNECTIONS} connections ÷ at 1 "
        f"(throughput; gunicorn {PROCESSES} processes of {THREADS} threads, PostgreSQL + Redis)",
        "≥ 1.6", comparison, met=lambda r: r >= 1.6,
        baseline="1 connection", subject=f"{CONNECTIONS} connections",
        notes=f"p95 at {CONNECTIONS} connections {p95:.0f} ms (median of the rounds)",
    ))
    results.records["intake_scaling_waits"] = waits
    results.records["intake_scaling_data"] = {
        "cases_before": before, "cases_after": Case.objects.count(),
    }


if __name__ == "__main__":
    harness.cli_main(run)
