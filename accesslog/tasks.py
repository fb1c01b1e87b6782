"""Celery tasks of the access log."""

from celery import shared_task

from accesslog.services import expire_access_log


@shared_task(ignore_result=True)
def expire_access_log_task() -> int:
    """Delete rows past ACCESS_LOG_RETENTION_DAYS (daily, by Celery beat)."""
    return expire_access_log()
