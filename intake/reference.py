"""The reference tables a report names rows of (encounter kinds, agencies, perceived bases), kept
in each process's memory.

Every report checks its codes against them twice (the API's serializer, then `submit_report`)
and links its encounter to their rows: four queries of every submission, for tables of a few
dozen rows that change a few times a year, in the admin. So each table is read whole and kept
for `MAX_AGE` seconds. A change saved in the admin applies at once in the process that saved it
(the tables' signals drop the copy, and drop it again after the commit) and within `MAX_AGE`
seconds in every other process; until then another process still accepts a code just retired,
and still refuses one just added. A change made without signals (`QuerySet.update()`, a data
migration) is seen everywhere within `MAX_AGE` seconds.
"""

import time
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from intake.models import Agency, EncounterKind, PerceivedBasis

MAX_AGE = 60.0  # seconds

_tables: dict[type[models.Model], tuple[float, dict[str, Any]]] = {}


def rows_by_code(model: type[models.Model]) -> Mapping[str, Any]:
    """Every row of `model` (retired ones too), by code, in the model's order. Shared by every
    request of the process: read them, never change them."""
    kept = _tables.get(model)
    now = time.monotonic()
    if kept is None or kept[0] <= now:
        rows: list[Any] = list(model._default_manager.all())
        kept = (now + MAX_AGE, {row.code: row for row in rows})
        _tables[model] = kept
    return kept[1]


def accepted_codes(model: type[models.Model]) -> list[str]:
    """The codes the public may use: the active rows' (perceived bases are never retired)."""
    return [code for code, row in rows_by_code(model).items() if getattr(row, "is_active", True)]


def forget(**_kwargs: Any) -> None:
    """Drop every kept table: the next use reads them again."""
    _tables.clear()


def _changed(**_kwargs: Any) -> None:
    # Now, for the rest of this transaction; and after the commit, in case another thread of
    # the process read the rows as they were before it.
    forget()
    transaction.on_commit(forget)


for _model in (EncounterKind, Agency, PerceivedBasis):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"reference-{_model.__name__}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"reference-{_model.__name__}-del")
