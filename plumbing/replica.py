"""Reads that tolerate a few seconds of lag go to a PostgreSQL read replica, when there is one.

With `DATABASE_REPLICA_URL` set, the settings add a `replica` database and this router. Code
that may read slightly old data says so with `lag_tolerant()`: the statistics, the queue's
counts per status, the statistics exports. Everything else reads the primary, and so does a
lag-tolerant read made inside a transaction on the primary (it must see that transaction's
own writes). Writes and migrations always go to the primary; the replica is a streaming copy
of it, never migrated on its own. Without a replica the router is not installed and
`lag_tolerant()` changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections

REPLICA = "replica"

_tolerant: ContextVar[bool] = ContextVar("lag_tolerant", default=False)


@contextmanager
def lag_tolerant() -> Iterator[None]:
    """Reads in this block may come from the replica, a few seconds behind the primary."""
    token = _tolerant.set(True)
    try:
        yield
    finally:
        _tolerant.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not _tolerant.get() or REPLICA not in settings.DATABASES:
            return None
        if connections["default"].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA
