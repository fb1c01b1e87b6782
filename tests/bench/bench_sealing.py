"""Records at rest: what sealing costs intake and the case page, on a scratch database.

- Intake: reports filed per second through `submit_report` (two witnesses each), with sealing ÷
  without. Target ≥ 0.8.
- Case page: p50 of `GET /staff/cases/<reference>/` as legal staff (a case of three reports
  with two witnesses each and twenty history entries), with sealing ÷ without. Target ≤ 1.25.
  Each request starts with the process's unwrapped data keys forgotten, so every key the page
  needs is read from the key store and unwrapped: the page as a fresh worker serves it.

"Without" is this process only, with the sealing functions patched to give the text back as it
is and the search index stored as words (the cases it reads were written that way too); the
application has no setting that turns sealing off. A and B alternate (tests/bench/harness.py).

    .venv/bin/python -m tests.bench.bench_sealing [--sqlite] [--json PATH]

`--sqlite` runs on a SQLite file instead of the PostgreSQL scratch database.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from tests.bench import harness
from tests.bench.harness import Figure, Results

REPORTS_PER_ROUND = int(os.environ.get("BENCH_SEALING_REPORTS", "30"))
PAGE_REQUESTS = int(os.environ.get("BENCH_SEALING_REQUESTS", "25"))


@contextmanager
def _without_sealing() -> Iterator[None]:
    """Sealing as identity, in this process only."""
    from cases import search
    from plumbing.keys import fields

    def as_is(_key: Any, text: str, *, context: bytes) -> str:
        return text

    with mock.patch.object(fields, "seal", as_is), mock.patch.object(
        fields, "unseal", as_is
    ), mock.patch.object(search, "index_text", lambda text: text):
        yield


def _intake_rate(*, sealed: bool, start: int) -> float:
    from intake.models import Report
    from intake.services import submit_report
    from tests.bench import fixtures

    def file_all() -> float:
        began = time.perf_counter()
        for number in range(REPORTS_PER_ROUND):
            submit_report(
                submission=fixtures.submission(witnesses=2, number=start + number),
                channel=Report.Channel.WEB,
            )
        return REPORTS_PER_ROUND / (time.perf_counter() - began)

    if sealed:
        return file_all()
    with _without_sealing():
        return file_all()


def _page_p50(client: Any, path: str, *, sealed: bool) -> float:
    from plumbing.keys import store

    def measure() -> float:
        times = []
        for _ in range(PAGE_REQUESTS):
            store.forget()
            began = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code}")
        return statistics.median(times) * 1000

    if sealed:
        return measure()
    with _without_sealing():
        return measure()


def _prepare(work: Path) -> Callable[[], None]:
    """Point the process at a scratch database and a key store of its own; the cleanup."""
    from cryptography.fernet import Fernet

    os.environ["KEY_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    os.environ["KEYSTORE_PATH"] = str(work / "data-keys.sqlite3")
    os.environ["SEARCH_INDEX_KEY"] = "bench-search-index-key"
    if "--sqlite" in sys.argv:
        harness.setup_django(f"sqlite:///{work / 'bench.sqlite3'}")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return lambda: None
    harness.ensure_services()
    url = harness.create_scratch_database()
    harness.setup_django(url)
    return harness.drop_scratch_database


def run(results: Results) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sealing-") as folder:
        cleanup = _prepare(Path(folder))
        try:
            _measure(results)
        finally:
            from django.db import connections

            connections.close_all()
            cleanup()


def _measure(results: Results) -> None:
    from django.db import connection
    from django.test import Client

    from tests.bench import fixtures

    vendor = connection.vendor
    who = fixtures.people()
    numbers = iter(range(0, 10**6, REPORTS_PER_ROUND))
    intake = harness.alternate(
        lambda: _intake_rate(sealed=False, start=next(numbers)),
        lambda: _intake_rate(sealed=True, start=next(numbers)),
        unit="reports/s",
    )
    results.add(Figure.from_comparison(
        "S1", f"Intake throughput with sealing ÷ without ({vendor})", "≥ 0.8", intake,
        met=lambda ratio: ratio >= 0.8, baseline="sealing as identity", subject="sealed",
        notes=f"{REPORTS_PER_ROUND} reports of two witnesses per round, in-process",
    ))

    with _without_sealing():
        plain_case = fixtures.build_case(who=who, witnesses=2, history=20, reports=3)
    sealed_case = fixtures.build_case(who=who, witnesses=2, history=20, reports=3)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(who.legal, backend="cases.backends.ModelPermissionBackend")
    harness.second_factor_given(client, who.legal)
    page = harness.alternate(
        lambda: _page_p50(client, f"/staff/cases/{plain_case.reference}/", sealed=False),
        lambda: _page_p50(client, f"/staff/cases/{sealed_case.reference}/", sealed=True),
        unit="ms",
    )
    results.add(Figure.from_comparison(
        "S2", f"Case page p50 with sealing ÷ without ({vendor})", "≤ 1.25", page,
        met=lambda ratio: ratio <= 1.25, baseline="sealing as identity", subject="sealed",
        notes=f"p50 of {PAGE_REQUESTS} requests per round, unwrapped keys forgotten before each",
    ))


if __name__ == "__main__":
    harness.cli_main(run)
