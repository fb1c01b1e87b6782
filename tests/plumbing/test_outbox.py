"""The outbox: a message exists exactly when the change it follows was committed, waits while
the broker refuses it, and is handed over by the relay, oldest first, once."""

import io
import os
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import kombu.exceptions
import pytest
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections, connection, transaction
from django.http import HttpResponse
from django.utils import timezone

from config.celery import app
from intake.tasks import purge_pending_uploads
from plumbing.outbox.middleware import HandOverAfterResponse
from plumbing.outbox.models import OutboxMessage
from plumbing.outbox.services import (
    pending_count,
    publish,
    purge_published,
    relay_message,
    relay_pending,
)

# Transactional, so that `publish` sees real commits; serialized rollback puts back the rows
# the migrations made, which the flush at the end of each test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TASK = purge_pending_uploads  # any registered task that takes no personal data
DOWN = kombu.exceptions.OperationalError("connection refused")


def test_a_message_is_published_once_its_transaction_commits():
    with mock.patch.object(TASK, "apply_async") as apply_async, transaction.atomic():
        publish(TASK, 7, reason="x")
        assert not apply_async.called
    apply_async.assert_called_once_with(args=[7], kwargs={"reason": "x"})
    assert OutboxMessage.objects.get().published_at is not None


def test_a_message_a_request_commits_goes_to_the_broker_after_its_response_is_sent(rf):
    """The person's receipt does not wait for the broker: the request's commit holds the
    message, and the server's closing of the response (request_finished) hands it over."""
    seen_in_view: list[bool] = []

    def view(request):
        with transaction.atomic():
            publish(TASK, 7)
        seen_in_view.append(apply_async.called)
        return HttpResponse("receipt")

    with mock.patch.object(TASK, "apply_async") as apply_async:
        response = HandOverAfterResponse(view)(rf.post("/report/"))
        assert seen_in_view == [False]
        assert not apply_async.called
        assert OutboxMessage.objects.get().published_at is None
        # As the test client does: the test's connection stays open.
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
    apply_async.assert_called_once_with(args=[7], kwargs={})
    assert OutboxMessage.objects.get().published_at is not None
    # The next message, outside a request, is handed over at its commit again.
    with mock.patch.object(TASK, "apply_async") as apply_async:
        publish(TASK, 8)
    apply_async.assert_called_once_with(args=[8], kwargs={})


def test_the_hand_over_after_the_response_uses_the_requests_open_connection(rf, settings):
    """Django closes a request's connection on request_finished (CONN_MAX_AGE 0); the
    hand-over runs before that, rather than opening a new connection for each message."""
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    requests_connection: list[object] = []
    open_at_hand_over: list[bool] = []

    def view(request):
        publish(TASK, 7)
        requests_connection.append(connection.connection)
        return HttpResponse("receipt")

    def broker(*, args, kwargs):
        open_at_hand_over.append(connection.connection is requests_connection[0])

    with mock.patch.object(TASK, "apply_async", side_effect=broker):
        connection.close_at = 0  # as a request's connection with CONN_MAX_AGE 0 is
        HandOverAfterResponse(view)(rf.post("/report/")).close()
    assert open_at_hand_over == [True]
    assert connection.connection is None  # and Django closed it afterwards


