"""Data migrations that seal what rows held in plain form before their fields were sealed.

Used by the migrations that introduced sealed fields (intake 0012, cases 0017). They work on the
migration's historical models and on column values (`values_list`, `update`), never through the
sealed fields' attributes, and seal with the live model's context, so history rows and live
rows open alike.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery

from plumbing.keys import store
from plumbing.keys.sealing import is_sealed, seal, unseal

_BATCH = 1000


def give_keys(model: Any) -> None:
    """A data key of its own for every row of `model` that has none (reports, cases)."""
    while True:
        ids = list(
            model.objects.filter(data_key__isnull=True).order_by("pk").values_list("pk", flat=True)[
                :_BATCH
            ]
        )
        if not ids:
            return
        for pk, key in zip(ids, store.create_keys(len(ids)), strict=True):
            model.objects.filter(pk=pk).update(data_key=key)


def copy_keys(model: Any, parent: Any, column: str) -> None:
    """Copy into each row of `model` without a key the key of its `parent` row (`column` holds
    the parent's id)."""
    key = Subquery(parent.objects.filter(pk=OuterRef(column)).values("data_key")[:1])
    model.objects.filter(data_key__isnull=True).update(data_key=key)


def seal_columns(
    model: Any, live_label: str, fields: Sequence[str], *, decimals: Iterable[str] = ()
) -> None:
    """Seal every plain value of `fields` in `model`'s rows with the row's key, bound to
    `live_label` ("app.model") as sealed fields bind them."""
    _rewrite(model, live_label, fields, set(decimals), opening=False)


def open_columns(
    model: Any, live_label: str, fields: Sequence[str], *, decimals: Iterable[str] = ()
) -> None:
    """The reverse of seal_columns."""
    _rewrite(model, live_label, fields, set(decimals), opening=True)


def _rewrite(
    model: Any, live_label: str, fields: Sequence[str], decimals: set[str], *, opening: bool
) -> None:
    contexts = {name: f"{live_label}.{name}".encode() for name in fields}
    last = None
    while True:
        rows = model.objects.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.values_list("pk", "data_key", *fields)[:_BATCH])
        if not batch:
            return
        for pk, key, *values in batch:
            changes: dict[str, str] = {}
            for name, value in zip(fields, values, strict=True):
                text = "" if value is None else str(value)
                if text == "" or key is None:
                    continue
                if opening and is_sealed(text):
                    changes[name] = unseal(key, text, context=contexts[name])
                elif not opening and not is_sealed(text):
                    if name in decimals:
                        text = f"{Decimal(text).quantize(Decimal('0.000001')):f}"
                    changes[name] = seal(key, text, context=contexts[name])
            if changes:
                model.objects.filter(pk=pk).update(**changes)
        last = batch[-1][0]
