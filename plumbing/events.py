"""Domain events: how a lower app tells the apps above it that something happened, without
importing them.

`intake` and `cases` publish what they did (a report filed, a case moved between statuses);
`reports`, on top, subscribes in its `ready()` and keeps its derived data (the statistics
tallies) current. Handlers run in the publisher's transaction, so what they write commits or
rolls back with the change itself; this is not the outbox (plumbing/outbox), which is for work
after the commit.

Inside a `batched()` block, events are gathered and every handler receives the whole batch once,
when the block ends, still inside the transaction; this is how intake writes all its tally
moves in one statement, the last of its transaction (reports/tallies.py). Outside a block each
event is delivered at once, in a batch of one.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection
from django.db.transaction import TransactionManagementError


class Event:
    """Base of every domain event (each a frozen dataclass of plain values)."""


Handler = Callable[[Sequence[Event]], None]

_handlers: list[Handler] = []
_batch: ContextVar[list[Event] | None] = ContextVar("domain_events", default=None)


def subscribe(handler: Handler) -> None:
    """Call `handler` with every batch of events published from now on (once per handler)."""
    if handler not in _handlers:
        _handlers.append(handler)


def publish(event: Event) -> None:
    batch = _batch.get()
    if batch is not None:
        batch.append(event)
    else:
        _deliver([event])


@contextmanager
def batched() -> Iterator[None]:
    """Gather the events published in the block and deliver them together when it ends.

    Use it inside the write's transaction, around everything the transaction does
    (`with transaction.atomic(), events.batched():`). If the block raises, nothing is
    delivered: its transaction is rolled back too. A savepoint rolled back inside the block
    while the block carries on does not take back the events published in it, so nothing may
    be published inside a savepoint the write survives. A block inside another adds to the
    outer one's batch.
    """
    if _batch.get() is not None:
        yield
        return
    batch: list[Event] = []
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    if batch:
        if not connection.in_atomic_block:
            raise TransactionManagementError(
                "events.batched() must end inside the transaction of the write it describes."
            )
        _deliver(batch)


def _deliver(events: Sequence[Event]) -> None:
    for handler in _handlers:
        handler(events)
