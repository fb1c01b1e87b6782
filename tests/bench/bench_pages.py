"""P1, P3 and P4: the staff's pages against what people would use instead, against their own
SQL, and against a tenth of the data.

- P1 (reported, no target): the staff queue filtered by status and agency, newest first ÷ the
  Django admin's changelist of cases with the same filter and order, on the same data and the
  same gunicorn (one of its own, so a slow changelist still running holds up nothing else);
  p50 of requests made one after another (the changelist takes seconds, longer than a load
  generator's time-out). The admin is served as it is configured for administrators
  (`cases/admin.py`), signed in as a superuser.
- P3: the queue page (status + agency; status alone), the case page, the possible duplicates
  its script asks for once it is shown, and the case API (asked with a token and no session
  cookie, as an API client does), each requested in this process: p50 of the whole request ÷
  p50 of the summed time of the queries that same request ran (timed around every cursor
  execute, the rows' fetch included, and every COMMIT). What is left is Python: middleware,
  views, the reader projection, serializers and templates.
- P4: the queue (status + agency; with a rare and a common search term), the case page, the
  case API and the statistics page: p50 on the database of generated cases ÷ p50 on a database
  a tenth of its size (`BENCH_SMALL_DATABASE_URL`), one gunicorn on each, one connection,
  rounds alternating between them. Each side reads its own typical case and its own rare plate,
  picked the same way.

    .venv/bin/python -m tests.bench.bench_pages [--json PATH]
    .venv/bin/python -m tests.bench.bench_pages --probe     # one database's sign-ins and picks
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

from tests.bench import harness
from tests.bench.bench_queue import rare_term
from tests.bench.harness import Comparison, Figure, Results, alternate, check, load

SMALL_DATABASE_URL = os.environ.get(
    "BENCH_SMALL_DATABASE_URL",
    urllib.parse.urlsplit(harness.DATABASE_URL)._replace(path="/rd_bench_100k").geturl(),
)
FILTERS = {"status": "new", "agency": "ice", "sort": "newest"}
STATUS_ONLY = {"status": "new", "sort": "newest"}
COMMON_TERM = "minneapolis"
# Requests per round for the in-process figures (P3); the p50 of each round is kept.
IN_PROCESS_REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "15"))


# --- What each database is measured on --------------------------------------------------------


def probe() -> dict[str, Any]:
    """Sign-ins and the things each page is asked for, on the database Django is set up on:
    a legal-staff session and token, an administrator's session, a typical case (the first
    past the middle that has left "new", so it has history) and a plate on one case."""
    from cases.models import Case
    from intake.models import Agency

    middle = Case.objects.order_by("-pk").values_list("pk", flat=True)[:1].get() // 2
    case = (
        Case.objects.filter(pk__gte=middle, merged_into__isnull=True)
        .exclude(status="new").order_by("pk").values_list("reference", flat=True)[:1].get()
    )
    plate = rare_term()
    return {
        "cases": Case.objects.count(),
        "legal": harness.staff_login(),
        "admin": harness.staff_login("bench-admin", superuser=True),
        "case": case,
        "rare": plate,
        "agency_id": Agency.objects.get(code=FILTERS["agency"]).pk,
    }


def probe_database(database_url: str) -> dict[str, Any]:
    """`probe()` run against `database_url` in a process of its own."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_pages", "--probe"],
        cwd=harness.BASE_DIR, env=harness.bench_env(database_url), check=True,
        capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pages(picks: dict[str, Any]) -> dict[str, str]:
    """The staff's pages, by label, as paths."""
    encode = urllib.parse.urlencode
    return {
        "queue (status + agency)": f"/staff/cases/?{encode(FILTERS)}",
        "queue (status)": f"/staff/cases/?{encode(STATUS_ONLY)}",
        "queue, rare term": f"/staff/cases/?{encode({**FILTERS, 'q': picks['rare']})}",
        "queue, common term": f"/staff/cases/?{encode({**FILTERS, 'q': COMMON_TERM})}",
        "case page": f"/staff/cases/{picks['case']}/",
        "case API": f"/api/v1/cases/{picks['case']}/",
        "duplicate suggestions": f"/staff/cases/{picks['case']}/duplicates/",
        "statistics": "/staff/statistics/",
    }


