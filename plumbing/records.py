"""Records: tables whose rows say what happened, so they are added and never changed.

A model that is a record derives from `Record`. Its rows are written with one INSERT; saving
a row again, deleting it, and updating or deleting through a queryset all raise `ValueError`
with the model's own sentence. Rows leave only through `expire()` on a queryset, which the
model's retention schedule calls (the access log's) and nothing else; a record without a
schedule keeps every row.
"""

from typing import Any, ClassVar

from django.db import models


class RecordQuerySet(models.QuerySet["Record"]):
    """Refuses bulk changes and deletes; only `expire()` removes rows."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError(self.model.update_refusal)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError(self.model.delete_refusal)

    def expire(self) -> int:
        """Delete the rows of this queryset; for a retention schedule only."""
        deleted, _ = models.QuerySet.delete(self)
        return deleted


class Record(models.Model):
    """An abstract model for an append-only table. Each model words its refusals."""

    edit_refusal: ClassVar[str] = "This is a record: add a new row instead of editing one."
    update_refusal: ClassVar[str] = "This is a record: its rows are never changed."
    delete_refusal: ClassVar[str] = "This is a record and its rows are never deleted."

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(self.edit_refusal)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(self.delete_refusal)
