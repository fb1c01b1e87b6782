"""The nightly statistics snapshot, run by Celery beat ("statistics-nightly" in settings).

Loaded by the worker through CELERY_IMPORTS: autodiscovery only looks for `tasks` modules.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from reports.models import StatisticsSnapshot
from reports.statistics.filters import StatisticsFilters
from reports.statistics.snapshots import build_snapshot
from reports.tallies import rebuild_tallies

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3, ignore_result=True
)
def build_nightly_statistics() -> int:
    """Recount the statistics tallies (repairing any drift, which is logged), store tonight's
    figures for every report (no filters) and return the snapshot's id.

    Delivered twice, it stores a second snapshot of the same figures: harmless, and the
    newest one is served.
    """
    changed = rebuild_tallies()
    if changed:
        logger.warning("Statistics tallies had drifted from the tables: %d rebuilt.", changed)
    snapshot = build_snapshot(
        filters=StatisticsFilters(), trigger=StatisticsSnapshot.Trigger.NIGHTLY
    )
    return snapshot.pk
