"""Chained append-only records (the access log): each row chained to the newest row of its
`chain_key` (a case, an account).

Writers of one chain at once are rare (two people opening one case in the same instant) and are
told apart by a unique (chain_key, seq) constraint: the second INSERT fails, reads the new head
and tries again, so the chain never forks. Inside a transaction on PostgreSQL the INSERT runs in
a savepoint, so a failed attempt leaves the transaction usable (SQLite undoes only the failed
statement, and outside a transaction there is nothing to keep).
"""

from typing import Any

from django.db import IntegrityError, models, router, transaction

from plumbing.audit.chain import chain_rows

_ATTEMPTS = 8


class ChainedRecord(models.Model):
    """The chain columns of an append-only record; the model says which chain a row joins
    (`chain_key_for`)."""

    chain_key = models.CharField(max_length=200, editable=False)
    chain_seq = models.PositiveIntegerField(default=0, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    def chain_key_for(self) -> str:
        raise NotImplementedError

    def insert_chained(self, save: Any, *args: Any, **kwargs: Any) -> None:
        """Insert the row with `save` (the model's own save) as the next of its chain."""
        self.chain_key = self.chain_key_for()[:200]
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        for attempt in range(_ATTEMPTS):
            chain_rows(type(self), [self], using=using)
            try:
                connection = transaction.get_connection(using)
                if connection.in_atomic_block and connection.vendor == "postgresql":
                    with transaction.atomic(using=using):
                        save(*args, **kwargs)
                else:
                    save(*args, **kwargs)
                return
            except IntegrityError:
                # Another writer took this seq: read the new head and try again.
                if attempt == _ATTEMPTS - 1:
                    raise
                self.pk = None
