# The benchmarks start local programs (psql, gunicorn, celery, wrk, redis-server) by name with
# arguments built here, never from input.
# ruff: noqa: S603, S607
"""What every benchmark shares: the services, gunicorn, a Celery worker, the load generator,
and the alternating rounds every ratio comes from.

Every figure is a ratio of two measurements taken in the same run on the same machine: the
baseline (A) and the subject (B) run alternately, A B A B..., one warm-up pair that is thrown
away and then `ROUNDS` pairs. Each pair gives one ratio B / A; the figure is their median with
the lowest and highest as its range, so a background job that slows one stretch of the run
moves both halves of a pair, not the result.

Load comes from a second process on the loopback interface: `wrk` (Debian's package) when it
is installed, else a small threaded Python client. Nothing here connects anywhere but
127.0.0.1.

Configuration (environment):
    BENCH_DATABASE_URL   the database with the generated cases
                         (default postgres://postgres@127.0.0.1:5432/rd_bench)
    BENCH_SCRATCH_URL    a database the benchmarks that write fixtures create and drop
                         (default: the same server, database rd_bench_scratch)
    BENCH_REDIS_URL      broker and cache (default redis://127.0.0.1:6379/7)
    BENCH_WORKERS        gunicorn workers (default 4)
    BENCH_ROUNDS         measured pairs per figure (default 5, at least 5)
    BENCH_SECONDS        length of one throughput measurement (default 5)
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = BASE_DIR / ".venv" / "bin"
LOG_DIR = BASE_DIR / "test-artifacts" / "bench"

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rd_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
ROUNDS = max(5, int(os.environ.get("BENCH_ROUNDS", "5")))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
SETTINGS = "config.settings.bench"
HOST = "127.0.0.1"


def scratch_url() -> str:
    default = urllib.parse.urlsplit(DATABASE_URL)._replace(path="/rd_bench_scratch").geturl()
    return os.environ.get("BENCH_SCRATCH_URL", default)


# --- Results -------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """B / A over alternating rounds."""

    baseline: list[float]
    subject: list[float]
    unit: str

    @property
    def ratios(self) -> list[float]:
        pairs = zip(self.baseline, self.subject, strict=True)
        return [b / a if a else float("inf") for a, b in pairs]

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def low(self) -> float:
        return min(self.ratios)

    @property
    def high(self) -> float:
        return max(self.ratios)

    def describe(self) -> str:
        return (
            f"{self.median:.3f} (range {self.low:.3f}-{self.high:.3f}); "
            f"A median {statistics.median(self.baseline):.4g} {self.unit}, "
            f"B median {statistics.median(self.subject):.4g} {self.unit}"
        )


@dataclass
class Figure:
    """One row of docs/performance.md."""

    id: str
    measure: str
    target: str
    # The median ratio and its range, or a plain value for records that are not ratios.
    value: float | None
    low: float | None = None
    high: float | None = None
    met: bool | None = None
    baseline: str = ""
    subject: str = ""
    notes: str = ""
    rounds: int = 0

    @classmethod
    def from_comparison(
        cls, id: str, measure: str, target: str, comparison: Comparison,
        *, met: Callable[[float], bool], baseline: str, subject: str, notes: str = "",
        digits: int = 4,
    ) -> Figure:
        a = statistics.median(comparison.baseline)
        b = statistics.median(comparison.subject)
        return cls(
            id=id, measure=measure, target=target, value=comparison.median,
            low=comparison.low, high=comparison.high, met=met(comparison.median),
            baseline=f"{baseline}: {a:.{digits}g} {comparison.unit}",
            subject=f"{subject}: {b:.{digits}g} {comparison.unit}",
            notes=notes, rounds=len(comparison.ratios),
        )


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    # Named free-form records: query plans, SQL, memory series, data sizes.
    records: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        flag = {True: "met", False: "NOT MET", None: ""}[figure.met]
        value = "-" if figure.value is None else f"{figure.value:.3f}"
        span = (
            f" (range {figure.low:.3f}-{figure.high:.3f})" if figure.low is not None else ""
        )
        print(f"  {figure.id}: {value}{span} target {figure.target} {flag}", flush=True)
        print(f"      A {figure.baseline}; B {figure.subject}", flush=True)
        if figure.notes:
            print(f"      {figure.notes}", flush=True)

    def write(self, path: Path) -> None:
        path.write_text(
            json.dumps(
                {"figures": [asdict(f) for f in self.figures], "records": self.records},
                indent=2, default=str,
            )
        )


def alternate(
    baseline: Callable[[], float], subject: Callable[[], float], *, unit: str,
    rounds: int = ROUNDS, warmup: int = 1,
) -> Comparison:
    """Run A B A B ...: `warmup` pairs thrown away, then `rounds` pairs kept."""
    a_values: list[float] = []
    b_values: list[float] = []
    for index in range(warmup + rounds):
        a = baseline()
        b = subject()
        kept = index >= warmup
        if kept:
            a_values.append(a)
            b_values.append(b)
        label = f"round {index - warmup + 1}" if kept else "warm-up"
        print(f"    {label}: A {a:.4g} B {b:.4g} {unit} (B/A {b / a if a else 0:.3f})",
              flush=True)
    return Comparison(a_values, b_values, unit)


def cli_main(run: Callable[[Results], None]) -> None:
    """`python -m tests.bench.bench_x [--json PATH]`: run one benchmark and print it."""
    results = Results()
    run(results)
    if "--json" in sys.argv:
        results.write(Path(sys.argv[sys.argv.index("--json") + 1]))


# --- Django in this process ----------------------------------------------------------------------


def bench_env(database_url: str = DATABASE_URL, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        # Persistent connections, as a production deployment would have them.
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        DEBUG="false",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def setup_django(database_url: str = DATABASE_URL) -> None:
    os.environ.update(bench_env(database_url))
    import django

    django.setup()


def second_factor_given(client: Any, user: Any) -> None:
    """Mark `client`'s signed-in session as having given a code from the account's app, as a
    sign-in through the pages leaves it: every staff page asks for a second factor."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="Benchmarks", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def staff_login(username: str = "bench-legal", *, superuser: bool = False) -> dict[str, str]:
    """A legal-staff user (`superuser`: an administrator, for the Django admin) with a session
    cookie that has given its second factor, and an API token."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from api_tokens.services import api_tokens_of, create_api_token, revoke_api_token
    from cases.roles import Role

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=Role.LEGAL.value))
    if superuser and not user.is_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(user, backend="cases.backends.ModelPermissionBackend")
    second_factor_given(client, user)
    # A fresh key per run: keys cannot be read back, and old ones would pile up.
    for old in api_tokens_of(user=user):
        revoke_api_token(user=user, token_id=old.pk)
    token = create_api_token(user=user, name="benchmarks")
    name = settings.SESSION_COOKIE_NAME
    return {
        "cookie": f"{name}={client.cookies[name].value}",
        "token": token.key,
        "username": username,
    }


def psql(database_url: str, sql: str, *, dbname: str | None = None) -> str:
    """Run SQL with psql against the server of `database_url` (database `dbname` or its own)."""
    parts = urllib.parse.urlsplit(database_url)
    target = parts._replace(path=f"/{dbname}").geturl() if dbname else database_url
    out = subprocess.run(
        ["psql", target, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


def create_scratch_database() -> str:
    """A fresh, migrated database for benchmarks that write fixtures; `drop_scratch_database`
    removes it."""
    url = scratch_url()
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    psql(url, f'DROP DATABASE IF EXISTS "{name}"', dbname="postgres")
    psql(url, f'CREATE DATABASE "{name}"', dbname="postgres")
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=BASE_DIR, env=bench_env(url), check=True,
    )
    return url


def drop_scratch_database() -> None:
    url = scratch_url()
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    psql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', dbname="postgres")


def ensure_services() -> None:
    """PostgreSQL and Redis on this machine, started the way .ci/run starts them if needed."""
    if subprocess.run(["pg_isready", "-q", "-h", HOST], check=False).returncode != 0:
        clusters = sorted(os.listdir("/etc/postgresql"))
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "start"],
            check=True,
        )
    ping = subprocess.run(["redis-cli", "-h", HOST, "ping"], capture_output=True, check=False)
    if ping.returncode != 0:
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", HOST, "--port", "6379",
             "--save", "", "--appendonly", "no"],
            check=True,
        )


# --- Processes -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Service:
    """A child process with its output in test-artifacts/bench/<name>.log, stopped by its pid."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            args, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class Server(Service):
    """gunicorn serving the site with the bench settings and a fixed worker count: sync
    workers, or with `threads` above 1 that many threads in each (gthread), each thread with
    its own database connection."""

    def __init__(self, name: str, *, workers: int = WORKERS, threads: int = 1,
                 **env: str) -> None:
        self.port = free_port()
        worker_class = (
            ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1
            else ["--worker-class", "sync"]
        )
        super().__init__(
            name,
            [str(BIN / "gunicorn"), "config.wsgi", "--workers", str(workers),
             "--bind", f"{HOST}:{self.port}", *worker_class, "--timeout", "120",
             "--graceful-timeout", "5", "--log-level", "warning"],
            bench_env(**env),
        )
        self.url = f"http://{HOST}:{self.port}"
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                status, _ = request(self.url + "/bench/minimal/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer; see {self.log_path}")