def test_the_hand_over_after_a_commit_does_not_wait_for_the_disk(postgres):
    """The commit that records a message as published returns before its record is flushed
    (losing it in a crash only means one more delivery); the change's own commit still
    waits."""
    settings_seen: list[str] = []

    def broker(*, args, kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            settings_seen.append(cursor.fetchone()[0])

    with mock.patch.object(TASK, "apply_async", side_effect=broker), transaction.atomic():
        publish(TASK, 7)
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    assert settings_seen == ["off"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_a_hand_over_inside_a_callers_transaction_leaves_its_commit_durable(postgres):
    with mock.patch.object(TASK, "apply_async", side_effect=DOWN):
        message = publish(TASK, 7)
    with mock.patch.object(TASK, "apply_async"), transaction.atomic():
        assert relay_message(message.pk)
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"


def test_a_rolled_back_change_leaves_no_message():
    with (
        mock.patch.object(TASK, "apply_async") as apply_async,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish(TASK, 7)
        raise RuntimeError
    assert not apply_async.called
    assert OutboxMessage.objects.count() == 0


def test_a_refused_message_waits_with_a_backoff_and_is_relayed_later():
    with mock.patch.object(TASK, "apply_async", side_effect=DOWN):
        publish(TASK, 1)
    message = OutboxMessage.objects.get()
    assert message.published_at is None
    assert (message.attempts, message.last_error) == (1, "OperationalError")
    assert message.available_at > timezone.now()
    with mock.patch.object(TASK, "apply_async") as apply_async:
        assert relay_pending() == 0  # not due yet
        OutboxMessage.objects.update(available_at=timezone.now())
        assert relay_pending() == 1
        assert relay_pending() == 0
    apply_async.assert_called_once_with(args=[1], kwargs={})
    assert pending_count() == 0


def test_the_relay_hands_over_oldest_first_and_stops_when_the_broker_refuses():
    with mock.patch.object(TASK, "apply_async", side_effect=DOWN):
        for number in range(3):
            publish(TASK, number)
    OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=1))
    published: list[int] = []

    def broker(*, args, kwargs):
        if len(published) == 2:
            raise DOWN
        published.append(args[0])

    with mock.patch.object(TASK, "apply_async", side_effect=broker):
        assert relay_pending() == 2
    assert published == [0, 1]
    assert pending_count() == 1


def test_published_messages_are_purged_after_a_week():
    with mock.patch.object(TASK, "apply_async"):
        publish(TASK, 1)
    OutboxMessage.objects.update(published_at=timezone.now() - timedelta(days=8))
    with mock.patch.object(TASK, "apply_async", side_effect=DOWN):
        publish(TASK, 2)
    assert purge_published() == 1
    assert list(OutboxMessage.objects.values_list("args", flat=True)) == [[2]]


def test_the_outbox_command_shows_what_waits_and_relays_it():
    with mock.patch.object(TASK, "apply_async", side_effect=DOWN):
        publish(TASK, 1)
    out = io.StringIO()
    call_command("outbox", stdout=out)
    assert f"1 waiting for {TASK.name}" in out.getvalue()
    assert "OperationalError" in out.getvalue()
    OutboxMessage.objects.update(available_at=timezone.now())
    out = io.StringIO()
    with mock.patch.object(TASK, "apply_async"):
        call_command("outbox", "--relay", stdout=out)
    assert "Published 1 message(s)." in out.getvalue()
    assert "Nothing is waiting." in out.getvalue()


def test_a_task_whose_module_no_code_imported_yet_is_found_by_threads_asking_at_once():
    script = (
        "import django; django.setup()\n"
        "from plumbing.outbox.services import _task\n"
        "import sys\n"
        "assert 'intake.tasks' not in sys.modules\n"
        "import threading\n"
        "found, start = [], threading.Barrier(8)\n"
        "def find():\n"
        "    start.wait()\n"
        "    found.append(_task('intake.tasks.send_acknowledgement').name)\n"
        "threads = [threading.Thread(target=find) for _ in range(8)]\n"
        "[thread.start() for thread in threads]\n"
        "[thread.join() for thread in threads]\n"
        "assert len(found) == 8, found\n"
        "print(found[0])\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("intake.tasks.send_acknowledgement")


def test_a_message_that_cannot_be_published_is_set_aside_without_stopping_the_others():
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False  # as with a broker: publishing is not running the task
    try:
        with mock.patch.object(TASK, "apply_async", side_effect=DOWN):
            publish("no.such.task", 1)  # its hand-over after the commit raises nothing
            publish(TASK, 2)
        OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=1))
        with mock.patch.object(TASK, "apply_async") as apply_async:
            assert relay_pending() == 1
    finally:
        app.conf.task_always_eager = saved
    apply_async.assert_called_once_with(args=[2], kwargs={})
    unknown = OutboxMessage.objects.get(task="no.such.task")
    assert (unknown.published_at, unknown.last_error) == (None, "NotRegistered")
    assert unknown.available_at > timezone.now()
