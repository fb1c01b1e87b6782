"""The outbox relay and its clean-up, run by Celery beat (config/settings/base.py)."""

from celery import shared_task

from plumbing.outbox import services


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    """Hand pending outbox messages to the broker (every OUTBOX_RELAY_INTERVAL seconds)."""
    return services.relay_pending()


@shared_task(ignore_result=True)
def purge_published_outbox() -> int:
    return services.purge_published()
