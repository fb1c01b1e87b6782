"""Real failures for the tests of errors, outages and health: a database that refuses
connections, a broker on a port nothing listens on, and a URLconf with views that fail.

Nothing here is mocked: the database is reached through Django's own backend with settings that
cannot work, the broker through kombu at a closed port, so the exceptions are the ones an outage
raises.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse
from django.urls import path
from kombu import Connection

from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

# Nothing listens on port 1: connecting there is refused at once, as by a service that is down.
CLOSED_PORT = 1
UNREACHABLE_BROKER = f"redis://127.0.0.1:{CLOSED_PORT}/0"
# A SQLite file in a folder that does not exist cannot be opened.
UNOPENABLE_SQLITE = "/nonexistent-rights-desk-folder/db.sqlite3"


@contextmanager
def database_down() -> Iterator[None]:
    """Until the block ends, this thread's default database connection is one that cannot
    connect (PostgreSQL at a closed port, SQLite in a folder that does not exist), so a request
    made in the block meets a real connection failure. The test's own connection, and the
    transaction it holds, are put aside and given back untouched."""
    kept = connections["default"]
    settings = dict(kept.settings_dict)
    if kept.vendor == "postgresql":
        settings.update(HOST="127.0.0.1", PORT=str(CLOSED_PORT))
    else:
        settings["NAME"] = UNOPENABLE_SQLITE
    connections["default"] = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, "default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = kept


def publish_to_a_broker_that_is_down(request: HttpRequest) -> HttpResponse:
    with Connection(UNREACHABLE_BROKER, connect_timeout=1) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
    return HttpResponse("sent")


def fail_with_a_bug(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, not an outage")


# ROOT_URLCONF of the tests that need these views; the project's handlers with them.
urlpatterns = [
    path("api/v1/test-failures/broker/", publish_to_a_broker_that_is_down),
    path("api/v1/test-failures/bug/", fail_with_a_bug),
    path("report/test-failures/broker/", publish_to_a_broker_that_is_down),
    *project_urlpatterns,
]
__all__ = ["handler404", "handler500", "urlpatterns"]
