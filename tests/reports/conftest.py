"""Fixtures of the reports tests: a case whose people are named everywhere, and a real Celery
worker over the local Redis for the integration tests (tests/reports/test_worker.py).

The worker runs `celery -A config worker` in a subprocess with the test settings, against the
test database of this pytest run (PostgreSQL, or SQLite in a file: see config/settings/test.py)
and a Redis database of its own (14 unless REPORTS_TEST_REDIS_DB says otherwise), emptied before
and after. Two test runs at once take turns: a lock in that database is held for each test.
Without Redis those tests skip, except in CI, where they fail.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases.models import Case
from config.celery import app as celery_app
from intake.inputs import ComplainantInput, EvidenceInput, WitnessInput
from intake.models import Report
from intake.services import submit_report
from tests.conftest import need_service
from tests.factories import EncounterInputFactory, ReportSubmissionFactory, png_bytes

# The people of `named_case`, and everything that says who they are.
COMPLAINANT = "Marisol Quintanilla-Ortega"
WITNESS = "Bartholomew Okonkwo-Lindqvist"
PERSONAL = [
    COMPLAINANT,
    "Quintanilla",
    WITNESS,
    "Okonkwo",
    "marisol.qo@example.net",
    "bart.ol@example.net",
    "612-555-0183",
    "555-0183",
]
KINDS = ("boxed-in", "weapons-drawn", "recording-interfered", "papers-demanded")


def named_case() -> Case:
    """A web report with a named complainant and witness, four encounter kinds and two
    evidence files, filed through `submit_report` as in real life."""
    submission = ReportSubmissionFactory(
        narrative=f"{COMPLAINANT} was boxed in on her way to work; agents drew their guns.",
        encounter=EncounterInputFactory(kind_codes=KINDS, address="7400 Brooklyn Blvd"),
        complainants=(
            ComplainantInput(
                role="affected",
                name=COMPLAINANT,
                email="marisol.qo@example.net",
                phone="612-555-0183",
                safe_to_contact=True,
            ),
        ),
        witnesses=(
            WitnessInput(
                name=WITNESS,
                contact="bart.ol@example.net",
                statement="Two unmarked SUVs blocked her car in.",
                willing_to_be_contacted=True,
            ),
        ),
        evidence=(
            EvidenceInput(file=SimpleUploadedFile("a.png", png_bytes(), "image/png")),
            EvidenceInput(
                file=SimpleUploadedFile("b.png", png_bytes(b"\x10\x20\x30"), "image/png")
            ),
        ),
    )
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


@pytest.fixture
def case(db) -> Case:
    return named_case()


# --- A real worker ---------------------------------------------------------------------------

READY_TIMEOUT = 30
# Nothing listens on port 1: publishing there fails at once, as with a broker that is down.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
LOCK = "rights-desk:tests:worker"


def _empty(broker: redis.Redis) -> None:
    """Remove every key but the lock: queued messages, unacknowledged ones, bindings."""
    for key in broker.scan_iter():
        if key != LOCK.encode():
            broker.delete(key)


def _redis_url() -> str:
    """A Redis database of our own on the Redis the suite was given (or the local one)."""
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    db = os.environ.get("REPORTS_TEST_REDIS_DB", "14")
    return urlunsplit((base.scheme, base.netloc, f"/{db}", "", ""))


def _redis_available(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


def _database_url() -> str:
    """This run's test database, as a URL the worker's settings read."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert "memory" not in name, "the worker needs the SQLite test database in a file"
        return f"sqlite:///{Path(name).resolve()}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{db['NAME']}"


def point_celery_at(url: str) -> None:
    """Send this process's tasks to the broker at `url` from now on. Celery keeps the pools of
    the broker it first connected to, so those references are dropped too (kombu keeps the
    pools themselves, per broker, for when it is pointed back)."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@dataclass
class Worker:
    """A `celery -A config worker` process (prefork, one child) of the test settings."""

    redis_url: str
    database_url: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            # The data keys this run made, so the worker seals and opens with the same ones.
            "TEST_KEYSTORE_PATH": str(settings.KEYSTORE_PATH),
            "CI": os.environ.get("CI", ""),
            **self.env,
        }
        self.log.write_text("")
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=prefork", "--concurrency=1", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            f"--hostname=reports-test-{os.getpid()}-{self.log.stem}@%h",
            f"--logfile={self.log}", *self.args,
        ]
        # A session of its own, so the worker, its pool and an embedded beat can be killed as
        # one process group, and nothing else.
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=settings.BASE_DIR, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text(errors="replace"):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"The Celery worker did not start:\n{self.tail()}")

    def children(self) -> list[int]:
        """The pool's child processes (the ones that run tasks)."""
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill(self) -> None:
        """SIGKILL the worker's whole process group at once (the worker, its pool's children and
        their heartbeat threads), as a crash, a lost machine or the OOM killer would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        # A child left behind by a cut-off shutdown (a pool process, an embedded beat).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def embedded_beat(folder: Path) -> tuple[str, ...]:
    """Worker arguments that run beat inside the worker, its schedule file in `folder` (the
    sweep's interval then comes from REPORTS_SWEEP_SECONDS in the worker's environment)."""
    return ("--beat", f"--schedule={folder / 'beat-schedule'}")


@pytest.fixture
def celery_worker(
    transactional_db, django_db_serialized_rollback, tmp_path, settings
) -> Iterator[Callable[..., Worker]]:
    """Start workers with `celery_worker(RENDER_TEST_DELAY_SECONDS="3")` (extra environment;
    extra command-line arguments first, e.g. `*embedded_beat(tmp_path)`); this test process then
    sends its tasks to their broker instead of running them itself, with every task module
    imported, as a worker would have them (the outbox's relay finds tasks by name). Every
    worker is stopped, and the Redis database emptied, at the end of the test.

    The worker reads and writes the database from another process, so this test's writes are
    committed (transactional_db); serialized rollback puts back the reference rows the
    migrations made once the test's data is flushed. Files go to a folder of the test's own,
    for this process and the worker alike."""
    url = _redis_url()
    need_service("Redis", _redis_available(url), "start redis-server on 127.0.0.1:6379")
    broker = redis.Redis.from_url(url)
    lock = broker.lock(LOCK, timeout=300, blocking_timeout=300)
    if not lock.acquire():
        pytest.fail("Another test run kept the worker tests' Redis database for 5 minutes.")
    _empty(broker)
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.loader.import_default_modules()
    point_celery_at(url)
    celery_app.conf.task_always_eager = False
    settings.MEDIA_ROOT = tmp_path / "media"
    workers: list[Worker] = []

    def start(*args: str, **env: str) -> Worker:
        log = tmp_path / f"worker-{len(workers)}.log"
        worker = Worker(
            redis_url=url, database_url=_database_url(), log=log, env=env, args=args
        )
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
    point_celery_at(saved[0])
    celery_app.conf.task_always_eager = saved[1]
    _empty(broker)
    with contextlib.suppress(redis.exceptions.LockError):
        lock.release()
