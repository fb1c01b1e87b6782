"""Health endpoints for load balancers and orchestrators: `/healthz` and `/readyz`.

- `/healthz`: the process is up and answering. 200 `{"status": "ok"}`; touches nothing else,
  so a database outage never gets a healthy process restarted.
- `/readyz`: the services a request needs are reachable, each checked with a short timeout
  (READINESS_CHECK_TIMEOUT seconds, all three at once): the database (a new connection and
  `SELECT 1`), the broker (a connection) and media storage (a small file written and deleted).
  200 when every check is `ok` or `not configured`, else 503; a broker is `not configured`
  when tasks run in-process (the embedded default), which is ready. The answer names each
  check and its state and nothing else: no host, no secret, no exception text (the failure is
  logged at WARNING by class).

`HealthCheckMiddleware` answers both before any other middleware runs: no session, no CSRF,
no authentication, no rate limit, no host check and no redirect (an orchestrator probes over
plain HTTP, by address, and follows no redirect), so a probe can never be turned away by the
machinery it is meant to check.
"""

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from celery import current_app as celery_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse, JsonResponse
from kombu import Connection

from plumbing.api_errors import ErrorCode, error_response

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
UNAVAILABLE = "unavailable"


def check_database(timeout: float) -> str:
    """A connection of its own (never the request's), so a broken one is never reused."""
    params = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
    if params["ENGINE"] == "django.db.backends.postgresql":
        params["OPTIONS"] = {**params.get("OPTIONS", {}), "connect_timeout": max(1, int(timeout))}
    connection = load_backend(params["ENGINE"]).DatabaseWrapper(params, DEFAULT_DB_ALIAS)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()
    return OK


def check_broker(timeout: float) -> str:
    """Tasks run in-process when no broker is configured: nothing to reach, and ready."""
    conf = celery_app.conf
    if conf.task_always_eager or str(conf.broker_url).startswith("memory://"):
        return NOT_CONFIGURED
    options = {
        **(conf.broker_transport_options or {}),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    with Connection(conf.broker_url, connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(
            max_retries=1,
            interval_start=0,
            interval_step=0,
            timeout=timeout,  # type: ignore[arg-type]  # kombu takes float seconds
        )
    return OK


def check_storage(timeout: float) -> str:
    """Evidence and documents are written there; reading alone would not show a full disk or
    a read-only mount."""
    name = default_storage.save(f"readiness/{uuid.uuid4().hex}", ContentFile(b"ready"))
    default_storage.delete(name)
    return OK


CHECKS: dict[str, Callable[[float], str]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


def readiness(timeout: float | None = None) -> dict[str, str]:
    """Each check's state; a check that fails or outlasts `timeout` is `unavailable`."""
    timeout = settings.READINESS_CHECK_TIMEOUT if timeout is None else timeout
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readiness")
    try:
        futures = {name: pool.submit(check, timeout) for name, check in CHECKS.items()}
        done, _pending = wait(futures.values(), timeout=timeout)
    finally:
        # A check still running is abandoned, not waited for: its own timeouts end it.
        pool.shutdown(wait=False, cancel_futures=True)
    states = {}
    for name, future in futures.items():
        if future not in done:
            logger.warning("Readiness: %s did not answer within %s s.", name, timeout)
            states[name] = UNAVAILABLE
        elif (error := future.exception()) is not None:
            logger.warning(
                "Readiness: %s unavailable: %s.%s",
                name,
                type(error).__module__,
                type(error).__qualname__,
            )
            states[name] = UNAVAILABLE
        else:
            states[name] = future.result()
    return states


# -- Views ----------------------------------------------------------------------------------


def _answer(body: dict[str, Any], status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _answer({"status": OK}, 200)


def readyz(request: HttpRequest) -> HttpResponse:
    checks = readiness()
    ready = all(state in (OK, NOT_CONFIGURED) for state in checks.values())
    body = {"status": OK if ready else UNAVAILABLE, "checks": checks}
    return _answer(body, 200 if ready else 503)


VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """First in MIDDLEWARE: answers /healthz and /readyz (with or without a trailing slash)
    itself, and hands every other request on."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        view = VIEWS.get(path[:-1] if path.endswith("/") and len(path) > 1 else path)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return error_response(
                405,
                ErrorCode.METHOD_NOT_ALLOWED,
                "Use GET or HEAD.",
                headers={"Allow": "GET, HEAD"},
            )
        return view(request)
