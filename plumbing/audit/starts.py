"""Recording and reading where chains start after their first rows expired (models.ChainStart)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from django.db import models

from plumbing.audit.chain import chain_key, spec_for
from plumbing.audit.models import ChainStart

_BATCH = 500


def start_mac(table: str, record: str, seq: int, hashed: str) -> str:
    message = "\x1f".join(("start", table, record, str(seq), hashed)).encode()
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


def expire_chain_heads(queryset: models.QuerySet[Any]) -> int:
    """Delete the rows of `queryset` (a chained record's, e.g. the access log's expired rows)
    together with every earlier row of their chains, after recording for each chain the newest
    row deleted, so the chain's remaining rows still check as whole. Returns the rows
    deleted."""
    model: type[models.Model] = queryset.model
    spec = spec_for(model)
    ends = list(
        queryset.values_list(spec.record).annotate(last=models.Max("chain_seq")).order_by()
    )
    deleted = 0
    for start in range(0, len(ends), _BATCH):
        batch = ends[start : start + _BATCH]
        match = models.Q()
        upto = models.Q()
        for record, last in batch:
            match |= models.Q(**{spec.record: record, "chain_seq": last})
            upto |= models.Q(**{spec.record: record, "chain_seq__lte": last})
        heads = model._base_manager.filter(match).values_list(
            spec.record, "chain_seq", "chain_hash"
        )
        for record, seq, hashed in heads:
            ChainStart.objects.update_or_create(
                table=spec.table,
                record=str(record),
                defaults={
                    "seq": seq,
                    "hash": hashed,
                    "mac": start_mac(spec.table, str(record), seq, hashed),
                },
            )
        deleted += model._base_manager.filter(upto).delete()[0]
    return deleted


def chain_starts(table: str, *, records: Iterable[Any] | None = None) -> dict[str, tuple[int, str]]:
    """The recorded starts of `table`'s chains whose HMAC holds: record → (seq, hash). Only
    those of `records` (ids, or chain keys) when given."""
    if records is not None:
        return chain_starts_of({table: records}).get(table, {})
    return _checked(ChainStart.objects.filter(table=table)).get(table, {})


def chain_starts_of(records: dict[str, Iterable[Any]]) -> dict[str, dict[str, tuple[int, str]]]:
    """`chain_starts` of several tables' records at once (table → records), in one query:
    table → record → (seq, hash)."""
    wanted = models.Q()
    for table, ids in records.items():
        wanted |= models.Q(table=table, record__in=[str(record) for record in ids])
    return _checked(ChainStart.objects.filter(wanted)) if records else {}


def _checked(chains: models.QuerySet[ChainStart]) -> dict[str, dict[str, tuple[int, str]]]:
    starts: dict[str, dict[str, tuple[int, str]]] = {}
    rows = chains.values_list("table", "record", "seq", "hash", "mac")
    for table, record, seq, hashed, mac in rows:
        if hmac.compare_digest(mac, start_mac(table, record, seq, hashed)):
            starts.setdefault(table, {})[record] = (seq, hashed)
    return starts


def forget_chains(model: type[models.Model], records: Iterable[Any]) -> int:
    """Forget the recorded starts of the chains of `records` (ids, or chain keys) of `model`,
    for a purge that deletes those records with all their rows. History chains keep no state
    outside their tables, so purging an object's history needs nothing else."""
    table = spec_for(model).table
    names = [str(record) for record in records]
    return ChainStart.objects.filter(table=table, record__in=names).delete()[0]
