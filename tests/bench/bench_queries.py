"""R8: queries per request must not grow with the data shown, on a scratch database.

- The queue (staff page and API) listing 100 rows ÷ listing 25.
- The case page, the case API, its history and the case file's data loader for a case with 50
  witnesses and 50 history rows ÷ one with 1 witness and its opening history.

Each must be exactly 1.0. Counted in-process with Django's test client, signed in as legal
staff; the first request of each kind warms the caches (permissions, content types) and is
not counted.

    .venv/bin/python -m tests.bench.bench_queries [--json PATH]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.bench import harness
from tests.bench.harness import Figure, Results


def _count(action: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action()
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries.captured_queries)


def _get(client: Any, path: str) -> Callable[[], Any]:
    def fetch() -> Any:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        return response

    return fetch


def run(results: Results) -> None:
    harness.ensure_services()
    url = harness.create_scratch_database()
    try:
        harness.setup_django(url)
        from django.test import Client

        from cases import views
        from cases.api.views import CasePagination
        from cases.synthetic import generate_synthetic_cases
        from reports.case_file import load_case_file
        from tests.bench import fixtures

        generate_synthetic_cases(count=150, seed=8)
        who = fixtures.people()
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(who.legal, backend="cases.backends.ModelPermissionBackend")
        harness.second_factor_given(client, who.legal)

        counts: dict[str, dict[str, int]] = {}

        def rows(size: int, path: str) -> int:
            views.PAGE_SIZE, CasePagination.page_size = size, size
            try:
                return _count(_get(client, path))
            finally:
                views.PAGE_SIZE, CasePagination.page_size = 25, 25

        for label, path in (("queue page", "/staff/cases/"), ("case list API", "/api/v1/cases/")):
            counts[label] = {"25 rows": rows(25, path), "100 rows": rows(100, path)}

        small = fixtures.build_case(who=who, witnesses=1, history=1)
        big = fixtures.build_case(who=who, witnesses=50, history=50)
        for label, path in (
            ("case page", "/staff/cases/{}/"),
            ("case API", "/api/v1/cases/{}/"),
            ("case history API", "/api/v1/cases/{}/history/"),
        ):
            counts[label] = {
                "1 witness, 1 history row": _count(_get(client, path.format(small.reference))),
                "50 witnesses, 50 history rows": _count(_get(client, path.format(big.reference))),
            }
        for redacted in (False, True):
            label = "case file loader" + (" (redacted)" if redacted else "")
            counts[label] = {
                name: _count(lambda case=case, redacted=redacted: load_case_file(
                    case=case, reader=who.legal, redacted=redacted
                ))
                for name, case in (
                    ("1 witness, 1 history row", small), ("50 witnesses, 50 history rows", big)
                )
            }
        results.records["query_counts"] = counts
        for label, pair in counts.items():
            (small_name, few), (big_name, many) = pair.items()
            results.add(Figure(
                id="R8", measure=f"Queries per request: {label}, {big_name} ÷ {small_name}",
                target="= 1.0", value=many / few, met=many == few,
                baseline=f"{small_name}: {few} queries", subject=f"{big_name}: {many} queries",
            ))
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_scratch_database()


if __name__ == "__main__":
    harness.cli_main(run)
