"""Checking a copy of a case file against Rights Desk (`manage.py verify_document FILE`).

A PDF cannot print its own SHA-256 (printing it would change it), so the hash recorded at render
(`Document.sha256`) is what finds the document; the chain head printed on its last page, kept on
the document row too (`chain_head`, `chain_heads`), says which rows of the case's history the
file was made from. A copy is good when its hash is a document's, the heads it was made from are
still rows of the case's chains, and those chains are intact now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from cases.audit import CaseChains, case_chains, heads_digest
from plumbing.audit.verify import Break, chained_models, walk_table
from reports.models import Document

_CHUNK = 1024 * 1024


@dataclass
class DocumentCheck:
    sha256: str
    document: Document | None = None
    # The recorded head matches the heads it was made from, and the document's own history is
    # intact (so the row was not rewritten to fit).
    record_intact: bool = False
    chains: CaseChains | None = None
    # Heads the file was made from that are no longer rows of the case's chains.
    lost_heads: list[str] = field(default_factory=list)
    document_breaks: list[Break] = field(default_factory=list)

    @property
    def history_intact(self) -> bool:
        return bool(self.chains and self.chains.intact and not self.lost_heads)

    @property
    def ok(self) -> bool:
        return self.document is not None and self.record_intact and self.history_intact


def file_sha256(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def check_document(stream: BinaryIO) -> DocumentCheck:
    """Find the case file whose bytes `stream` holds and check the history it was made from."""
    check = DocumentCheck(sha256=file_sha256(stream))
    document = (
        Document.objects.select_related("case", "requested_by")
        .filter(sha256=check.sha256, case__isnull=False)
        .first()
    )
    if document is None or document.case is None:
        return check
    check.document = document
    history = Document.history.model
    check.document_breaks = list(walk_table(history, records=[document.pk]))
    check.record_intact = (
        not check.document_breaks
        and bool(document.chain_head)
        and heads_digest(document.chain_heads) == document.chain_head
    )
    check.chains = case_chains(document.case)
    check.lost_heads = _lost(document.chain_heads)
    return check


def _lost(heads: dict[str, list[Any]]) -> list[str]:
    """The heads ("table:object" → [seq, hash]) that are not rows of their chains now: one
    query per table."""
    by_table: dict[str, list[tuple[str, int, str]]] = {}
    for name, (seq, hashed) in heads.items():
        table, _, record = name.rpartition(":")
        by_table.setdefault(table, []).append((record, seq, hashed))
    models = {model._meta.db_table: model for model in chained_models()}
    lost: list[str] = []
    for table, wanted in by_table.items():
        model = models.get(table)
        if model is None:
            lost += [f"{table}:{record}" for record, _, _ in wanted]
            continue
        record_column = "id"
        rows = set(
            model._base_manager.filter(
                **{f"{record_column}__in": [record for record, _, _ in wanted]},
                chain_seq__in={seq for _, seq, _ in wanted},
            ).values_list(record_column, "chain_seq", "chain_hash")
        )
        present = {(str(record), seq, hashed) for record, seq, hashed in rows}
        lost += [f"{table}:{r}" for r, s, h in wanted if (r, s, h) not in present]
    return lost


def describe(check: DocumentCheck) -> Iterable[str]:
    """The lines `verify_document` prints."""
    yield f"SHA-256: {check.sha256}"
    document = check.document
    if document is None:
        yield "Unknown: no case file rendered by Rights Desk has this SHA-256."
        return
    yield (
        f"{document.get_kind_display()} of case {document.case.reference if document.case else '?'}"
        f" (document {document.pk})"
    )
    requested = document.requested_by
    yield f"Asked for by {requested.get_username()} at {document.requested_at.isoformat()}"
    if document.finished_at:
        yield f"Rendered at {document.finished_at.isoformat()}"
    yield f"Printed chain head: {document.chain_head or '(none recorded)'}"
    if not check.record_intact:
        yield "The document's record was changed after it was rendered."
        yield from (str(found) for found in check.document_breaks)
    if check.chains is not None and not check.chains.intact:
        yield "The case's history chains are broken:"
        yield from (str(found) for found in check.chains.breaks)
    if check.lost_heads:
        yield "Rows the file was made from are no longer in the case's history chains:"
        yield from check.lost_heads
    if check.ok:
        yield "The printed chain head is part of the case's intact history."
