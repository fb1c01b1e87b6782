"""Hashing a row of a chained table.

A chained table holds records' rows in chains: the history rows of one object, or the access
log's rows of one case or one account. Each row carries `chain_seq` (1, 2, 3, ... along its
chain) and `chain_hash`, the hex HMAC-SHA256, under AUDIT_CHAIN_KEY (kept outside the
database), of the table's name, the seq, the previous row's hash and every hashed column of the
row as stored. The row's own id is not hashed: the database gives it on INSERT, after the hash
is made; the chain's order is the seq.

The row is hashed as one canonical text, the same whether its values come from a model
instance about to be saved (`field.get_prep_value(field.pre_save(...))`, which for a sealed
column is its ciphertext) or from `.values_list()` reading the row back, on SQLite and on
PostgreSQL: datetimes in UTC with microseconds, decimals at the column's places without
trailing zeros, UUIDs as hex, JSON with sorted keys, every column in the order of their names. A
migration that adds a column to a chained table, or rewrites stored values, ends by rechaining
the table (`rechain_table`, `plumbing.audit.migration.chain_existing_rows`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models

from plumbing.keys.key_files import key_lines

Canon = Callable[[Any], str]


def chain_key() -> bytes:
    """The HMAC key: AUDIT_CHAIN_KEY, or the first line of AUDIT_CHAIN_KEY_FILE."""
    value = getattr(settings, "AUDIT_CHAIN_KEY", "") or ""
    if not value:
        path = getattr(settings, "AUDIT_CHAIN_KEY_FILE", "") or ""
        if not path:
            raise ImproperlyConfigured(
                "No audit chain key: set AUDIT_CHAIN_KEY or AUDIT_CHAIN_KEY_FILE."
            )
        value = _read_key_file(str(path))
    if len(value) < 32:
        raise ImproperlyConfigured("The audit chain key must be at least 32 characters long.")
    return value.encode()


@lru_cache(maxsize=4)
def _read_key_file(path: str) -> str:
    lines = key_lines(path, setting="AUDIT_CHAIN_KEY_FILE", command="generate_audit_chain_key")
    return lines[0] if lines else ""


# --- Canonical values ---------------------------------------------------------------------
# Text, integers, booleans, floats and NULL are hashed as Python writes them (`repr`, which
# quotes and escapes text, so no two rows read alike); the other types are turned into text
# first, only in the columns that hold them.


def _datetime(value: Any) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not dt.UTC:
        value = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return value.isoformat(timespec="microseconds")


def _decimal(places: int | None) -> Canon:
    quantum = Decimal(1).scaleb(-places) if places is not None else None

    def canon(value: Any) -> str:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if quantum is not None:
            number = number.quantize(quantum)
        return format(number.normalize(), "f")

    return canon


def _uuid(value: Any) -> str:
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


def _json(value: Any) -> str:
    # A JSON column read as text (a raw cursor) is the same value parsed.
    value = json.loads(value) if isinstance(value, str) else value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _bytes(value: Any) -> str:
    return bytes(value).hex()


def _date(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


def canon_for(field: models.Field[Any, Any]) -> Canon | None:
    """The function that turns a value of `field` into text, or None where the value is text,
    a number or a boolean already."""
    if isinstance(field, models.DateTimeField):
        return _datetime
    if isinstance(field, models.DateField | models.TimeField):
        return _date
    if isinstance(field, models.DecimalField):
        return _decimal(field.decimal_places)
    if isinstance(field, models.UUIDField):
        return _uuid
    if isinstance(field, models.JSONField):
        return _json
    if isinstance(field, models.BinaryField):
        return _bytes
    if isinstance(field, models.DurationField):
        return str
    return None


# --- Specs: what a chained table hashes ---------------------------------------------------


@dataclass(frozen=True)
class ChainSpec:
    """How one table is chained: which column names a row's chain, which breaks ties in a
    scan, and which columns are hashed (with the conversions their values need)."""

    model: type[models.Model]
    table: str
    record: str  # the attname whose value names the chain
    tiebreak: str  # the row's own id
    fields: tuple[models.Field[Any, Any], ...]
    names: tuple[str, ...]
    converts: tuple[tuple[int, Canon], ...]

    @property
    def label(self) -> str:
        return self.model._meta.label


_NOT_HASHED = {"chain_seq", "chain_hash"}


@cache
def spec_for(model: type[models.Model], record: str | None = None) -> ChainSpec:
    """The chain spec of a history model (its record is the tracked object's id) or of a
    chained record such as the access log (its record is its `chain_key`). A migration's
    model, which knows no tracked model, names its record column."""
    meta = model._meta
    tiebreak = meta.pk.attname
    if record is None:
        instance_type = getattr(model, "instance_type", None)
        record = instance_type._meta.pk.attname if instance_type is not None else "chain_key"
    # By column name: a migration's model lists its columns in the order migrations added
    # them, the model itself in the order its class declares them.
    fields = tuple(
        sorted(
            (
                field
                for field in meta.concrete_fields
                if field.attname not in _NOT_HASHED and field.attname != tiebreak
            ),
            key=lambda field: field.attname,
        )
    )
    converts = tuple(
        (index, canon)
        for index, canon in enumerate(canon_for(field) for field in fields)
        if canon is not None
    )
    return ChainSpec(
        model=model,
        table=meta.db_table,
        record=record,
        tiebreak=tiebreak,
        fields=fields,
        names=tuple(field.attname for field in fields),
        converts=converts,
    )


def keyed_hasher() -> Any:
    """An HMAC-SHA256 under the chain key, to `.copy()` for each row."""
    return hmac.new(chain_key(), digestmod=hashlib.sha256)


def digest(
    spec: ChainSpec, seq: int, previous: str, values: Sequence[Any], base: Any = None
) -> str:
    """The chain hash of a row whose hashed columns hold `values` (in `spec.fields` order):
    the HMAC of the text of (table, seq, previous hash, (column values...))."""
    if spec.converts:
        values = list(values)
        for index, canon in spec.converts:
            if values[index] is not None:
                values[index] = canon(values[index])
    mac = (base or keyed_hasher()).copy()
    mac.update(repr((spec.table, seq, previous, tuple(values))).encode())
    return str(mac.hexdigest())


def _plain(value: Any) -> Any:
    """A choice (`TextChoices`, `IntegerChoices`) or other subclass of text or int as the
    plain value the database stores and gives back."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if isinstance(value, str):
        return value[:]  # slicing a subclass of str gives a plain str
    if isinstance(value, int):
        return int(value)
    return value


def stored_values(spec: ChainSpec, row: models.Model) -> list[Any]:
    """The values `row` will be stored with, as its fields prepare them for the database."""
    return [_plain(field.get_prep_value(field.pre_save(row, add=True))) for field in spec.fields]


# --- Chaining new rows --------------------------------------------------------------------


def chain_heads(
    model: type[models.Model], records: Iterable[Any], *, using: str | None = None
) -> dict[Any, tuple[int, str]]:
    """The newest (seq, hash) of each of `records`' chains that has rows: one query when one
    record is asked for, one per 500 otherwise."""
    spec = spec_for(model)
    manager = model._base_manager.db_manager(using)
    wanted = list(dict.fromkeys(records))
    heads: dict[Any, tuple[int, str]] = {}
    if len(wanted) == 1:
        row = (
            manager.filter(**{spec.record: wanted[0]})
            .order_by("-chain_seq")
            .values_list("chain_seq", "chain_hash")
            .first()
        )
        if row is not None:
            heads[wanted[0]] = (row[0], row[1])
        return heads
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        newest = (
            manager.filter(**{spec.record: models.OuterRef(spec.record)})
            .order_by("-chain_seq")
            .values("chain_seq")[:1]
        )
        rows = manager.filter(
            **{f"{spec.record}__in": chunk}, chain_seq=models.Subquery(newest)
        ).values_list(spec.record, "chain_seq", "chain_hash")
        for record, seq, hashed in rows:
            heads[record] = (seq, hashed)
    return heads


def chain_rows(
    model: type[models.Model], rows: Sequence[models.Model], *, using: str | None = None
) -> None:
    """Give each of `rows` (new, unsaved, in the order they will be inserted) its seq and hash.

    A history row that creates its object (`+`) starts a chain and reads nothing; the others
    need their chain's newest row, read in one query for the whole batch (none for a record
    whose earlier row is in the same batch)."""
    if not rows:
        return
    spec = spec_for(model)
    first: dict[Any, models.Model] = {}
    for row in rows:
        first.setdefault(getattr(row, spec.record), row)
    lookup = [record for record, row in first.items() if getattr(row, "history_type", None) != "+"]
    heads = chain_heads(model, lookup, using=using) if lookup else {}
    base = keyed_hasher()
    for row in rows:
        record = getattr(row, spec.record)
        seq, previous = heads.get(record, (0, ""))
        row.chain_seq = seq + 1  # type: ignore[attr-defined]
        row.chain_hash = digest(spec, seq + 1, previous, stored_values(spec, row), base)  # type: ignore[attr-defined]
        heads[record] = (row.chain_seq, row.chain_hash)  # type: ignore[attr-defined]


def _vendor(alias: str) -> str:
    return str(connections[alias].vendor)


def rechain_table(
    model: type[models.Model],
    *,
    record: str | None = None,
    using: str = "default",
    batch: int = 2000,
) -> int:
    """Recompute every chain of `model`'s table from the rows as they are now stored, in
    (record, id) order: for a migration that adds the chain, or one that rewrites stored
    values (sealing a column). It trusts the table as it stands. Returns the rows written."""
    spec = spec_for(model, record)
    manager = model._base_manager.db_manager(using)
    columns = [*spec.names, spec.record, spec.tiebreak]
    record_at = len(spec.names)
    base = keyed_hasher()
    pending: list[models.Model] = []
    written = 0
    current: Any = object()
    seq, previous = 0, ""
    ordered = manager.order_by(spec.record, spec.tiebreak).values_list(*columns)
    # SQLite does not isolate a read from writes on one connection: read it all first there.
    sqlite = _vendor(manager.db) == "sqlite"
    rows: Iterable[tuple[Any, ...]] = list(ordered) if sqlite else ordered.iterator(batch)
    for values in rows:
        record = values[record_at]
        if record != current:
            current, seq, previous = record, 0, ""
        seq += 1
        previous = digest(spec, seq, previous, values[:record_at], base)
        pending.append(
            model(**{spec.tiebreak: values[-1], "chain_seq": seq, "chain_hash": previous})
        )
        if len(pending) >= batch:
            manager.bulk_update(pending, ["chain_seq", "chain_hash"])
            written += len(pending)
            pending = []
    if pending:
        manager.bulk_update(pending, ["chain_seq", "chain_hash"])
        written += len(pending)
    return written
