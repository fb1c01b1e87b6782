"""R2, R3 and P2: the public intake API, `POST /api/v1/reports/`.

The report (`payload`, the one R1 filed when intake was measured against the minimal view):
one complainant who gave an e-mail address, an encounter with three kinds and two agencies,
two witnesses. With consent to contact the acknowledgement e-mail is queued to Redis after
commit; a Celery worker takes it (and sends nothing: the bench mail backend).

- R2: intake throughput with simple-history on ÷ off (a second gunicorn, BENCH_HISTORY=false).
- R3: intake p50 latency, one client at a time, with the acknowledgement queued ÷ the same
  report without consent to contact, so nothing is queued. The Celery worker is stopped for
  this one: on two cores its sending the acknowledgements would be measured as the enqueue's
  cost (it is recorded too, as "R3 (worker running)"). The queued messages are purged after.
- P2: intake against its database floor. B is the p50 latency of `POST /api/v1/reports/`
  with this report, one client at a time (as R3, worker stopped). A is the p50 of the same
  rows written by plain psycopg on one connection kept open: one transaction per report, one
  multi-row INSERT per table, nothing else (tests/bench/intake_floor.py). The rows are those
  one real submission wrote, captured in this process before the servers start: every INSERT
  and UPDATE it sent, with an UPDATE of a row it had inserted folded into that row's INSERT,
  and sealed values and chain hashes replaced by random ones of the same length. B ÷ A is
  what our Python, and the work that is not writing these rows (reads, savepoints, the key
  store's write, the hand-over to the broker), costs on top of the database's own work.
  Target ≤ 3. The submission's statements and the floor's are kept in the JSON's records
  (`p2_statements`); the floor's rows are deleted after the measurement.

Each run adds a few thousand reports (and cases) to the database it runs on.

    .venv/bin/python -m tests.bench.bench_intake [--json PATH]
"""

from __future__ import annotations

import json

from tests.bench import harness, intake_floor
from tests.bench.harness import Figure, Results, alternate, check, load

INTAKE = "/api/v1/reports/"


def payload(*, consent_to_contact: bool = True) -> bytes:
    return json.dumps(
        {
            "narrative": "Two unmarked SUVs boxed my car in on Lake Street on the way to work. "
            "Four agents pointed guns at me and demanded my papers, then left.",
            "language": "en",
            "consent_to_contact": consent_to_contact,
            "consent_to_share_with_liaison": False,
            "complainants": [
                {
                    "role": "affected",
                    "name": "Ana Example",
                    "email": "ana@example.org",
                    # Consent alone is not enough to be written to (intake/contact.py).
                    "safe_to_contact": consent_to_contact,
                }
            ],
            "encounter": {
                "occurred_at": "2026-01-12T08:15:00-06:00",
                "occurred_at_is_approximate": True,
                "address": "1500 E Lake St",
                "city": "Minneapolis",
                "state": "MN",
                "kinds": ["boxed-in", "weapons-drawn", "papers-demanded"],
                "agencies": ["ice", "border-patrol"],
                "agent_count": 4,
                "vehicle_count": 2,
                "agents_identified": "no",
            },
            "witnesses": [
                {"name": "A neighbour", "willing_to_be_contacted": True},
                {"name": "A passer-by", "willing_to_be_contacted": False},
            ],
        }
    ).encode()


JSON = {"Content-Type": "application/json"}


def _purge_broker() -> None:
    from config.celery import app

    app.control.purge()


def _capture_submission() -> intake_floor.Capture:
    """One real submission in this process, through the whole stack, its statements recorded."""
    from django.test import Client

    client = Client(HTTP_HOST=harness.HOST)

    def post() -> object:
        return client.post(INTAKE, data=payload(), content_type="application/json")

    post()  # the first request of a process reads what later ones find cached
    return intake_floor.capture(post)


def run(results: Results) -> None:
    harness.ensure_services()
    harness.setup_django()
    from cases.models import Case

    before = Case.objects.count()
    captured = _capture_submission()
    plan = intake_floor.FloorPlan(captured)
    # Rows a run stopped half-way left behind.
    intake_floor.remove_floor_rows(plan, harness.DATABASE_URL, [])
    worker = harness.CeleryWorker("intake-worker")
    history_on = harness.Server("intake-history-on")
    history_off = harness.Server("intake-history-off", BENCH_HISTORY="false")
    with harness.running(worker, history_on, history_off):
        for server in (history_on, history_off):
            status, body = harness.request(
                server.url + INTAKE, method="POST", body=payload(), headers=JSON
            )
            if status != 201:
                raise RuntimeError(f"intake answered {status}: {body[:300]!r}")

        def intake(server: harness.Server, **kwargs: object) -> harness.Load:
            return check(
                load(server.url + INTAKE, method="POST", body=payload(), headers=JSON, **kwargs),
                "intake",
            )

        print("R2: intake with history off (A) vs on (B), requests/s", flush=True)
        comparison = alternate(
            lambda: intake(history_off).rps, lambda: intake(history_on).rps, unit="req/s"
        )
        results.add(Figure.from_comparison(
            "R2", "Intake with simple-history on ÷ off (throughput)", "≥ 0.85", comparison,
            met=lambda r: r >= 0.85, baseline="history off", subject="history on",
        ))

        no_mail = payload(consent_to_contact=False)

        def enqueue_latency(label: str) -> None:
            comparison = alternate(
                lambda: check(
                    load(history_on.url + INTAKE, method="POST", body=no_mail, headers=JSON,
                         connections=1),
                    "intake",
                ).p50_ms,
                lambda: intake(history_on, connections=1).p50_ms,
                unit="ms p50",
            )
            results.add(Figure.from_comparison(
                label, "Intake p50 latency with the acknowledgement task enqueued ÷ without"
                + (" (Celery worker consuming on the same two cores)" if "worker" in label
                   else ""),
                "≤ 1.10", comparison, met=lambda r: r <= 1.10,
                baseline="no consent to contact (nothing queued)",
                subject="acknowledgement queued on commit",
            ))

        print("R3 (worker running): intake without (A) and with (B) the enqueue, p50 ms",
              flush=True)
        enqueue_latency("R3 (worker running)")
        worker.stop()
        print("R3: the same with the worker stopped, p50 ms", flush=True)
        enqueue_latency("R3")

        print("P2: the same rows by plain psycopg (A) vs intake (B), p50 ms", flush=True)
        floor = intake_floor.Floor(plan, harness.DATABASE_URL)
        try:
            comparison = alternate(
                lambda: floor.p50_ms(harness.SECONDS),
                lambda: intake(history_on, connections=1).p50_ms,
                unit="ms p50",
            )
        finally:
            floor.close()
            intake_floor.remove_floor_rows(plan, harness.DATABASE_URL, floor.outbox_ids)
        results.add(Figure.from_comparison(
            "P2", "Intake POST /api/v1/reports/ p50, one client (complainant, encounter with 3 "
            "kinds and 2 agencies, 2 witnesses; e-mail queued on commit) ÷ the same rows "
            "inserted by plain psycopg: one transaction, one INSERT per table",
            "≤ 3", comparison, met=lambda r: r <= 3,
            baseline=f"psycopg, {len(plan.writes)} INSERTs in one transaction",
            subject="POST /api/v1/reports/",
        ))
        results.records["p2_statements"] = intake_floor.record(captured, plan)
    _purge_broker()
    after = Case.objects.count()
    results.records["intake_data"] = {"cases_before": before, "cases_after": after}


if __name__ == "__main__":
    harness.cli_main(run)
