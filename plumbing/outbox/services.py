"""Publishing Celery tasks that must follow a commit, through a table written in the same
transaction (the transactional outbox).

Handing a task to the broker inside a transaction can publish work for a change that is then
rolled back; handing it over after the commit loses it when the broker is down at that moment.
`publish` does neither: it writes an `OutboxMessage` beside the change, so the message exists
exactly when the change does, and after the commit tries once to hand it to the broker. A broker
that refuses is logged and the message stays pending; `relay_pending` (Celery beat, every
`OUTBOX_RELAY_INTERVAL` seconds) hands over whatever is pending, oldest first, once the broker
is back. A down broker therefore delays work and never loses it, and never fails the request
that made the change: the person still gets their receipt.

In a web request the hand-over waits until the response has been sent
(`HandOverAfterResponse`): the person gets their receipt without waiting for the broker, and
the process hands the message over before it takes the next request.

Delivery is at least once: a relay that publishes and then cannot record it (its database
connection dropped at that instant) publishes again later. Every task published this way must
therefore tolerate running twice; the acknowledgement e-mail, for one, records that it was sent.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from enum import Enum
from functools import partial
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import Task, current_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from plumbing.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

# What handing a message to an unreachable or refusing broker raises.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)
# After a refused publish the message waits this long times 2**attempts, up to the maximum.
_BACKOFF = timedelta(seconds=5)
_BACKOFF_MAX = timedelta(minutes=5)
_BATCH = 100
_IMPORTING = threading.Lock()
# Messages committed while a response is being prepared (`held_for_the_response`), and those
# waiting for it to have been sent (`relay_held`). Outside a request (a task, a command) each
# message is handed over at its commit.
_collecting: ContextVar[list[int] | None] = ContextVar("outbox_collecting", default=None)
_awaiting_response: ContextVar[tuple[int, ...]] = ContextVar("outbox_awaiting", default=())


def publish(task: Task | str, *args: Any, **kwargs: Any) -> OutboxMessage:
    """Write a call of `task` to the outbox, in the caller's transaction, and hand it to the
    broker once that transaction commits (or later, by the relay, if the broker is down).

    Arguments must be JSON (ids, not objects or personal data). Outside a transaction the
    message is written at once and published at once.
    """
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(task=name, args=list(args), kwargs=dict(kwargs))
    transaction.on_commit(partial(_relay_now_or_after_response, message.pk))
    return message


@contextmanager
def held_for_the_response() -> Iterator[None]:
    """Messages committed inside are not handed over at their commit: on leaving, they wait
    for `relay_held`, once the response has been sent."""
    held: list[int] = []
    token = _collecting.set(held)
    try:
        yield
    finally:
        _collecting.reset(token)
        if held:
            _awaiting_response.set(_awaiting_response.get() + tuple(held))


def relay_held(**kwargs: Any) -> None:
    """Hand over the messages held for the response that has just been sent. A receiver of
    `request_finished`, which Django sends once the server has written the response. A process
    that dies before this leaves them pending, for `relay_pending`."""
    held = _awaiting_response.get()
    if held:
        _awaiting_response.set(())
        for message_id in held:
            relay_message(message_id)


def _relay_now_or_after_response(message_id: int) -> None:
    collecting = _collecting.get()
    if collecting is None:
        relay_message(message_id)
    else:
        collecting.append(message_id)


def relay_message(message_id: int) -> bool:
    """Hand one pending message to the broker now. False when it was not (already published,
    being published by the relay, or refused: it stays pending)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            _commit_without_waiting_for_disk()
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, published_at__isnull=True)
            .first()
        )
        return message is not None and _hand_over(message) is Outcome.PUBLISHED


def relay_pending(*, limit: int = 10_000) -> int:
    """Hand pending messages to the broker, oldest first, until none is due or the broker
    refuses one. Returns how many were published.

    Rows are taken with SKIP LOCKED, so several relays (beat's, and a commit's own attempt)
    never publish the same message at once and never wait for each other.
    """
    published = 0
    while published < limit:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(published_at__isnull=True, available_at__lte=timezone.now())
                .order_by("available_at", "pk")[:_BATCH]
            )
            for message in batch:
                outcome = _hand_over(message)
                if outcome is Outcome.REFUSED:
                    # The broker is down: the rest would be refused too.
                    return published
                published += outcome is Outcome.PUBLISHED
        if len(batch) < _BATCH:
            break
    return published


def purge_published(*, older_than: timedelta | None = None) -> int:
    """Delete messages published longer ago than OUTBOX_KEEP_PUBLISHED_DAYS (beat, daily)."""
    age = older_than or timedelta(days=settings.OUTBOX_KEEP_PUBLISHED_DAYS)
    deleted, _ = OutboxMessage.objects.filter(published_at__lt=timezone.now() - age).delete()
    return deleted


def pending_count() -> int:
    return OutboxMessage.objects.filter(published_at__isnull=True).count()


def _commit_without_waiting_for_disk() -> None:
    """Let this transaction's COMMIT return before its record reaches the disk (PostgreSQL).

    What it records (published, or deferred) may be lost only if the database server crashes
    in the next moment; the message then reads as pending again and the relay publishes it once
    more, which every task published here tolerates (at least once, above). Run after a
    request's commit, that wait would be the request's second disk flush, for nothing. Only for
    a transaction of the relay's own: never for a caller's, whose change must be durable."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class Outcome(Enum):
    PUBLISHED = "published"
    REFUSED = "refused"  # by the broker: it is down, and so for every message
    FAILED = "failed"  # by this message alone (its task is unknown, its arguments unusable)


def _hand_over(message: OutboxMessage) -> Outcome:
    """Publish a locked message and record the outcome on its row.

    Neither outcome but success escapes: the hand-over after a commit runs in the request that
    made the change, whose person must get their answer, and one message that cannot be
    published must not stop the relay for the others. (Run in-process, on the embedded default,
    publishing is running the task, and its errors are its own: they go on up.)
    """
    message.attempts += 1
    try:
        _task(message.task).apply_async(args=message.args, kwargs=message.kwargs)
    except BROKER_ERRORS as error:
        _defer(message, error)
        logger.warning(
            "Outbox message %s (%s) could not be published (%s); it stays pending.",
            message.pk,
            message.task,
            type(error).__name__,
        )
        return Outcome.REFUSED
    except Exception as error:
        if current_app.conf.task_always_eager:
            raise
        _defer(message, error)
        logger.error(
            "Outbox message %s (%s) failed to publish (%s); it stays pending.",
            message.pk,
            message.task,
            type(error).__name__,
        )
        return Outcome.FAILED
    message.published_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["attempts", "published_at", "last_error"])
    return Outcome.PUBLISHED


def _defer(message: OutboxMessage, error: BaseException) -> None:
    delay = min(_BACKOFF * 2 ** min(message.attempts - 1, 16), _BACKOFF_MAX)
    message.available_at = timezone.now() + delay
    message.last_error = type(error).__name__
    message.save(update_fields=["attempts", "available_at", "last_error"])


def _task(name: str) -> Task:
    """The registered task called `name`. A web process imports a task module only when some
    code of its own does; the first time a name is missing, every app's `tasks` module is
    imported, as a worker does when it starts. One thread at a time: Celery's autodiscovery
    returns at once, importing nothing, to a thread that calls it while another is inside it."""
    if name not in current_app.tasks:
        with _IMPORTING:
            if name not in current_app.tasks:
                current_app.loader.import_default_modules()
    return current_app.tasks[name]
