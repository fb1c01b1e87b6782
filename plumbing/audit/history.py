"""Chained history: simple-history's models with `chain_seq` and `chain_hash` on every row.

`ChainedHistoricalRecords` is used in place of `HistoricalRecords` on every tracked model. Its
history models derive from `ChainedHistory`, which hashes a row when it is saved (simple-history's
`create_historical_record`) or bulk-created (`bulk_history_create`, and the bulk paths that build
history rows themselves, such as cases/synthetic.py), and a unique (object, seq) constraint, so two
writers that read the same chain head cannot both add the next row: the second INSERT fails
instead of forking the chain (the services lock the object's case first, so it does not happen in
their paths).
"""

from typing import Any

from django.db import models
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords

from plumbing.audit.chain import chain_rows


class ChainedHistoryQuerySet(models.QuerySet[Any]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        rows = list(objs)
        chain_rows(self.model, [row for row in rows if not row.chain_hash], using=self.db)
        return super().bulk_create(rows, *args, **kwargs)


class ChainedHistory(models.Model):
    """The abstract base of every history model: the row's place in its object's chain."""

    chain_seq = models.PositiveIntegerField(default=0, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = ChainedHistoryQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.chain_hash:
            chain_rows(type(self), [self], using=kwargs.get("using"))
        super().save(*args, **kwargs)


class _HistoryDescriptor(HistoryDescriptor):
    """`Model.history`, with its manager class made once.

    simple-history's descriptor builds a new manager class (`Manager.from_queryset`, which walks
    the queryset class with `inspect`) on every access, and simple-history reaches it for every
    row it saves with history: a few hundred microseconds of every write, all to build the same
    class again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._manager = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance: Any, owner: Any) -> Any:
        return self._manager(self.model, instance)


class ChainedHistoricalRecords(HistoricalRecords):
    """`HistoricalRecords` whose rows are chained (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("bases", [ChainedHistory])
        super().__init__(*args, **kwargs)

    def finalize(self, sender: Any, **kwargs: Any) -> None:
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor and descriptor.model.instance_type is sender:
            setattr(
                sender,
                self.manager_name,
                _HistoryDescriptor(
                    descriptor.model,
                    manager=descriptor.manager_class,
                    queryset=descriptor.queryset_class,
                ),
            )

    def get_meta_options(self, model: Any) -> dict[str, Any]:
        options: dict[str, Any] = super().get_meta_options(model)
        meta = model._meta
        options["constraints"] = [
            models.UniqueConstraint(
                fields=[meta.pk.attname, "chain_seq"],
                name=f"{meta.app_label}_hist_{meta.model_name}_chain"[:60],
            )
        ]
        return options
