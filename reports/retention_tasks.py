"""The daily retention purge, run by Celery beat ("retention-purge" in settings).

Loaded by the worker through CELERY_IMPORTS: autodiscovery only looks for `tasks` modules.
"""

from celery import shared_task
from django.db import DatabaseError

from reports.retention import purge_expired_cases


@shared_task(
    autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3, ignore_result=True
)
def purge_expired_cases_task() -> int:
    """Purge the cases past their retention and under no hold; how many. Each case is purged
    in a transaction of its own and a re-run completes what a failed run left, so a retry or a
    second delivery is harmless."""
    return len(purge_expired_cases().purged)