def admin_changelist(picks: dict[str, Any]) -> str:
    """The admin's changelist of cases with the queue's filter: status, the agency among the
    reports' encounters, newest opened first (`opened_at` is the sixth column)."""
    query = {"status__exact": FILTERS["status"],
             "reports__encounter__agencies__id__exact": picks["agency_id"], "o": "-6"}
    return f"/admin/cases/case/?{urllib.parse.urlencode(query)}"


def headers_for(path: str, login: dict[str, str]) -> dict[str, str]:
    if path.startswith("/api/"):
        return {"Authorization": f"Token {login['token']}"}
    if path.endswith("/duplicates/"):  # asked for by the case page's script
        return {"Cookie": login["cookie"], "HX-Request": "true"}
    return {"Cookie": login["cookie"]}


# --- P3: a request against its own SQL, in this process ---------------------------------------


class QueryClock:
    """A database execute wrapper that adds up the time spent in each query (and, through
    `commits`, in each COMMIT that ends a transaction: in autocommit the commit is part of the
    statement's own execute, in a transaction it is a call of its own)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1

    @contextlib.contextmanager
    def commits(self, connection: Any) -> Iterator[None]:
        plain = connection._commit

        def timed() -> Any:
            started = time.perf_counter()
            try:
                return plain()
            finally:
                self.seconds += time.perf_counter() - started

        connection._commit = timed
        try:
            yield
        finally:
            del connection._commit


def timed_request(client: Any, path: str, headers: dict[str, str]) -> tuple[float, float, int]:
    """(whole request ms, its queries' ms, its query count)."""
    from django.db import connection

    clock = QueryClock()
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Cookie"}
    with connection.execute_wrapper(clock), clock.commits(connection):
        started = time.perf_counter()
        response = client.get(path, **extra)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code}")
    return elapsed * 1000, clock.seconds * 1000, clock.count


def own_sql(results: Results, picks: dict[str, Any], cases: int) -> None:
    from django.test import Client

    browser = Client(SERVER_NAME="127.0.0.1")
    browser.cookies.load(picks["legal"]["cookie"])
    api_client = Client(SERVER_NAME="127.0.0.1")  # a token and no session cookie
    paths = pages(picks)
    measured = ("queue (status + agency)", "queue (status)", "case page",
                "duplicate suggestions", "case API")
    counts: dict[str, int] = {}
    for label in measured:
        path = paths[label]
        headers = headers_for(path, picks["legal"])
        client = api_client if path.startswith("/api/") else browser
        print(f"P3 ({label}): its queries (A) vs the whole request (B), ms p50", flush=True)
        sql_p50: list[float] = []
        page_p50: list[float] = []
        for index in range(1 + harness.ROUNDS):
            samples = [timed_request(client, path, headers) for _ in range(IN_PROCESS_REQUESTS)]
            counts[label] = samples[-1][2]
            page = statistics.median(s[0] for s in samples)
            sql = statistics.median(s[1] for s in samples)
            kept = index > 0
            print(f"    {'round ' + str(index) if kept else 'warm-up'}: SQL {sql:.4g} ms, "
                  f"request {page:.4g} ms ({samples[-1][2]} queries)", flush=True)
            if kept:
                sql_p50.append(sql)
                page_p50.append(page)
        results.add(Figure.from_comparison(
            f"P3 ({label})", f"{label.capitalize()} at {cases:,} cases, in-process: p50 of the "
            "request ÷ p50 of the summed time of the queries it ran", "≤ 2",
            Comparison(sql_p50, page_p50, "ms"), met=lambda r: r <= 2,
            baseline=f"its {counts[label]} queries", subject="the whole request",
        ))
    results.records["pages_query_counts"] = counts


