"""R7, and the count the queue's paginator runs, on the database of generated cases.

R7: full-text search p95 latency (one client at a time) for a rare and a common term ÷ the same
queue (status and agency, newest first, 25 rows) without search. Also recorded: every count
query one queue page load runs, with its EXPLAIN ANALYZE. The queue against the Django admin,
its own SQL and a tenth of the data is in bench_pages.

    .venv/bin/python -m tests.bench.bench_queue [--json PATH]
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

from tests.bench import harness
from tests.bench.harness import Figure, Results, alternate, check, load

FILTERS = {"status": "new", "agency": "ice", "sort": "newest"}
API_FILTERS = {"status": "new", "agency": "ice", "ordering": "newest"}
COMMON_TERM = "minneapolis"


def rare_term() -> str:
    """A licence plate that appears on one generated case, read as staff read it (plates are
    sealed: the column holds ciphertext)."""
    from intake.models import Encounter

    middle = Encounter.objects.order_by("-pk").values_list("pk", flat=True)[:1].get() // 2
    encounter = (
        Encounter.objects.filter(pk__gte=middle).exclude(plates="").select_related("report")
        .order_by("pk").first()
    )
    if encounter is None:
        raise RuntimeError("no generated encounter has plates")
    return encounter.plates


def queue_url(base: str, path: str = "/staff/cases/", **extra: str) -> str:
    return f"{base}{path}?{urllib.parse.urlencode({**FILTERS, **extra})}"


def count_queries(login: dict[str, str], terms: dict[str, str]) -> dict[str, Any]:
    """The count queries of one queue page load (page and API) and their plans, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    client.cookies.load(login["cookie"])
    pages = {
        "queue, no filters": "/staff/cases/",
        "queue, status + agency": "/staff/cases/?" + urllib.parse.urlencode(FILTERS),
        **{
            f"queue, status + agency, search {label} term": "/staff/cases/?"
            + urllib.parse.urlencode({**FILTERS, "q": term})
            for label, term in terms.items()
        },
        "API list, no filters": "/api/v1/cases/",
        "API list, status + agency": "/api/v1/cases/?"
        + urllib.parse.urlencode(API_FILTERS),
    }
    found: dict[str, Any] = {}
    for label, path in pages.items():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code)
        counts = [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        plans = []
        for query in counts:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        found[label] = {
            "path": path,
            "queries": len(queries.captured_queries),
            "seconds": round(elapsed, 4),
            "counts": [
                {"sql": q["sql"], "seconds": float(q["time"]), "plan": plan}
                for q, plan in zip(counts, plans, strict=True)
            ],
            "slowest": sorted(
                ({"sql": q["sql"], "seconds": float(q["time"])} for q in queries.captured_queries),
                key=lambda q: -q["seconds"],
            )[:3],
        }
    return found


def run(results: Results) -> None:
    harness.ensure_services()
    harness.setup_django()
    from cases.models import Case

    cases = Case.objects.count()
    login = harness.staff_login()
    terms = {"rare": rare_term(), "common": COMMON_TERM}
    results.records["queue_data"] = {"cases": cases, "terms": terms, "filters": FILTERS}
    print(f"R7 on {cases:,} cases; search terms {terms}", flush=True)
    results.records["queue_counts"] = count_queries(login, terms)

    server = harness.Server("queue")
    with harness.running(server):
        session = {"Cookie": login["cookie"]}
        queue = queue_url(server.url)
        # Each page is fetched once so caches are warm and failures show before timing.
        for url in (queue, *(queue_url(server.url, q=t) for t in terms.values())):
            status, body = harness.request(url, headers=session)
            if status != 200:
                raise RuntimeError(f"{url}: {status} {body[:200]!r}")

        for label, term in terms.items():
            searched = queue_url(server.url, q=term)
            print(f"R7 ({label} term {term!r}): queue (A) vs queue with search (B), p95 ms",
                  flush=True)
            comparison = alternate(
                lambda: check(load(queue, connections=1, headers=session), "queue").p95_ms,
                lambda url=searched: check(
                    load(url, connections=1, headers=session), "search"
                ).p95_ms,
                unit="ms p95",
            )
            results.add(Figure.from_comparison(
                f"R7 ({label})", f"Full-text search for a {label} term ({term!r}) at {cases:,} "
                "cases: p95 latency ÷ the same queue without search", "≤ 5", comparison,
                met=lambda r: r <= 5, baseline="queue without search",
                subject=f"queue searching {term!r}",
            ))


if __name__ == "__main__":
    harness.cli_main(run)
