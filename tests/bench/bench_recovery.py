"""Recovery: a case file whose whole worker died mid-render, from the death to the file being
ready, against the render alone, on a scratch database the benchmark creates and drops.

Both halves of a pair run against the same Celery worker set-up (prefork, one process), with
beat running as a process of its own and the production lease and sweep
(`REPORTS_LEASE_SECONDS`, `REPORTS_SWEEP_SECONDS`, read from config/settings/base.py):

- A (baseline): a typical case file asked for and rendered by a live worker, from the request to
  `ready`: the render alone, with the broker's hand-over.
- B (subject): the same case file asked for; once the worker has claimed it and rendered for a
  while, its whole process group is killed with SIGKILL (the worker, its pool process and its
  heartbeat thread: a lost machine, the OOM killer), and a replacement worker is started at once,
  as a supervisor would. B is the time from the kill to `ready`: the replacement's start-up, at
  the end of which it hands back the renders its host's dead processes held, a new claim and a
  whole render again. (On a host that is gone for good, the lease and the sweep do it instead.)

The kill falls at a different point of the heartbeat's cycle in each round (renewals come every
third of a lease), so the rounds together cover a death just after a renewal and just before
one. Every B round checks what the tests check: ready, two attempts, one stored file.

Renders are padded to a known length with the render hook (`RENDER_TEST_DELAY_SECONDS`, which
config/settings/bench.py reads) so a worker can be killed in the middle of one:

- "Recovery": a render of `LONG_RENDER` seconds, as long as a large case file takes; the target
  ≤ 3 is about renders like this one.
- "Recovery (short render)": `SHORT_RENDER` seconds, killed one second in: how the ratio grows
  when the render is short and the start-up dominates.

    .venv/bin/python -m tests.bench.bench_recovery [--json PATH]
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from datetime import datetime
from typing import Any

from tests.bench import harness
from tests.bench.harness import Figure, Results, alternate

LONG_RENDER = 30.0
SHORT_RENDER = 2.0
POLL = 0.05
TIMEOUT = 300.0
# The files of this benchmark's renders, apart from everything else's, so each round can count
# what it stored.
MEDIA = harness.LOG_DIR / "recovery-media"


class Workers:
    """The one live worker of the run, replaced after each kill (logs numbered in order)."""

    def __init__(self, padding: float) -> None:
        self.padding = padding
        self.count = 0
        self.all: list[harness.Service] = []
        self.current = self._start()

    def _start(self) -> harness.CeleryWorker:
        self.count += 1
        worker = harness.CeleryWorker(
            f"recovery-{self.padding:g}s-worker-{self.count}", database_url=harness.scratch_url(),
            RENDER_TEST_DELAY_SECONDS=str(self.padding), MEDIA_ROOT=str(MEDIA),
        )
        self.all.append(worker)
        return worker

    def kill(self) -> datetime:
        """SIGKILL the live worker's process group (a session of its own); start another."""
        from django.utils import timezone

        os.killpg(self.current.pid, signal.SIGKILL)
        killed_at = timezone.now()
        self.current.process.wait(timeout=30)
        self.current = self._start()
        return killed_at


def _wait(document_id: int, *statuses: str) -> Any:
    from reports.models import Document

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.status in statuses:
            return document
        if document.status == Document.Status.FAILED:
            raise RuntimeError(f"Document {document_id} failed: {document.error}")
        time.sleep(POLL)
    raise RuntimeError(f"Document {document_id} is still {document.status}; see the logs.")


def _stored_files() -> set[str]:
    root = MEDIA / "documents"
    return {str(path) for path in root.rglob("*.pdf")} if root.exists() else set()


