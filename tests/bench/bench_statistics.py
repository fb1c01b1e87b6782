"""R5: `GET /api/v1/statistics/` on the database of generated cases.

- Live (`fresh=true`): the endpoint's latency ÷ a bare `SELECT COUNT(*) FROM intake_encounter`
  timed from this process (round trip included), alternately.
- From the snapshot: the same endpoint without `fresh`, served from the snapshot this
  benchmark stores first, ÷ the same COUNT(*).
- Every query of `compute_figures` without filters, both ways: from the running tallies (what
  the endpoint runs) and scanning the tables (what the nightly recount and every filtered
  request run), with its EXPLAIN (ANALYZE, BUFFERS), for docs/performance.md.

    .venv/bin/python -m tests.bench.bench_statistics [--json PATH]
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from tests.bench import harness
from tests.bench.harness import Figure, Results, alternate

STATISTICS = "/api/v1/statistics/"


def bare_count_ms() -> float:
    from django.db import connection

    times = []
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM intake_encounter")
            cursor.fetchone()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def get_ms(url: str, headers: dict[str, str], times: int = 1) -> float:
    elapsed = []
    for _ in range(times):
        started = time.perf_counter()
        status, body = harness.request(url, headers=headers)
        elapsed.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{url}: {status} {body[:200]!r}")
    return statistics.median(elapsed)


def query_plans(*, scan: bool) -> list[dict[str, Any]]:
    """Each query of compute_figures (no filters, from the tallies or scanning the tables),
    its time and its plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.statistics.figures import compute_figures
    from reports.statistics.filters import StatisticsFilters

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        compute_figures(filters=StatisticsFilters(), scan=scan)
        total = time.perf_counter() - started
    plans = []
    for query in queries.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append({"sql": query["sql"], "seconds": float(query["time"]), "plan": plan})
    print(f"  compute_figures (scan={scan}): {len(plans)} queries, {total:.2f} s in-process",
          flush=True)
    return [{"total_seconds": round(total, 3)}, *plans]


def run(results: Results) -> None:
    harness.ensure_services()
    harness.setup_django()
    from intake.models import Encounter
    from reports.statistics.filters import StatisticsFilters
    from reports.statistics.snapshots import build_snapshot

    encounters = Encounter.objects.count()
    login = harness.staff_login()
    headers = {"Authorization": f"Token {login['token']}"}
    results.records["statistics_data"] = {"encounters": encounters}
    print(f"R5 on {encounters:,} encounters", flush=True)
    results.records["statistics_plans"] = query_plans(scan=True)
    results.records["statistics_tally_plans"] = query_plans(scan=False)
    build_snapshot(filters=StatisticsFilters())

    server = harness.Server("statistics", workers=2)
    with harness.running(server):
        live = server.url + STATISTICS + "?fresh=true"
        stored = server.url + STATISTICS
        get_ms(live, headers)
        get_ms(stored, headers)
        print("R5: COUNT(*) on encounters (A) vs live statistics endpoint (B), ms", flush=True)
        comparison = alternate(bare_count_ms, lambda: get_ms(live, headers), unit="ms")
        results.add(Figure.from_comparison(
            "R5", f"Statistics endpoint, computed live, at {encounters:,} encounters ÷ a bare "
            "COUNT(*) on the encounter table", "≤ 3", comparison, met=lambda r: r <= 3,
            baseline="SELECT COUNT(*) FROM intake_encounter", subject="GET ?fresh=true",
        ))
        print("R5 (snapshot): COUNT(*) (A) vs statistics from the snapshot (B), ms", flush=True)
        comparison = alternate(
            bare_count_ms, lambda: get_ms(stored, headers, times=5), unit="ms"
        )
        results.add(Figure.from_comparison(
            "R5 (snapshot)", "Statistics endpoint served from the snapshot ÷ the same COUNT(*)",
            "≤ 0.1", comparison, met=lambda r: r <= 0.1,
            baseline="SELECT COUNT(*) FROM intake_encounter", subject="GET (snapshot)",
        ))


if __name__ == "__main__":
    harness.cli_main(run)
