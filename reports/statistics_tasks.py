"""The nightly statistics snapshot, run by Celery beat ("statistics-nightly" in settings).

Loaded by the worker through CELERY_IMPORTS: autodiscovery only looks for `tasks` modules.
"""

from celery import shared_task
from django.db import DatabaseError

from reports.models import StatisticsSnapshot
from reports.statistics import StatisticsFilters, build_snapshot


@shared_task(
    autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3, ignore_result=True
)
def build_nightly_statistics() -> int:
    """Store tonight's figures for every report (no filters) and return the snapshot's id.

    Delivered twice, it stores a second snapshot of the same figures: harmless, and the
    newest one is served.
    """
    snapshot = build_snapshot(
        filters=StatisticsFilters(), trigger=StatisticsSnapshot.Trigger.NIGHTLY
    )
    return snapshot.pk
