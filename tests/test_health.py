"""/healthz says the process answers and touches nothing else; /readyz says whether the
database, the broker and storage can be reached, each within a short timeout, and names nothing
but the checks. Both answer any probe: no session, CSRF, host check, rate limit or redirect."""

import os
import socket

import pytest
import redis
from django.db import connections
from django.test import Client

from config.celery import app as celery_app
from tests.conftest import need_service
from tests.outages import UNOPENABLE_SQLITE, UNREACHABLE_BROKER

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_at():
    """Points Celery's configuration at a broker (tasks no longer eager) for one test."""
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager

    def point(url: str) -> None:
        celery_app.conf.broker_url = url
        celery_app.conf.task_always_eager = False

    yield point
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved


def test_healthz_answers_ok_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_health_endpoints_answer_any_probe_with_no_redirect_session_or_host_check(settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production
    client = Client(HTTP_HOST="10.1.2.3:8000")  # a probe by address, not in ALLOWED_HOSTS
    client.cookies["sessionid"] = "an-expired-session"
    for path in ("/healthz", "/healthz/", "/readyz", "/readyz/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert "Set-Cookie" not in response.headers and not response.cookies, path
        assert client.head(path).status_code == 200


def test_health_endpoints_take_only_get_and_head():
    response = Client().post("/readyz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["code"] == "method_not_allowed"


def test_readyz_is_ready_with_the_database_up_and_tasks_run_in_process():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "not configured", "storage": "ok"},
    }


def test_readyz_is_unavailable_when_the_broker_cannot_be_reached(broker_at):
    broker_at(UNREACHABLE_BROKER)
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unavailable", "storage": "ok"},
    }
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_reaches_a_real_broker(broker_at):
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        available = bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        available = False
    need_service("Redis", available, "start redis-server or set REDIS_URL")
    broker_at(url)
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_readyz_is_unavailable_when_the_database_cannot_be_reached():
    # The check opens a connection of its own; the test's stays as it is.
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    else:
        connection.settings_dict["NAME"] = UNOPENABLE_SQLITE
    try:
        response = Client().get("/readyz")
    finally:
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
    assert "nonexistent" not in response.content.decode()


def test_readyz_is_unavailable_when_storage_cannot_be_written(settings, tmp_path):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = str(blocker / "media")
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"


def test_readyz_gives_up_on_a_broker_that_never_answers(broker_at, settings):
    settings.READINESS_CHECK_TIMEOUT = 0.5
    # A socket that accepts connections (the kernel completes them) and never says anything.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        broker_at(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"
