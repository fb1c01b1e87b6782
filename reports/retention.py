"""The purge: cases past their retention (cases/retention.py) leave the system for good.

Once a day (`reports.retention_tasks.purge_expired_cases_task`) every closed case past its
purge date and under no legal hold is destroyed, one transaction per case:

1. The case and the cases merged into it are locked, and checked again: still due, still
   under no hold (a hold is placed with the case locked too, so one of the two waits).
2. **Crypto-shredding first.** The data keys of its reports (and of any other row of it that
   carries a `data_key`) are destroyed in the key store (plumbing/keys/store.py). From that
   moment every sealed value and file of the case is unreadable wherever a copy of it lies:
   database backups, copies of the media folder, a replica.
3. What it counted for in the statistics is kept (`reports.tallies.keep_purged_counts`).
4. Its rows are deleted: the case, the cases merged into it, every row that points at them,
   down to the last link (reports, encounters and their links, complainants, witnesses,
   evidence, additions, messages, notes, tag links, legal holds that were lifted, documents),
   and the simple-history rows of every one of them. Which rows point at which is read from
   the models (`_rows_to_delete`), so a model added later that points at a case or a report is
   deleted with it without a change here.
5. The stored files of those rows (evidence, rendered documents) are deleted.
6. A `PurgedCase` row per case says that it was, and when it went, with nothing anyone wrote.

A crash after 2 and before the commit leaves the rows in place with their keys gone; the case
is still due, so the next run (or the same one, again) completes it. Destroying a key that is
already gone is a no-op, so every step may run twice. The access log's rows about the case
stay: they name who looked, by the case's reference, and point at no row.

Finally, data keys that no row refers to and that are older than a day are destroyed
(`destroy_orphan_keys`): a key made for a report whose transaction rolled back.
"""

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalChanges

from cases.models import Case
from cases.retention import due_for_purge
from intake.models import Report
from plumbing.keys import store
from plumbing.locks import lock_in_id_order
from reports.models import PurgedCase
from reports.tallies import keep_purged_counts

logger = logging.getLogger(__name__)

KEY_FIELD = "data_key"
_CHUNK = 500

Plan = dict[type[models.Model], set[object]]


@dataclass
class PurgeResult:
    purged: list[str] = field(default_factory=list)  # the references of the cases purged
    keys_destroyed: int = 0
    orphan_keys_destroyed: int = 0


def purge_expired_cases(*, at: datetime | None = None) -> PurgeResult:
    """Purge every case due at `at` (now) and under no hold, then destroy orphan data keys."""
    result = PurgeResult()
    for case_id in list(due_for_purge(at=at).values_list("pk", flat=True)):
        purged = purge_case(case_id=case_id, at=at)
        if purged is not None:
            references, keys = purged
            result.purged.extend(references)
            result.keys_destroyed += keys
    result.orphan_keys_destroyed = destroy_orphan_keys()
    if result.purged or result.orphan_keys_destroyed:
        logger.info(
            "Retention purge: %d cases purged, %d data keys destroyed, %d orphan keys destroyed",
            len(result.purged),
            result.keys_destroyed,
            result.orphan_keys_destroyed,
        )
    return result


def purge_case(*, case_id: int, at: datetime | None = None) -> tuple[list[str], int] | None:
    """Destroy one case that is due, with the cases merged into it: its data keys first, then
    its rows and files, in one transaction. The references purged and how many keys were
    destroyed; None when the case is not (or no longer) due: held, reopened, or gone."""
    moment = at or timezone.now()
    with transaction.atomic():
        family = lock_in_id_order(Case.objects.filter(Q(pk=case_id) | Q(merged_into_id=case_id)))
        if not due_for_purge(at=moment).filter(pk=case_id).exists():
            return None
        family_ids = [case.pk for case in family]
        plan = _rows_to_delete(Case, family_ids)

        keys = _data_keys(plan)
        destroyed = store.destroy_keys(keys)

        keep_purged_counts(case_ids=family_ids)
        report_counts = _report_counts(family_ids)
        files = _stored_files(plan)
        _delete_rows(plan)
        for case in family:
            PurgedCase.objects.create(
                reference=case.reference,
                close_reason=case.close_reason,
                closed_at=case.status_changed_at,
                purged_at=moment,
                report_count=report_counts.get(case.pk, 0),
                merged_into_reference=(
                    next(c.reference for c in family if c.pk == case.merged_into_id)
                    if case.merged_into_id is not None
                    else ""
                ),
            )
        # The files go last, once their rows are gone in this transaction: a rollback after
        # this leaves rows whose files are missing, but their keys are destroyed already, and
        # the next run deletes the rows.
        for name in files:
            default_storage.delete(name)
    return [case.reference for case in family], destroyed


