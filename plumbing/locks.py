"""The locks that writers in different requests take in turn, and the order they take them in.

A deadlock is two transactions that take the same locks in different orders, each then waiting
for one the other holds. PostgreSQL ends one of them after `deadlock_timeout`, and the person
behind it sees an error for a change nobody refused. An order cannot be seen one module at a
time, so every such lock is here, with why it exists, and is taken in this order:

1. Rows: a transaction that changes several rows others may also change (the cases of a merge
   or of a bulk action, a case and the cases merged into it) locks all of them first, in one
   statement, in id order (`lock_in_id_order`).
2. Advisory locks, in the order their keys are listed below, each held to the transaction's
   end. A write takes the tallies' turn last of all.

So a transaction holding an advisory lock never waits for a row lock held by a transaction
that waits for that advisory lock: everyone's row locks come before it.

Advisory locks are PostgreSQL's. SQLite, the embedded default, lets one writer in at a time
anyway, and there `take_advisory_lock` does nothing.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.db import connections, models
from django.db.models import QuerySet

_Row = TypeVar("_Row", bound=models.Model)

# --- Advisory-lock keys ------------------------------------------------------------------------
# PostgreSQL keeps two key spaces that never meet: one 64-bit number, or two 32-bit numbers. A
# key is any constant no other lock of the project uses; each spells a name in ASCII.

# The sequence of a year's case references (cases/references.py), with the year as the second
# number: the first cases of a new year take turns making it, so that two do not both make it
# and none starts it below a number the year already used. Taken by `open_case`, before the
# write's tallies.
REFERENCE_LOCK = 0x5244_4353  # "RDCS"

# The statistics tallies (reports/tallies.py): writers that move them take turns from their
# tally write to their commit. A transaction may move the same tally rows more than once (a
# merge moves each duplicate, then the survivor's priority), and two such transactions could
# each hold a tally row the other wants next; taking turns rules that out. Intake writes its
# tallies as its transaction's last statement, so it holds the turn only from there to commit.
TALLY_LOCK = 0x5244_5441_4C4C  # "RDTALL"


def take_advisory_lock(key: int, second_key: int | None = None, *, using: str = "default") -> None:
    """Take the transaction-level advisory lock `key` (or `key`, `second_key`, in the two-number
    key space), waiting for whoever holds it. It is held until the caller's transaction ends, so
    take it inside one (outside, it ends with the statement and protects nothing). Taking it
    again in the same transaction is free. Does nothing on SQLite."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if second_key is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [key, second_key])


def lock_in_id_order(rows: QuerySet[_Row], *, ids: Iterable[int] | None = None) -> list[_Row]:
    """Lock every row of `rows` (narrowed to `ids` when given) with one `SELECT ... ORDER BY id
    FOR UPDATE`, and return them in id order. Inside the caller's transaction: the locks are held
    to its end. Select only the columns needed (`.only("pk")`) when the rows are only locked.

    Why one statement, in id order: two transactions that lock several of the same rows one at a
    time, each in the order it came to them (ticked boxes, references typed), can each hold a row
    the other waits for. PostgreSQL locks the rows of one statement in the order it returns them,
    so transactions locking through here take the rows they share in the same order, and one
    that waits holds none the other still needs. With its rows locked first, a transaction then
    takes the advisory locks above without holding a row that someone waiting for them needs;
    the services that change each row lock it again, which waits for nothing.
    """
    if ids is not None:
        rows = rows.filter(pk__in=sorted(set(ids)))
    return list(rows.select_for_update().order_by("pk"))
