"""Intake through outages, against real services: a Redis of the test's own is stopped while
people file through the form and the API, and started again; a worker then delivers each
acknowledgement once. And one draft sent twice at the same instant is one report.

The Redis here is started by the test on a free port, never the shared one; the worker is a real
`celery -A config worker` over it (tests/reports/conftest.py).
"""

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from config.celery import app as celery_app
from intake import drafts, ratelimit
from intake.models import Report
from plumbing.outbox.models import OutboxMessage
from plumbing.outbox.services import relay_pending
from tests.conftest import need_service
from tests.intake.test_api import REPORTS, full_report
from tests.intake.test_contact_rule import contact_answers
from tests.intake.test_web_form import receipt_values, url, walk_to_review
from tests.reports.conftest import Worker, _database_url, point_celery_at

WAIT = 30


class RedisServer:
    """A redis-server of this test's own, on a free port, keeping nothing on disk."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        pytest.fail("The test's redis-server did not start.")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path, settings, monkeypatch):
    """A Redis the test may stop, holding this process's cache and broker."""
    # The limiter warns once a minute per process; each test here is a fresh outage.
    monkeypatch.setattr(ratelimit, "_last_warning", 0.0)
    need_service(
        "redis-server", shutil.which("redis-server") is not None, "install Redis (redis-server)"
    )
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    point_celery_at(server.url)
    celery_app.conf.task_always_eager = False
    yield server
    server.stop()
    point_celery_at(saved[0])
    celery_app.conf.task_always_eager = saved[1]


def mailing_worker(redis_server: RedisServer, mail: Path, log: Path) -> Worker:
    """A real worker over `redis_server` that writes each e-mail it sends to a file in `mail`."""
    return Worker(
        redis_url=redis_server.url,
        database_url=_database_url(),
        log=log,
        env={
            "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "TEST_EMAIL_FILE_PATH": str(mail),
        },
    ).start()


def _wait_until(check, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {WAIT} s.\nworker log:\n{worker.tail()}")


def test_people_file_and_get_receipts_while_redis_is_down_and_are_acknowledged_once_it_is_back(
    private_redis, transactional_db, django_db_serialized_rollback, settings, tmp_path, caplog
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INTAKE_SUBMISSION_RATE = "1000/hour"
    private_redis.stop()

    form = Client()
    walk_to_review(form, contact_answers(consent=True, safe=True))
    response = form.post(url("review"), {"draft": drafts.opened_draft(form.session)["id"]})
    assert response.status_code == 200
    code, secret = receipt_values(response)
    api = APIClient().post(REPORTS, full_report(), format="json")
    assert api.status_code == 201, api.content
    status = Client().post(
        "/report/status/", {"tracking_code": code, "secret": secret}, follow=True
    )
    assert status.status_code == 200
    assert 'id="status-value"' in status.content.decode()

    reports = list(Report.objects.filter(tracking_code__in=[code, api.json()["tracking_code"]]))
    assert len(reports) == 2
    assert [r.acknowledged_at for r in reports] == [None, None]
    pending = list(OutboxMessage.objects.filter(published_at__isnull=True))
    assert sorted(m.args[0] for m in pending) == sorted(r.pk for r in reports)
    assert "rate limits are counted per process" in caplog.text
    assert relay_pending() == 0  # the broker is still down: the messages wait

    private_redis.start()
    mail = tmp_path / "mail"
    worker = mailing_worker(private_redis, mail, tmp_path / "worker.log")
    try:
        OutboxMessage.objects.update(available_at=timezone.now())  # due now, not after backoff
        assert relay_pending() == 2  # what beat's relay does once the broker is back
        _wait_until(
            lambda: Report.objects.filter(
                pk__in=[r.pk for r in reports], acknowledged_at__isnull=False
            ).count() == 2,
            "Both acknowledgements",
            worker,
        )
        # Delivered again (an at-least-once relay may): still one message per report.
        for report in reports:
            celery_app.tasks["intake.tasks.send_acknowledgement"].delay(report.pk)
        _wait_until(
            lambda: worker.log.read_text().count("succeeded") >= 4, "Both redeliveries", worker
        )
    finally:
        worker.stop()
    sent = sorted(path.read_text() for path in mail.iterdir())
    assert len(sent) == 2
    assert any(code in text for text in sent)
    assert not any(secret in text for text in sent)


def test_one_draft_sent_twice_at_the_same_instant_is_one_report_with_one_receipt(
    postgres, transactional_db, django_db_serialized_rollback, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INTAKE_SUBMISSION_RATE = "1000/hour"
    browser = Client()
    walk_to_review(browser, contact_answers(consent=False, safe=False))
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    draft = drafts.opened_draft(browser.session)["id"]
    start = threading.Barrier(2)
    answers: list = [None, None]

    def send(index: int) -> None:
        tab = Client()
        tab.cookies[settings.SESSION_COOKIE_NAME] = cookie
        try:
            start.wait()
            answers[index] = tab.post(url("review"), {"draft": draft})
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200, 200]
    receipts = {receipt_values(answer) for answer in answers}
    assert len(receipts) == 1
    assert Report.objects.count() == 1
    assert Report.objects.get().tracking_code == receipts.pop()[0]
