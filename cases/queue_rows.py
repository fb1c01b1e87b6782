"""What one row of the queue shows, gathered from a case's prefetched reports: the same rows on
the page and in its CSV export (cases/queue_export.py)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cases.models import Case
from cases.privacy import Projected
from intake.models import Agency, Encounter, EncounterKind


@dataclass
class QueueRow:
    # The case itself on the page; in the export, the case as the reader projection shows it.
    case: Case | Projected
    kinds: list[EncounterKind]
    agencies: list[Agency]
    occurred_at: datetime | None
    occurred_at_is_approximate: bool
    places: list[str]


def _encounter(report: Any) -> Any:
    try:
        return report.encounter
    except Encounter.DoesNotExist:
        return None


def queue_row(case: Case | Projected) -> QueueRow:
    """The row of `case` (loaded by `cases.selectors.case_queue`, so this runs no query)."""
    kinds: dict[str, EncounterKind] = {}
    agencies: dict[str, Agency] = {}
    places: list[str] = []
    first: Any = None
    for report in case.reports.all() if isinstance(case, Case) else case.reports:
        encounter = _encounter(report)
        if encounter is None:
            continue
        kinds.update((kind.code, kind) for kind in encounter.kinds.all())
        agencies.update((agency.code, agency) for agency in encounter.agencies.all())
        if encounter.city and encounter.city not in places:
            places.append(encounter.city)
        if encounter.occurred_at and (
            first is None or first.occurred_at is None or encounter.occurred_at < first.occurred_at
        ):
            first = encounter
    return QueueRow(
        case=case,
        kinds=sorted(kinds.values(), key=lambda kind: (-kind.severity, kind.sort_order)),
        agencies=sorted(agencies.values(), key=lambda agency: agency.name),
        occurred_at=first.occurred_at if first else None,
        occurred_at_is_approximate=bool(first and first.occurred_at_is_approximate),
        places=places,
    )