def destroy_orphan_keys(*, older_than_hours: int | None = None) -> int:
    """Destroy the data keys no row refers to that were made more than
    `older_than_hours` (RETENTION_ORPHAN_KEY_HOURS) ago; how many. Younger keys may belong to
    a write whose transaction has not committed yet."""
    hours = settings.RETENTION_ORPHAN_KEY_HOURS if older_than_hours is None else older_than_hours
    candidates = store.all_key_ids(created_before=time.time() - hours * 3600)
    orphans = set(candidates)
    for start in range(0, len(candidates), _CHUNK):
        chunk = candidates[start : start + _CHUNK]
        for model in key_holders():
            orphans -= set(
                model._base_manager.filter(**{f"{KEY_FIELD}__in": chunk}).values_list(
                    KEY_FIELD, flat=True
                )
            )
    return store.destroy_keys(orphans) if orphans else 0


def key_holders() -> list[type[models.Model]]:
    """Every model with a data key column (`data_key`), history models included: a key any of
    their rows names is not an orphan. Read from the models, so a `data_key` another part adds
    (on a case, a document) counts without a change here."""
    return [
        model
        for model in apps.get_models()
        if any(f.name == KEY_FIELD for f in model._meta.concrete_fields)
    ]


# --- What a case's purge deletes -------------------------------------------------------------


def _is_history(model: type[models.Model]) -> bool:
    return issubclass(model, HistoricalChanges)


def _rows_to_delete(model: type[models.Model], pks: Iterable[object]) -> Plan:
    """The rows `pks` of `model`, every row that points at them (by any foreign key or
    one-to-one, many-to-many links included), recursively, and the history rows of all of
    them: model -> primary keys."""
    plan: Plan = defaultdict(set)
    _collect(model, set(pks), plan)
    for live in [m for m in list(plan) if not _is_history(m)]:
        history = _history_model(live)
        if history is None:
            continue
        ids = list(plan[live])
        found: set[object] = set()
        for start in range(0, len(ids), _CHUNK):
            found |= set(
                history._base_manager.filter(
                    **{f"{live._meta.pk.attname}__in": ids[start : start + _CHUNK]}
                ).values_list("pk", flat=True)
            )
        _collect(history, found, plan)
    return plan


def _history_model(model: type[models.Model]) -> type[models.Model] | None:
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute).model if attribute else None


def _collect(model: type[models.Model], pks: set[object], plan: Plan) -> None:
    new = pks - plan[model]
    if not new:
        return
    plan[model] |= new
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue  # a reverse many-to-many: its link rows are reached by their own FK
        related = relation.related_model
        if related is None or isinstance(related, str):
            continue
        # History rows are reached by their record's id (above), never by the foreign keys
        # they copy: a report's history names the case it was on then, and must not go with
        # that case if the report moved on.
        if _is_history(related) and not _is_history(model):
            continue
        fk = relation.field.attname  # type: ignore[union-attr]
        ids = list(new)
        children: set[object] = set()
        for start in range(0, len(ids), _CHUNK):
            children |= set(
                related._base_manager.filter(
                    **{f"{fk}__in": ids[start : start + _CHUNK]}
                ).values_list("pk", flat=True)
            )
        if children:
            _collect(related, children, plan)


def _data_keys(plan: Plan) -> set[uuid.UUID]:
    keys: set[uuid.UUID] = set()
    for model, pks in plan.items():
        if not any(f.name == KEY_FIELD for f in model._meta.concrete_fields):
            continue
        ids = list(pks)
        for start in range(0, len(ids), _CHUNK):
            keys.update(
                key
                for key in model._base_manager.filter(pk__in=ids[start : start + _CHUNK])
                .values_list(KEY_FIELD, flat=True)
                if key is not None
            )
    return keys


def _stored_files(plan: Plan) -> set[str]:
    names: set[str] = set()
    for model, pks in plan.items():
        for file_field in model._meta.concrete_fields:
            if not isinstance(file_field, models.FileField):
                continue
            ids = list(pks)
            for start in range(0, len(ids), _CHUNK):
                names.update(
                    name
                    for name in model._base_manager.filter(pk__in=ids[start : start + _CHUNK])
                    .values_list(file_field.attname, flat=True)
                    if name
                )
    return names


def _report_counts(case_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for case_id in Report.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True):
        counts[case_id] += 1
    return counts


def _delete_rows(plan: Plan) -> None:
    """DELETE the planned rows with plain SQL: no signals (simple-history would write a
    "deleted" history row of each), no cascade collector (PROTECT refuses what this deletes on
    purpose). Foreign keys are checked at commit (deferred, on PostgreSQL and SQLite), when
    every row that pointed at a deleted one is gone too."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, pks in plan.items():
            table = quote(model._meta.db_table)
            column = quote(str(model._meta.pk.column))
            ids = list(pks)
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM {table} WHERE {column} IN ({marks})",  # noqa: S608
                    cast(list[Any], chunk),
                )