def measure(
    results: Results, *, case: Any, who: Any, padding: float, offsets: list[float],
    figure: str, measure_text: str,
) -> None:
    from reports.models import Document
    from reports.services import request_document

    def ask() -> int:
        return request_document(case=case, kind=Document.Kind.CASE_FILE, actor=who.legal).pk

    workers = Workers(padding)
    beat = harness.Service(
        "recovery-beat",
        [str(harness.BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO",
         f"--schedule={harness.LOG_DIR / 'recovery-beat-schedule'}"],
        harness.bench_env(harness.scratch_url(), MEDIA_ROOT=str(MEDIA)),
    )
    rounds: list[dict[str, float]] = []
    kills = iter(offsets)

    def baseline() -> float:
        started = time.perf_counter()
        _wait(ask(), Document.Status.READY)
        return time.perf_counter() - started

    def subject() -> float:
        offset = next(kills)
        before = _stored_files()
        document_id = ask()
        _wait(document_id, Document.Status.RENDERING)
        claimed = time.perf_counter()
        time.sleep(max(0.0, offset - (time.perf_counter() - claimed)))
        lease = Document.objects.values_list("lease_expires_at", flat=True).get(pk=document_id)
        killed = time.perf_counter()
        killed_at = workers.kill()
        document = _wait(document_id, Document.Status.READY)
        seconds = time.perf_counter() - killed
        if document.attempts != 2 or len(_stored_files() - before) != 1:
            raise RuntimeError(
                f"Document {document_id}: {document.attempts} attempts, "
                f"{len(_stored_files() - before)} new files; expected 2 and 1."
            )
        swept = document.history.filter(
            history_change_reason="Queued again: the worker rendering it stopped"
        ).get()
        steps = {
            "offset": offset,
            "lease_left": (lease - killed_at).total_seconds(),
            "to_sweep": (swept.history_date - killed_at).total_seconds(),
            "to_claim": (document.started_at - killed_at).total_seconds(),
            "to_ready": seconds,
        }
        rounds.append(steps)
        print(f"      killed {offset:.1f} s into the render with {steps['lease_left']:.1f} s "
              f"of lease left; swept after {steps['to_sweep']:.1f} s, claimed again after "
              f"{steps['to_claim']:.1f} s, ready after {seconds:.1f} s", flush=True)
        return seconds

    with harness.running(beat):
        try:
            comparison = alternate(baseline, subject, unit="s")
        finally:
            for worker in workers.all:
                worker.stop()
    results.records[f"recovery_rounds_{padding:g}"] = rounds
    from django.conf import settings

    lease, sweep = settings.REPORTS_LEASE_SECONDS, settings.REPORTS_SWEEP_SECONDS
    results.add(Figure.from_comparison(
        figure, measure_text, "≤ 3", comparison, met=lambda r: r <= 3,
        baseline="render alone (asked → ready)", subject="kill → ready",
        notes=f"lease {lease} s renewed every {lease / 3:g} s, sweep every {sweep} s; "
        f"kill → swept {min(r['to_sweep'] for r in rounds):.1f} to "
        f"{max(r['to_sweep'] for r in rounds):.1f} s over the rounds",
    ))


def _offsets(start: float, span: float, count: int) -> list[float]:
    """Kill points `start` to `start + span` seconds into the render, spread evenly."""
    return [start + span * (index + 0.5) / count for index in range(count)]


def run(results: Results) -> None:
    harness.ensure_services()
    shutil.rmtree(MEDIA, ignore_errors=True)
    MEDIA.mkdir(parents=True)
    os.environ["MEDIA_ROOT"] = str(MEDIA)
    url = harness.create_scratch_database()
    try:
        harness.setup_django(url)
        from django.conf import settings

        from tests.bench import fixtures

        who = fixtures.people()
        case = fixtures.build_case(who=who, witnesses=5, history=50)
        pairs = harness.ROUNDS + 1  # the warm-up pair kills too
        renewal = settings.REPORTS_LEASE_SECONDS / 3

        print(f"Recovery: a {LONG_RENDER:g} s render (A) vs its worker killed mid-render (B)",
              flush=True)
        measure(
            results, case=case, who=who, padding=LONG_RENDER,
            # Past the first renewal, across one renewal interval.
            offsets=_offsets(renewal, renewal, pairs),
            figure="Recovery",
            measure_text=f"Typical case file padded to a {LONG_RENDER:g} s render, its whole "
            "worker killed mid-render (SIGKILL to the process group) and a new one started: kill "
            "→ ready ÷ the render alone (asked → ready)",
        )
        print(f"Recovery (short render): a {SHORT_RENDER:g} s render", flush=True)
        measure(
            results, case=case, who=who, padding=SHORT_RENDER, offsets=[1.0] * pairs,
            figure="Recovery (short render)",
            measure_text=f"The same with a {SHORT_RENDER:g} s render, killed 1 s in: kill → "
            "ready ÷ the render alone",
        )
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_scratch_database()
        shutil.rmtree(MEDIA, ignore_errors=True)


if __name__ == "__main__":
    harness.cli_main(run)