class CeleryWorker(Service):
    """`celery worker` with the bench settings: a prefork pool of `concurrency` processes."""

    def __init__(self, name: str, *, database_url: str = DATABASE_URL, concurrency: int = 1,
                 extra: tuple[str, ...] = (), **env: str) -> None:
        super().__init__(
            name,
            [str(BIN / "celery"), "-A", "config", "worker", "--pool=prefork",
             f"--concurrency={concurrency}",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             f"--hostname=bench-{name}@%h", *extra],
            bench_env(database_url, **env),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery exited; see {self.log_path}")
            if " ready." in self.log_path.read_text():
                return
            time.sleep(0.3)
        raise RuntimeError(f"celery did not start; see {self.log_path}")


@contextmanager
def running(*services: Service) -> Iterator[None]:
    try:
        yield
    finally:
        for service in reversed(services):
            service.stop()


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


# --- Load ---------------------------------------------------------------------------------------


def request(url: str, *, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    if parts.hostname != HOST:
        raise ValueError("Benchmarks only talk to 127.0.0.1.")
    connection = HTTPConnection(HOST, parts.port, timeout=120)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Load:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_WRK_SCRIPT = """
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%f %%f %%f\\n", summary.requests,
    summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _lua(text: str | None) -> str:
    return "nil" if text is None else json.dumps(text)


def load(url: str, *, seconds: float = SECONDS, connections: int = 8, method: str = "GET",
         body: bytes | None = None, headers: dict[str, str] | None = None) -> Load:
    """Send requests to `url` from `connections` concurrent clients for `seconds`."""
    if urllib.parse.urlsplit(url).hostname != HOST:
        raise ValueError("Benchmarks only talk to 127.0.0.1.")
    if shutil.which("wrk"):
        return _wrk(url, seconds, connections, method, body, headers or {})
    return _python_load(url, seconds, connections, method, body, headers or {})


def _wrk(url: str, seconds: float, connections: int, method: str, body: bytes | None,
         headers: dict[str, str]) -> Load:
    script = _WRK_SCRIPT % {
        "method": _lua(method),
        "body": _lua(body.decode() if body else None),
        "headers": "\n".join(f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
             "-s", handle.name, url],
            capture_output=True, text=True, check=True, timeout=seconds + 120,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    count, micros, errors, p50, p95, p99 = line.split()[1:]
    return Load(int(count), int(micros) / 1e6, int(errors), float(p50), float(p95), float(p99))


def _python_load(url: str, seconds: float, connections: int, method: str, body: bytes | None,
                 headers: dict[str, str]) -> Load:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def client() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                status, _ = request(url, method=method, body=body, headers=headers)
                failed = status >= 400
            except OSError:
                failed = True
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
                errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return Load(len(latencies), elapsed, errors[0], pct(50), pct(95), pct(99))


def check(result: Load, what: str) -> Load:
    if result.errors:
        raise RuntimeError(f"{what}: {result.errors} of {result.requests} requests failed")
    if not result.requests:
        raise RuntimeError(f"{what}: no request finished in the time given")
    return result


# --- The machine ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        "unknown",
    )
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )

    def version(args: list[str]) -> str:
        try:
            out = subprocess.run(args, capture_output=True, text=True, check=False, timeout=30)
        except OSError:
            return "not installed"
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else ""

    import celery
    import django
    import gunicorn
    import simple_history
    import weasyprint
    from rest_framework import VERSION as drf_version

    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "djangorestframework": drf_version,
        "celery": celery.__version__,
        "gunicorn": gunicorn.__version__,
        "weasyprint": weasyprint.__version__,
        "django-simple-history": simple_history.__version__,
        "postgresql": version(["psql", DATABASE_URL, "-Atc", "show server_version"]),
        "redis": version(["redis-server", "--version"]),
        "wrk": version(["wrk", "--version"]) if shutil.which("wrk") else "not installed "
        "(threaded Python client used)",
    }
