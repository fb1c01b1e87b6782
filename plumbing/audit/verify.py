"""Walking the chains: one ordered, streamed scan per chained table, no query per row.

A break names the table, the record (the object's id, or the access log's chain key), the row's
id and what is wrong with it:

- `edited`: its hash does not match its columns and the row before it: a column was changed
  after it was written, or the row was written by someone without the key (a forged row);
- `deleted`: rows are missing before it (its seq jumps past the next one expected);
- `out_of_order`: its seq repeats or goes back (a row inserted into the chain);
- `unchained`: it has no hash at all (written around the application, or before the chain).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

from plumbing.audit.chain import ChainSpec, digest, keyed_hasher, spec_for
from plumbing.audit.starts import chain_starts

EDITED = "edited"
DELETED = "deleted"
OUT_OF_ORDER = "out_of_order"
UNCHAINED = "unchained"

_DESCRIPTIONS = {
    EDITED: "its hash does not match its contents (changed after it was written, or forged)",
    DELETED: "rows before it are missing (deleted)",
    OUT_OF_ORDER: "its place in the chain repeats or goes back (inserted)",
    UNCHAINED: "it has no hash (written around the application)",
}


@dataclass(frozen=True)
class Break:
    table: str
    record: str
    row_id: Any
    seq: int
    problem: str
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.table}: record {self.record}, row {self.row_id} (seq {self.seq}): "
        text += _DESCRIPTIONS[self.problem]
        return f"{text}; {self.detail}" if self.detail else text


@dataclass(frozen=True)
class Head:
    """The newest row of a chain, as verified."""

    table: str
    record: str
    seq: int
    hash: str
    intact: bool


def chained_models() -> list[type[models.Model]]:
    """Every model whose rows are chained: history models and chained records."""
    return [
        model
        for model in apps.get_models()
        if not model._meta.abstract
        and {"chain_seq", "chain_hash"} <= {field.attname for field in model._meta.concrete_fields}
    ]


def _rows(
    spec: ChainSpec, queryset: models.QuerySet[Any], chunk: int, *, stream: bool
) -> Iterator[tuple[Any, ...]]:
    columns = [*spec.names, spec.record, spec.tiebreak, "chain_seq", "chain_hash"]
    ordered = queryset.order_by(spec.record, "chain_seq", spec.tiebreak).values_list(*columns)
    # A whole table streams through a server-side cursor. The chains of a few records (a case
    # file walks its case's on every render) come in one query: on PostgreSQL a cursor costs
    # three more round trips (declare, the empty last fetch, close) for a handful of rows.
    return ordered.iterator(chunk_size=chunk) if stream else iter(ordered)


def walk_table(
    model: type[models.Model],
    *,
    records: Iterable[Any] | None = None,
    chunk: int = 5000,
    heads: dict[Any, Head] | None = None,
    starts: dict[str, tuple[int, str]] | None = None,
) -> Iterator[Break]:
    """Yield every break in `model`'s chains (only those of `records` if given). When `heads`
    is a dict, it receives each chain's newest row and whether its chain was intact. `starts`
    are the chains' recorded starts (plumbing.audit.starts), for a caller that read them
    already; by default they are read here."""
    spec = spec_for(model)
    queryset = model._base_manager.all()
    if records is not None:
        records = list(records)
        queryset = queryset.filter(**{f"{spec.record}__in": records})
    width = len(spec.names)
    base = keyed_hasher()
    if starts is None:
        starts = chain_starts(spec.table, records=records)
    table = spec.table
    current: Any = _NONE
    expected, previous, before, intact = 1, "", "", True
    last_bad = False
    for values in _rows(spec, queryset, chunk, stream=records is None):
        record, row_id, seq, stored = (
            values[width],
            values[width + 1],
            values[width + 2],
            values[width + 3],
        )
        if record != current:
            if heads is not None and current is not _NONE:
                heads[current] = Head(table, str(current), expected - 1, previous, intact)
            current, expected, previous, before, intact, last_bad = record, 1, "", "", True, False
            if starts:
                # A chain whose first rows expired starts after the row recorded for it.
                expected, previous = starts.get(str(record), (0, ""))
                expected += 1
        if not stored:
            intact = False
            yield Break(table, str(record), row_id, seq, UNCHAINED)
            continue
        if seq == expected:
            good = digest(spec, seq, previous, values[:width], base) == stored
            if not good:
                intact = False
                yield Break(table, str(record), row_id, seq, EDITED)
            before, previous, expected, last_bad = previous, stored, seq + 1, not good
        elif seq > expected:
            intact = False
            missing = f"seq {expected}" if seq == expected + 1 else f"seq {expected} to {seq - 1}"
            yield Break(table, str(record), row_id, seq, DELETED, f"{missing} missing")
            before, previous, expected, last_bad = previous, stored, seq + 1, False
        else:
            intact = False
            # Two rows claim one place. If the first was named as edited and this one is the
            # true one (its hash holds), the chain goes on from this one.
            genuine = (
                seq == expected - 1
                and last_bad
                and digest(spec, seq, before, values[:width], base) == stored
            )
            if genuine:
                previous, last_bad = stored, False
            else:
                yield Break(table, str(record), row_id, seq, OUT_OF_ORDER)
    if heads is not None and current is not _NONE:
        heads[current] = Head(table, str(current), expected - 1, previous, intact)


_NONE = object()


def verify_all(models_: Iterable[type[models.Model]] | None = None) -> Iterator[Break]:
    """Every break in every chained table."""
    for model in models_ if models_ is not None else chained_models():
        yield from walk_table(model)
