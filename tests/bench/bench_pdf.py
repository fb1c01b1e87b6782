"""R4, the render worker's memory and P5 (renders scaling out over processes), on a scratch
database the benchmark creates and drops.

- R4a: a typical case file (one report, 5 witnesses, 50 history rows) ÷ a warm one-page hello
  rendered through the same `html_to_pdf`, with the same print stylesheet, in the same process.
- R4b: the time per page of a long case file (four reports, 250 history rows) ÷ the typical
  one's.
- Memory: a Celery worker (one process, not recycled during the run) renders the typical case
  file 200 times through the documents pipeline; its resident memory after 20 renders and after
  200, and its peak.
- P5: typical case files completed per second by a Celery worker with two prefork processes ÷
  by one with one. Both workers run for the whole measurement, each consuming a queue of its
  own, so neither one's start-up (forking, importing WeasyPrint, reading the fonts) is in any
  round, and the warm-up pair renders in every process before the measured ones. A round asks
  for `SCALING_DOCUMENTS` case files through `request_document`, as a person would, in one
  transaction whose commit hands their messages to the broker through the outbox, with this
  process's default queue pointed at the worker being measured; it lasts from that commit to
  the last document's `finished_at`. Enough documents that the start of a round and its last
  render, when one process may already be idle, are a small part of it. Neither worker recycles
  its processes during the run (as for the memory figure), so no round pays a fresh process.
  Each round also notes the worker's CPU time per document and how much of the machine stood
  idle: other work on the machine takes the second core first, and these say whether it did.

    .venv/bin/python -m tests.bench.bench_pdf [--json PATH]
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.bench import harness
from tests.bench.harness import Figure, Results, alternate

HELLO = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Hello</title>'
    '<link rel="stylesheet" href="/static/reports/pdf.css"></head>'
    "<body><h2>Hello</h2><p>Hello, world.</p></body></html>"
)
MEMORY_RENDERS = 200
MEMORY_EARLY = 20
SCALING_DOCUMENTS = 24


def _timed(render: Any, times: int) -> tuple[float, Any]:
    started = time.perf_counter()
    for _ in range(times):
        result = render()
    return (time.perf_counter() - started) / times * 1000, result


def _wait_ready(ids: list[int], timeout: float) -> None:
    from reports.models import Document

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = set(Document.objects.filter(pk__in=ids).values_list("status", flat=True))
        if states <= {Document.Status.READY}:
            return
        if Document.Status.FAILED in states:
            raise RuntimeError("A render failed; see the worker's log.")
        time.sleep(0.25)
    raise RuntimeError("Renders did not finish in time.")


def memory(results: Results, case: Any, who: Any) -> None:
    from reports.models import Document
    from reports.services import request_document

    worker = harness.CeleryWorker(
        "render-worker", database_url=harness.scratch_url(),
        # Not recycled during the measurement, so growth shows; production recycles.
        extra=("--max-tasks-per-child=100000", "--max-memory-per-child=0"),
    )
    with harness.running(worker):
        child = worker.children()[0]
        series: list[dict[str, int]] = [{"renders": 0, **harness.memory_kib(child)}]
        done = 0
        for batch in (MEMORY_EARLY, MEMORY_RENDERS - MEMORY_EARLY):
            ids = [
                request_document(case=case, kind=Document.Kind.CASE_FILE, actor=who.legal).pk
                for _ in range(batch)
            ]
            _wait_ready(ids, timeout=batch * 20)
            done += batch
            series.append({"renders": done, **harness.memory_kib(child)})
            print(f"    after {done} renders: {series[-1]}", flush=True)
        if worker.children() != [child]:
            raise RuntimeError("The worker process was replaced during the measurement.")
    early, late = series[1]["VmRSS"], series[2]["VmRSS"]
    results.records["render_memory"] = series
    results.add(Figure(
        id="Memory", measure=f"Render worker resident memory after {MEMORY_RENDERS} case-file "
        f"renders ÷ after {MEMORY_EARLY}", target="≤ 1.2", value=late / early,
        met=late / early <= 1.2,
        baseline=f"after {MEMORY_EARLY}: {early / 1024:.0f} MiB",
        subject=f"after {MEMORY_RENDERS}: {late / 1024:.0f} MiB; peak while rendering "
        f"{series[2]['VmHWM'] / 1024:.0f} MiB; before the first render "
        f"{series[0]['VmRSS'] / 1024:.0f} MiB",
    ))


@contextmanager
def _routed_to(queue: str) -> Iterator[None]:
    """Tasks this process publishes go to `queue` (Celery's default queue, for the time)."""
    from celery import current_app

    before = current_app.conf.task_default_queue
    current_app.conf.task_default_queue = queue
    try:
        yield
    finally:
        current_app.conf.task_default_queue = before


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes `pids` have used so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """The machine's idle (and I/O wait) ticks and all its ticks so far, over every core."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return values[3] + values[4], sum(values)


def _documents_per_second(
    case: Any, who: Any, worker: harness.CeleryWorker, queue: str, rounds: list[dict[str, float]]
) -> float:
    """One round: `SCALING_DOCUMENTS` case files asked for and rendered by `worker`, which
    consumes `queue`. Notes in `rounds` the worker's CPU time per document and how idle the
    machine was, so a round slowed by other work on the machine shows as such."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from reports.models import Document
    from reports.services import request_document

    processes = [worker.pid, *worker.children()]
    with _routed_to(queue), transaction.atomic():
        ids = [
            request_document(case=case, kind=Document.Kind.CASE_FILE, actor=who.legal).pk
            for _ in range(SCALING_DOCUMENTS)
        ]
        cpu_before, (idle_before, total_before) = _cpu_seconds(processes), _machine_ticks()
        committed = timezone.now()
    _wait_ready(ids, timeout=SCALING_DOCUMENTS * 20)
    idle, total = _machine_ticks()
    last = Document.objects.filter(pk__in=ids).aggregate(last=Max("finished_at"))["last"]
    rate = SCALING_DOCUMENTS / (last - committed).total_seconds()
    rounds.append({
        "documents_per_second": rate,
        "worker_cpu_ms_per_document":
            (_cpu_seconds(processes) - cpu_before) / SCALING_DOCUMENTS * 1000,
        "machine_idle": (idle - idle_before) / max(1, total - total_before),
    })
    return rate


def scaling(results: Results, case: Any, who: Any) -> None:
    # Recycled processes would start cold in the middle of a round.
    extra = ("--max-tasks-per-child=100000", "--max-memory-per-child=0")
    one = harness.CeleryWorker(
        "render-one-process", database_url=harness.scratch_url(), concurrency=1,
        extra=("--queues=bench-render-one", *extra),
    )
    rounds: dict[str, list[dict[str, float]]] = {"one": [], "two": []}
    with harness.running(one):
        two = harness.CeleryWorker(
            "render-two-processes", database_url=harness.scratch_url(), concurrency=2,
            extra=("--queues=bench-render-two", *extra),
        )
        with harness.running(two):
            print(f"P5: {SCALING_DOCUMENTS} typical case files a round; one process (A) vs two "
                  "(B), documents per second", flush=True)
            comparison = alternate(
                lambda: _documents_per_second(case, who, one, "bench-render-one", rounds["one"]),
                lambda: _documents_per_second(case, who, two, "bench-render-two", rounds["two"]),
                unit="documents/s",
            )
            if len(two.children()) != 2:
                raise RuntimeError("The two-process worker lost a process during the run.")
    results.records["render_scaling"] = rounds
    # The warm-up pair is left out, as it is of the figure.
    kept = {name: series[-len(comparison.baseline):] for name, series in rounds.items()}

    def median(name: str, key: str) -> float:
        return statistics.median(entry[key] for entry in kept[name])

    results.add(Figure.from_comparison(
        "P5", f"Typical case files rendered per second through the documents pipeline "
        f"({SCALING_DOCUMENTS} a round): Celery worker with 2 prefork processes ÷ with 1, "
        f"on {os.cpu_count()} cores", "≥ 1.7",
        comparison, met=lambda r: r >= 1.7, baseline="1 process", subject="2 processes",
        # Other work on the machine takes the second core first: the figure says how much
        # of the machine was idle while each configuration ran, and what a document cost.
        notes=f"worker CPU per document: {median('one', 'worker_cpu_ms_per_document'):.0f} ms "
        f"(1 process), {median('two', 'worker_cpu_ms_per_document'):.0f} ms (2); machine idle "
        f"while they rendered: {median('one', 'machine_idle'):.0%} (1 process), "
        f"{median('two', 'machine_idle'):.0%} (2)",
    ))


def run(results: Results) -> None:
    harness.ensure_services()
    url = harness.create_scratch_database()
    try:
        harness.setup_django(url)
        from reports.models import Document
        from reports.rendering import html_to_pdf, render_case_file
        from tests.bench import fixtures

        who = fixtures.people()
        typical = fixtures.build_case(who=who, witnesses=5, history=50)
        long = fixtures.build_case(who=who, witnesses=5, history=250, reports=4)

        def case_file(case: Any) -> Any:
            document = Document(kind=Document.Kind.CASE_FILE, case=case, requested_by=who.legal)
            return lambda: render_case_file(document=document)

        pages = {name: case_file(case)().pages for name, case in
                 (("typical", typical), ("long", long))}
        hello_pages = html_to_pdf(HELLO).pages
        results.records["pdf_pages"] = {**pages, "hello": hello_pages}
        print(f"R4: pages {pages}, hello {hello_pages}", flush=True)

        print("R4a: hello (A) vs typical case file (B), ms per document", flush=True)
        comparison = alternate(
            lambda: _timed(lambda: html_to_pdf(HELLO), 10)[0],
            lambda: _timed(case_file(typical), 1)[0],
            unit="ms",
        )
        results.add(Figure.from_comparison(
            "R4", f"Typical case file PDF ({pages['typical']} pages: 5 witnesses, 50 history "
            "rows) ÷ a warm one-page hello with the same stylesheet, same process", "≤ 15",
            comparison, met=lambda r: r <= 15, baseline="hello", subject="typical case file",
        ))

        print("R4b: typical (A) vs long (B) case file, ms per page", flush=True)
        comparison = alternate(
            lambda: _timed(case_file(typical), 1)[0] / pages["typical"],
            lambda: _timed(case_file(long), 1)[0] / pages["long"],
            unit="ms/page",
        )
        results.add(Figure.from_comparison(
            "R4 (pages)", f"Long case file ({pages['long']} pages: 4 reports, 250 history "
            f"rows): time per page ÷ the typical file's ({pages['typical']} pages)", "≤ 2",
            comparison, met=lambda r: r <= 2, baseline="typical", subject="long",
        ))
        memory(results, typical, who)
        scaling(results, typical, who)
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_scratch_database()


if __name__ == "__main__":
    harness.cli_main(run)
