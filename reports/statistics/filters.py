"""Which reports the statistics count: `StatisticsFilters` (whose canonical form is the key
snapshots are found by), and the reports and encounters a set of filters keeps."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from intake.models import Encounter, Report
from plumbing.day_ranges import within_days


@dataclass(frozen=True)
class StatisticsFilters:
    """Which reports count: encounters on or between two days (in the metro area's time zone)
    and, if any agency codes are given, encounters involving at least one of them."""

    occurred_from: date | None = None
    occurred_to: date | None = None
    agencies: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        # Canonical: the same filters always give the same key, however they were written.
        object.__setattr__(self, "agencies", tuple(sorted(set(self.agencies))))

    def as_dict(self) -> dict[str, Any]:
        return {
            "occurred_from": self.occurred_from.isoformat() if self.occurred_from else None,
            "occurred_to": self.occurred_to.isoformat() if self.occurred_to else None,
            "agencies": list(self.agencies),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StatisticsFilters":
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            occurred_from=day(data.get("occurred_from")),
            occurred_to=day(data.get("occurred_to")),
            agencies=tuple(data.get("agencies") or ()),
        )

    @property
    def key(self) -> str:
        """SHA-256 of the canonical JSON of the filters: the snapshot lookup key."""
        canonical = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def filtered_reports(filters: StatisticsFilters) -> QuerySet[Report]:
    """The reports `filters` keeps, unordered: the figures only count and group them."""
    reports = Report.objects.all()
    # The days a range covers are the metro area's (plumbing/day_ranges.py).
    reports = reports.filter(
        within_days("encounter__occurred_at", filters.occurred_from, filters.occurred_to)
    )
    if filters.agencies:
        # A subquery rather than a join, so a report with two matching agencies counts once.
        involved = Encounter.agencies.through.objects.filter(
            encounter__report=OuterRef("pk"), agency__code__in=filters.agencies
        )
        reports = reports.filter(Exists(involved))
    return reports.order_by()


def is_filtered(filters: StatisticsFilters) -> bool:
    """Whether any filter is set: without one, every report counts, and the figures can be
    read from the running tallies."""
    return bool(filters.occurred_from or filters.occurred_to or filters.agencies)


def filtered_encounters(filters: StatisticsFilters) -> QuerySet[Encounter]:
    """The encounters of the reports `filtered_reports` keeps: every filter is on the
    encounter, so the figures grouped by encounter need not read the reports."""
    encounters = Encounter.objects.filter(
        within_days("occurred_at", filters.occurred_from, filters.occurred_to)
    )
    if filters.agencies:
        involved = Encounter.agencies.through.objects.filter(
            encounter=OuterRef("pk"), agency__code__in=filters.agencies
        )
        encounters = encounters.filter(Exists(involved))
    return encounters.order_by()
