"""Stored figures: a `StatisticsSnapshot` holds the figures for one set of filters exactly as
computed (nightly by beat, and on demand), and the page and the API serve the latest one while
it is fresh instead of computing again."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone

from plumbing.replica import lag_tolerant
from reports.models import StatisticsSnapshot
from reports.statistics.figures import FIGURES_VERSION, compute_figures
from reports.statistics.filters import StatisticsFilters

# The API and the page serve a stored snapshot younger than this instead of recomputing.
SNAPSHOT_MAX_AGE = timedelta(hours=24)


@transaction.atomic
def build_snapshot(
    *,
    filters: StatisticsFilters,
    actor: Any = None,
    trigger: str = StatisticsSnapshot.Trigger.ON_DEMAND,
) -> StatisticsSnapshot:
    """Compute the figures for `filters` now and store them, with a history row saying who
    asked (nobody, for the nightly run) and why."""
    snapshot = StatisticsSnapshot(
        filters=filters.as_dict(),
        filters_key=filters.key,
        figures=compute_figures(filters=filters),
        computed_at=timezone.now(),
        trigger=trigger,
        requested_by=actor,
    )
    snapshot._history_user = actor  # type: ignore[attr-defined]
    snapshot._change_reason = (  # type: ignore[attr-defined]
        "Nightly statistics" if trigger == StatisticsSnapshot.Trigger.NIGHTLY
        else "Statistics recomputed on request"
    )
    snapshot.save()
    return snapshot


@lag_tolerant()
def latest_snapshot(filters: StatisticsFilters) -> StatisticsSnapshot | None:
    """The newest snapshot for exactly these filters, of the current figures format."""
    for snapshot in StatisticsSnapshot.objects.filter(filters_key=filters.key).order_by(
        "-computed_at", "-pk"
    )[:1]:
        if snapshot.figures.get("version") == FIGURES_VERSION:
            return snapshot
    return None


@dataclass(frozen=True)
class CurrentFigures:
    figures: dict[str, Any]
    computed_at: datetime
    source: Literal["snapshot", "live"]
    snapshot: StatisticsSnapshot | None


def current_figures(
    *, filters: StatisticsFilters, fresh: bool = False, max_age: timedelta = SNAPSHOT_MAX_AGE
) -> CurrentFigures:
    """The latest snapshot for `filters` if it is younger than `max_age`, else figures
    computed now (and not stored: reading never writes). `fresh` always computes."""
    if not fresh:
        snapshot = latest_snapshot(filters)
        if snapshot is not None and snapshot.computed_at > timezone.now() - max_age:
            return CurrentFigures(snapshot.figures, snapshot.computed_at, "snapshot", snapshot)
    return CurrentFigures(compute_figures(filters=filters), timezone.now(), "live", None)