# --- P1 and P4: served by gunicorn ------------------------------------------------------------


def p50(server: harness.Server, path: str, login: dict[str, str], what: str) -> float:
    return check(
        load(server.url + path, connections=1, headers=headers_for(path, login)), what
    ).p50_ms


def warm(server: harness.Server, paths: list[str], login: dict[str, str]) -> None:
    """Each page once, so caches are warm and a failure shows before any timing."""
    for path in paths:
        status, body = harness.request(server.url + path, headers=headers_for(path, login))
        if status != 200:
            raise RuntimeError(f"{server.name} {path}: {status} {body[:200]!r}")


def one_after_another(server: harness.Server, path: str, login: dict[str, str],
                      times: int) -> float:
    """p50 ms of `times` requests made one after another."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        status, _body = harness.request(server.url + path, headers=headers_for(path, login))
        took.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{server.name} {path}: {status}")
    return statistics.median(took)


def against_the_admin(results: Results, big: dict[str, Any]) -> None:
    server = harness.Server("pages-admin", workers=2)
    with harness.running(server):
        admin = admin_changelist(big)
        queue = pages(big)["queue (status + agency)"]
        warm(server, [queue], big["legal"])
        warm(server, [admin], big["admin"])
        print("P1: the Django admin's changelist (A) vs the queue (B), ms p50", flush=True)
        comparison = alternate(
            lambda: one_after_another(server, admin, big["admin"], 3),
            lambda: one_after_another(server, queue, big["legal"], 9),
            unit="ms p50",
        )
        figure = Figure.from_comparison(
            "P1", f"Staff queue (status + agency, newest first) at {big['cases']:,} cases ÷ the "
            "Django admin's changelist of cases with the same filter and order (p50 of "
            "requests one after another)", "reported", comparison, met=lambda r: r < 1,
            baseline="admin changelist", subject="staff queue",
        )
        figure.met = None  # Reported to show the gap, with no target.
        results.add(figure)


def run(results: Results) -> None:
    harness.ensure_services()
    big = probe_database(harness.DATABASE_URL)
    small = probe_database(SMALL_DATABASE_URL)
    results.records["pages_data"] = {
        "big": {"cases": big["cases"], "case": big["case"], "rare": big["rare"]},
        "small": {"cases": small["cases"], "case": small["case"], "rare": small["rare"]},
        "filters": FILTERS,
    }
    print(f"P1/P3/P4 on {big['cases']:,} cases against {small['cases']:,}", flush=True)

    harness.setup_django()
    own_sql(results, big, big["cases"])

    against_the_admin(results, big)

    server_big = harness.Server("pages-big", workers=2)
    server_small = harness.Server("pages-small", workers=2, DATABASE_URL=SMALL_DATABASE_URL)
    with harness.running(server_big, server_small):
        big_pages, small_pages = pages(big), pages(small)
        warm(server_big, list(big_pages.values()), big["legal"])
        warm(server_small, list(small_pages.values()), small["legal"])

        for label in ("queue (status + agency)", "queue, rare term", "queue, common term",
                      "case page", "case API", "statistics"):
            print(f"P4 ({label}): {small['cases']:,} cases (A) vs {big['cases']:,} (B), "
                  "ms p50", flush=True)
            comparison = alternate(
                lambda label=label: p50(server_small, small_pages[label], small["legal"], label),
                lambda label=label: p50(server_big, big_pages[label], big["legal"], label),
                unit="ms p50",
            )
            results.add(Figure.from_comparison(
                f"P4 ({label})", f"{label.capitalize()}: p50 at {big['cases']:,} cases ÷ at "
                f"{small['cases']:,}", "≤ 1.3", comparison, met=lambda r: r <= 1.3,
                baseline=f"{small['cases']:,} cases", subject=f"{big['cases']:,} cases",
            ))


if __name__ == "__main__":
    if "--probe" in sys.argv:
        import django

        django.setup()
        print(json.dumps(probe()))
    else:
        harness.cli_main(run)
