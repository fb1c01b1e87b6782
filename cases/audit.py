"""The audit chain seen from a case: the heads of its records' chains, and telling legal staff
when the nightly check finds a break.

A case's chain head is one SHA-256 over the newest row (table, object, seq, hash) of the
history chain of every record of the case: the case, its notes, its reports and what each
report holds (encounter, people, witnesses, evidence, facts, additions, messages). It is
printed on case files (reports/rendering.py) so a paper copy can be checked later
(`manage.py verify_document`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import models
from django.db.models import Value
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.models import Case, CaseNote
from cases.staff_accounts import legal_staff_addresses
from cases.staff_language import languages_of_addresses
from intake.models import (
    Complainant,
    Encounter,
    Evidence,
    Report,
    ReportAddition,
    ReportFact,
    ReportMessage,
    Witness,
)
from plumbing.audit.chain import spec_for
from plumbing.audit.starts import chain_starts_of
from plumbing.audit.verify import Break, Head, walk_table

# The records of a report whose chains belong to its case's head, by their report column.
_REPORT_PARTS: tuple[type[models.Model], ...] = (
    Encounter,
    Complainant,
    Witness,
    Evidence,
    ReportFact,
    ReportAddition,
    ReportMessage,
)
# A message names at most this many broken rows; the command names them all.
ALERT_ROWS = 200


@dataclass
class CaseChains:
    """The heads of a case's chains now, and what breaks their walk found."""

    heads: dict[str, list[Any]] = field(default_factory=dict)
    breaks: list[Break] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return heads_digest(self.heads)

    @property
    def intact(self) -> bool:
        return not self.breaks


def heads_digest(heads: dict[str, list[Any]]) -> str:
    """One SHA-256 over chain heads ("table:object" → [seq, hash]), in a fixed order."""
    lines = "\n".join(f"{name}:{seq}:{hashed}" for name, (seq, hashed) in sorted(heads.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def case_records(case: Case) -> list[tuple[type[models.Model], list[Any]]]:
    """Each tracked model with the ids of the case's records of it.

    One query (UNION ALL), each row tagged with its model's place in the list: every case file
    reads these, and a query per model was a round trip per model."""
    reports = Report.objects.filter(case=case).values("pk")
    found: list[tuple[type[models.Model], models.QuerySet[Any]]] = [
        (CaseNote, CaseNote.objects.filter(case=case)),
        (Report, Report.objects.filter(case=case)),
        *((model, model._default_manager.filter(report_id__in=reports)) for model in _REPORT_PARTS),
    ]
    ids: list[list[Any]] = [[] for _ in found]
    tagged = [
        queryset.order_by().annotate(part=Value(index)).values_list("part", "pk")
        for index, (_, queryset) in enumerate(found)
    ]
    for index, pk in tagged[0].union(*tagged[1:], all=True):
        ids[index].append(pk)
    return [(Case, [case.pk]), *((model, ids[index]) for index, (model, _) in enumerate(found))]


def case_chains(case: Case) -> CaseChains:
    """Walk every chain of `case`'s records (verifying each row) and keep their heads."""
    result = CaseChains()
    walked = [
        (model.history.model, ids)  # type: ignore[attr-defined]
        for model, ids in case_records(case)
        if ids
    ]
    # Where the chains start, for every table in one query rather than one a table.
    starts = chain_starts_of({spec_for(history).table: ids for history, ids in walked})
    for history, ids in walked:
        found: dict[Any, Head] = {}
        table_starts = starts.get(spec_for(history).table, {})
        result.breaks += walk_table(history, records=ids, heads=found, starts=table_starts)
        for record, head in found.items():
            result.heads[f"{head.table}:{record}"] = [head.seq, head.hash]
    return result


# --- The nightly check's alert -------------------------------------------------------------


def send_audit_alert(*, lines: list[str], total: int) -> int:
    """E-mail every active legal staff member the broken rows the nightly check named (tables,
    ids and what is wrong; nothing from any case's contents). Returns how many were sent."""
    recipients = legal_staff_addresses()
    if not recipients:
        return 0
    checked_at = timezone.localtime(timezone.now())
    messages = []
    # Written once in each recipient's language.
    for language, addresses in languages_of_addresses(recipients).items():
        with translation.override(language):
            context = {
                "lines": lines,
                "total": total,
                "more": max(0, total - len(lines)),
                "checked_at": checked_at,
            }
            subject = render_to_string("emails/audit_broken_subject.txt", context).strip()
            body = render_to_string("emails/audit_broken.txt", context)
        messages += [(subject, body, settings.DEFAULT_FROM_EMAIL, [a]) for a in addresses]
    return send_mass_mail(messages)
