"""R-audit: `verify_audit` on the database of generated cases.

For each of the largest history tables: walking its chains (`walk_table`: one ordered,
streamed scan, every row's HMAC recomputed) ÷ a bare sequential scan of the same table
(`SELECT * FROM <table>` streamed through a server-side cursor into Python), alternately, in
the same run. Also the time per 100,000 history rows, and one full `verify_all` over every
chained table.

    .venv/bin/python -m tests.bench.bench_verify_audit [--json PATH]
"""

from __future__ import annotations

import time
from typing import Any

from tests.bench import harness
from tests.bench.harness import Figure, Results, alternate

TABLES = 2  # the largest history tables measured one by one


def bare_scan_seconds(table: str) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a model's table name
        while cursor.fetchmany(5000):
            pass
    return time.perf_counter() - started


def walk_seconds(model: Any) -> float:
    from django.db import transaction

    from plumbing.audit.verify import walk_table

    started = time.perf_counter()
    with transaction.atomic():
        found = sum(1 for _ in walk_table(model))
    if found:
        raise RuntimeError(f"{model._meta.db_table}: {found} breaks in a generated database")
    return time.perf_counter() - started


def run(results: Results) -> None:
    harness.ensure_services()
    harness.setup_django()
    from plumbing.audit.verify import chained_models, verify_all

    sizes = sorted(
        ((model._base_manager.count(), model) for model in chained_models()),
        key=lambda pair: pair[0],
        reverse=True,
    )
    total = sum(count for count, _ in sizes)
    results.records["verify_audit_data"] = {
        model._meta.db_table: count for count, model in sizes
    }
    print(f"R-audit on {total:,} chained rows", flush=True)
    for count, model in sizes[:TABLES]:
        table = model._meta.db_table
        print(f"R-audit: bare scan of {table} (A) vs walking its chains (B), s", flush=True)
        comparison = alternate(
            lambda table=table: bare_scan_seconds(table),
            lambda model=model: walk_seconds(model),
            unit="s",
        )
        per_100k = sorted(comparison.subject)[len(comparison.subject) // 2] / count * 100_000
        results.add(Figure.from_comparison(
            f"R-audit ({table})",
            f"verify_audit's walk of {table} ({count:,} rows) ÷ a bare streamed scan of it",
            "≤ 5, < 1 s per 100,000 rows", comparison,
            met=lambda r, p=per_100k: r <= 5 and p < 1,
            baseline=f"bare scan of {table}", subject="walk_table",
            notes=f"{per_100k:.3f} s per 100,000 rows",
        ))
    started = time.perf_counter()
    found = sum(1 for _ in verify_all())
    seconds = time.perf_counter() - started
    per_100k = seconds / max(total, 1) * 100_000
    results.add(Figure(
        id="R-audit (all)", measure=f"verify_all over every chained table ({total:,} rows)",
        target="< 1 s per 100,000 rows", value=per_100k, met=per_100k < 1 and not found,
        subject=f"{seconds:.2f} s in all, {found} breaks",
    ))


if __name__ == "__main__":
    harness.cli_main(run)
